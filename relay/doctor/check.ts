// One line of `perezvon-relay doctor`: what was checked, how it went, and for a failure what to fix.
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckLine {
  readonly status: CheckStatus;
  readonly name: string;
  readonly message: string;
}

export const ok = (name: string, message: string): CheckLine => ({ status: 'ok', name, message });
export const warn = (name: string, message: string): CheckLine => ({ status: 'warn', name, message });
export const fail = (name: string, message: string): CheckLine => ({ status: 'fail', name, message });
export const skip = (name: string, message: string): CheckLine => ({ status: 'skip', name, message });

const MARK: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', skip: 'skip' };

export function formatLine(line: CheckLine): string {
  return `${MARK[line.status]}  ${line.name}: ${line.message}`;
}

/** The code of a Node error (ECONNREFUSED, ENOTFOUND…), or its message. */
export function errorText(err: unknown): string {
  const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
  if (typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string') return cause.code;
  return cause instanceof Error ? cause.message : String(cause);
}
