// Device and extension states of the simulated PBX (captures 14, 14b; FACTS 11, 12): `Custom:` devices
// set over AMI (Setvar DEVICE_STATE(Custom:x) with no Channel), hints in the `hints` context on
// Custom or Local devices, ExtensionStatus when a hint's state changes, and the lists.
// Invariants: setting a Custom device to the state it has emits nothing; a Local hint follows the
// channels of its device (InUse while one exists, never Ringing); ExtensionStateList reports a Local
// hint as Unavailable until its first call (Asterisk's cached list), a single ExtensionState as Idle.
import { CALL, ev } from './events';
import type { Fields } from './frame';
import type { Pbx } from './pbx';

export const HINT_CONTEXT = 'hints';
/** The kit's hints (ami-captures README): Local-channel hints for 101/102, Custom ones for 301/302. */
export const DEFAULT_HINTS: Readonly<Record<string, string>> = { '101': 'Local/101@phones', '102': 'Local/102@phones', '301': 'Custom:301', '302': 'Custom:302' };

const SETTABLE = new Set(['NOT_INUSE', 'INUSE', 'BUSY', 'INVALID', 'UNAVAILABLE', 'RINGING', 'RINGINUSE', 'ONHOLD']);
const STATUS: Record<string, [number, string]> = {
  UNKNOWN: [0, 'Idle'], NOT_INUSE: [0, 'Idle'], INUSE: [1, 'InUse'], BUSY: [2, 'Busy'], INVALID: [4, 'Unavailable'], UNAVAILABLE: [4, 'Unavailable'],
  RINGING: [8, 'Ringing'], RINGINUSE: [9, 'InUse&Ringing'], ONHOLD: [16, 'Hold'],
};

export class DeviceStates {
  private readonly custom = new Map<string, string>();
  private readonly local = new Map<string, string>();
  /** Local devices that have carried a call since start: only those leave the list's cached Unavailable. */
  private readonly seen = new Set<string>();
  private readonly hints: Map<string, string>;

  constructor(private readonly pbx: Pbx, hints: Readonly<Record<string, string>> = DEFAULT_HINTS) {
    this.hints = new Map(Object.entries(hints));
    pbx.onDevice((device, state) => this.onLocalDevice(device, state));
  }

  /** `DEVICE_STATE(Custom:x)` as Getvar reads it. */
  read(device: string): string {
    return this.custom.get(device) ?? 'UNKNOWN';
  }

  /** Setvar DEVICE_STATE(…): false for a value or device Asterisk refuses (`Variable not set`). */
  set(device: string, value: string): boolean {
    const state = value.trim().toUpperCase();
    if (!/^Custom:[^\s]+$/.test(device) || !SETTABLE.has(state)) return false;
    if (this.custom.get(device) === state) return true;
    const before = this.custom.get(device);
    this.custom.set(device, state);
    this.pbx.emit(ev('DeviceStateChange', CALL, [['Device', device], ['State', state]]));
    // INVALID after UNAVAILABLE is the same hint status: only the device event (capture 14).
    if (before === undefined || STATUS[before]?.[0] !== STATUS[state]?.[0]) this.emitHints(device);
    return true;
  }

  /** Forgets every state, as a restart does. */
  reset(): void {
    this.custom.clear();
    this.local.clear();
    this.seen.clear();
  }

  /** The ExtensionStatus fields of an extension in a context (Status -1 without a hint). */
  extensionState(exten: string, context: string): Fields {
    const hint = context === HINT_CONTEXT ? this.hints.get(exten) : undefined;
    if (hint === undefined) return [['Exten', exten], ['Context', context], ['Hint', ''], ['Status', '-1'], ['StatusText', 'Unknown']];
    return this.statusFields(exten, hint, false);
  }

  /** ExtensionStateList items, as the list (with its cache) reports them. */
  listItems(): Fields[] {
    return [...this.hints].map(([exten, hint]) => this.statusFields(exten, hint, true));
  }

  /** DeviceStateList items: only devices in the cache (Custom ones after their first set). */
  deviceItems(): Fields[] {
    return [...this.custom].map(([device, state]) => [['Device', device], ['State', state]]);
  }

  private onLocalDevice(device: string, state: string): void {
    if (!device.startsWith('Local/')) return;
    const inUse = [...this.pbx.channels.values()].some((ch) => ch.device === device && !ch.gone);
    const next = state === 'INUSE' || inUse ? 'INUSE' : 'NOT_INUSE';
    this.seen.add(device);
    if (this.local.get(device) === next) return;
    this.local.set(device, next);
    this.emitHints(device);
  }

  private emitHints(device: string): void {
    for (const [exten, hint] of this.hints) {
      if (hint === device) this.pbx.emit(ev('ExtensionStatus', CALL, this.statusFields(exten, hint, false)));
    }
  }

  private statusFields(exten: string, hint: string, cachedList: boolean): Fields {
    const isLocal = hint.startsWith('Local/');
    const state = isLocal ? (cachedList && !this.seen.has(hint) ? 'UNAVAILABLE' : this.local.get(hint) ?? 'NOT_INUSE') : this.read(hint);
    const [status, text] = STATUS[state] ?? [0, 'Idle'];
    return [['Exten', exten], ['Context', HINT_CONTEXT], ['Hint', hint], ['Status', String(status)], ['StatusText', text]];
  }
}
