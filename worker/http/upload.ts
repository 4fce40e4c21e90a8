// Reads a large text upload (a contact list) with a hard byte bound: a declared length over it is
// refused before a byte is read, and a body that turns out longer is refused as soon as it does.
// The bytes must be UTF-8 text without NULs, so binary garbage never reaches a parser.
import type { Context } from 'hono';
import { HttpProblem } from './problem.js';

/** Upper bound of a contact or do-not-call upload: 100,000 rows of about 160 bytes. */
export const MAX_UPLOAD_BYTES = 16 * 1024 * 1024;

export type UploadKind = 'csv' | 'json';

export function uploadKind(c: Context): UploadKind {
  const type = c.req.header('content-type') ?? '';
  if (/^text\/csv\b/i.test(type)) return 'csv';
  if (/^application\/json\b/i.test(type)) return 'json';
  throw new HttpProblem(415, 'unsupported_media_type', 'send text/csv or application/json', 'content-type');
}

export async function readUpload(c: Context): Promise<string> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > MAX_UPLOAD_BYTES) throw tooLarge();
  const body = c.req.raw.body;
  if (body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_UPLOAD_BYTES) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new HttpProblem(400, 'validation_failed', 'the body is not UTF-8 text', 'body');
  }
  if (text.includes('\u0000')) throw new HttpProblem(400, 'validation_failed', 'the body is not text (it contains NUL bytes)', 'body');
  return text;
}

const tooLarge = (): HttpProblem => new HttpProblem(413, 'body_too_large', `the upload is larger than ${MAX_UPLOAD_BYTES} bytes`);
