#!/usr/bin/env node
// The `perezvon-relay` command of the package: the relay built to plain JavaScript (npm run build:relay,
// run by npm pack), so a PBX host needs Node.js only. From a git checkout, `npm run relay` runs the sources.
import { existsSync } from 'node:fs';

const built = new URL('../dist/relay.mjs', import.meta.url);
if (!existsSync(built)) {
  process.stderr.write('perezvon-relay: dist/relay.mjs is missing. In a git checkout run `npm run build:relay` (or `npm run relay` for the sources).\n');
  process.exit(70);
}
await import(built.href);
