// The relay's version, read from the package.json of the install it runs from: relay/ (sources) and
// dist/ (the built package) both sit one level below it, so the same relative path serves both.
import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

export const RELAY_VERSION: string = pkg.version;
/** What the relay tells the Worker in its hello (`software`). */
export const RELAY_SOFTWARE = `perezvon-relay/${RELAY_VERSION}`;
