// The PBX's live feed for open dashboards: WebSockets accepted by this Durable Object (hibernatable,
// tagged apart from relay sessions), told every job that changed and the PBX's health whenever it
// changes. It reads the job_events log the desks already write, after each change the queue
// schedules, so no desk has to remember to tell the dashboard anything.
import type { JobView } from '../../shared/jobs.js';
import type { JobStore } from './job-store.js';

export const LIVE_TAG = 'dashboard';
/** At most this many jobs per push: a burst (an assembly of 50) still reaches the page in one go. */
const MAX_JOBS_PER_PUSH = 100;

/** One entry of a job's event log as the dashboard's timeline shows it; `data` is the stored JSON. */
export interface TimelineEvent {
  type: string;
  attemptId: string | null;
  data: string | null;
  at: string;
}

export type LiveFrame<Health> = { type: 'job'; job: JobView } | { type: 'health'; health: Health };

export class LiveFeed<Health> {
  private cursor = 0;
  private lastHealth = '';

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly store: JobStore,
    private readonly view: (jobId: string) => JobView | undefined,
    private readonly recent: () => JobView[],
    private readonly health: () => Health,
  ) {}

  /**
   * Called once the schema is in place, before any request is handled: nothing runs while the object
   * hibernates, so nothing is written that an open page could miss between this and the first push.
   */
  start(): void {
    this.cursor = this.store.lastEventSeq();
  }

  /** A new dashboard socket; it gets the health and the recent jobs at once, then every change. */
  accept(): Response {
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server, [LIVE_TAG]);
    server.serializeAttachment({ live: true });
    const health = this.health();
    send(server, { type: 'health', health });
    for (const job of this.recent().reverse()) send(server, { type: 'job', job });
    return new Response(null, { status: 101, webSocket: client });
  }

  static isLive(ws: WebSocket): boolean {
    const a: unknown = ws.deserializeAttachment();
    return typeof a === 'object' && a !== null && 'live' in a;
  }

  /** After a change: push what changed since the last push to every open dashboard. */
  publish(): void {
    const last = this.store.lastEventSeq();
    const sockets = this.ctx.getWebSockets(LIVE_TAG);
    if (sockets.length === 0) {
      this.cursor = last;
      return;
    }
    const frames: Array<LiveFrame<Health>> = [];
    if (last > this.cursor) {
      for (const id of this.store.jobsChangedAfter(this.cursor, MAX_JOBS_PER_PUSH)) {
        const job = this.view(id);
        if (job !== undefined) frames.push({ type: 'job', job });
      }
      this.cursor = last;
    }
    const health = this.health();
    const healthText = JSON.stringify(health);
    if (healthText !== this.lastHealth) {
      this.lastHealth = healthText;
      frames.push({ type: 'health', health });
    }
    for (const ws of sockets) for (const frame of frames) send(ws, frame);
  }
}

function send(ws: WebSocket, frame: LiveFrame<unknown>): void {
  try {
    ws.send(JSON.stringify(frame));
  } catch {
    // A closing page: its close event removes it.
  }
}
