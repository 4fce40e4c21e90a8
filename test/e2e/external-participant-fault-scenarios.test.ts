// The real-PBX lane's fault scenarios of the external participant (test/scenarios/) on the simulator.
import { describe } from 'vitest';
import { simulatorDriver } from '../../testkit/pbx-driver.js';
import { startLaneWorld } from '../../testkit/pbx-world.js';
import { externalParticipantFaultScenarios } from '../scenarios/external-participant-fault-scenarios.js';

describe('on the simulator', () => {
  externalParticipantFaultScenarios(async () => startLaneWorld(await simulatorDriver()));
});
