// A channel of the simulated PBX: the snapshot fields every channel event carries, its variables
// and the hangup/interrupt plumbing the dialplan awaits on.
// Invariant: a channel's fields are emitted in Asterisk's order (Channel … Linkedid) via chanFields.
import type { Fields } from './frame';

export const STATE_DESC: Record<number, string> = { 0: 'Down', 4: 'Ring', 5: 'Ringing', 6: 'Up', 7: 'Busy' };

export class Channel {
  state = 0;
  cidNum = '<unknown>';
  cidName = '<unknown>';
  connNum = '<unknown>';
  connName = '<unknown>';
  priority = 1;
  readonly vars = new Map<string, string>();
  app = '';
  appData = '';
  readonly created = Date.now();
  bridgeId = '';
  partner: Channel | undefined;
  /** Set once the channel is asked to go (SoftHangupRequest/HangupRequest); wakes every waiter. */
  hangupRequested = false;
  gone = false;
  hangupCause = 0;
  /** Cause the channel set itself (Busy() 17, Congestion() 34, ConfBridge 16); wins over requestedCause. */
  ownCause: number | undefined;
  /** Cause carried by the HangupRequest that asked this channel to go. */
  requestedCause: number | undefined;
  /** True while the channel executes dialplan (so it ends with SoftHangupRequest 16 first). */
  inPbx = false;
  /** Device name for DeviceStateChange (`Local/101@phones`), empty for none. */
  device = '';
  private readonly wakers = new Set<() => void>();
  private readonly goneWaiters = new Set<() => void>();

  constructor(
    public name: string,
    public readonly uniqueid: string,
    public linkedid: string,
    public context: string,
    public exten: string,
  ) {}

  /** Resolves when a hangup is requested (or at once if it already was). */
  interrupted(): Promise<void> {
    if (this.hangupRequested || this.gone) return Promise.resolve();
    return new Promise((resolve) => this.wakers.add(resolve));
  }

  requestHangup(): void {
    if (this.hangupRequested) return;
    this.hangupRequested = true;
    for (const w of [...this.wakers]) w();
    this.wakers.clear();
  }

  /** Resolves when the channel has emitted its Hangup. */
  ended(): Promise<void> {
    if (this.gone) return Promise.resolve();
    return new Promise((resolve) => this.goneWaiters.add(resolve));
  }

  markGone(): void {
    this.gone = true;
    this.requestHangup();
    for (const w of [...this.goneWaiters]) w();
    this.goneWaiters.clear();
  }
}

/** The standard channel block, optionally prefixed (`Dest`, `LocalOne`, `LocalTwo`). */
export function chanFields(ch: Channel, prefix = ''): Fields {
  return [
    [`${prefix}Channel`, ch.name],
    [`${prefix}ChannelState`, String(ch.state)],
    [`${prefix}ChannelStateDesc`, STATE_DESC[ch.state] ?? 'Unknown'],
    [`${prefix}CallerIDNum`, ch.cidNum],
    [`${prefix}CallerIDName`, ch.cidName],
    [`${prefix}ConnectedLineNum`, ch.connNum],
    [`${prefix}ConnectedLineName`, ch.connName],
    [`${prefix}Language`, 'en'],
    [`${prefix}AccountCode`, ''],
    [`${prefix}Context`, ch.context],
    [`${prefix}Exten`, ch.exten],
    [`${prefix}Priority`, String(ch.priority)],
    [`${prefix}Uniqueid`, ch.uniqueid],
    [`${prefix}Linkedid`, ch.linkedid],
  ];
}

/** Parses an Originate `CallerID` (`Name <num>`, `"Name" <num>` or a bare number). */
export function parseCallerId(raw: string | undefined): { num: string; name: string } | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const m = /^\s*(?:"([^"]*)"|([^<]*?))\s*<([^>]*)>\s*$/.exec(raw);
  if (m) return { name: (m[1] ?? m[2] ?? '').trim() || '<unknown>', num: m[3] ?? '<unknown>' };
  return { num: raw.trim(), name: '<unknown>' };
}
