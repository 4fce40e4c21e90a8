// One organisation's Durable Object: its numbering plan (which PBX owns which extensions and queues,
// and the inter-site routes), its API keys (hashes), where each org-created job lives, and presence:
// every site's extension states, fanned out to the other sites' PBX queues, which mirror them on
// their PBX as Custom device states. A site whose relay is gone shows its extensions `unavailable`
// everywhere, never frozen in their last state.
// Invariants: a site reports only extensions its plan gives it (a mirror never echoes back); a job for
// an extension or queue nobody owns is refused, never guessed.
import { DurableObject } from 'cloudflare:workers';
import { matchesPattern } from '../../shared/extension-pattern.js';
import { orgPlan, type OrgPlan, type PresenceState } from '../../shared/orgs.js';
import type { OperatorTarget } from '../../shared/jobs.js';
import { newId } from '../auth/tokens.js';
import { OrgStore } from './org-store.js';

/**
 * What the directory asks of a site's PBX queue. Declared here rather than by importing PbxQueue:
 * the PBX queue already depends on this module (org-link.ts), and the two must not import each other.
 */
interface SiteQueue {
  mirrorPresence(states: PresenceState[]): Promise<void>;
}

interface OrgBindings {
  PBX_QUEUE: DurableObjectNamespace;
}

export interface PresenceEntry {
  pbx: string;
  exten: string;
  state: PresenceState['state'];
  at: string;
}

export class OrgDirectory extends DurableObject<OrgBindings> {
  private readonly store: OrgStore;
  private cachedPlan: OrgPlan | undefined;

  constructor(ctx: DurableObjectState, env: OrgBindings) {
    super(ctx, env);
    this.store = new OrgStore(ctx.storage.sql);
  }

  async create(id: string, plan: OrgPlan): Promise<'created' | 'exists'> {
    if (this.store.getMeta('org') !== undefined) return 'exists';
    this.store.setMeta('org', id);
    this.savePlan(plan);
    return 'created';
  }

  async plan(): Promise<OrgPlan | null> {
    return this.currentPlan() ?? null;
  }

  async putPlan(plan: OrgPlan): Promise<boolean> {
    if (this.store.getMeta('org') === undefined) return false;
    this.savePlan(plan);
    return true;
  }

  async addApiKey(hash: string, label: string | null): Promise<string | null> {
    if (this.store.getMeta('org') === undefined) return null;
    const id = newId('key_');
    this.store.insertApiKey(id, hash, label, Date.now());
    return id;
  }

  async isApiKey(hash: string): Promise<boolean> {
    return this.store.hasApiKey(hash);
  }

  /** The PBX that owns an operator target, or null when no site does. */
  async siteFor(target: OperatorTarget): Promise<string | null> {
    const plan = this.currentPlan();
    if (plan === undefined) return null;
    const site = 'extension' in target
      ? plan.sites.find((s) => s.extensions.some((p) => matchesPattern(p, target.extension)))
      : plan.sites.find((s) => s.queues.includes(target.queue));
    return site?.pbx ?? null;
  }

  async recordJob(jobId: string, pbx: string): Promise<void> {
    this.store.recordJob(jobId, pbx, Date.now());
  }

  async pbxOfJob(jobId: string): Promise<string | null> {
    return this.store.pbxOfJob(jobId) ?? null;
  }

  /** A site's relay reported its extensions: keep what it owns, tell every other site. */
  async report(pbx: string, full: boolean, states: PresenceState[]): Promise<void> {
    const site = this.currentPlan()?.sites.find((s) => s.pbx === pbx);
    if (site === undefined) return;
    const owned = states.filter((s) => site.extensions.some((p) => matchesPattern(p, s.exten)));
    this.store.setUp(pbx, true);
    this.store.savePresence(pbx, full, owned, Date.now());
    // After a full snapshot the others get all of it: the site may have been shown unavailable.
    await this.tellOthers(pbx, full ? this.store.presence(pbx).map(({ exten, state }) => ({ exten, state })) : owned);
  }

  /** A site's relay is gone: its extensions are unavailable on the other sites until it reports again. */
  async siteDown(pbx: string): Promise<void> {
    if (!this.store.isUp(pbx)) return;
    this.store.setUp(pbx, false);
    await this.tellOthers(pbx, this.store.presence(pbx).map(({ exten }) => ({ exten, state: 'unavailable' as const })));
  }

  /** What a site's relay mirrors: every other site's extensions as they are now. */
  async mirrorFor(pbx: string): Promise<PresenceState[]> {
    return this.entries().filter((e) => e.pbx !== pbx).map(({ exten, state }) => ({ exten, state }));
  }

  async presence(): Promise<PresenceEntry[]> {
    return this.entries();
  }

  private entries(): PresenceEntry[] {
    return this.store.presence().map((r) => ({ pbx: r.pbx, exten: r.exten, state: this.store.isUp(r.pbx) ? r.state : 'unavailable', at: new Date(r.at).toISOString() }));
  }

  private async tellOthers(from: string, states: PresenceState[]): Promise<void> {
    if (states.length === 0) return;
    const others = (this.currentPlan()?.sites ?? []).filter((s) => s.pbx !== from);
    await Promise.all(others.map((s) => this.site(s.pbx).mirrorPresence(states)));
  }

  private site(pbx: string): SiteQueue {
    const ns = this.env.PBX_QUEUE;
    // The one cast: the stub is a PbxQueue, whose mirrorPresence has exactly SiteQueue's shape.
    return ns.get(ns.idFromName(pbx)) as unknown as SiteQueue;
  }

  private savePlan(plan: OrgPlan): void {
    this.store.setMeta('plan', JSON.stringify(plan));
    this.cachedPlan = plan;
  }

  private currentPlan(): OrgPlan | undefined {
    if (this.cachedPlan === undefined) {
      const raw = this.store.getMeta('plan');
      if (raw !== undefined) this.cachedPlan = orgPlan.parse(JSON.parse(raw));
    }
    return this.cachedPlan;
  }
}
