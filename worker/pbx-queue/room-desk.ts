// Conference rooms of a PBX: each room's permanent-external-participant rule (resolved here, executed
// by the relay) and who the relay last saw in it. Called by the queue's room RPC methods and by its
// frame routes (rules after every hello; room.participants and rooms.running reports).
// Invariant: the relay always holds the current rules: they are sent after each hello and on change.
import { z } from 'zod';
import { externalParticipantInput, participantView, roomRule, type ConferenceView, type ExternalParticipantInput, type RoomRule } from '../../shared/conferences.js';
import type { NumberRefusal } from '../../shared/numbering/number-refusal.js';
import type { PbxSettings } from '../../shared/pbx.js';
import type { RelayFrame } from '../../shared/relay-protocol.js';
import { gateNumber, policyOf } from './number-gate.js';
import type { RelaySessions } from './relay-sessions.js';
import type { RoomStore } from './room-store.js';

export type RuleResult = { kind: 'ok'; rule: RoomRule } | NumberRefusal | { kind: 'no-pbx' };

export interface RoomView {
  room: string;
  participants: ConferenceView['participants'];
  at: string | null;
  rule: RoomRule | null;
}

const storedParticipants = z.array(participantView);

export class RoomDesk {
  constructor(
    private readonly store: RoomStore,
    private readonly sessions: RelaySessions,
    private readonly settings: () => PbxSettings | undefined,
  ) {}

  putRule(room: string, input: ExternalParticipantInput, now: number): RuleResult {
    const settings = this.settings();
    const parsed = externalParticipantInput.parse(input);
    if (settings === undefined) return { kind: 'no-pbx' };
    // The rule carries the dial string: the relay dials the number the policy judged.
    const judged = gateNumber(policyOf(settings), parsed.number, 'number');
    if (!judged.ok) return judged.refusal;
    const rule = roomRule.parse({
      room, number: judged.value.dial, context: parsed.context ?? settings.customerContext, callerId: parsed.callerId ?? settings.customerCallerId ?? null,
      dtmf: parsed.dtmf ?? null, dtmfDelayMs: parsed.dtmfDelayMs, bridgeProfile: parsed.bridgeProfile, userProfile: parsed.userProfile,
      ringTimeoutMs: parsed.ringTimeoutSec * 1000, maxRedials: parsed.redial.maxAttempts, backoffMs: parsed.redial.backoffSec.map((s) => Math.round(s * 1000)),
    });
    this.store.putRule(room, JSON.stringify(parsed), JSON.stringify(rule), now);
    this.sendRules();
    return { kind: 'ok', rule };
  }

  rule(room: string): RoomRule | null {
    const row = this.store.rule(room);
    return row === undefined ? null : roomRule.parse(JSON.parse(row.rule));
  }

  rules(): RoomRule[] {
    return this.store.rules().map((r) => roomRule.parse(JSON.parse(r.rule)));
  }

  deleteRule(room: string): boolean {
    const deleted = this.store.deleteRule(room);
    if (deleted) this.sendRules();
    return deleted;
  }

  room(room: string): RoomView {
    const p = this.store.participants(room);
    return { room, participants: p === undefined ? [] : storedParticipants.parse(JSON.parse(p.participants)), at: p === undefined ? null : new Date(p.at).toISOString(), rule: this.rule(room) };
  }

  /** The rules to the active relay, which reconciles its rooms with them. */
  sendRules(): void {
    const active = this.sessions.active();
    if (active !== undefined) this.sessions.send(active.ws, { type: 'conference.rules', rules: this.rules() });
  }

  onParticipants(frame: Extract<RelayFrame, { type: 'room.participants' }>): void {
    this.store.putParticipants(frame.room, JSON.stringify(frame.participants), frame.at);
  }

  onRunning(frame: Extract<RelayFrame, { type: 'rooms.running' }>): void {
    this.store.emptyRoomsOtherThan(frame.rooms, frame.at);
  }
}
