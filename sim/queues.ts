// Queues `support` (Local/190, Local/191 @phones) and `sales` (Local/200@phones, rings forever), as in
// capture 09: a caller waits with music on hold while every member is rung (ringall).
// Invariant: a caller appears in QueueStatus/QueueSummary exactly between QueueCallerJoin and Leave.
import { chanFields, type Channel } from './channels';
import { chanEvent, ev, newexten, varSet, CALL } from './events';
import type { Fields } from './frame';
import { createLocalPair, hangupHalf, type LocalPair } from './local';
import type { Pbx } from './pbx';
import { runDialplan, type Dialplan } from './dialplan';

export interface QueueMember { name: string; iface: string }
export interface QueueEntry { ch: Channel; joinedAt: number; position: number }
export interface Queue { name: string; members: QueueMember[]; entries: QueueEntry[] }

const AGENT = 'agent,all';

export class Queues {
  readonly queues = new Map<string, Queue>();
  readonly loginTime = Math.floor(Date.now() / 1000);
  private readonly deviceStatus = new Map<string, number>();

  constructor(private readonly d: Dialplan) {
    // Listed in Asterisk's container order (191 before 190, capture 09).
    this.queues.set('support', { name: 'support', members: [{ name: 'Agent 191', iface: 'Local/191@phones' }, { name: 'Agent 190', iface: 'Local/190@phones' }], entries: [] });
    this.queues.set('sales', { name: 'sales', members: [{ name: 'Agent 200', iface: 'Local/200@phones' }], entries: [] });
    d.pbx.onDevice((device, state) => this.onDevice(device, state));
  }

  private get pbx(): Pbx {
    return this.d.pbx;
  }

  status(iface: string): number {
    return this.deviceStatus.get(iface) ?? 1;
  }

  memberFields(q: Queue, m: QueueMember, nameKey: 'Name' | 'MemberName'): Fields {
    const head: Fields = nameKey === 'Name'
      ? [['Queue', q.name], ['Name', m.name], ['Location', m.iface]]
      : [['Queue', q.name], ['MemberName', m.name], ['Interface', m.iface]];
    return [...head, ['StateInterface', m.iface], ['Membership', 'static'], ['Penalty', '0'], ['CallsTaken', '0'], ['LastCall', '0'], ['LastPause', '0'],
      ['LoginTime', String(this.loginTime)], ['InCall', '0'], ['Status', String(this.status(m.iface))], ['Paused', '0'], ['PausedReason', '']];
  }

  /** QueueMemberStatus follows the member's device state (an asynchronous event in Asterisk). */
  private onDevice(device: string, state: string): void {
    const status = state === 'INUSE' ? 2 : 1;
    if (this.status(device) === status) return;
    this.deviceStatus.set(device, status);
    for (const q of this.queues.values())
      for (const m of q.members)
        if (m.iface === device)
          this.pbx.emit(ev('QueueMemberStatus', AGENT, this.memberFields(q, m, 'MemberName'), [['Ringinuse', '1'], ['Wrapuptime', '0']]));
    if (status === 1)
      for (const q of this.queues.values()) if (q.members.some((m) => m.iface === device)) this.pbx.deviceState(`Queue:${q.name}_avail`, 'NOT_INUSE');
  }

  /** The Queue application for caller ch; returns when the caller leaves (hangup or answered call ends). */
  async enter(ch: Channel, name: string): Promise<void> {
    const pbx = this.pbx;
    const q = this.queues.get(name);
    if (!q) return;
    for (const v of ['ANSWEREDTIME', 'ANSWEREDTIME_MS', 'DIALEDTIME', 'DIALEDTIME_MS', 'QUEUEWAIT', 'QUEUEWAIT_MS']) pbx.emit(varSet(ch, v, ''));
    const entry: QueueEntry = { ch, joinedAt: Date.now(), position: q.entries.length + 1 };
    q.entries.push(entry);
    pbx.emit(ev('QueueCallerJoin', AGENT, chanFields(ch), [['Queue', q.name], ['Position', String(entry.position)], ['Count', String(q.entries.length)]]));
    pbx.deviceState(`Queue:${q.name}`, 'RINGING');
    pbx.emit(chanEvent('MusicOnHoldStart', ch, [['Class', 'default']]));
    const legs: Array<{ m: QueueMember; pair: LocalPair }> = [];
    for (const m of q.members) {
      const [exten = '', context = 'phones'] = m.iface.replace(/^Local\//, '').split('@');
      const pair = createLocalPair(pbx, exten, context, { caller: ch, dialApp: 'AppQueue', linkedid: ch.linkedid });
      const dialEv = (n: string, extra: Fields) => pbx.emit(ev(n, CALL, chanFields(ch), chanFields(pair.one, 'Dest'), extra));
      // AgentCalled already shows the member channel with the caller's exten and connected line (09).
      const agentView: Fields = chanFields(pair.one, 'Dest').map(([k, v]): [string, string] =>
        k === 'DestExten' ? [k, ch.exten] : k === 'DestConnectedLineNum' ? [k, ch.cidNum] : k === 'DestConnectedLineName' ? [k, ch.cidName] : [k, v]);
      pbx.emit(ev('AgentCalled', AGENT, chanFields(ch), agentView, [['Queue', q.name], ['Interface', m.iface], ['MemberName', m.name]]));
      dialEv('DialBegin', [['DialString', m.iface]]);
      pair.beforeRinging = () => {
        pair.one.exten = ch.exten;
        pair.one.connNum = ch.cidNum;
        pair.one.connName = ch.cidName;
      };
      pair.onRinging = () => {
        pbx.emit(newexten(pair.one, 'AppQueue', '(Outgoing Line)'));
        pbx.emit(chanEvent('NewConnectedLine', pair.one));
        dialEv('DialState', [['DialStatus', 'RINGING']]);
      };
      void runDialplan(this.d, pair.two, pair);
      legs.push({ m, pair });
    }
    await ch.interrupted();
    // Caller gone before any member answered: abandon (09).
    const waited = Date.now() - entry.joinedAt;
    pbx.emit(chanEvent('MusicOnHoldStop', ch));
    for (const { pair } of legs) {
      const dialEv = (n: string, extra: Fields) => pbx.emit(ev(n, CALL, chanFields(ch), chanFields(pair.one, 'Dest'), extra));
      dialEv('DialEnd', [['DialStatus', 'CANCEL']]);
      dialEv('DialEnd', [['DialStatus', 'CANCEL']]);
      hangupHalf(pbx, pair.one, 0);
    }
    const s = Math.floor(waited / 1000);
    const sets: Array<[string, string]> = [['QUEUEWAIT', String(s)], ['QUEUEWAIT_MS', String(waited)], ['DIALEDTIME', String(s)], ['DIALEDTIME_MS', String(waited)],
      ['ANSWEREDTIME', '0'], ['ANSWEREDTIME_MS', '0'], ['ABANDONED', 'TRUE']];
    for (const [k, v] of sets) pbx.emit(varSet(ch, k, v));
    const pos = String(entry.position);
    q.entries = q.entries.filter((x) => x !== entry);
    pbx.emit(ev('QueueCallerAbandon', AGENT, chanFields(ch), [['Queue', q.name], ['Position', pos], ['OriginalPosition', pos], ['HoldTime', String(s)]]));
    pbx.emit(ev('QueueCallerLeave', AGENT, chanFields(ch), [['Queue', q.name], ['Position', pos], ['Count', String(q.entries.length)]]));
    pbx.emit(varSet(ch, 'QUEUEPOSITION', pos));
    if (q.entries.length === 0) pbx.deviceState(`Queue:${q.name}`, 'NOT_INUSE');
  }
}
