// Error codes and the JSON problem shape shared by the Worker (which answers with problems) and the
// relay and tests (which read them). Codes are stable API: clients branch on `code`, never on `message`.

export const ERROR_CODES = [
  'validation_failed',
  'unknown_field',
  'body_too_large',
  'unsupported_media_type',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'idempotency_conflict',
  'destination_not_allowed',
  'extension_not_allowed',
  'not_cancellable',
  'rate_limited',
  'internal',
  'origin_not_allowed',
  'captcha_failed',
  'captcha_unavailable',
  'outside_working_hours',
  'signature_invalid',
  'timestamp_out_of_tolerance',
  'webhook_replayed',
  'callback_url_not_allowed',
  /** An org request names an extension or queue that no PBX of the organisation owns. */
  'not_routable',
  'method_not_allowed',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The body of every error response (a subset of RFC 9457 with a machine-readable `code`). */
export interface Problem {
  /** HTTP status, repeated in the body for clients that lose it. */
  status: number;
  code: ErrorCode;
  /** Human-readable, safe to show; never contains secrets or stack traces. */
  message: string;
  /** Dotted path of the offending field (`operator.extension`), or header name, when one is to blame. */
  field?: string;
  /** Correlates with the Worker's logs. */
  requestId?: string;
}
