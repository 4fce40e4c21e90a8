import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AmiConnection } from '../../../relay/ami/connection.js';
import { AmiActionError } from '../../../relay/ami/errors.js';
import { sendList, type AmiListResult } from '../../../relay/ami/event-list.js';
import { header, serialize } from '../../../relay/ami/wire.js';
import type { AmiMessage } from '../../../relay/ami/wire.js';
import { connectReady, startScriptedPbx } from './scripted-pbx.js';

/** `ListItems` of the list's Complete event: what Asterisk says it sent, to check what was collected. */
const listItemCount = (result: AmiListResult): number | null => {
  const raw = result.complete ? header(result.complete, 'ListItems') : undefined;
  return raw === undefined || !/^[0-9]+$/.test(raw) ? null : Number(raw);
};
import type { ScriptedPbx } from './scripted-pbx.js';
import { answersFor } from './captures.js';

let pbx: ScriptedPbx;
let conn: AmiConnection;

/** Replays what Asterisk answered to `captureId` in `stem`, with the live ActionID swapped in, as one chunk. */
function replay(stem: string, captureId: string): void {
  pbx.handler = (action, _reply, socket) => {
    const id = header(action, 'ActionID') ?? '';
    const swap = (m: AmiMessage) => m.headers.map(([k, v]): [string, string] => [k, k === 'ActionID' ? id : v]);
    socket.write(answersFor(stem, captureId).map((m) => serialize(swap(m))).join(''));
    return true;
  };
}

beforeEach(async () => {
  pbx = await startScriptedPbx();
  conn = await connectReady(pbx);
});

afterEach(async () => {
  await conn.stop();
  await pbx.close();
});

describe('sendList (replayed captures)', () => {
  it('collects ConfbridgeList items whose ActionID is the 2nd header (capture 05)', async () => {
    replay('05-confbridge-list-kick', 'list-1');
    const list = await sendList(conn, { Action: 'ConfbridgeList', Conference: '7001' });
    expect(list.items).toHaveLength(3);
    expect(list.items.every((i) => header(i, 'Event') === 'ConfbridgeList')).toBe(true);
    expect(header(list.complete ?? { headers: [] }, 'Event')).toBe('ConfbridgeListComplete');
    expect(listItemCount(list)).toBe(3);
  });

  it('collects Queue* items whose ActionID is the last header (capture 09)', async () => {
    replay('09-queue-status-summary', 'qs-1');
    const list = await sendList(conn, { Action: 'QueueStatus' });
    expect(list.items.length).toBeGreaterThan(0);
    expect(list.items.length).toBe(listItemCount(list));
    expect(list.items.some((i) => header(i, 'Event') === 'QueueMember')).toBe(true);
  });

  it('collects CoreShowChannels and its empty form (capture 06)', async () => {
    replay('06-channel-actions', 'csc-1');
    const full = await sendList(conn, { Action: 'CoreShowChannels' });
    expect(full.items.length).toBeGreaterThan(0);
    expect(full.items.every((i) => header(i, 'Event') === 'CoreShowChannel')).toBe(true);
    replay('06-channel-actions', 'csc-2');
    const empty = await sendList(conn, { Action: 'CoreShowChannels' });
    expect(empty.items).toEqual([]);
    expect(listItemCount(empty)).toBe(0);
  });

  it('collects the ChannelHungup list of a Hangup with a /regex/ (capture 06)', async () => {
    replay('06-channel-actions', 'hup-regex-none');
    const list = await sendList(conn, { Action: 'Hangup', Channel: '/^Local\\/1.*/' });
    expect(list.items).toEqual([]);
    expect(header(list.complete ?? { headers: [] }, 'Event')).toBe('ChannelsHungupListComplete');
  });

  it('takes "No active conferences." as an empty list only when asked (capture 05)', async () => {
    replay('05-confbridge-list-kick', 'rooms-2');
    const err = await sendList(conn, { Action: 'ConfbridgeListRooms' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AmiActionError);
    expect(err).toMatchObject({ code: 'AMI_ACTION_ERROR', message: 'No active conferences.' });
    const empty = await sendList(conn, { Action: 'ConfbridgeListRooms' }, { emptyOnKnownErrors: true });
    expect(empty).toMatchObject({ items: [], complete: null });
  });

  it('takes "No Conference by that name found." as empty but not "No Conference name provided."', async () => {
    replay('05-confbridge-list-kick', 'list-nosuch');
    const empty = await sendList(conn, { Action: 'ConfbridgeList', Conference: '9999' }, { emptyOnKnownErrors: true });
    expect(empty.items).toEqual([]);
    replay('05-confbridge-list-kick', 'list-noconf');
    await expect(sendList(conn, { Action: 'ConfbridgeList' }, { emptyOnKnownErrors: true })).rejects.toMatchObject({
      message: 'No Conference name provided.',
    });
  });
});

describe('sendList (what Asterisk 22.10.1 answers beyond the captures)', () => {
  it('takes ConfbridgeList\'s "No active conferences." (no room on the whole PBX) as an empty room', async () => {
    // app_confbridge.c action_confbridgelist checks for any conference before it looks the room up.
    pbx.handler = (action, _reply, socket) => {
      socket.write(serialize([['Response', 'Error'], ['ActionID', header(action, 'ActionID') ?? ''], ['Message', 'No active conferences.']]));
      return true;
    };
    const empty = await sendList(conn, { Action: 'ConfbridgeList', Conference: '7001' }, { emptyOnKnownErrors: true });
    expect(empty).toMatchObject({ items: [], complete: null });
  });
});

describe('sendList (failures)', () => {
  it('rejects with AMI_DISCONNECTED when the socket drops between items', async () => {
    pbx.handler = (action, reply) => {
      reply({ Response: 'Success', ActionID: header(action, 'ActionID'), EventList: 'start', Message: 'Channels will follow' });
      reply({ Event: 'CoreShowChannel', ActionID: header(action, 'ActionID'), Channel: 'Local/101@phones-00000000;1' });
      setImmediate(() => pbx.dropConnections());
      return true;
    };
    await expect(sendList(conn, { Action: 'CoreShowChannels' })).rejects.toMatchObject({ code: 'AMI_DISCONNECTED' });
  });

  it('rejects with AMI_TIMEOUT when the Complete event never comes', async () => {
    pbx.handler = (action, reply) => {
      reply({ Response: 'Success', ActionID: header(action, 'ActionID'), EventList: 'start', Message: 'Channels will follow' });
      return true;
    };
    await expect(sendList(conn, { Action: 'CoreShowChannels' }, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'AMI_TIMEOUT' });
  });

  it('ignores list items of another ActionID', async () => {
    pbx.handler = (action, reply) => {
      const id = header(action, 'ActionID');
      reply({ Response: 'Success', ActionID: id, EventList: 'start' });
      reply({ Event: 'CoreShowChannel', ActionID: 'someone-else', Channel: 'x' });
      reply({ Event: 'CoreShowChannel', ActionID: id, Channel: 'y' });
      reply({ Event: 'CoreShowChannelsComplete', ActionID: id, EventList: 'Complete', ListItems: 1 });
      return true;
    };
    const list = await sendList(conn, { Action: 'CoreShowChannels' });
    expect(list.items.map((i) => header(i, 'Channel'))).toEqual(['y']);
  });
});
