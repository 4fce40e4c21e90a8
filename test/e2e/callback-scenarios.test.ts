// The real-PBX lane's callback scenarios (test/scenarios/callback-scenarios.ts) on the simulator: the
// same specification, so the fast PBX and the real one are held to the same behaviour.
import { describe } from 'vitest';
import { simulatorDriver } from '../../testkit/pbx-driver.js';
import { startLaneWorld } from '../../testkit/pbx-world.js';
import { callbackScenarios } from '../scenarios/callback-scenarios.js';

describe('on the simulator', () => {
  callbackScenarios(async () => startLaneWorld(await simulatorDriver()));
});
