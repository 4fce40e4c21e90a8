// A PBX queue's tie to its organisation, if it has one: presence reports from the relay go up to
// the org's directory, the other sites' states come down as mirror lists for the relay, and the
// site is marked down when its relay session ends. A PBX outside any org sends its relay nothing,
// which keeps the relay's presence module silent.
import type { PresenceState } from '../../shared/orgs.js';
import type { OrgDirectory } from '../orgs/org-directory.js';
import type { JobStore } from './job-store.js';
import type { RelaySessions } from './relay-sessions.js';

export interface OrgBindings {
  ORG_DIRECTORY?: DurableObjectNamespace<OrgDirectory>;
}

export class OrgLink {
  constructor(
    private readonly store: JobStore,
    private readonly sessions: RelaySessions,
    private readonly env: OrgBindings,
  ) {}

  join(org: string): void {
    this.store.setMeta('org', org);
  }

  /** After a hello: the full list of the other sites' states (possibly empty), which also turns presence on. */
  async hello(ws: WebSocket): Promise<void> {
    const org = this.directory();
    if (org === undefined) return;
    this.sessions.send(ws, { type: 'presence.mirror', full: true, states: await org.mirrorFor(this.pbx()) });
  }

  async report(full: boolean, states: PresenceState[]): Promise<void> {
    await this.directory()?.report(this.pbx(), full, states);
  }

  async down(): Promise<void> {
    await this.directory()?.siteDown(this.pbx());
  }

  /** Other sites' changes, for this PBX's relay to mirror. */
  mirror(states: PresenceState[]): void {
    const active = this.sessions.active();
    if (active !== undefined) this.sessions.send(active.ws, { type: 'presence.mirror', full: false, states });
  }

  private pbx(): string {
    return this.store.getMeta('pbx') ?? '';
  }

  private directory(): DurableObjectStub<OrgDirectory> | undefined {
    const org = this.store.getMeta('org');
    const ns = this.env.ORG_DIRECTORY;
    return org === undefined || ns === undefined ? undefined : ns.get(ns.idFromName(org));
  }
}
