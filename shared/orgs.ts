// Organisations: several PBXes (one relay each) serving one company with one numbering plan. The plan
// says which extensions (patterns) and queues live on which PBX, and how one PBX reaches another's
// extensions (the inter-site route). Validated here, used by the Worker's org directory.
import { z } from 'zod';
import { amiName, contextName } from './dial.js';
import { extensionPattern, patternsOverlap } from './extension-pattern.js';
import { callbackRequest } from './jobs.js';
import { pbxId } from './pbx.js';

export const orgId = pbxId;

export const orgSite = z.strictObject({
  pbx: pbxId,
  /** The extensions that ring on this PBX, e.g. ["2XX"]. */
  extensions: z.array(extensionPattern).min(1).max(50),
  /** Queues that live on this PBX, for callbacks to a queue. */
  queues: z.array(amiName).max(50).default([]),
});

/** How `from` reaches `to`'s extensions: a context of `from`'s dialplan (its inter-site trunk), and digits to put in front. */
export const interSiteRoute = z.strictObject({
  from: pbxId,
  to: pbxId,
  context: contextName,
  prefix: z.string().regex(/^[0-9]{0,6}$/, 'must be up to 6 digits').default(''),
});

export const orgPlan = z
  .strictObject({
    name: z.string().min(1).max(100).regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters'),
    sites: z.array(orgSite).min(1).max(20),
    routes: z.array(interSiteRoute).max(100).default([]),
  })
  .superRefine((plan, ctx) => {
    const seen = new Map<string, string>();
    plan.sites.forEach((site, i) => {
      if (seen.has(site.pbx)) ctx.addIssue({ code: 'custom', path: ['sites', i, 'pbx'], message: `PBX ${site.pbx} is listed twice` });
      seen.set(site.pbx, site.pbx);
    });
    // Overlapping ranges would make "which PBX rings 301" a guess: refused, naming both PBXes.
    for (let i = 0; i < plan.sites.length; i++) {
      for (let j = i + 1; j < plan.sites.length; j++) {
        const a = plan.sites[i]!;
        const b = plan.sites[j]!;
        for (const pa of a.extensions) {
          for (const pb of b.extensions) {
            if (patternsOverlap(pa, pb)) ctx.addIssue({ code: 'custom', path: ['sites', j, 'extensions'], message: `extensions ${pb} of PBX ${b.pbx} overlap ${pa} of PBX ${a.pbx}` });
          }
        }
        for (const q of a.queues) if (b.queues.includes(q)) ctx.addIssue({ code: 'custom', path: ['sites', j, 'queues'], message: `queue ${q} is on both PBX ${a.pbx} and PBX ${b.pbx}` });
      }
    }
    const pbxes = new Set(plan.sites.map((s) => s.pbx));
    plan.routes.forEach((r, i) => {
      if (!pbxes.has(r.from) || !pbxes.has(r.to) || r.from === r.to) ctx.addIssue({ code: 'custom', path: ['routes', i], message: 'a route joins two different PBXes of the organisation' });
    });
  });
export type OrgPlan = z.output<typeof orgPlan>;

export const createOrgRequest = z.strictObject({ id: orgId, plan: orgPlan });

/** `POST /v1/orgs/{org}/callbacks`: a callback as for one PBX; the operator's extension or queue picks the PBX. */
export const orgCallbackRequest = callbackRequest;

/** Extension states, as ExtensionStatus numbers them (FACTS 11). */
export const EXTENSION_STATUSES = { idle: 0, inuse: 1, busy: 2, unavailable: 4, ringing: 8, ringinuse: 9, onhold: 16 } as const;
export type Presence = keyof typeof EXTENSION_STATUSES;
export const PRESENCES = Object.keys(EXTENSION_STATUSES) as Presence[];

export function presenceOfStatus(status: number): Presence | undefined {
  return PRESENCES.find((p) => EXTENSION_STATUSES[p] === status);
}

/** The device state a mirror is set to for a presence (Setvar DEVICE_STATE(Custom:x)). */
export const DEVICE_STATE_OF: Record<Presence, string> = {
  idle: 'NOT_INUSE', inuse: 'INUSE', busy: 'BUSY', unavailable: 'UNAVAILABLE', ringing: 'RINGING', ringinuse: 'RINGINUSE', onhold: 'ONHOLD',
};

/** One extension's state as the relay reports it and the org fans it out. */
export const presenceState = z.strictObject({
  exten: z.string().regex(/^[0-9]{1,8}$/, 'must be 1 to 8 digits'),
  state: z.enum(PRESENCES as [Presence, ...Presence[]]),
});
export type PresenceState = z.infer<typeof presenceState>;

/** Bounded: a relay reports at most this many extensions, a mirror frame carries at most this many. */
export const MAX_PRESENCE_STATES = 2000;

export const presenceRelayFrames = [
  /** The PBX's own extensions: a full snapshot after every hello, then changes (coalesced). */
  z.strictObject({ type: z.literal('presence'), full: z.boolean(), states: z.array(presenceState).max(MAX_PRESENCE_STATES) }),
] as const;

export const presenceQueueFrames = [
  /** Other sites' extensions to mirror as Custom device states; `full` replaces every mirror. */
  z.strictObject({ type: z.literal('presence.mirror'), full: z.boolean(), states: z.array(presenceState).max(MAX_PRESENCE_STATES) }),
] as const;
