// Session-level and system actions: Ping, Events, Logoff, CoreSettings, CoreStatus, Command,
// UserEvent (captures 00, 01*, 06, 07, 10), ListCommands (main/manager.c, no capture). Invariant: texts match the captures byte for byte.
import { listCommands as commandsFor } from '../permissions';
import type { ActionContext, Handler } from './context';

const VERSION_LINE = 'Asterisk 22.10.1 built by root @ vm on a x86_64 running Linux on 2026-11-23 07:10:12 UTC';

const ping: Handler = (c) => {
  const now = Date.now();
  c.respond('Success', [['Ping', 'Pong'], ['Timestamp', `${Math.floor(now / 1000)}.${String((now % 1000) * 1000).padStart(6, '0')}`]]);
};

/** Any mask but `off` turns events on and answers `Events: On` (FACTS 8). */
const events: Handler = (c) => {
  const mask = (c.get('EventMask') ?? '').trim().toLowerCase();
  c.session.eventsOn = mask !== 'off';
  c.respond('Success', [['Events', c.session.eventsOn ? 'On' : 'Off']]);
};

const logoff: Handler = (c) => {
  c.respond('Goodbye', [['Message', 'Thanks for all the fish.']]);
  c.session.closeAfterWrites();
};

const coreSettings: Handler = (c) =>
  c.respond('Success', [
    ['AMIversion', '11.0.0'], ['AsteriskVersion', '22.10.1'], ['SystemName', ''], ['CoreMaxCalls', '0'], ['CoreMaxLoadAvg', '0.000000'],
    ['CoreRunUser', ''], ['CoreRunGroup', ''], ['CoreMaxFilehandles', '0'], ['CoreRealTimeEnabled', 'No'], ['CoreCDRenabled', 'No'],
    ['CoreHTTPenabled', 'No'], ['SoundsSearchCustomDir', 'No'],
  ]);

function dateTime(ms: number): [string, string] {
  const iso = new Date(ms).toISOString();
  return [iso.slice(0, 10), iso.slice(11, 19)];
}

const coreStatus: Handler = (c) => {
  const [d, t] = dateTime(c.pbx.startedAt);
  const calls = [...c.pbx.channels.values()].filter((ch) => ch.name.endsWith(';1')).length;
  c.respond('Success', [
    ['CoreStartupDate', d], ['CoreStartupTime', t], ['CoreReloadDate', d], ['CoreReloadTime', t],
    ['CoreCurrentCalls', String(calls)], ['CoreProcessedCalls', '0'],
  ]);
};

const DEVSTATE_USAGE = [
  'Usage: devstate change <device> <state>', '       Change a custom device to a new state.', '       The possible values for the state are:',
  'UNKNOWN | NOT_INUSE | INUSE | BUSY | INVALID | UNAVAILABLE | RINGING', 'RINGINUSE | ONHOLD', '', 'Examples:',
  '       devstate change Custom:mystate1 INUSE', '       devstate change Custom:mystate1 NOT_INUSE', '       ',
];

const command: Handler = (c) => {
  const cmd = (c.get('Command') ?? '').trim();
  const up = Math.floor((Date.now() - c.pbx.startedAt) / 1000);
  const out = (lines: string[], status: 'Success' | 'Error' = 'Success') =>
    c.respond(status, [['Message', 'Command output follows'], ...lines.map((l): [string, string] => ['Output', l])]);
  if (cmd === 'core show version') return out([VERSION_LINE]);
  if (cmd === 'core show uptime') return out([`System uptime: ${up} seconds`, `Last reload: ${up} seconds`]);
  if (/^core restart (now|gracefully|when convenient)$/.test(cmd)) {
    out([]);
    // Asterisk answers, then tears down every channel and session (capture 13).
    setTimeout(() => void c.control.restart(), 10);
    return;
  }
  const devstate = /^devstate change (\S+) (\S+)$/.exec(cmd);
  if (devstate !== null) {
    const [, device = '', state = ''] = devstate;
    // The CLI takes UNKNOWN too (Setvar does not); any other refusal prints the usage (capture 14).
    if (device.startsWith('Custom:') && (state.toUpperCase() === 'UNKNOWN' || c.engine.devices.set(device, state))) return out([`Changing ${device.slice('Custom:'.length)} to ${state}`]);
    return out(DEVSTATE_USAGE, 'Error');
  }
  const words = cmd.split(/\s+/).filter(Boolean);
  return out([`No such command '${cmd}' (type 'core show help ${words.slice(0, 2).join(' ')}' for other possible commands)`], 'Error');
};

/** Only the actions this user's `write` classes allow (main/manager.c action_listcommands). */
const listCommands: Handler = (c) => c.respond('Success', commandsFor(c.session.permissions));

/** The event copies every client header except Action, with UserEvent first (07, 10). */
const userEvent: Handler = (c: ActionContext) => {
  const name = c.get('UserEvent') ?? '';
  c.ok('Event Sent');
  const rest = c.msg.headers.filter(([k]) => k !== '' && !/^(action|userevent)$/i.test(k)).map(([k, v]): [string, string] => [k, v]);
  c.control.broadcast([['Event', 'UserEvent'], ['Privilege', 'user,all'], ['UserEvent', name], ...rest]);
};

export const coreActions: Record<string, Handler> = {
  ping, events, logoff, coresettings: coreSettings, corestatus: coreStatus, command, userevent: userEvent, listcommands: listCommands,
};
