// Reads and validates request bodies and queries with zod, turning the first issue into a problem
// that names the field. Bodies are size-bounded before parsing so a huge body costs nothing.
import type { Context } from 'hono';
import type { z } from 'zod';
import { HttpProblem } from './problem.js';

/** Upper bound for any JSON body we accept. Bytes. */
export const MAX_BODY_BYTES = 16 * 1024;

export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<{ value: z.output<S>; raw: string }> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpProblem(415, 'unsupported_media_type', 'send the body as application/json', 'content-type');
  }
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const raw = await c.req.text();
  if (new TextEncoder().encode(raw).length > MAX_BODY_BYTES) throw tooLarge();
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new HttpProblem(400, 'validation_failed', 'the body is not valid JSON');
  }
  return { value: parseOrThrow(schema, json), raw };
}

export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw problemFromIssues(result.error.issues);
}

function problemFromIssues(issues: ReadonlyArray<z.core.$ZodIssue>): HttpProblem {
  const issue = issues[0];
  if (issue === undefined) return new HttpProblem(400, 'validation_failed', 'invalid request');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const field = [...issue.path.map(String), key].join('.');
    return new HttpProblem(400, 'unknown_field', `unknown field ${JSON.stringify(field)}`, field);
  }
  const field = issue.path.map(String).join('.');
  const message = field ? `${field}: ${issue.message}` : issue.message;
  return new HttpProblem(400, 'validation_failed', message, field || undefined);
}

const tooLarge = (): HttpProblem =>
  new HttpProblem(413, 'body_too_large', `the body is larger than ${MAX_BODY_BYTES} bytes`);
