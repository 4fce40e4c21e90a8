// Conference assembly and the permanent external participant on a real Asterisk 22 (the shared
// scenarios of test/scenarios/conference-scenarios.ts, also run on the simulator in npm test).
import { describe } from 'vitest';
import { conferenceScenarios } from '../scenarios/conference-scenarios.js';
import { realWorld } from './lane.js';

describe('on a real Asterisk', () => {
  conferenceScenarios(() => realWorld());
});
