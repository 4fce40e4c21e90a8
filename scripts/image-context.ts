// `npm run image:context -- <dir> [--check]`: makes the build context of deploy/Dockerfile in <dir>:
// the relay packed with npm pack and installed with production dependencies only (app/), and the
// Dockerfile. With --check (CI, no Docker daemon needed) it runs the image's ENTRYPOINT from the
// context, its /opt/perezvon-relay mapped to app/, with --version, and fails unless that prints the
// package's version.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { installRelay, packRelay, ROOT } from './relay-package.js';

const IMAGE_APP_DIR = '/opt/perezvon-relay';

const [target, ...flags] = process.argv.slice(2);
if (target === undefined || flags.some((f) => f !== '--check')) {
  process.stderr.write('usage: npm run image:context -- <dir> [--check]\n');
  process.exit(64);
}
const context = resolve(target);
mkdirSync(context, { recursive: true });
const packDir = mkdtempSync(join(tmpdir(), 'perezvon-pack-'));
try {
  installRelay(packRelay(packDir), join(context, 'app'));
} finally {
  rmSync(packDir, { recursive: true, force: true });
}
copyFileSync(join(ROOT, 'deploy', 'Dockerfile'), join(context, 'Dockerfile'));
process.stdout.write(`build context ready: docker build -t perezvon-relay ${context}\n`);

if (flags.includes('--check')) {
  const dockerfile = readFileSync(join(context, 'Dockerfile'), 'utf8');
  const entry = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
  if (entry === undefined) throw new Error('deploy/Dockerfile has no ENTRYPOINT ["…"] line');
  const [command, ...args] = (JSON.parse(entry) as string[]).map((part) => part.replace(IMAGE_APP_DIR, join(context, 'app')));
  if (command !== 'node') throw new Error(`the ENTRYPOINT should start node, not ${command}`);
  const printed = execFileSync(process.execPath, [...args, '--version'], { encoding: 'utf8' }).trim();
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  if (printed !== version) throw new Error(`the image's entrypoint printed ${JSON.stringify(printed)}, not the version ${version}`);
  process.stdout.write(`entrypoint from the context: --version → ${printed}\n`);
}
