// The campaigns of a PBX queue: creation, lifecycle (start, pause, resume, stop, completion),
// contact imports in chunks, the do-not-call list, views and counters, and the pump that the
// queue runs after every change, frame and alarm. Dialling itself is in campaign-dialer.ts.
import {
  CONTACT_STATES, FINAL_CONTACT_STATES, type CampaignAction, type CampaignRequest, type CampaignState, type CampaignView,
  type ContactListQuery, type ContactState, type ContactView, type TaskView, campaignRequest, MAX_CONTACTS_PER_CAMPAIGN,
} from '../../shared/campaigns.js';
import type { PbxSettings } from '../../shared/pbx.js';
import type { RelayFrame } from '../../shared/relay-protocol.js';
import { newId } from '../auth/tokens.js';
import type { JobStore } from '../pbx-queue/job-store.js';
import { gateExtension, policyOf, readE164, type Policy } from '../pbx-queue/number-gate.js';
import { CampaignDialer } from './campaign-dialer.js';
import type { CampaignRow, CampaignStore, ContactRow } from './campaign-store.js';
import type { CheckedContact } from './contact-import.js';
import { contactZone } from './contact-zone.js';

export type CreateCampaignResult = { kind: 'created'; campaign: CampaignView } | { kind: 'no-pbx' } | { kind: 'invalid'; field: string; message: string };
type RobotResultFrame = Extract<RelayFrame, { type: 'robot.result' }>;
export type ActionResult = { kind: 'done'; campaign: CampaignView } | { kind: 'not-found' } | { kind: 'conflict'; message: string };
export type ChunkResult = { kind: 'done'; imported: number; merged: number; overCap: number[] } | { kind: 'not-found' } | { kind: 'conflict'; message: string };

/** Which states each action may start from, and where it leads. */
const TRANSITIONS: Record<CampaignAction, { from: ReadonlyArray<CampaignState>; to: CampaignState }> = {
  start: { from: ['draft'], to: 'running' },
  pause: { from: ['running'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  stop: { from: ['draft', 'running', 'paused'], to: 'stopped' },
};

/** What the Worker's routes may ask of the desk, through the queue's one `campaign` RPC method. */
export type CampaignMethod = 'create' | 'act' | 'importChunk' | 'view' | 'list' | 'contacts' | 'addDnc' | 'removeDnc' | 'dnc' | 'tasks';

export class CampaignDesk {
  private readonly dialer: CampaignDialer;

  constructor(
    private readonly store: CampaignStore,
    private readonly jobs: JobStore,
    private readonly settings: () => PbxSettings | undefined,
    /** Whether a relay is connected with AMI up: no jobs are made for a relay that is not there to take them. */
    private readonly relayReady: () => boolean,
    /** The PBX's other task kinds (conference assemblies, missed-call recalls) for the one task table. */
    private readonly otherTasks: (limit: number) => TaskView[],
  ) {
    this.dialer = new CampaignDialer(store, jobs, settings);
  }

  create(request: CampaignRequest): CreateCampaignResult {
    const now = Date.now();
    const settings = this.settings();
    if (settings === undefined) return { kind: 'no-pbx' };
    if (request.pacing.mode === 'ratio') return { kind: 'invalid', field: 'pacing.mode', message: 'ratio pacing is not available yet; use progressive' };
    const judged = judgeCampaign(request, policyOf(settings));
    if (judged.kind === 'invalid') return judged;
    const id = newId('cmp_');
    this.store.insertCampaign(id, JSON.stringify(judged.request), now);
    return { kind: 'created', campaign: this.mustView(id) };
  }

  act(id: string, action: CampaignAction): ActionResult {
    const now = Date.now();
    const c = this.store.campaign(id);
    if (c === undefined) return { kind: 'not-found' };
    const t = TRANSITIONS[action];
    if (!t.from.includes(c.state)) return { kind: 'conflict', message: `a ${c.state} campaign cannot ${action}` };
    this.store.setState(id, t.to, now);
    const moved = { ...c, state: t.to };
    if (t.to === 'paused' || t.to === 'stopped') this.dialer.withdrawQueued(moved, now);
    if (t.to === 'stopped') this.store.cancelPending(id, now);
    this.pump(now);
    return { kind: 'done', campaign: this.mustView(id) };
  }

  /** One chunk of an import (the route sends a large one in several, so no turn of the object runs long). */
  importChunk(id: string, contacts: ReadonlyArray<CheckedContact>): ChunkResult {
    const now = Date.now();
    const c = this.store.campaign(id);
    if (c === undefined) return { kind: 'not-found' };
    if (c.state === 'stopped' || c.state === 'completed') return { kind: 'conflict', message: `a ${c.state} campaign takes no contacts` };
    const spec = this.spec(c);
    const room = MAX_CONTACTS_PER_CAMPAIGN - this.store.countContacts(id);
    const kept = contacts.slice(0, Math.max(room, 0));
    const rows = kept.map((k) => ({ ...k, id: newId('cct_'), zone: contactZone(k.number, k.timeZone ?? undefined, spec.schedule.timeZone).zone }));
    const { imported, merged } = this.store.upsertContacts(id, rows, now);
    return { kind: 'done', imported, merged, overCap: contacts.slice(kept.length).map((k) => k.row) };
  }

  /** Settles ended calls of every live campaign, starts new ones, and completes campaigns with nothing left. */
  pump(now: number): void {
    // A campaign job that waited too long for the relay ends here, so its contact is settled in this same pump.
    this.jobs.expireDue(now);
    for (const c of this.store.live()) {
      const spec = this.spec(c);
      this.dialer.reconcile(c, spec, now);
      if (c.state === 'running') {
        if (this.relayReady()) this.dialer.dial(c, spec, now);
        if (this.store.countInState(c.id, 'pending') === 0 && this.store.countInState(c.id, 'calling') === 0) this.store.setState(c.id, 'completed', now);
      }
    }
  }

  /** The next instant a running campaign has work: a contact's due time, or a throttled second. */
  nextWake(now: number): number | undefined {
    let next = this.dialer.takeSoon();
    for (const c of this.store.running()) {
      const due = this.store.nextDue(c.id);
      if (due !== undefined && due > now) next = next === undefined ? due : Math.min(next, due);
    }
    return next;
  }

  view(id: string): CampaignView | undefined {
    const c = this.store.campaign(id);
    return c === undefined ? undefined : this.render(c);
  }

  list(limit: number): CampaignView[] {
    return this.store.campaigns(limit).map((c) => this.render(c));
  }

  contacts(id: string, q: ContactListQuery): { contacts: ContactView[]; nextCursor: string | null } | undefined {
    if (this.store.campaign(id) === undefined) return undefined;
    const [at, seq] = (q.cursor ?? '0.0').split('.').map(Number) as [number, number];
    const rows = this.store.changedContacts(id, {
      ...(q.state === undefined ? {} : { state: q.state }),
      since: q.changedSince === undefined ? 0 : Date.parse(q.changedSince), after: [at, seq], limit: q.limit,
    });
    const last = rows.at(-1);
    return { contacts: rows.map(contactView), nextCursor: rows.length === q.limit && last !== undefined ? `${last.updated_at}.${last.seq}` : null };
  }

  /** A robot's report: the digit is kept on the contact, and the opt-out digit puts its number on the do-not-call list. Repeats change nothing. */
  onRobotResult(frame: RobotResultFrame, now: number): void {
    const contact = this.store.contact(frame.contact);
    const c = this.store.campaign(frame.campaign);
    if (contact === undefined || c === undefined || contact.campaign_id !== c.id) return;
    const optOut = this.spec(c).optOutDigit;
    this.store.noteRobotDigit(contact.id, frame.digit, now);
    if (optOut !== undefined && frame.digit === optOut) this.store.addDnc([contact.number], now);
  }

  addDnc(numbers: ReadonlyArray<string>): number {
    return this.store.addDnc(numbers, Date.now());
  }

  removeDnc(number: string): boolean {
    return this.store.removeDnc(number);
  }

  dnc(after: string, limit: number): Array<{ number: string; addedAt: string }> {
    return this.store.dnc(after, limit).map((r) => ({ number: r.number, addedAt: new Date(r.added_at).toISOString() }));
  }

  /** The task table: campaigns, conference assemblies and missed-call recalls, newest first per kind. */
  tasks(limit: number): TaskView[] {
    return [...this.campaignTasks(limit), ...this.otherTasks(limit)];
  }

  private campaignTasks(limit: number): TaskView[] {
    return this.store.campaigns(limit).map((c) => {
      const counters = this.render(c).counters;
      const t = this.spec(c).target;
      const done = [...FINAL_CONTACT_STATES].reduce((n, s) => n + counters.contacts[s], 0);
      const target = 'queue' in t ? `queue ${t.queue}` : 'extension' in t ? `extension ${t.extension}` : `${t.exten}@${t.context}`;
      return { kind: 'campaign', id: c.id, name: this.spec(c).name, state: c.state, target, size: counters.contacts.total, succeeded: counters.contacts.answered, done };
    });
  }

  /** Stored after validation and never changed, so each is parsed once per object lifetime. */
  private readonly specs = new Map<string, CampaignRequest>();

  private spec(c: CampaignRow): CampaignRequest {
    let spec = this.specs.get(c.id);
    if (spec === undefined) {
      spec = campaignRequest.parse(JSON.parse(c.request));
      this.specs.set(c.id, spec);
    }
    return spec;
  }

  private render(c: CampaignRow): CampaignView {
    const contacts = Object.fromEntries(CONTACT_STATES.map((s) => [s, 0])) as Record<ContactState, number> & { total: number };
    contacts.total = 0;
    for (const { state, n } of this.store.countByState(c.id)) {
      contacts[state] = n;
      contacts.total += n;
    }
    const byOutcome: Record<string, number> = {};
    const byCause: Record<string, number> = {};
    for (const t of this.store.tallies(c.id)) (t.kind === 'outcome' ? byOutcome : byCause)[t.key] = t.n;
    const pbx = this.jobs.getMeta('pbx') ?? '';
    return {
      id: c.id, pbx, state: c.state, request: this.spec(c),
      counters: {
        contacts, attempts: c.attempts, answered: c.answered,
        asr: c.attempts === 0 ? null : c.answered / c.attempts,
        averageTalkSec: c.answered === 0 ? null : Math.round(c.talk_ms / c.answered / 100) / 10,
        byOutcome, byCause,
      },
      createdAt: new Date(c.created_at).toISOString(),
      startedAt: c.started_at === null ? null : new Date(c.started_at).toISOString(),
      endedAt: c.ended_at === null ? null : new Date(c.ended_at).toISOString(),
    };
  }

  private mustView(id: string): CampaignView {
    const v = this.view(id);
    if (v === undefined) throw new Error(`campaign ${id} vanished`);
    return v;
  }
}

function contactView(r: ContactRow): ContactView {
  return {
    id: r.id, number: r.number, name: r.name, timeZone: r.time_zone, state: r.state, attempts: r.attempts,
    lastOutcome: r.last_outcome, lastCause: r.last_cause,
    nextAttemptAt: r.state === 'pending' && r.next_at !== null ? new Date(r.next_at).toISOString() : null,
    lastJobId: r.job_id,
    robotDigit: r.robot_digit,
    updatedAt: new Date(r.updated_at).toISOString(),
    variables: JSON.parse(r.variables) as Record<string, string>,
  };
}

/**
 * The campaign's numbers by the PBX's numbering judges: an extension target by the extension plan,
 * each caller ID of the pool read into E.164 (it is shown, not dialled, so no destination rule).
 */
function judgeCampaign(request: CampaignRequest, policy: Policy): { kind: 'ok'; request: CampaignRequest } | { kind: 'invalid'; field: string; message: string } {
  const refused = 'extension' in request.target ? gateExtension(policy, request.target.extension, 'target.extension') : undefined;
  if (refused !== undefined) return { kind: 'invalid', field: refused.field, message: refused.message };
  const pool: string[] = [];
  for (const [i, n] of request.callerIdPool.entries()) {
    const read = readE164(policy, n, `callerIdPool.${i}`);
    if (!read.ok) return { kind: 'invalid', field: read.refusal.field, message: read.refusal.message };
    pool.push(read.value);
  }
  return { kind: 'ok', request: { ...request, callerIdPool: pool } };
}
