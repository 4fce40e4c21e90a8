// Where the real Asterisk captures live: the project's own copy in test/fixtures/ami-captures/
// (copied unchanged from the reference captures, README and FACTS included), so a fresh clone needs
// nothing beside it. One definition for the simulator's replay tests, the relay's tests and bench/.
import { fileURLToPath } from 'node:url';

export const CAPTURES_DIR = fileURLToPath(new URL('../test/fixtures/ami-captures/', import.meta.url));
