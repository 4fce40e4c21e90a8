// Channel actions: Getvar, Setvar, Hangup (name or /regex/), CoreShowChannels, PlayDTMF
// (captures 06, 07, 09, 11). Invariant: Getvar returns stored values raw (a lone CR stays), while the
// VarSet event escapes it (events.ts#varSet).
import { chanFields, type Channel } from '../channels';
import { chanEvent, globalVarSet, varSet } from '../events';
import type { Fields } from '../frame';
import type { ActionContext, Handler } from './context';
import { deviceStateTarget, setDeviceState } from './device-states';

function readVar(ch: Channel | undefined, c: ActionContext, name: string): string {
  const fn = /^CALLERID\((num|name)\)$/i.exec(name);
  if (ch && fn) return fn[1]?.toLowerCase() === 'num' ? ch.cidNum : ch.cidName;
  if (ch) return ch.vars.get(name) ?? '';
  return c.pbx.globals.get(name) ?? '';
}

const getvar: Handler = (c) => {
  const name = c.get('Variable');
  const chName = c.get('Channel');
  const ch = chName !== undefined ? c.pbx.channels.get(chName) : undefined;
  if (chName !== undefined && !ch) return c.error('No such channel');
  if (name === undefined || name === '') return c.error('No variable specified');
  const device = ch === undefined ? deviceStateTarget(name) : undefined;
  c.respond('Success', [['Variable', name], ['Value', device !== undefined ? c.engine.devices.read(device) : readVar(ch, c, name)]]);
};

const setvar: Handler = (c) => {
  const name = c.get('Variable');
  const chName = c.get('Channel');
  const value = c.get('Value') ?? '';
  const ch = chName !== undefined ? c.pbx.channels.get(chName) : undefined;
  if (chName !== undefined && !ch) return c.error('No such channel');
  if (name === undefined || name === '') return c.error('No variable specified');
  const device = ch === undefined ? deviceStateTarget(name) : undefined;
  if (device !== undefined) return setDeviceState(c, device, value);
  c.ok('Variable Set');
  if (ch) {
    ch.vars.set(name, value);
    c.pbx.emit(varSet(ch, name, value));
  } else {
    c.pbx.globals.set(name, value);
    c.pbx.emit(globalVarSet(name, value));
  }
};

/** Hangs a channel up from outside (AMI Hangup, sim.hangup): its running application notices. */
export function hangupFromOutside(ch: Channel, cause: number): void {
  ch.requestedCause = cause;
  ch.requestHangup();
}

const hangup: Handler = (c) => {
  const target = c.get('Channel');
  if (target === undefined || target === '') return c.error('No channel specified');
  const cause = Number(c.get('Cause') ?? '0') || 0;
  const re = /^\/(.*)\/$/.exec(target);
  if (re) {
    let rx: RegExp;
    try {
      rx = new RegExp(re[1] ?? '');
    } catch {
      return c.error('Invalid regex');
    }
    const hits = [...c.pbx.channels.values()].filter((ch) => rx.test(ch.name));
    c.list('Channels hung up will follow', hits.map((ch): [string, Fields] => ['ChannelHungup', [['Channel', ch.name]]]), 'ChannelsHungupListComplete', false);
    for (const ch of hits) hangupFromOutside(ch, cause);
    return;
  }
  const ch = c.pbx.channels.get(target);
  if (!ch) return c.error('No such channel');
  c.ok('Channel Hungup');
  hangupFromOutside(ch, cause);
};

const pad = (n: number) => String(n).padStart(2, '0');
function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}

const coreShowChannels: Handler = (c) => {
  const items = [...c.pbx.channels.values()].map((ch): [string, Fields] => [
    'CoreShowChannel',
    [...chanFields(ch), ['Application', ch.app], ['ApplicationData', ch.appData], ['Duration', duration(Date.now() - ch.created)], ['BridgeId', ch.bridgeId]],
  ]);
  c.list('Channels will follow', items, 'CoreShowChannelsComplete', true);
};

/** Only the first digit is played; the far `;2` half receives it (FACTS 10, capture 11). */
const playDtmf: Handler = async (c) => {
  const ch = c.pbx.channels.get(c.get('Channel') ?? '');
  if (!ch) return c.error('Channel not found');
  const digit = (c.get('Digit') ?? '').slice(0, 1);
  if (digit === '') return c.error('No digit specified');
  const ms = Number(c.get('Duration') ?? '') || 100;
  await c.pbx.rawSleep(ms);
  c.ok('DTMF successfully queued');
  const far = ch.partner ?? ch;
  c.pbx.emit(chanEvent('DTMFBegin', far, [['Digit', digit], ['Direction', 'Received']], 'dtmf,all'));
  c.pbx.emit(chanEvent('DTMFEnd', far, [['Digit', digit], ['DurationMs', String(ms)], ['Direction', 'Received']], 'dtmf,all'));
};

export const channelActions: Record<string, Handler> = {
  getvar, setvar, hangup, coreshowchannels: coreShowChannels, playdtmf: playDtmf,
};
