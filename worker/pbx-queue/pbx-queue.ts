// The durable queue of one PBX: a SQLite-backed Durable Object that stores the PBX's settings,
// credentials (hashes only), jobs and attempts, and holds the relay's WebSocket. It only routes:
// platform entry points (RPC, fetch, webSocket*, alarm) go to the desks that decide (job-desk,
// dispatcher, group/assembly/room desks, widget-intake, callers), relay frames through one table
// (`routes`), and it keeps the one alarm. Every write happens before the RPC returns, so a 2xx from
// the Worker means the job is on disk.
// Longer than 300 lines on purpose: each RPC method must live on this class (Workers RPC calls
// methods of the Durable Object), and each is a one-line delegation to its desk.
import { DurableObject } from 'cloudflare:workers';
import type { CallbackRequest, JobView, jobListQuery } from '../../shared/jobs.js';
import { pbxSettings, type PbxSettings } from '../../shared/pbx.js';
import { isAcceptedFromDisplaced, PROTOCOL_VERSION, RELAY_SUBPROTOCOL, type RelayFrame } from '../../shared/relay-protocol.js';
import type { ConferenceGroupInput, ConferenceGroupView, ConferenceRequest, ConferenceView, ExternalParticipantInput } from '../../shared/conferences.js';
import type { WidgetConfig, WidgetState, WidgetView } from '../../shared/widget.js';
import type { Bitrix24Config, BitrixCallStart } from '../../shared/bitrix24.js';
import type { AmoClickToCall } from '../../shared/amocrm.js';
import type { MissedCallPolicy, MissedCallReport, MissedCallView } from '../../shared/missed-calls.js';
import type { PresenceState } from '../../shared/orgs.js';
import type { DeliveryView, SecretPurpose, StatusCallbackSettings, WebhookSecretView } from '../../shared/webhooks.js';
import type { RelayCheckResponse } from '../../shared/relay-check.js';
import type { z } from 'zod';
import { newId } from '../auth/tokens.js';
import { isPrivateAllowed } from '../webhooks/callback-url.js';
import type { SignedMessage } from '../webhooks/standard-webhooks.js';
import { Callers } from './callers.js';
import { AssemblyDesk, type ConferenceResult } from './assembly-desk.js';
import { ConferenceStore } from './conference-store.js';
import { GroupDesk, type GroupResult } from './group-desk.js';
import { RoomDesk, type RoomView, type RuleResult } from './room-desk.js';
import { RoomStore } from './room-store.js';
import { CallSlots } from './call-slots.js';
import { Dispatcher } from './dispatcher.js';
import { earliest } from './earliest.js';
import { JobStore } from './job-store.js';
import { JobDesk, type CancelResult, type ClickToCallResult, type CreateResult } from './job-desk.js';
import { LiveFeed, type TimelineEvent } from './live-feed.js';
import { hasSchema, migrate } from './migrations.js';
import { OrgLink, type OrgBindings } from './org-link.js';
import { parseFrame, refuseUpgrade } from './relay-endpoint.js';
import { RelaySessions } from './relay-sessions.js';
import { frameRoutes, QUIET_FRAMES, type FrameRoutes } from './frame-routes.js';
import { pbxStatus, type PbxStatus } from './pbx-status.js';
import { WidgetIntake, widgetView, type WidgetCallbackInput, type WidgetCallbackResult } from './widget-intake.js';
import { WidgetStore } from './widget-store.js';
import type { AmoCrmAnswer, AmoCrmCall, AmoCrmStatus } from './amocrm-desk.js';
import type { BitrixResult } from './bitrix24-desk.js';
import { unverifiable, type HookCheck, type SignedDelivery } from './hook-desk.js';
import type { MissedCallOutcome } from './missed-call-desk.js';
import { CampaignDesk, type CampaignMethod } from '../campaigns/campaign-desk.js';
import { CampaignStore } from '../campaigns/campaign-store.js';
import { assemblyTask, missedCallTask } from '../campaigns/task-list.js';

export type { CancelResult, CreateResult } from './job-desk.js';

export type { PbxStatus } from './pbx-status.js';

/** The bindings the queue itself reads (the Worker passes all of its own). */
interface QueueBindings extends OrgBindings {
  ALLOW_PRIVATE_CALLBACKS?: string;
  AMOCRM_TOKEN_KEY?: string;
  AMOCRM_API_BASE_URL?: string;
}

export class PbxQueue extends DurableObject<QueueBindings> {
  private readonly store: JobStore;
  private readonly sessions: RelaySessions;
  private readonly dispatcher: Dispatcher;
  private readonly groups: GroupDesk;
  private readonly rooms: RoomDesk;
  private readonly assemblies: AssemblyDesk;
  private readonly jobs: JobDesk;
  private readonly campaigns: CampaignDesk;
  private readonly live: LiveFeed<PbxStatus>;
  private readonly org: OrgLink;
  /** What each relay frame does (frame-routes.ts); the desks decide. */
  private readonly routes: FrameRoutes;
  private cachedSettings: PbxSettings | undefined;
  /**
   * False until an admin creates the PBX: an object reached through a made-up PBX id, widget key or
   * token runs no migration and writes nothing, so it never gets storage; every entry point that
   * could be reached for it answers "unknown" without touching a table.
   */
  private configured = false;
  /** The alarm as last set or read (null: none); undefined until read after the object starts. */
  private alarmAt: number | null | undefined;

  constructor(ctx: DurableObjectState, env: QueueBindings) {
    super(ctx, env);
    this.store = new JobStore(ctx.storage.sql);
    this.sessions = new RelaySessions(ctx, this.store);
    const conferences = new ConferenceStore(ctx.storage.sql);
    const slots = new CallSlots(this.store, conferences, this.sessions, () => this.settings());
    this.dispatcher = new Dispatcher(this.store, this.sessions, () => this.settings(), () => slots.free());
    this.jobs = new JobDesk(this.store, () => this.settings(), (sessionId, frame) => this.tellHolder(sessionId, frame));
    this.groups = new GroupDesk(conferences, () => this.settings());
    this.rooms = new RoomDesk(new RoomStore(ctx.storage.sql), this.sessions, () => this.settings());
    this.org = new OrgLink(this.store, this.sessions, env);
    this.assemblies = new AssemblyDesk(conferences, this.rooms, this.sessions, () => this.settings(), () => this.pbxName() ?? '', () => slots.free());
    this.campaigns = new CampaignDesk(new CampaignStore(ctx.storage.sql), this.store, () => this.settings(), () => this.sessions.active()?.info.ami === 'ready', (limit) => [...this.assemblies.conferences(limit).map(assemblyTask), ...this.callers.missed.list(limit).map(missedCallTask)]);
    this.routes = frameRoutes({ dispatcher: this.dispatcher, rooms: this.rooms, assemblies: this.assemblies, sessions: this.sessions, callers: () => this.callers, org: this.org, campaigns: this.campaigns });
    this.live = new LiveFeed(ctx, this.store, (id) => this.jobs.view(id), () => this.jobs.list({ limit: 20 }).jobs, () => this.currentStatus());
    ctx.blockConcurrencyWhile(async () => {
      // An unknown PBX id gets no schema (and no storage): only createPbx migrates a new object.
      this.configured = hasSchema(ctx.storage.sql);
      if (this.configured) {
        migrate(ctx.storage.sql);
        this.live.start();
      }
    });
  }

  // ── admin ────────────────────────────────────────────────────────────────────────────────────

  async createPbx(pbx: string, settings: PbxSettings, relayTokenHash: string): Promise<'created' | 'exists'> {
    if (!this.configured) migrate(this.ctx.storage.sql);
    this.configured = true;
    if (this.store.getMeta('pbx') !== undefined) return 'exists';
    this.store.setMeta('pbx', pbx);
    this.store.setMeta('settings', JSON.stringify(settings));
    this.store.setMeta('relay_token_hash', relayTokenHash);
    return 'created';
  }

  async pbxSettings(): Promise<PbxSettings | null> {
    return this.settings() ?? null;
  }

  /** Replaces the settings as a whole (how settings of earlier versions move to the numbering plan). */
  async replaceSettings(settings: PbxSettings): Promise<boolean> {
    if (this.settings() === undefined) return false;
    this.store.setMeta('settings', JSON.stringify(settings));
    this.cachedSettings = settings;
    return true;
  }

  async rotateRelayToken(relayTokenHash: string): Promise<boolean> {
    if (this.settings() === undefined) return false;
    this.store.setMeta('relay_token_hash', relayTokenHash);
    // The old token stops working now, including for a session that is connected with it.
    for (const ws of this.ctx.getWebSockets()) if (!LiveFeed.isLive(ws)) ws.close(4003, 'relay token rotated');
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
    return this.configured && this.store.deleteApiKey(id);
  }

  async isApiKey(keyHash: string): Promise<boolean> {
    return this.configured && this.store.hasApiKey(keyHash);
  }

  /** Makes this PBX a site of an organisation (admin API); false for an unknown PBX. */
  async joinOrg(org: string): Promise<boolean> {
    if (this.settings() === undefined) return false;
    this.org.join(org);
    // A relay connected now starts presence at once, without waiting for its next hello.
    const active = this.sessions.active();
    if (active !== undefined) await this.org.hello(active.ws);
    return true;
  }

  /** Other sites' extension states from the org's directory, for the relay to mirror. */
  async mirrorPresence(states: PresenceState[]): Promise<void> {
    this.org.mirror(states);
  }

  // ── jobs ─────────────────────────────────────────────────────────────────────────────────────

  /** `delivery`: the signed webhook this came by, recorded (against replays) only if the job is admitted. */
  async createCallback(request: CallbackRequest, idempotencyKey: string | null, requestHash: string, delivery?: SignedDelivery): Promise<CreateResult> {
    const now = Date.now();
    const result = this.jobs.admit(request, idempotencyKey, requestHash, now);
    if (delivery !== undefined && (result.kind === 'created' || result.kind === 'existing')) this.callers.hooks.accept(delivery, now);
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
    return this.currentStatus();
  }

  /** For `perezvon-relay doctor`: the contexts to look for on the PBX, or null for a wrong token. Reads only: the live relay session stays. */
  async relayCheck(tokenHash: string): Promise<Pick<RelayCheckResponse, 'contexts'> | null> {
    const expected = this.configured ? this.store.getMeta('relay_token_hash') : undefined;
    const settings = expected !== undefined && expected === tokenHash ? this.settings() : undefined;
    return settings === undefined ? null : { contexts: { operator: settings.operatorContext, customer: settings.customerContext, queue: settings.queueContext } };
  }

  /** A job with its event log, for the dashboard's timeline; null for an unknown job. */
  async jobTimeline(id: string): Promise<{ job: JobView; events: TimelineEvent[] } | null> {
    const job = this.configured ? this.jobs.view(id) : undefined;
    if (job === undefined) return null;
    const events = this.store.eventsOf(id).map((e) => ({ type: e.type, attemptId: e.attempt_id, data: e.data, at: new Date(e.at).toISOString() }));
    return { job, events };
  }

  private currentStatus(): PbxStatus {
    return pbxStatus(this.store, this.sessions, this.callers.store, Date.now(), this.configured ? this.callers.amocrm.status() : null);
  }

  // ── campaigns (logic in campaigns/campaign-desk.ts) ─────────────────────────────────────────

  /** Every campaign operation, by the desk's method name; what it changed is dispatched before the answer. */
  async campaign<M extends CampaignMethod>(method: M, ...args: Parameters<CampaignDesk[M]>): Promise<ReturnType<CampaignDesk[M]>> {
    const result = (this.campaigns[method] as (...a: Parameters<CampaignDesk[M]>) => ReturnType<CampaignDesk[M]>).apply(this.campaigns, args);
    const now = Date.now();
    this.campaigns.pump(now);
    this.dispatcher.pump(now);
    await this.schedule();
    return result;
  }


  // ── conferences (groups, assemblies and rooms each in their desk) ───────────────────────────

  async saveConferenceGroup(input: ConferenceGroupInput, id: string | null): Promise<GroupResult> {
    return this.groups.save(input, id, Date.now());
  }

  async conferenceGroup(id: string): Promise<ConferenceGroupView | null> {
    return this.groups.group(id);
  }

  async conferenceGroups(): Promise<ConferenceGroupView[]> {
    return this.groups.groups();
  }

  async deleteConferenceGroup(id: string): Promise<boolean> {
    return this.groups.delete(id);
  }

  async createConference(request: ConferenceRequest): Promise<ConferenceResult> {
    const result = this.assemblies.create(request, Date.now());
    await this.schedule();
    return result;
  }

  async getConference(id: string): Promise<ConferenceView | null> {
    return this.assemblies.conference(id);
  }

  async listConferences(limit: number): Promise<ConferenceView[]> {
    return this.assemblies.conferences(limit);
  }

  async redialConference(id: string, memberIds: string[] | undefined): Promise<{ view: ConferenceView; requeued: number } | null> {
    const result = this.assemblies.redial(id, memberIds, Date.now());
    await this.schedule();
    return result;
  }

  async putRoomRule(room: string, input: ExternalParticipantInput): Promise<RuleResult> {
    return this.rooms.putRule(room, input, Date.now());
  }

  async deleteRoomRule(room: string): Promise<boolean> {
    return this.rooms.deleteRule(room);
  }

  async roomState(room: string): Promise<RoomView> {
    return this.rooms.room(room);
  }

  // ── website widget (logic in widget-intake.ts) ─────────────────────────────────────────────

  private widgetDesk: { store: WidgetStore; intake: WidgetIntake } | undefined;

  private get widgets(): { store: WidgetStore; intake: WidgetIntake } {
    if (this.widgetDesk === undefined) {
      const store = new WidgetStore(this.ctx.storage.sql);
      const create = (request: CallbackRequest, hash: string): Promise<CreateResult> => this.createCallback(request, null, hash);
      this.widgetDesk = { store, intake: new WidgetIntake(store, this.store, create, () => this.settings()) };
    }
    return this.widgetDesk;
  }

  async createWidget(config: WidgetConfig): Promise<WidgetView | null> {
    const pbx = this.pbxName();
    if (pbx === undefined) return null;
    const row = { key: newId(`pzw_${pbx}.`), id: newId('wgt_'), config: JSON.stringify(config), created_at: Date.now() };
    this.widgets.store.insertWidget(row);
    return widgetView(pbx, row);
  }

  async listWidgets(): Promise<WidgetView[] | null> {
    const pbx = this.pbxName();
    return pbx === undefined ? null : this.widgets.store.widgets().map((r) => widgetView(pbx, r));
  }

  async getWidget(id: string): Promise<WidgetView | null> {
    const pbx = this.pbxName();
    const row = pbx === undefined ? undefined : this.widgets.store.widgetById(id);
    return pbx === undefined || row === undefined ? null : widgetView(pbx, row);
  }

  async deleteWidget(id: string): Promise<boolean> {
    return this.configured && this.widgets.store.deleteWidget(id);
  }

  /** The widget's configuration, Turnstile secret included: for the Worker's public route only. */
  async widgetPolicy(key: string): Promise<WidgetConfig | null> {
    return this.configured ? this.widgets.intake.config(key) ?? null : null;
  }

  async widgetCallback(input: WidgetCallbackInput): Promise<WidgetCallbackResult> {
    return this.configured ? this.widgets.intake.intake(input, Date.now()) : { kind: 'unknown-widget' };
  }

  async widgetStatus(tokenHash: string): Promise<{ state: WidgetState; origins: string[] } | null> {
    return this.configured ? this.widgets.intake.status(tokenHash) ?? null : null;
  }

  // ── callers: signed webhooks, status callbacks, missed calls (logic in callers.ts) ──────────

  private callerDesk: Callers | undefined;

  private get callers(): Callers {
    this.callerDesk ??= new Callers({
      sql: this.ctx.storage.sql, jobs: this.store, settings: () => this.settings(), view: (id) => this.jobs.view(id),
      allowPrivate: () => isPrivateAllowed(this.env),
      create: (request, key, hash) => this.createCallback(request, key, hash),
      cancel: async (id) => void (await this.cancelJob(id)),
      amocrmEnv: () => ({ tokenKey: this.env.AMOCRM_TOKEN_KEY, apiBase: this.env.AMOCRM_API_BASE_URL }),
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
    return this.configured && this.callers.hooks.deleteSecret(id);
  }

  async checkWebhook(source: string, message: SignedMessage): Promise<HookCheck> {
    // An unknown PBX answers exactly as one without a matching secret: nothing tells them apart.
    return this.configured ? this.callers.hooks.check(source, message, Date.now()) : unverifiable(message, Date.now());
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

  async reportMissedCall(report: MissedCallReport, delivery?: SignedDelivery): Promise<MissedCallOutcome | 'replayed' | null> {
    if (this.settings() === undefined) return null;
    const now = Date.now();
    if (delivery !== undefined && !this.callers.hooks.accept(delivery, now)) return 'replayed';
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
    return this.configured ? this.callers.bitrix.config() ?? null : null;
  }

  async bitrixClickToCall(event: BitrixCallStart): Promise<BitrixResult> {
    return this.configured ? this.callers.bitrix.clickToCall(event) : { kind: 'unauthorized' };
  }

  /** The amoCRM connection's admin operations, in amocrm-desk.ts. */
  async amoCrm(call: AmoCrmCall): Promise<AmoCrmAnswer> {
    if (this.settings() === undefined) return { kind: 'no-pbx' };
    const answer = await this.callers.amocrm.run(call, Date.now());
    // A new token brings held calls forward: the alarm must come for them now, not in an hour.
    await this.arm();
    return answer;
  }

  async amoCrmClickToCall(secret: string, request: AmoClickToCall): Promise<ClickToCallResult> {
    return this.callers.amocrm.clickToCall(secret, request);
  }

  // ── relay link ───────────────────────────────────────────────────────────────────────────────

  override async fetch(request: Request): Promise<Response> {
    // The Worker asks for /live only after checking the dashboard session (routes/dashboard.ts).
    if (new URL(request.url).pathname === '/live' && this.configured) return this.live.accept();
    const refused = await refuseUpgrade(request, this.configured ? this.store.getMeta('relay_token_hash') : undefined);
    if (refused !== null) return refused;
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    const now = Date.now();
    const sessionId = newId('ses_');
    for (const displaced of this.sessions.open(server, sessionId, now)) this.dispatcher.release(displaced, now);
    this.dispatcher.releaseOrphans(now);
    this.sessions.send(server, { type: 'welcome', protocol: PROTOCOL_VERSION, sessionId, pbx: this.pbxName() ?? '', maxConcurrentCalls: this.settings()?.maxConcurrentCalls });
    await this.schedule();
    return new Response(null, { status: 101, webSocket: client, headers: { 'sec-websocket-protocol': RELAY_SUBPROTOCOL } });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (LiveFeed.isLive(ws)) return;
    const parsed = parseFrame(message);
    if (!parsed.ok) {
      this.sessions.send(ws, { type: 'error', code: 'bad_frame', message: parsed.message });
      return;
    }
    const frame = parsed.frame;
    const now = Date.now();
    if (!this.sessions.isActive(ws) && !isAcceptedFromDisplaced(frame)) {
      // A displaced session's hello cannot take the PBX back; its heartbeats are acknowledged (so its
      // reports settle) and their progress applied under each attempt's fence while it finishes its calls.
      if (frame.type === 'heartbeat') {
        this.dispatcher.heartbeat(ws, frame, now);
        await this.schedule();
      }
      this.sessions.send(ws, frame.type === 'heartbeat' ? { type: 'heartbeat.ack' } : { type: 'superseded' });
      return;
    }
    // TypeScript cannot correlate the table's key with the frame's type; the table's type does.
    await (this.routes[frame.type] as (ws: WebSocket, frame: RelayFrame, now: number) => void | Promise<void>)(ws, frame, now);
    if (QUIET_FRAMES.has(frame.type)) {
      // Status callbacks still go out for what it changed, with no dispatch scan.
      if (this.callers.outbox.collect(now) > 0) await this.arm();
      this.live.publish();
      return;
    }
    this.campaigns.pump(now);
    this.dispatcher.pump(now);
    this.assemblies.pump(now);
    await this.schedule();
    // Frames of a session are handled in order, so this ack settles every report the relay sent before.
    if (frame.type === 'heartbeat') this.sessions.send(ws, { type: 'heartbeat.ack' });
  }

  override async webSocketClose(ws: WebSocket): Promise<void> {
    await this.closed(ws);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.closed(ws);
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null; // it fired; arm() below sets the next one
    const now = Date.now();
    this.dispatcher.expireLeases(now);
    this.campaigns.pump(now);
    this.dispatcher.pump(now);
    this.assemblies.expireSilentDials(now);
    this.assemblies.pump(now);
    await this.callers.deliver(now);
    await this.schedule();
  }

  private async closed(ws: WebSocket): Promise<void> {
    const info = this.sessions.info(ws);
    if (info === undefined || !this.sessions.isActive(ws)) return;
    this.sessions.clearActive(ws);
    this.dispatcher.release(info, Date.now());
    await this.schedule();
    await this.org.down();
  }

  private tellHolder(sessionId: string | null, frame: { type: 'job.cancel'; attemptId: string; fence: number }): void {
    const ws = sessionId === null ? undefined : this.ctx.getWebSockets(sessionId)[0];
    if (ws !== undefined) this.sessions.send(ws, frame);
  }

  /** After a change: status events it produced go to the outbox, then the alarm is moved if needed. */
  private async schedule(): Promise<void> {
    this.callers.outbox.collect(Date.now());
    await this.arm();
    this.live.publish();
  }

  /** Keeps the one alarm no later than the next timed work; an earlier one is left alone (it finds nothing due and
   * re-arms), so a call's offer lease and its acknowledgement cost no storage call each. */
  private async arm(): Promise<void> {
    const now = Date.now();
    const next = earliest(this.store.nextWake(now), this.callers.outbox.nextDueAt(), this.assemblies.nextWake(now), this.campaigns.nextWake(now));
    this.alarmAt ??= await this.ctx.storage.getAlarm();
    if (next !== undefined && (this.alarmAt === null || next < this.alarmAt)) {
      await this.ctx.storage.setAlarm(next);
      this.alarmAt = next;
    }
  }

  private pbxName(): string | undefined {
    return this.configured ? this.store.getMeta('pbx') : undefined;
  }

  private settings(): PbxSettings | undefined {
    if (this.cachedSettings === undefined && this.configured) {
      const raw = this.store.getMeta('settings');
      if (raw !== undefined) this.cachedSettings = pbxSettings.parse(JSON.parse(raw));
    }
    return this.cachedSettings;
  }
}
