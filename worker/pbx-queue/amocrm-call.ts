// One finished job as amoCRM's POST /api/v4/calls takes it: the call's direction, uniq (our attempt
// id), duration, source, phone, call_status mapped from our outcome, call_result in words with the
// Q.850 cause, responsible user and time. Pure; amocrm-desk.ts enqueues what this builds.
// Invariant: one entry per job, for its last attempt that was dialled; a job that never dialled has none.
import type { AmoCrmDomain } from '../../shared/amocrm.js';
import type { AttemptView, JobView } from '../../shared/jobs.js';

/**
 * amoCRM's call_status (amoCRM API: 4 conversation, 6 not reached, 7 busy, 8 undefined).
 * `abandoned` (issue 17: a leg that gave up, e.g. the operator hanging up while the customer rang)
 * is 6: no conversation took place and, as after no answer, the user's next step is to call again;
 * 8 is left for calls whose end says nothing about the customer (failed, congestion, unknown).
 */
const CALL_STATUS: Readonly<Record<string, number>> = { answered: 4, 'no-answer': 6, abandoned: 6, busy: 7 };
const UNDEFINED_STATUS = 8;

const OUTCOME_WORDS: Readonly<Record<string, string>> = {
  answered: 'Conversation', 'no-answer': 'No answer', busy: 'Busy', congestion: 'Network congestion',
  failed: 'Call failed', cancelled: 'Cancelled', abandoned: 'Abandoned',
};
const LEG_WORDS: Readonly<Record<string, string>> = { operator: 'the operator did not take the call; the customer was not called', customer: 'on the customer’s side' };
const MAX_RESULT = 255;

const LOOPBACK_ORIGIN = /^http:\/\/127\.0\.0\.1:[0-9]{1,5}$/;

/**
 * Where the calls go: the account's own host, derived, never a URL from outside. `testOverride` is the
 * AMOCRM_API_BASE_URL binding only the test harness sets; it counts only as a loopback origin, so a
 * deployment that set it by mistake would still send a token nowhere but to itself.
 */
export function amoCallsUrl(subdomain: string, domain: AmoCrmDomain, testOverride: string | undefined): string {
  const base = testOverride !== undefined && LOOPBACK_ORIGIN.test(testOverride) ? testOverride : `https://${subdomain}.${domain}`;
  return `${base}/api/v4/calls`;
}

export interface AmoCallEntry {
  direction: 'outbound';
  uniq: string;
  duration: number;
  source: string;
  phone: string;
  call_status: number;
  call_result: string;
  responsible_user_id?: number;
  created_at: number;
}

/** The attempt a job's entry describes: its last one that reached the PBX (an offer that lapsed dialled nothing). */
export function loggedAttempt(job: JobView): AttemptView | undefined {
  return job.attempts.filter((a) => a.status === 'ended').pop();
}

export function amoCallEntry(job: JobView, attempt: AttemptView, responsibleUserId: number | undefined): AmoCallEntry {
  const outcome = attempt.outcome ?? 'failed';
  const known = attempt.certainty !== 'unknown';
  return {
    // Every job is a callback: the PBX calls the customer, whichever leg rings first.
    direction: 'outbound',
    uniq: attempt.id,
    duration: Math.round((attempt.durationMs ?? 0) / 1000),
    source: 'perezvon',
    phone: job.request.customer,
    call_status: known ? (CALL_STATUS[outcome] ?? UNDEFINED_STATUS) : UNDEFINED_STATUS,
    call_result: callResult(attempt, outcome, known),
    ...(responsibleUserId === undefined ? {} : { responsible_user_id: responsibleUserId }),
    created_at: Math.floor(Date.parse(attempt.originatedAt ?? attempt.dispatchedAt ?? attempt.endedAt ?? new Date().toISOString()) / 1000),
  };
}

/** `No answer — on the customer’s side (Q.850 19: No answer)`, from the attempt's outcome and the cause Asterisk named. */
function callResult(a: AttemptView, outcome: string, known: boolean): string {
  const parts = [known ? (OUTCOME_WORDS[outcome] ?? outcome) : 'Outcome unknown (the end of the call was not observed)'];
  if (a.failedLeg !== null && outcome !== 'answered') parts.push(LEG_WORDS[a.failedLeg] ?? a.failedLeg);
  const cause = a.cause === null || a.cause === 0 ? '' : ` (Q.850 ${a.cause}${a.causeText === null ? '' : `: ${a.causeText}`})`;
  return `${parts.join(' — ')}${cause}`.slice(0, MAX_RESULT);
}
