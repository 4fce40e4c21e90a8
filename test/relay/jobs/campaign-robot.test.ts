// The robot's report on AMI (captures 17 and 17b: `UserEvent: RobotResult`) becomes a `robot.result`
// frame only with the Worker's own campaign and contact ids and one digit or none.
import { describe, expect, it } from 'vitest';
import { robotResult } from '../../../relay/jobs/campaign-robot.js';
import type { AmiMessage } from '../../../relay/ami/wire.js';
import { SKIPPED_EVENTS } from '../../../relay/ami/skipped-events.js';
import { receivedMessages } from '../ami/captures.js';

const CAMPAIGN = 'cmp_AAAAAAAAAAAAAAAA';
const CONTACT = 'cct_BBBBBBBBBBBBBBBB';

function robotEvent(stem: string): AmiMessage {
  const ev = receivedMessages(stem).messages.find((m) => m.headers.some(([k, v]) => k === 'UserEvent' && v === 'RobotResult'));
  if (ev === undefined) throw new Error(`no RobotResult in ${stem}`);
  return ev;
}

/** The captured event as it would come for a real campaign call (the capture's dialplan used c1/k9). */
function withIds(ev: AmiMessage, campaign: string, contact: string): AmiMessage {
  return { ...ev, headers: ev.headers.map(([k, v]) => [k, k === 'Campaign' ? campaign : k === 'Contact' ? contact : v] as const) };
}

describe('campaign robot result', () => {
  it('reports the pressed digit of capture 17 with the call\'s Uniqueid', () => {
    const frame = robotResult(withIds(robotEvent('round2/17-robot-dtmf'), CAMPAIGN, CONTACT), 1000);
    expect(frame).toEqual({ type: 'robot.result', campaign: CAMPAIGN, contact: CONTACT, digit: '9', at: 1000, uniqueid: 'r17' });
  });

  it('reports an empty digit when Read() timed out (capture 17b)', () => {
    expect(robotResult(withIds(robotEvent('round2/17b-robot-no-digit'), CAMPAIGN, CONTACT), 1000)?.digit).toBe('');
  });

  it('ignores ids that are not the Worker\'s, as in the capture itself, and anything that is not one digit', () => {
    expect(robotResult(robotEvent('round2/17-robot-dtmf'), 1000)).toBeUndefined();
    const ev = withIds(robotEvent('round2/17-robot-dtmf'), CAMPAIGN, CONTACT);
    expect(robotResult({ ...ev, headers: ev.headers.map(([k, v]) => [k, k === 'Digit' ? '91' : v] as const) }, 1000)).toBeUndefined();
  });

  it('is not among the AMI events the parser skips before reading them', () => {
    expect(SKIPPED_EVENTS.has('UserEvent')).toBe(false);
  });
});
