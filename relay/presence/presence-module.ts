// Presence across sites, the relay's half: reports the states of this PBX's extensions (their hints'
// ExtensionStatus; a snapshot by ExtensionStateList after every AMI login and every Worker welcome,
// then changes, coalesced) and mirrors other sites' extensions as Custom device states
// (Setvar DEVICE_STATE(Custom:<exten>), no Channel — capture 14), so `exten => 301,hint,Custom:301`
// lights a BLF key for a colleague on another PBX. Built by start.ts next to the Relay. It stays
// silent until the Worker sends a mirror list (after each hello, for PBXes of an organisation only),
// so a PBX outside any organisation costs no AMI list and no frames.
// Invariants: a hint on a Custom device is a mirror, never reported as our own (no echo between
// sites); at most one Setvar per extension in flight, the latest wanted state wins; what reaches AMI
// is digits and a fixed state word (the frame's schema), nothing else.
import type { Logger } from 'pino';
import { DEVICE_STATE_OF, presenceOfStatus, type Presence, type PresenceState } from '../../shared/orgs.js';
import type { QueueFrame, RelayFrame } from '../../shared/relay-protocol.js';
import type { AmiConnection } from '../ami/connection.js';
import { sendList } from '../ami/event-list.js';
import { header, type AmiMessage } from '../ami/wire.js';

export interface PresenceLink {
  send(frame: RelayFrame): boolean;
  on(event: 'frame', listener: (frame: QueueFrame) => void): unknown;
  off(event: 'frame', listener: (frame: QueueFrame) => void): unknown;
}

/** Changes within this window go up as one frame. */
const COALESCE_MS = 20;

export class PresenceModule {
  private readonly own = new Map<string, Presence>();
  private readonly pending = new Map<string, Presence>();
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly wanted = new Map<string, Presence>();
  private readonly applied = new Map<string, Presence>();
  private readonly inFlight = new Set<string>();
  /** Set by the Worker's first full mirror list of a session: this PBX belongs to an organisation. */
  private enabled = false;

  private readonly onReady = (): void => {
    // A PBX restart forgets Custom states, and a reconnect may have missed changes: start over.
    this.applied.clear();
    if (!this.enabled) return;
    void this.snapshot();
    this.applyAll();
  };
  private readonly onEvent = (ev: AmiMessage): void => this.event(ev);
  private readonly onFrame = (frame: QueueFrame): void => {
    if (frame.type !== 'presence.mirror') return;
    if (frame.full) this.wanted.clear();
    for (const s of frame.states) this.wanted.set(s.exten, s.state);
    // A full list opens every session: answer it with our own full snapshot.
    if (frame.full) {
      if (!this.enabled) this.logger.info({ mirrors: frame.states.length }, 'presence on: this PBX is a site of an organisation');
      this.enabled = true;
      void this.snapshot();
    }
    this.applyAll();
  };

  constructor(
    private readonly ami: AmiConnection,
    private readonly link: PresenceLink,
    private readonly logger: Logger,
  ) {
    ami.on('ready', this.onReady);
    ami.on('event', this.onEvent);
    link.on('frame', this.onFrame);
  }

  stop(): void {
    this.ami.off('ready', this.onReady);
    this.ami.off('event', this.onEvent);
    this.link.off('frame', this.onFrame);
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
  }

  private async snapshot(): Promise<void> {
    try {
      const list = await sendList(this.ami, { Action: 'ExtensionStateList' });
      this.own.clear();
      for (const item of list.items) {
        const state = ownState(item);
        if (state !== undefined) this.own.set(state.exten, state.state);
      }
      this.sendFull();
      this.logger.info({ extensions: this.own.size }, 'extension states reported');
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'could not read the extension states; the next login retries');
    }
  }

  private sendFull(): void {
    this.pending.clear();
    this.link.send({ type: 'presence', full: true, states: [...this.own].map(([exten, state]) => ({ exten, state })) });
  }

  private event(ev: AmiMessage): void {
    // List items carry their ActionID and belong to the snapshot.
    if (header(ev, 'Event') !== 'ExtensionStatus' || header(ev, 'ActionID') !== undefined) return;
    const state = this.enabled ? ownState(ev) : undefined;
    if (state === undefined || this.own.get(state.exten) === state.state) return;
    this.own.set(state.exten, state.state);
    this.pending.set(state.exten, state.state);
    this.flushTimer ??= setTimeout(() => this.flush(), COALESCE_MS);
  }

  private flush(): void {
    this.flushTimer = undefined;
    if (this.pending.size === 0) return;
    const states = [...this.pending].map(([exten, state]) => ({ exten, state }));
    this.pending.clear();
    // Not sent (link down): the snapshot answering the next session's mirror list carries it.
    this.link.send({ type: 'presence', full: false, states });
  }

  private applyAll(): void {
    for (const exten of this.wanted.keys()) void this.apply(exten);
  }

  private async apply(exten: string): Promise<void> {
    if (this.inFlight.has(exten) || this.ami.state !== 'ready') return;
    const state = this.wanted.get(exten);
    if (state === undefined || this.applied.get(exten) === state) return;
    this.inFlight.add(exten);
    try {
      await this.ami.send({ Action: 'Setvar', Variable: `DEVICE_STATE(Custom:${exten})`, Value: DEVICE_STATE_OF[state] });
      this.applied.set(exten, state);
    } catch (err) {
      this.logger.warn({ exten, err: (err as Error).message }, 'could not mirror an extension state; the next login retries');
    } finally {
      this.inFlight.delete(exten);
    }
    // A newer state arrived while this one was in flight.
    if (this.wanted.get(exten) !== this.applied.get(exten)) void this.apply(exten);
  }
}

/** An ExtensionStatus of one of this PBX's own extensions (not a mirror on a Custom device). */
function ownState(ev: AmiMessage): PresenceState | undefined {
  const exten = header(ev, 'Exten') ?? '';
  const hint = header(ev, 'Hint') ?? '';
  const presence = presenceOfStatus(Number(header(ev, 'Status') ?? 'NaN'));
  if (!/^[0-9]{1,8}$/.test(exten) || hint === '' || hint.startsWith('Custom:') || presence === undefined) return undefined;
  return { exten, state: presence };
}
