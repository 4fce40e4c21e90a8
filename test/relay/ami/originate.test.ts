import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AmiConnection } from '../../../relay/ami/connection.js';
import { buildOriginateAction, originate, originateAndFollow } from '../../../relay/ami/originate.js';
import type { OriginateRequest } from '../../../relay/ami/originate.js';
import { AmiValidationError } from '../../../relay/ami/errors.js';
import { header, serialize } from '../../../relay/ami/wire.js';
import type { AmiMessage } from '../../../relay/ami/wire.js';
import { connectReady, startScriptedPbx } from './scripted-pbx.js';
import type { ScriptedPbx } from './scripted-pbx.js';
import { receivedMessages, sentActionId } from './captures.js';

const base: OriginateRequest = {
  channel: 'Local/101@phones',
  application: 'ConfBridge',
  data: '7001',
  timeoutMs: 30_000,
  channelId: 'cb-1',
};

describe('buildOriginateAction', () => {
  it('writes Async Originate headers in capture 02a order with one Variable header per variable', () => {
    const headers = buildOriginateAction({
      ...base,
      callerId: { name: 'Perezvon', number: '100' },
      otherChannelId: 'cb-1-b',
      variables: { FOO: 'bar', __JOB: 'j-1' },
    });
    expect(headers).toEqual([
      ['Action', 'Originate'],
      ['Channel', 'Local/101@phones'],
      ['Application', 'ConfBridge'],
      ['Data', '7001'],
      ['Timeout', '30000'],
      ['CallerID', '"Perezvon" <100>'],
      ['Async', 'true'],
      ['ChannelId', 'cb-1'],
      ['OtherChannelId', 'cb-1-b'],
      ['Variable', 'FOO=bar'],
      ['Variable', '__JOB=j-1'],
    ]);
  });

  it('writes Context/Exten/Priority for a dialplan target', () => {
    const headers = buildOriginateAction({ channel: 'Local/101@phones', context: 'callback', exten: '89991234567', timeoutMs: 5000, channelId: 'cb-2' });
    expect(headers.slice(2, 5)).toEqual([
      ['Context', 'callback'],
      ['Exten', '89991234567'],
      ['Priority', '1'],
    ]);
  });

  it.each<[string, Partial<OriginateRequest> & Record<string, unknown>, string]>([
    ['CRLF in the channel', { channel: 'Local/101@phones\r\nAction: Command' }, 'channel'],
    ['a smuggled action in Data', { data: '7001\n\nAction: Originate' }, 'data'],
    ['a comma in a variable value', { variables: { HOLDTIME: '4,EVIL=1' } }, 'variables.HOLDTIME'],
    ['a bad variable name', { variables: { 'X=Y': '1' } }, 'variable name'],
    ['quotes in the caller ID name', { callerId: { name: 'a" <666>' } }, 'callerId.name'],
    ['a dial string in the caller ID number', { callerId: { number: 'Local/1@x' } }, 'callerId.number'],
    ['an overlong ChannelId', { channelId: 'c'.repeat(150) }, 'channelId'],
    ['OtherChannelId equal to ChannelId', { otherChannelId: 'cb-1' }, 'otherChannelId'],
    ['a zero timeout', { timeoutMs: 0 }, 'timeoutMs'],
    ['an application with arguments', { application: 'System(rm -rf /)' }, 'application'],
  ])('refuses %s', (_name, patch, field) => {
    expect(() => buildOriginateAction({ ...base, ...patch } as OriginateRequest)).toThrowError(AmiValidationError);
    try {
      buildOriginateAction({ ...base, ...patch } as OriginateRequest);
    } catch (err) {
      expect(err).toMatchObject({ code: 'AMI_INVALID_VALUE', field });
    }
  });
});

describe('originate (scripted PBX)', () => {
  let pbx: ScriptedPbx;
  let conn: AmiConnection;

  beforeEach(async () => {
    pbx = await startScriptedPbx();
    conn = await connectReady(pbx);
  });

  afterEach(async () => {
    await conn.stop();
    await pbx.close();
  });

  /** Answers the Originate as Asterisk did in `stem`: queued Response, then every event of the capture. */
  function replayOriginate(stem: string): void {
    pbx.handler = (action, reply, socket) => {
      const id = header(action, 'ActionID') ?? '';
      const captureId = sentActionId(stem, 'Originate');
      reply({ Response: 'Success', ActionID: id, Message: 'Originate successfully queued' });
      const events = receivedMessages(stem).messages.filter((m) => header(m, 'Event') !== undefined && header(m, 'Event') !== 'FullyBooted' && header(m, 'Event') !== 'SuccessfulAuth');
      const swap = (m: AmiMessage) => m.headers.map(([k, v]): [string, string] => [k, k === 'ActionID' && v === captureId ? id : v]);
      socket.write(events.map((m) => serialize(swap(m))).join(''));
      return true;
    };
  }

  it('resolves with the OriginateResponse event, not the queued Response', async () => {
    pbx.handler = (action, reply) => {
      const id = header(action, 'ActionID');
      reply({ Response: 'Success', ActionID: id, Message: 'Originate successfully queued' });
      setImmediate(() =>
        reply({ Event: 'OriginateResponse', Privilege: 'call,all', ActionID: id, Response: 'Failure', Channel: 'Local/300@phones', Application: 'ConfBridge', Data: '7001', Reason: 5, Uniqueid: 'cb-1' }),
      );
      return true;
    };
    const res = await originate(conn, base);
    expect(res).toMatchObject({ response: 'Failure', reason: 5, uniqueid: 'cb-1', channel: 'Local/300@phones' });
  });

  it('writes nothing for an invalid request', async () => {
    const before = pbx.received().length;
    await expect(originate(conn, { ...base, channel: 'Local/101@phones\r\n\r\nAction: Command' })).rejects.toMatchObject({ code: 'AMI_INVALID_VALUE' });
    const { follower, result } = originateAndFollow(conn, { ...base, variables: { X: 'a\rb' } });
    await expect(result).rejects.toBeDefined();
    await expect(follower.ended).rejects.toBeDefined();
    expect(pbx.received().length).toBe(before);
  });

  it('follows a busy call of capture 03a to outcome busy / 17', async () => {
    replayOriginate('03a-originate-busy');
    const { result, follower } = originateAndFollow(conn, { ...base, channel: 'Local/300@phones', channelId: 'orig-busy-chan' }, { settleMs: 200 });
    await expect(result).resolves.toMatchObject({ response: 'Failure', reason: 5 });
    const call = await follower.ended;
    expect(call.outcome).toMatchObject({ outcome: 'busy', cause: 17, causeText: 'User busy' });
    expect(call.complete).toBe(true);
    expect(call.timestamps.endedAt).toBeGreaterThanOrEqual(call.timestamps.originatedAt);
  });

  it('follows an answered call through a trunk Dial() (03h) with timestamps', async () => {
    replayOriginate('03h-originate-external-answered-via-dial');
    const { result, follower } = originateAndFollow(conn, { ...base, channel: 'Local/89991234567@outbound', data: '7003', channelId: 'orig-ext-chan' });
    await expect(result).resolves.toMatchObject({ response: 'Success', reason: 4, uniqueid: 'orig-ext-chan' });
    const call = await follower.ended;
    expect(call).toMatchObject({ reason: 4, dialStatus: 'ANSWER', endedBy: 'hangup' });
    expect(call.outcome.outcome).toBe('answered');
    expect(call.timestamps.answeredAt).not.toBeNull();
    // The route's Dial() reached the first leg; no second leg was dialled.
    expect(call.timestamps.dialAnsweredAt).toBeNull();
    expect(call.secondLegDialled).toBe(false);
  });
});
