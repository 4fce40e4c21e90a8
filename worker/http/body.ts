// Reads and validates request bodies and queries with zod, turning the first issue into a problem
// that names the field. Bodies are size-bounded by one middleware before any route sees them.
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { RESERVED_KEYS } from '../../shared/free-text.js';
import { HttpProblem } from './problem.js';
import { MAX_UPLOAD_BYTES } from './upload.js';

/** Upper bound for any JSON body we accept. Bytes. */
export const MAX_BODY_BYTES = 16 * 1024;

export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<{ value: z.output<S>; raw: string }> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpProblem(415, 'unsupported_media_type', 'send the body as application/json', 'content-type');
  }
  const raw = await c.req.text();
  return { value: parseOrThrow(schema, parseJsonBody(raw)), raw };
}

/**
 * JSON.parse, refusing `__proto__`, `constructor` and `prototype` keys at any depth (schemas would
 * drop some of them silently; a refusal tells the sender and keeps them out of every object).
 */
export function parseJsonBody(raw: string): unknown {
  let reserved: string | undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw, (key, value: unknown) => {
      if (RESERVED_KEYS.has(key)) reserved ??= key;
      return value;
    });
  } catch {
    throw new HttpProblem(400, 'validation_failed', 'the body is not valid JSON');
  }
  if (reserved !== undefined) throw new HttpProblem(400, 'validation_failed', `the key ${JSON.stringify(reserved)} is not allowed anywhere in a body`, reserved);
  return json;
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

/** Routes that take a list upload (campaign contacts, the do-not-call list) and read it with readUpload. */
const UPLOAD_ROUTE = /^\/v1\/pbxes\/[^/]+\/(campaigns\/[^/]+\/contacts|dnc)$/;

const tooLarge = (maxSize: number): MiddlewareHandler => bodyLimit({
  maxSize,
  onError: () => {
    throw new HttpProblem(413, 'body_too_large', `the body is larger than ${maxSize} bytes`);
  },
});
const limitJson = tooLarge(MAX_BODY_BYTES);
const limitUpload = tooLarge(MAX_UPLOAD_BYTES);

/**
 * For every route, authenticated or not: a declared Content-Length over the limit is refused unread,
 * and a body without one (chunked) is read only up to the limit, then refused, the rest never read.
 * The limit is MAX_BODY_BYTES everywhere except the two upload routes (POST of UPLOAD_ROUTE), whose
 * bound is MAX_UPLOAD_BYTES (16 MiB: 100,000 contact rows); no other route is lifted with them.
 */
export const limitBodies: MiddlewareHandler = (c, next) =>
  (c.req.method === 'POST' && UPLOAD_ROUTE.test(c.req.path) ? limitUpload : limitJson)(c, next);
