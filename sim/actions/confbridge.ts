// ConfBridge actions: ListRooms, List, Kick, Mute, Unmute, Lock, Unlock (captures 05 and 08).
// Invariant: empty results are errors here, with Asterisk's texts and in its order of checks
// (app_confbridge.c): no `Conference` header → `No Conference name provided.`; no conference on the
// whole PBX → `No active conferences.`; other rooms but not this one → `No Conference by that name
// found.` — unlike QueueStatus (FACTS 5).
import { chanFields } from '../channels';
import type { Member, Room } from '../confbridge';
import type { Fields } from '../frame';
import type { ActionContext, Handler } from './context';

const yn = (b: boolean) => (b ? 'Yes' : 'No');

const listRooms: Handler = (c) => {
  const rooms = [...c.engine.confs.rooms.values()];
  if (rooms.length === 0) return c.error('No active conferences.');
  c.list('Confbridge conferences will follow', rooms.map((r): [string, Fields] => [
    'ConfbridgeListRooms',
    [['Conference', r.name], ['Parties', String(active(r).length)], ['Marked', '0'], ['Locked', yn(r.locked)], ['Muted', 'No']],
  ]), 'ConfbridgeListRoomsComplete', true);
};

const active = (r: Room): Member[] => r.members.filter((m) => !m.kicked && !m.ch.hangupRequested);
/** Who ConfbridgeList shows: a member whose kick was ignored during its join prompt is still there. */
const listed = (r: Room): Member[] => r.members.filter((m) => (!m.kicked || m.kickIgnored) && !m.ch.hangupRequested);

/** Common lookup: Conference header, then the room; answers the error itself and returns undefined. */
function room(c: ActionContext): Room | undefined {
  const name = c.get('Conference');
  if (name === undefined || name === '') {
    c.error('No Conference name provided.');
    return undefined;
  }
  if (c.engine.confs.rooms.size === 0) {
    c.error('No active conferences.');
    return undefined;
  }
  const r = c.engine.confs.rooms.get(name);
  if (!r) c.error('No Conference by that name found.');
  return r;
}

const list: Handler = (c) => {
  const r = room(c);
  if (!r) return;
  const members = listed(r);
  if (members.length === 0) return c.error('No Conference by that name found.');
  c.list('Confbridge user list will follow', members.map((m): [string, Fields] => [
    'ConfbridgeList',
    [['Conference', r.name], ['Admin', 'No'], ['MarkedUser', 'No'], ['WaitMarked', 'No'], ['EndMarked', 'No'], ['EndMarkedAny', 'No'],
      ['Waiting', 'No'], ['Muted', yn(m.muted)], ['Talking', 'No'], ['AnsweredTime', String(Math.floor((Date.now() - m.ch.created) / 1000))], ...chanFields(m.ch)],
  ]), 'ConfbridgeListComplete', true);
};

/** Members addressed by `Channel` (a name or `all`); answers the error itself when none match. */
function targets(c: ActionContext, r: Room): Member[] | undefined {
  const ch = c.get('Channel') ?? '';
  if (ch.toLowerCase() === 'all') return active(r);
  const m = active(r).find((x) => x.ch.name === ch);
  if (!m) {
    c.error('No Channel by that name found in Conference.');
    return undefined;
  }
  return [m];
}

const kick: Handler = (c) => {
  const r = room(c);
  if (!r) return;
  const all = (c.get('Channel') ?? '').toLowerCase() === 'all';
  const ms = targets(c, r);
  if (!ms) return;
  c.ok(all ? 'All participants kicked' : 'User kicked');
  c.engine.confs.kick(r, ms);
};

const mute = (muted: boolean): Handler => (c) => {
  const r = room(c);
  if (!r) return;
  const ms = targets(c, r);
  if (!ms) return;
  c.ok(muted ? 'User muted' : 'User unmuted');
  for (const m of ms) c.engine.confs.setMuted(r, m, muted);
};

const lock = (locked: boolean): Handler => (c) => {
  const r = room(c);
  if (!r) return;
  r.locked = locked;
  c.ok(locked ? 'Conference locked' : 'Conference unlocked');
};

export const confbridgeActions: Record<string, Handler> = {
  confbridgelistrooms: listRooms, confbridgelist: list, confbridgekick: kick,
  confbridgemute: mute(true), confbridgeunmute: mute(false), confbridgelock: lock(true), confbridgeunlock: lock(false),
};
