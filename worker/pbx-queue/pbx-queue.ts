// The durable queue of one PBX: a SQLite-backed Durable Object that stores the PBX's settings,
// credentials (hashes only), jobs and attempts, and holds the relay's WebSocket. It routes platform
// entry points (RPC, fetch, webSocket*, alarm) to the desks that hold the logic (job-desk,
// dispatcher, conference-desk, widget-intake, callers) and keeps the one alarm. Every write happens
// before the RPC returns, so a 2xx from the Worker means the job is on disk.
import { DurableObject } from 'cloudflare:workers';
import type { CallbackRequest, JobView, jobListQuery } from '../../shared/jobs.js';
import { pbxSettings, type PbxSettings } from '../../shared/pbx.js';
import { PROTOCOL_VERSION, RELAY_SUBPROTOCOL, type RelayFrame } from '../../shared/relay-protocol.js';
import type { ConferenceGroupInput, ConferenceGroupView, ConferenceRequest, ConferenceView, ExternalParticipantInput } from '../../shared/conferences.js';
import type { WidgetConfig, WidgetState, WidgetView } from '../../shared/widget.js';
import type { Bitrix24Config, BitrixCallStart } from '../../shared/bitrix24.js';
import type { MissedCallPolicy, MissedCallReport, MissedCallView } from '../../shared/missed-calls.js';
import type { DeliveryView, SecretPurpose, StatusCallbackSettings, WebhookSecretView } from '../../shared/webhooks.js';
import type { z } from 'zod';
import { newId } from '../auth/tokens.js';
import { isPrivateAllowed } from '../webhooks/callback-url.js';
import type { SignedMessage } from '../webhooks/standard-webhooks.js';
import { Callers } from './callers.js';
import type { Bindings } from '../env.js';
import { ConferenceDesk, type ConferenceResult, type GroupResult, type RuleResult } from './conference-desk.js';
import { ConferenceStore } from './conference-store.js';
import { Dispatcher } from './dispatcher.js';
import { earliest } from './earliest.js';
import { JobStore } from './job-store.js';
import { JobDesk, type CancelResult, type CreateResult } from './job-desk.js';
import { migrate } from './migrations.js';
import { isReport, parseFrame, refuseUpgrade } from './relay-endpoint.js';
import { RelaySessions } from './relay-sessions.js';
import { WidgetIntake, widgetView, type WidgetCallbackInput, type WidgetCallbackResult } from './widget-intake.js';
import { WidgetStore } from './widget-store.js';
import type { BitrixResult } from './bitrix24-desk.js';
import type { HookCheck } from './hook-desk.js';
import type { MissedCallOutcome } from './missed-call-desk.js';

export type { CancelResult, CreateResult } from './job-desk.js';

export interface PbxStatus {
  pbx: string;
  relay: { connected: boolean; relayId: string | null; ami: string; capacity: number; lastSeenAt: string | null };
  inFlight: number;
  queued: number;
}

export class PbxQueue extends DurableObject<Bindings> {
  private readonly store: JobStore;
  private readonly sessions: RelaySessions;
  private readonly dispatcher: Dispatcher;
  private readonly conferences: ConferenceDesk;
  private readonly jobs: JobDesk;
  private cachedSettings: PbxSettings | undefined;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => migrate(ctx.storage.sql));
    this.store = new JobStore(ctx.storage.sql);
    this.sessions = new RelaySessions(ctx, this.store);
    this.dispatcher = new Dispatcher(this.store, this.sessions, () => this.settings());
    this.jobs = new JobDesk(this.store, this.dispatcher, () => this.settings(), (sessionId, frame) => this.tellHolder(sessionId, frame));
    this.conferences = new ConferenceDesk(new ConferenceStore(ctx.storage.sql), this.sessions, () => this.settings(), () => this.store.getMeta('pbx') ?? '');
  }

  // ── admin ────────────────────────────────────────────────────────────────────────────────────

  async createPbx(pbx: string, settings: PbxSettings, relayTokenHash: string): Promise<'created' | 'exists'> {
    if (this.store.getMeta('pbx') !== undefined) return 'exists';
    this.store.setMeta('pbx', pbx);
    this.store.setMeta('settings', JSON.stringify(settings));
    this.store.setMeta('relay_token_hash', relayTokenHash);
    return 'created';
  }

  async pbxSettings(): Promise<PbxSettings | null> {
    return this.settings() ?? null;
  }

  async rotateRelayToken(relayTokenHash: string): Promise<boolean> {
    if (this.settings() === undefined) return false;
    this.store.setMeta('relay_token_hash', relayTokenHash);
    // The old token stops working now, including for a session that is connected with it.
    for (const ws of this.ctx.getWebSockets()) ws.close(4003, 'relay token rotated');
    return true;
  }

  async addApiKey(keyHash: string, label: string | null): Promise<string | null> {
    if (this.settings() === undefined) return null;
    const id = newId('key_');
    this.store.insertApiKey(id, keyHash, label, Date.now());
    return id;
  }

  /** The PBX's API keys (never their hashes); null for an unknown PBX. */
  async apiKeys(): Promise<Array<{ id: string; label: string | null; createdAt: string }> | null> {
    if (this.settings() === undefined) return null;
    return this.store.apiKeys().map((k) => ({ id: k.id, label: k.label, createdAt: new Date(k.created_at).toISOString() }));
  }

  async revokeApiKey(id: string): Promise<boolean> {
    return this.store.deleteApiKey(id);
  }

  async isApiKey(keyHash: string): Promise<boolean> {
    return this.store.hasApiKey(keyHash);
  }

  // ── jobs ─────────────────────────────────────────────────────────────────────────────────────

  async createCallback(request: CallbackRequest, idempotencyKey: string | null, requestHash: string): Promise<CreateResult> {
    const now = Date.now();
    const result = this.jobs.admit(request, idempotencyKey, requestHash, now);
    if (result.kind !== 'created') return result;
    this.dispatcher.pump(now);
    await this.schedule();
    return { kind: 'created', job: this.jobs.view(result.job.id) ?? result.job };
  }

  async getJob(id: string): Promise<JobView | null> {
    return this.jobs.view(id) ?? null;
  }

  async listJobs(query: z.output<typeof jobListQuery>): Promise<{ jobs: JobView[]; nextCursor: string | null }> {
    return this.jobs.list(query);
  }

  async cancelJob(id: string): Promise<CancelResult> {
    const result = this.jobs.cancel(id, Date.now());
    if (result.kind === 'cancelled') await this.schedule();
    return result;
  }

  async status(): Promise<PbxStatus> {
    const active = this.sessions.active();
    return {
      pbx: this.store.getMeta('pbx') ?? '',
      relay: {
        connected: active !== undefined,
        relayId: active?.info.relayId ?? null,
        ami: active?.info.ami ?? 'down',
        capacity: active?.info.capacity ?? 0,
        lastSeenAt: active ? new Date(active.info.lastSeenAt).toISOString() : null,
      },
      inFlight: this.store.countOpenAttempts(),
      queued: this.store.listJobs('queued', 10_000, 0).length,
    };
  }

  // ── conferences (logic in conference-desk.ts) ──────────────────────────────────────────────

  async saveConferenceGroup(input: ConferenceGroupInput, id: string | null): Promise<GroupResult> {
    return this.conferences.saveGroup(input, id, Date.now());
  }

  async conferenceGroup(id: string): Promise<ConferenceGroupView | null> {
    return this.conferences.group(id);
  }

  async conferenceGroups(): Promise<ConferenceGroupView[]> {
    return this.conferences.groups();
  }

  async deleteConferenceGroup(id: string): Promise<boolean> {
    return this.conferences.deleteGroup(id);
  }

  async createConference(request: ConferenceRequest): Promise<ConferenceResult> {
    const result = this.conferences.createConference(request, Date.now());
    await this.schedule();
    return result;
  }

  async getConference(id: string): Promise<ConferenceView | null> {
    return this.conferences.conference(id);
  }

  async listConferences(limit: number): Promise<ConferenceView[]> {
    return this.conferences.conferences(limit);
  }

  async redialConference(id: string, memberIds: string[] | undefined): Promise<{ view: ConferenceView; requeued: number } | null> {
    const result = this.conferences.redial(id, memberIds, Date.now());
    await this.schedule();
    return result;
  }

  async putRoomRule(room: string, input: ExternalParticipantInput): Promise<RuleResult> {
    return this.conferences.putRule(room, input);
  }

  async deleteRoomRule(room: string): Promise<boolean> {
    return this.conferences.deleteRule(room);
  }

  async roomState(room: string): Promise<ReturnType<ConferenceDesk['room']>> {
    return this.conferences.room(room);
  }

  private conferenceFrame(frame: RelayFrame, now: number): void {
    if (frame.type === 'hello') this.conferences.onHello(now);
    else if (frame.type === 'heartbeat') this.conferences.pump(now);
    else if (frame.type === 'conference.member' || frame.type === 'conference.requested' || frame.type === 'room.participants' || frame.type === 'rooms.running') {
      this.conferences.onFrame(frame, now);
    }
  }

  // ── website widget (logic in widget-intake.ts) ─────────────────────────────────────────────

  private widgetDesk: { store: WidgetStore; intake: WidgetIntake } | undefined;

  private get widgets(): { store: WidgetStore; intake: WidgetIntake } {
    if (this.widgetDesk === undefined) {
      const store = new WidgetStore(this.ctx.storage.sql);
      const create = (request: CallbackRequest, hash: string): Promise<CreateResult> => this.createCallback(request, null, hash);
      this.widgetDesk = { store, intake: new WidgetIntake(store, this.store, create, () => this.settings()?.jobTtlSec ?? 3600) };
    }
    return this.widgetDesk;
  }

  async createWidget(config: WidgetConfig): Promise<WidgetView | null> {
    const pbx = this.store.getMeta('pbx');
    if (pbx === undefined) return null;
    const row = { key: newId(`pzw_${pbx}.`), id: newId('wgt_'), config: JSON.stringify(config), created_at: Date.now() };
    this.widgets.store.insertWidget(row);
    return widgetView(pbx, row);
  }

  async listWidgets(): Promise<WidgetView[] | null> {
    const pbx = this.store.getMeta('pbx');
    return pbx === undefined ? null : this.widgets.store.widgets().map((r) => widgetView(pbx, r));
  }

  async getWidget(id: string): Promise<WidgetView | null> {
    const pbx = this.store.getMeta('pbx');
    const row = this.widgets.store.widgetById(id);
    return pbx === undefined || row === undefined ? null : widgetView(pbx, row);
  }

  async deleteWidget(id: string): Promise<boolean> {
    return this.widgets.store.deleteWidget(id);
  }

  /** The widget's configuration, Turnstile secret included: for the Worker's public route only. */
  async widgetPolicy(key: string): Promise<WidgetConfig | null> {
    return this.widgets.intake.config(key) ?? null;
  }

  async widgetCallback(input: WidgetCallbackInput): Promise<WidgetCallbackResult> {
    return this.widgets.intake.intake(input, Date.now());
  }

  async widgetStatus(tokenHash: string): Promise<{ state: WidgetState; origins: string[] } | null> {
    return this.widgets.intake.status(tokenHash) ?? null;
  }

  // ── callers: signed webhooks, status callbacks, missed calls (logic in callers.ts) ──────────

  private callerDesk: Callers | undefined;

  private get callers(): Callers {
    this.callerDesk ??= new Callers({
      sql: this.ctx.storage.sql, jobs: this.store, settings: () => this.settings(), view: (id) => this.jobs.view(id),
      allowPrivate: () => isPrivateAllowed(this.env),
      create: (request, key, hash) => this.createCallback(request, key, hash),
      cancel: async (id) => void (await this.cancelJob(id)),
    });
    return this.callerDesk;
  }

  /** The new secret is in the result once; afterwards only its id and label are shown. */
  async createWebhookSecret(purpose: SecretPurpose, label: string | null): Promise<(WebhookSecretView & { secret: string }) | 'too-many' | null> {
    return this.settings() === undefined ? null : this.callers.hooks.createSecret(purpose, label, Date.now());
  }

  async webhookSecrets(): Promise<WebhookSecretView[] | null> {
    return this.settings() === undefined ? null : this.callers.hooks.secrets();
  }

  async deleteWebhookSecret(id: string): Promise<boolean> {
    return this.callers.hooks.deleteSecret(id);
  }

  async checkWebhook(source: string, message: SignedMessage): Promise<HookCheck> {
    return this.callers.hooks.check(source, message, Date.now());
  }

  async statusCallbackSettings(): Promise<StatusCallbackSettings | null> {
    return this.settings() === undefined ? null : this.callers.outbox.settings();
  }

  async putStatusCallbackSettings(value: StatusCallbackSettings): Promise<boolean> {
    if (this.settings() === undefined) return false;
    this.callers.outbox.saveSettings(value);
    return true;
  }

  async jobDeliveries(jobId: string): Promise<DeliveryView[] | null> {
    return this.store.job(jobId) === undefined ? null : this.callers.outbox.deliveries(jobId);
  }

  async missedCallPolicy(): Promise<{ policy: MissedCallPolicy | null } | null> {
    return this.settings() === undefined ? null : { policy: this.callers.missed.policy() ?? null };
  }

  async putMissedCallPolicy(policy: MissedCallPolicy): Promise<boolean> {
    if (this.settings() === undefined) return false;
    this.callers.missed.savePolicy(policy);
    const active = this.sessions.active();
    if (active !== undefined) this.sessions.send(active.ws, this.callers.missed.watchFrame());
    return true;
  }

  async reportMissedCall(report: MissedCallReport): Promise<MissedCallOutcome | null> {
    if (this.settings() === undefined) return null;
    const now = Date.now();
    return this.callers.missed.missed(report.caller, report.target ?? null, report.at === undefined ? now : Date.parse(report.at), now);
  }

  async missedCalls(limit: number): Promise<MissedCallView[]> {
    return this.callers.missed.list(limit);
  }

  async putBitrix24(config: Bitrix24Config): Promise<boolean> {
    if (this.settings() === undefined) return false;
    this.callers.bitrix.save(config);
    return true;
  }

  async bitrix24(): Promise<Bitrix24Config | null> {
    return this.callers.bitrix.config() ?? null;
  }

  async bitrixClickToCall(event: BitrixCallStart): Promise<BitrixResult> {
    return this.callers.bitrix.clickToCall(event);
  }

  /** Missed-call frames, the watch list after hello, and status events of whatever the frame changed. */
  private async callerFrame(ws: WebSocket, frame: RelayFrame, now: number): Promise<void> {
    if (frame.type === 'hello') this.sessions.send(ws, this.callers.missed.watchFrame());
    else if (frame.type === 'missed-call' || frame.type === 'call-connected') await this.callers.missed.relayReport(frame, now);
    if (this.callers.outbox.collect(now) > 0) await this.schedule();
  }

  // ── relay link ───────────────────────────────────────────────────────────────────────────────

  override async fetch(request: Request): Promise<Response> {
    const refused = await refuseUpgrade(request, this.store.getMeta('relay_token_hash'));
    if (refused !== null) return refused;
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    const now = Date.now();
    const sessionId = newId('ses_');
    for (const displaced of this.sessions.open(server, sessionId, now)) this.dispatcher.release(displaced, now);
    this.sessions.send(server, { type: 'welcome', protocol: PROTOCOL_VERSION, sessionId, pbx: this.store.getMeta('pbx') ?? '' });
    await this.schedule();
    return new Response(null, { status: 101, webSocket: client, headers: { 'sec-websocket-protocol': RELAY_SUBPROTOCOL } });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const parsed = parseFrame(message);
    if (!parsed.ok) {
      this.sessions.send(ws, { type: 'error', code: 'bad_frame', message: parsed.message });
      return;
    }
    const frame = { data: parsed.frame };
    const now = Date.now();
    // A displaced session may only report on attempts it holds (the dispatcher checks the holder and
    // fence of each); it is never offered anything, and its hello cannot take the PBX back.
    if (!this.sessions.isActive(ws) && !isReport(frame.data)) {
      if (frame.data.type !== 'heartbeat') this.sessions.send(ws, { type: 'superseded' });
      return;
    }
    this.dispatcher.onFrame(ws, frame.data, now);
    this.conferenceFrame(frame.data, now);
    await this.callerFrame(ws, frame.data, now);
    // Accepts and progress reports neither free a slot nor change any timer: skip the queue scan.
    if (frame.data.type === 'job.accept' || frame.data.type === 'attempt.progress') return;
    this.dispatcher.pump(now);
    await this.schedule();
    // Frames of a session are handled in order, so this ack settles every report the relay sent before.
    if (frame.data.type === 'heartbeat') this.sessions.send(ws, { type: 'heartbeat.ack' });
  }

  override async webSocketClose(ws: WebSocket): Promise<void> {
    await this.closed(ws);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.closed(ws);
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    this.dispatcher.expireLeases(now);
    this.dispatcher.pump(now);
    this.conferences.expireSilentDials(now);
    this.conferences.pump(now);
    await this.callers.deliver(now);
    await this.schedule();
  }

  private async closed(ws: WebSocket): Promise<void> {
    const info = this.sessions.info(ws);
    if (info === undefined || !this.sessions.isActive(ws)) return;
    this.sessions.clearActive(ws);
    this.dispatcher.release(info, Date.now());
    await this.schedule();
  }

  private tellHolder(sessionId: string | null, frame: { type: 'job.cancel'; attemptId: string; fence: number }): void {
    const ws = sessionId === null ? undefined : this.ctx.getWebSockets(sessionId)[0];
    if (ws !== undefined) this.sessions.send(ws, frame);
  }

  /** Keeps the one alarm at the next timed work; setAlarm only when that instant changed. */
  private async schedule(): Promise<void> {
    const now = Date.now();
    this.callers.outbox.collect(now);
    const next = earliest(this.store.nextWake(now), this.callers.outbox.nextDueAt(), this.conferences.nextWake(now));
    const current = await this.ctx.storage.getAlarm();
    if (next === undefined) {
      if (current !== null) await this.ctx.storage.deleteAlarm();
    } else if (current !== next) {
      await this.ctx.storage.setAlarm(next);
    }
  }

  private settings(): PbxSettings | undefined {
    if (this.cachedSettings === undefined) {
      const raw = this.store.getMeta('settings');
      if (raw !== undefined) this.cachedSettings = pbxSettings.parse(JSON.parse(raw));
    }
    return this.cachedSettings;
  }
}
