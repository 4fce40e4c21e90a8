// Small readers shared by the scenarios that run on the simulator and on a real Asterisk: the API's
// views of jobs, conferences and rooms, and what the AMI observer saw of the relay's own calls.
import type { ConferenceView } from '../../shared/conferences.js';
import type { LaneWorld } from '../../testkit/pbx-world.js';
import type { ObservedEvent } from '../../testkit/ami-observer.js';
import { afterAll, beforeAll } from 'vitest';
import { waitFor } from '../../testkit/wait.js';
import { externalChannelIdPrefix } from '../../shared/channel-ids.js';

export const json = { 'content-type': 'application/json' };

/** One world for the enclosing describe: started before its tests, stopped after them. Call the result inside a test. */
export function useWorld(start: () => Promise<LaneWorld>): () => LaneWorld {
  let w: LaneWorld | undefined;
  beforeAll(async () => {
    w = await start();
  });
  afterAll(async () => {
    await w?.stop();
  });
  return () => {
    if (w === undefined) throw new Error('the world did not start');
    return w;
  };
}

export async function post(w: LaneWorld, path: string, body: unknown, method = 'POST'): Promise<Response> {
  return w.system.api(path, { method, headers: json, body: JSON.stringify(body) });
}

export async function conference(w: LaneWorld, id: string): Promise<ConferenceView> {
  return (await (await w.system.api(`/conferences/${id}`)).json()) as ConferenceView;
}

export function waitForConference(w: LaneWorld, id: string, pred: (c: ConferenceView) => boolean, what: string, timeoutMs = 30_000): Promise<ConferenceView> {
  return waitFor(async () => {
    const c = await conference(w, id);
    return pred(c) ? c : undefined;
  }, what, timeoutMs, 100);
}

/**
 * The DTMF digits each channel of the relay's external legs of `room` received (DTMFEnd, Direction
 * Received, in order), by channel: on a real PBX the digits pass through every Local half on the way to the
 * far end, on the simulator they reach the far end's channel only.
 */
export function dtmfOnExternalLegs(w: LaneWorld, room: string): string[] {
  const prefix = externalChannelIdPrefix(room);
  const byChannel = new Map<string, string>();
  for (const e of w.driver.observer.named('DTMFEnd', (ev: ObservedEvent) => (ev.get('Linkedid') ?? '').startsWith(prefix) && ev.get('Direction') === 'Received')) {
    const uid = e.get('Uniqueid') ?? '';
    byChannel.set(uid, (byChannel.get(uid) ?? '') + (e.get('Digit') ?? ''));
  }
  return [...byChannel.values()];
}

/** ConfbridgeJoin events of the relay's external legs in `room` (their Uniqueids carry its ChannelIds). */
export function externalJoins(w: LaneWorld, room: string, since = 0): ObservedEvent[] {
  return w.driver.observer.joins(room, since).filter((e) => (e.get('Linkedid') ?? '').startsWith(externalChannelIdPrefix(room)));
}

export function externalLeaves(w: LaneWorld, room: string, since = 0): ObservedEvent[] {
  return w.driver.observer.leaves(room, since).filter((e) => (e.get('Linkedid') ?? '').startsWith(externalChannelIdPrefix(room)));
}

/**
 * A network drop between the relay and the PBX, `whileCut` happening meanwhile: the link is cut, the relay
 * is seen trying again (a refused connection), then the link comes back and the relay logs in again.
 */
export async function cutAndRestore(w: LaneWorld, whileCut: () => Promise<void> = async () => undefined): Promise<void> {
  const link = w.driver.link;
  const before = link.accepted;
  link.cut();
  await waitFor(() => (link.refused > 0 ? true : undefined), 'the relay to notice the drop and try again', 20_000, 20);
  await whileCut();
  link.restore();
  await waitFor(() => (link.accepted > before ? true : undefined), 'the relay to reconnect', 30_000, 20);
  await w.system.waitForAmi('ready');
}
