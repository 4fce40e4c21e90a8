// The real-PBX lane's global setup: builds the kit's Asterisk once (a second build returns at once),
// gives every test file one root for its PBX instances, and stops whatever is still running under it
// at the end — also when a test file crashed, and at process exit when the run is interrupted.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildKit, kitDir, kitExists, stopAllUnder } from '../../testkit/pbx-kit.js';

export default async function setup(): Promise<() => void> {
  const kit = kitDir();
  // A staging PBX needs no kit: the suite only connects to it.
  if (process.env.PEREZVON_PBX_AMI === undefined) {
    if (!kitExists(kit)) throw new Error(`no real-PBX kit at ${kit} (set PEREZVON_PBX_KIT, or PEREZVON_PBX_AMI for a staging PBX)`);
    await buildKit(kit);
  }
  const root = mkdtempSync(join(tmpdir(), 'perezvon-pbx-lane-'));
  process.env.PEREZVON_PBX_ROOT = root;
  const teardown = (): void => stopAllUnder(root, kit);
  process.once('exit', teardown);
  return teardown;
}
