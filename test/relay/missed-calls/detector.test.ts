// The missed-call detector on hand-written AMI event sequences (field names as in captures 03h and 09).
import { describe, expect, it } from 'vitest';
import { callbackChannelIds, externalChannelIds, memberChannelIds } from '../../../shared/channel-ids.js';
import { message } from '../../../relay/ami/wire.js';
import { MissedCallDetector } from '../../../relay/missed-calls/detector.js';

const CALLER = '+79991234567';
const UID = '1700000000.42';

function detector(enabled = true): MissedCallDetector {
  const d = new MissedCallDetector();
  d.setWatch({
    type: 'missed-calls.watch', enabled, operatorContexts: ['from-internal'],
    watch: { queues: ['support'], extensions: ['102'], dids: ['74950000001'], inboundContexts: ['from-trunk'] },
  });
  return d;
}

const inbound = (exten: string, uid = UID) => message({ Event: 'Newchannel', Channel: 'PJSIP/trunk-00000001', CallerIDNum: CALLER, Context: 'from-trunk', Exten: exten, Uniqueid: uid, Linkedid: uid });
const ev = (name: string, extra: Record<string, string> = {}, uid = UID) => message({ Event: name, Uniqueid: uid, ...extra });

function run(d: MissedCallDetector, events: ReturnType<typeof message>[]): unknown[] {
  return events.flatMap((e) => d.onEvent(e, 1000));
}

describe('missed-call detector', () => {
  it('reports a queue caller who hung up before any agent answered, once', () => {
    const frames = run(detector(), [inbound('74950000009'), ev('QueueCallerJoin', { Queue: 'support' }), ev('QueueCallerAbandon', { Queue: 'support' }), ev('Hangup')]);
    expect(frames).toEqual([{ type: 'missed-call', caller: CALLER, target: 'support', kind: 'queue', at: 1000, uniqueid: UID }]);
  });

  it('reports an answered queue call as connected, never as missed', () => {
    const frames = run(detector(), [inbound('74950000009'), ev('QueueCallerJoin', { Queue: 'support' }), ev('AgentConnect', { Queue: 'support' }), ev('Hangup')]);
    expect(frames).toEqual([{ type: 'call-connected', number: CALLER, direction: 'inbound', at: 1000, uniqueid: UID }]);
  });

  it('reports a watched extension that rang without an answer', () => {
    const frames = run(detector(), [inbound('74950000009'), ev('DialBegin', { DialString: 'PJSIP/102' }), ev('DialEnd', { DialStatus: 'NOANSWER' }), ev('Hangup')]);
    expect(frames).toEqual([{ type: 'missed-call', caller: CALLER, target: '102', kind: 'extension', at: 1000, uniqueid: UID }]);
  });

  it('reports an unanswered call to a watched DID', () => {
    expect(run(detector(), [inbound('74950000001'), ev('Hangup')])).toMatchObject([{ type: 'missed-call', target: '74950000001', kind: 'did' }]);
  });

  it('ignores unwatched targets, internal callers, its own calls and everything while disabled', () => {
    expect(run(detector(), [inbound('74950000009'), ev('DialBegin', { DialString: 'PJSIP/105' }), ev('Hangup')])).toEqual([]);
    const internal = message({ Event: 'Newchannel', Channel: 'PJSIP/101-1', CallerIDNum: '101', Context: 'from-trunk', Exten: '74950000001', Uniqueid: 'u2', Linkedid: 'u2' });
    expect(run(detector(), [internal, ev('Hangup', {}, 'u2')])).toEqual([]);
    for (const own of [callbackChannelIds('att_1').otherChannelId, memberChannelIds('mem_1', 1).otherChannelId, externalChannelIds('7001', 'r', 1).otherChannelId]) {
      expect(run(detector(), [inbound('74950000001', own), ev('Hangup', {}, own)])).toEqual([]);
    }
    expect(run(detector(false), [inbound('74950000001'), ev('Hangup')])).toEqual([]);
  });

  it('reports an operator’s answered call to an outside number as connected', () => {
    const out = message({ Event: 'Newchannel', Channel: 'PJSIP/101-2', CallerIDNum: '101', Context: 'from-internal', Exten: CALLER, Uniqueid: 'u3', Linkedid: 'u3' });
    expect(run(detector(), [out, ev('DialEnd', { DialStatus: 'ANSWER' }, 'u3'), ev('Hangup', {}, 'u3')]))
      .toEqual([{ type: 'call-connected', number: CALLER, direction: 'outbound', at: 1000, uniqueid: 'u3' }]);
  });

  it('forgets a call at its Hangup', () => {
    const d = detector();
    run(d, [inbound('74950000009'), ev('Hangup')]);
    expect(d.tracking).toBe(0);
  });
});
