// Where the real Asterisk captures live: ../shared/ami-transcripts beside the checkout (the
// read-only reference folder; CI clones the project next to it). One definition for every test.
import { fileURLToPath } from 'node:url';

export const CAPTURES_DIR = fileURLToPath(new URL('../../../shared/ami-transcripts/', import.meta.url));
