// The runtime half of a PBX's queue (pbx-queue.ts holds the RPC half): the desks and stores it is
// built from, the relay's WebSocket (fetch, webSocket*), the one alarm, and what every entry point
// shares (settings, status, the lazily built widget and caller desks). Split from the RPC methods so
// each half is one concept; PbxQueue extends it, and RPC and the platform find every method on the
// one class.
import { DurableObject } from 'cloudflare:workers';
import type { CallbackRequest } from '../../shared/jobs.js';
import { pbxSettings, type PbxSettings } from '../../shared/pbx.js';
import { isAcceptedFromDisplaced, PROTOCOL_VERSION, RELAY_SUBPROTOCOL, type RelayFrame } from '../../shared/relay-protocol.js';
import { newId } from '../auth/tokens.js';
import { isPrivateAllowed } from '../webhooks/callback-url.js';
import { Callers } from './callers.js';
import { AssemblyDesk } from './assembly-desk.js';
import { ConferenceStore } from './conference-store.js';
import { GroupDesk } from './group-desk.js';
import { RoomDesk } from './room-desk.js';
import { RoomStore } from './room-store.js';
import { CallSlots } from './call-slots.js';
import { Dispatcher } from './dispatcher.js';
import { earliest } from './earliest.js';
import { JobStore } from './job-store.js';
import { JobDesk, type CancelResult, type CreateResult } from './job-desk.js';
import { LiveFeed } from './live-feed.js';
import { hasSchema, migrate } from './migrations.js';
import { OrgLink, type OrgBindings } from './org-link.js';
import { parseFrame, refuseUpgrade } from './relay-endpoint.js';
import { RelaySessions } from './relay-sessions.js';
import { frameRoutes, QUIET_FRAMES, type FrameRoutes } from './frame-routes.js';
import { pbxStatus, type PbxStatus } from './pbx-status.js';
import { WidgetIntake } from './widget-intake.js';
import { WidgetStore } from './widget-store.js';
import type { SignedDelivery } from './hook-desk.js';
import { CampaignDesk } from '../campaigns/campaign-desk.js';
import { CampaignStore } from '../campaigns/campaign-store.js';
import { assemblyTask, missedCallTask } from '../campaigns/task-list.js';

/** The bindings the queue itself reads (the Worker passes all of its own). */
export interface QueueBindings extends OrgBindings {
  ALLOW_PRIVATE_CALLBACKS?: string;
  AMOCRM_TOKEN_KEY?: string;
  AMOCRM_API_BASE_URL?: string;
}

export abstract class QueueCore extends DurableObject<QueueBindings> {
  protected readonly store: JobStore;
  protected readonly sessions: RelaySessions;
  protected readonly dispatcher: Dispatcher;
  protected readonly groups: GroupDesk;
  protected readonly rooms: RoomDesk;
  protected readonly assemblies: AssemblyDesk;
  protected readonly jobs: JobDesk;
  protected readonly campaigns: CampaignDesk;
  protected readonly live: LiveFeed<PbxStatus>;
  protected readonly org: OrgLink;
  /** What each relay frame does (frame-routes.ts); the desks decide. */
  protected readonly routes: FrameRoutes;
  protected cachedSettings: PbxSettings | undefined;
  /**
   * False until an admin creates the PBX: an object reached through a made-up PBX id, widget key or
   * token runs no migration and writes nothing, so it never gets storage; every entry point that
   * could be reached for it answers "unknown" without touching a table.
   */
  protected configured = false;
  /** The alarm as last set or read (null: none); undefined until read after the object starts. */
  protected alarmAt: number | null | undefined;

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
    this.campaigns = new CampaignDesk(new CampaignStore(ctx.storage.sql), this.store, () => this.settings(), () => this.sessions.active()?.info.ami === 'ready',
      (limit) => [...this.assemblies.conferences(limit).map(assemblyTask), ...this.callers.missed.list(limit).map(missedCallTask)]);
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

  protected widgetDesk: { store: WidgetStore; intake: WidgetIntake } | undefined;

  protected get widgets(): { store: WidgetStore; intake: WidgetIntake } {
    if (this.widgetDesk === undefined) {
      const store = new WidgetStore(this.ctx.storage.sql);
      const create = (request: CallbackRequest, hash: string): Promise<CreateResult> => this.createCallback(request, null, hash);
      this.widgetDesk = { store, intake: new WidgetIntake(store, this.store, create, () => this.settings()) };
    }
    return this.widgetDesk;
  }

  protected callerDesk: Callers | undefined;

  protected get callers(): Callers {
    this.callerDesk ??= new Callers({
      sql: this.ctx.storage.sql, jobs: this.store, settings: () => this.settings(), view: (id) => this.jobs.view(id),
      allowPrivate: () => isPrivateAllowed(this.env),
      create: (request, key, hash) => this.createCallback(request, key, hash),
      cancel: async (id) => void (await this.cancelJob(id)),
      amocrmEnv: () => ({ tokenKey: this.env.AMOCRM_TOKEN_KEY, apiBase: this.env.AMOCRM_API_BASE_URL }),
    });
    return this.callerDesk;
  }

  protected currentStatus(): PbxStatus {
    return pbxStatus(this.store, this.sessions, this.callers.store, Date.now(), this.configured ? this.callers.amocrm.status() : null);
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
    // Campaign contacts become jobs first; then callbacks, then conference members, from the same free call slots.
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

  protected async closed(ws: WebSocket): Promise<void> {
    const info = this.sessions.info(ws);
    if (info === undefined || !this.sessions.isActive(ws)) return;
    this.sessions.clearActive(ws);
    this.dispatcher.release(info, Date.now());
    await this.schedule();
    await this.org.down();
  }

  protected tellHolder(sessionId: string | null, frame: { type: 'job.cancel'; attemptId: string; fence: number }): void {
    const ws = sessionId === null ? undefined : this.ctx.getWebSockets(sessionId)[0];
    if (ws !== undefined) this.sessions.send(ws, frame);
  }

  /** After a change: status events it produced go to the outbox, then the alarm is moved if needed. */
  protected async schedule(): Promise<void> {
    this.callers.outbox.collect(Date.now());
    await this.arm();
    this.live.publish();
  }

  /** Keeps the one alarm no later than the next timed work; an earlier one is left alone (it finds nothing due and
   * re-arms), so a call's offer lease and its acknowledgement cost no storage call each. */
  protected async arm(): Promise<void> {
    const now = Date.now();
    const next = earliest(this.store.nextWake(now), this.callers.outbox.nextDueAt(), this.assemblies.nextWake(now), this.campaigns.nextWake(now));
    this.alarmAt ??= await this.ctx.storage.getAlarm();
    if (next !== undefined && (this.alarmAt === null || next < this.alarmAt)) {
      await this.ctx.storage.setAlarm(next);
      this.alarmAt = next;
    }
  }

  protected pbxName(): string | undefined {
    return this.configured ? this.store.getMeta('pbx') : undefined;
  }

  protected settings(): PbxSettings | undefined {
    if (this.cachedSettings === undefined && this.configured) {
      const raw = this.store.getMeta('settings');
      if (raw !== undefined) this.cachedSettings = pbxSettings.parse(JSON.parse(raw));
    }
    return this.cachedSettings;
  }
  /** Implemented by PbxQueue (RPC); the desks built here call them. */
  abstract createCallback(request: CallbackRequest, idempotencyKey: string | null, requestHash: string, delivery?: SignedDelivery): Promise<CreateResult>;
  abstract cancelJob(id: string): Promise<CancelResult>;
}
