// Builders for every event the simulated PBX emits, with Asterisk 22's exact field names and order
// (compare the captures in test/fixtures/ami-captures). Invariant: one builder per event shape, so the
// field order is defined in exactly one place.
import { chanFields, type Channel } from './channels';
import type { Fields } from './frame';

export const CALL = 'call,all';
export const DIALPLAN = 'dialplan,all';

export function ev(name: string, privilege: string | undefined, ...parts: Fields[]): Fields {
  const out: Fields = [['Event', name]];
  if (privilege !== undefined) out.push(['Privilege', privilege]);
  for (const p of parts) out.push(...p);
  return out;
}

export const chanEvent = (name: string, ch: Channel, extra: Fields = [], priv = CALL): Fields => ev(name, priv, chanFields(ch), extra);

export const newexten = (ch: Channel, app: string, data: string): Fields =>
  chanEvent('Newexten', ch, [['Extension', ch.exten], ['Application', app], ['AppData', data]], DIALPLAN);

/** VarSet escapes a lone CR as the two characters `\r` (capture 07), unlike Getvar. */
export const varSet = (ch: Channel, name: string, value: string): Fields =>
  chanEvent('VarSet', ch, [['Variable', name], ['Value', value.replace(/\r/g, '\\r')]], DIALPLAN);

export const globalVarSet = (name: string, value: string): Fields =>
  ev('VarSet', DIALPLAN, [['Channel', 'none'], ['Uniqueid', 'none'], ['Variable', name], ['Value', value.replace(/\r/g, '\\r')]]);

export const CAUSE_TXT: Record<number, string> = {
  0: 'Unknown', 1: 'Unallocated (unassigned) number', 4: 'Unknown', 16: 'Normal Clearing', 17: 'User busy',
  18: 'No user responding', 19: 'User alerting, no answer', 21: 'Call Rejected', 27: 'Destination out of order',
  34: 'Circuit/channel congestion', 38: 'Network out of order',
};
export const causeTxt = (c: number): string => CAUSE_TXT[c] ?? 'Unknown';

export const hangupEv = (ch: Channel, cause: number): Fields => chanEvent('Hangup', ch, [['Cause', String(cause)], ['Cause-txt', causeTxt(cause)]]);

export interface BridgeInfo { id: string; type: string; tech: string; creator: string; name: string; count: number }

export const bridgeFields = (b: BridgeInfo, count = b.count): Fields => [
  ['BridgeUniqueid', b.id], ['BridgeType', b.type], ['BridgeTechnology', b.tech], ['BridgeCreator', b.creator],
  ['BridgeName', b.name], ['BridgeNumChannels', String(count)], ['BridgeVideoSourceMode', 'none'],
];

export function securityEvent(name: string, version: string, fields: Fields, trailing: Fields, severity = 'Error'): Fields {
  return ev(name, 'security,all', [['EventTV', eventTv()], ['Severity', severity], ['Service', 'AMI'], ['EventVersion', version]], fields, trailing);
}

export function eventTv(d = new Date()): string {
  return d.toISOString().replace('Z', '+0000');
}
