// The durable queue of one PBX: a SQLite-backed Durable Object that stores the PBX's settings,
// credentials (hashes only), jobs and attempts, and holds the relay's WebSocket. This file is its RPC
// surface; the runtime (the relay's WebSocket, the alarm, the desks it is built from) is QueueCore in
// queue-core.ts. It only routes: each method hands its call to the desk that decides (job-desk,
// dispatcher, group/assembly/room desks, widget-intake, callers). Every write happens before the RPC
// returns, so a 2xx from the Worker means the job is on disk.
// Longer than 300 lines on purpose: each RPC method must live on this class (Workers RPC calls
// methods of the Durable Object), and each is a one-line delegation to its desk.
import type { CallbackRequest, JobView, jobListQuery } from '../../shared/jobs.js';
import { pbxSettings, type PbxSettings } from '../../shared/pbx.js';
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
import type { SignedMessage } from '../webhooks/standard-webhooks.js';
import { type ConferenceResult } from './assembly-desk.js';
import { type GroupResult } from './group-desk.js';
import { type RoomView, type RuleResult } from './room-desk.js';
import { type CancelResult, type ClickToCallResult, type CreateResult } from './job-desk.js';
import { LiveFeed, type TimelineEvent } from './live-feed.js';
import { migrate } from './migrations.js';
import { type PbxStatus } from './pbx-status.js';
import { widgetView, type WidgetCallbackInput, type WidgetCallbackResult } from './widget-intake.js';
import type { AmoCrmAnswer, AmoCrmCall } from './amocrm-desk.js';
import type { BitrixResult } from './bitrix24-desk.js';
import { unverifiable, type HookCheck, type SignedDelivery } from './hook-desk.js';
import type { MissedCallOutcome } from './missed-call-desk.js';

import type { CampaignDesk, CampaignMethod } from '../campaigns/campaign-desk.js';
import { QueueCore } from './queue-core.js';

export type { CancelResult, CreateResult } from './job-desk.js';

export type { PbxStatus } from './pbx-status.js';

export class PbxQueue extends QueueCore {
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



  // ── campaigns (logic in campaigns/campaign-desk.ts) ─────────────────────────────────────────

  /** Every campaign operation, by the desk's method name; what it changed is dispatched before the answer. */
  async campaign<M extends CampaignMethod>(method: M, ...args: Parameters<CampaignDesk[M]>): Promise<ReturnType<CampaignDesk[M]>> {
    if (!this.configured) throw new Error('no such PBX'); // the routes find the PBX first (findPbx); no table is touched for a made-up one
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
}
