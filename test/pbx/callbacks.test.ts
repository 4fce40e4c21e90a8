// Callback jobs on a real Asterisk 22: both directions, every outcome, cancel and retry (the shared
// scenarios of test/scenarios/callback-scenarios.ts, also run on the simulator in npm test).
import { describe } from 'vitest';
import { callbackScenarios } from '../scenarios/callback-scenarios.js';
import { realWorld } from './lane.js';

describe('on a real Asterisk', () => {
  callbackScenarios(() => realWorld());
});
