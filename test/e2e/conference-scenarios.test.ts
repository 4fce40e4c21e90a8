// The real-PBX lane's conference scenarios (test/scenarios/conference-scenarios.ts) on the simulator.
import { describe } from 'vitest';
import { simulatorDriver } from '../../testkit/pbx-driver.js';
import { startLaneWorld } from '../../testkit/pbx-world.js';
import { conferenceScenarios } from '../scenarios/conference-scenarios.js';

describe('on the simulator', () => {
  conferenceScenarios(async () => startLaneWorld(await simulatorDriver()));
});
