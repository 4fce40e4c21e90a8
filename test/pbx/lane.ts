// Which real PBX a lane test file runs on: a fresh instance of the kit's Asterisk with the lane's
// dialplan (testkit/dialplan/lane.conf), or — with PEREZVON_PBX_AMI=ami://user:secret@host:port — an
// admin's staging PBX that carries the same dialplan (README "The real-PBX lane").
import type { PbxSettingsInput } from '../../shared/pbx.js';
import { realPbxDriver } from '../../testkit/pbx-driver.js';
import { startLaneWorld, type LaneWorld } from '../../testkit/pbx-world.js';

export async function realWorld(settings: Partial<PbxSettingsInput> = {}): Promise<LaneWorld> {
  const driver = await realPbxDriver();
  try {
    return await startLaneWorld(driver, settings);
  } catch (e) {
    await driver.close();
    throw e;
  }
}
