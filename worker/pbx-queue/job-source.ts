// Which way a job came in, for the CRM write-back filters: the paths that create jobs themselves
// (widget, missed-call, Bitrix24, amoCRM) mark them in `metadata.source`; a signed webhook's job carries
// the `webhook:` idempotency namespace; everything else came through the API. Pure.
// Invariant: the API's own caller can set `metadata.source` too, so this labels, it never authorises.
import { JOB_SOURCES, type JobSource } from '../../shared/amocrm.js';
import type { JobView } from '../../shared/jobs.js';

export function jobSource(job: JobView, idempotencyKey: string | null): JobSource {
  const marked = job.request.metadata?.source;
  if (typeof marked === 'string' && marked !== 'api' && marked !== 'webhook' && (JOB_SOURCES as readonly string[]).includes(marked)) return marked as JobSource;
  return idempotencyKey?.startsWith('webhook:') === true ? 'webhook' : 'api';
}
