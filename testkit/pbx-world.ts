// A whole-system world on a PbxDriver: the Worker in workerd, a PBX record with the lane's settings, the
// relay process connected to the driver's (cuttable) AMI endpoint, and the driver's AMI observer. Shared
// by the real-PBX lane (test/pbx) and the same scenarios on the simulator (test/e2e/*-scenarios).
import type { PbxSettingsInput } from '../shared/pbx.js';
import type { PbxDriver } from './pbx-driver.js';
import { DEMO_SETTINGS, startSystemOn, type SystemCore } from './system.js';

/** Settings every lane world starts from: the kit's contexts and a 5 s ring time (DEMO_SETTINGS), room for parallel calls, no retry. */
export const LANE_SETTINGS: PbxSettingsInput = { ...DEMO_SETTINGS, maxConcurrentCalls: 20, retry: { maxAttempts: 1 } };

export const RELAY_BOOT_MS = 45_000;

export interface LaneWorld {
  readonly driver: PbxDriver;
  readonly system: SystemCore;
  stop(): Promise<void>;
}

export async function startLaneWorld(driver: PbxDriver, settings: Partial<PbxSettingsInput> = {}, relayEnv: Record<string, string> = {}): Promise<LaneWorld> {
  const system = await startSystemOn(driver.ami, { settings: { ...LANE_SETTINGS, ...settings }, relay: false });
  try {
    // The lane boots several worlds at once (workerd, Asterisk, the relay under tsx) on a shared 2-core
    // machine: the relay's first login may take longer than a single world's.
    await system.startRelay({ PEREZVON_CAPACITY: String(settings.maxConcurrentCalls ?? LANE_SETTINGS.maxConcurrentCalls), ...relayEnv }, RELAY_BOOT_MS);
  } catch (e) {
    await system.stop();
    throw e;
  }
  return {
    driver, system,
    async stop() {
      await Promise.allSettled([system.stop()]);
      await driver.close();
    },
  };
}
