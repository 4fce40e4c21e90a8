// Packs the relay as npm would publish it and installs the tarball the way a PBX host does
// (production dependencies only). Used by scripts/image-context.ts and the package test.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** `npm pack` (its prepack builds dist/relay.mjs) into dir; returns the tarball's path. */
export function packRelay(dir: string): string {
  mkdirSync(dir, { recursive: true });
  execFileSync(NPM, ['pack', '--pack-destination', resolve(dir), '--silent'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const tarball = readdirSync(dir).find((f) => /^perezvon-.*\.tgz$/.test(f));
  if (tarball === undefined) throw new Error(`npm pack left no perezvon-*.tgz in ${dir}`);
  return join(resolve(dir), tarball);
}

/** Installs the tarball into dir with production dependencies only (from the npm cache when it can); returns the installed package's directory. */
export function installRelay(tarball: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  execFileSync(NPM, ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', resolve(tarball)], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  return join(resolve(dir), 'node_modules', 'perezvon');
}
