// The one error type routes throw, and its rendering as a JSON problem. `app.ts` turns every thrown
// error into a response here, so no route builds error bodies by hand and no stack ever leaks.
import type { ErrorCode, Problem } from '../../shared/errors.js';
import { escapeControls } from '../../shared/free-text.js';

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
  ) {
    // Messages and fields may quote what was sent: never echo a raw control character.
    super(escapeControls(message));
    if (field !== undefined) this.field = escapeControls(field);
    this.name = 'HttpProblem';
  }

  toBody(requestId?: string): Problem {
    const body: Problem = { status: this.status, code: this.code, message: this.message };
    if (this.field !== undefined) body.field = this.field;
    if (requestId !== undefined) body.requestId = requestId;
    return body;
  }
}

export const notFound = (what: string): HttpProblem => new HttpProblem(404, 'not_found', `${what} not found`);
export const unauthorized = (message = 'missing or invalid credentials'): HttpProblem =>
  new HttpProblem(401, 'unauthorized', message, 'authorization', { 'www-authenticate': 'Bearer' });
