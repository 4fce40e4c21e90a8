// The permanent external participant across an AMI drop and a relay SIGKILL on a real Asterisk 22 (the
// shared scenarios of test/scenarios/external-participant-fault-scenarios.ts), on a PBX of its own.
import { describe } from 'vitest';
import { externalParticipantFaultScenarios } from '../scenarios/external-participant-fault-scenarios.js';
import { realWorld } from './lane.js';

describe('on a real Asterisk', () => {
  externalParticipantFaultScenarios(() => realWorld());
});
