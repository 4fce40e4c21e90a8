// Which real PBX a lane test file runs on: a fresh instance of the kit's Asterisk with the lane's
// dialplan (test/pbx/dialplan/lane.conf), or — with PEREZVON_PBX_AMI=ami://user:secret@host:port — an
// admin's staging PBX that carries the same dialplan (README "The real-PBX lane").
import { fileURLToPath } from 'node:url';
import type { PbxSettingsInput } from '../../shared/pbx.js';
import { asteriskDriver, endpointDriver, parseAmiUrl, type PbxDriver } from '../../testkit/pbx-driver.js';
import { startLaneWorld, type LaneWorld } from '../../testkit/pbx-world.js';

export const LANE_DIALPLAN = fileURLToPath(new URL('./dialplan/lane.conf', import.meta.url));

export function realPbx(): Promise<PbxDriver> {
  const staging = process.env.PEREZVON_PBX_AMI;
  return staging === undefined ? asteriskDriver({ extra: LANE_DIALPLAN }) : endpointDriver(parseAmiUrl(staging));
}

export async function realWorld(settings: Partial<PbxSettingsInput> = {}): Promise<LaneWorld> {
  const driver = await realPbx();
  try {
    return await startLaneWorld(driver, settings);
  } catch (e) {
    await driver.close();
    throw e;
  }
}
