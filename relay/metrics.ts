// The relay's Prometheus metrics (prom-client), read from the parts of a running relay: the AMI
// connection, the Worker link, the journal and the calls in flight. Served by health-server.ts.
// Invariant: no label carries a phone number, extension or channel: labels are outcomes, kinds and
// versions, from fixed sets.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { OUTCOMES, type Outcome } from '../shared/pbx.js';
import type { AmiConnection } from './ami/connection.js';
import type { Journal } from './journal.js';
import type { WorkerLink } from './link/worker-link.js';
import { RELAY_VERSION } from './version.js';

export interface MetricSources {
  ami: AmiConnection;
  link: WorkerLink;
  journal: Journal;
  inFlight: () => number;
}

export class RelayMetrics {
  readonly registry = new Registry();
  private readonly originates: Counter<'outcome'>;

  constructor(src: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'perezvon_relay_' });
    new Gauge({ name: 'perezvon_relay_build_info', help: 'Always 1; the labels say which relay runs', labelNames: ['version', 'node'], registers })
      .set({ version: RELAY_VERSION, node: process.version }, 1);
    new Gauge({ name: 'perezvon_relay_ami_up', help: '1 while logged in to AMI', registers, collect() { this.set(src.ami.state === 'ready' ? 1 : 0); } });
    new Gauge({ name: 'perezvon_relay_worker_link_up', help: '1 while the WebSocket to the Worker is open and welcomed', registers, collect() { this.set(src.link.state === 'open' ? 1 : 0); } });
    new Gauge({ name: 'perezvon_relay_calls_in_flight', help: 'Callback attempts being dialled or talking now', registers, collect() { this.set(src.inFlight()); } });
    new Gauge({ name: 'perezvon_relay_journal_entries', help: 'Attempts in the journal: started and not yet acknowledged by the Worker', registers, collect() { this.set(src.journal.open().length); } });
    new Gauge({
      name: 'perezvon_relay_unacknowledged_reports', help: 'Results and reports the Worker has not acknowledged yet', labelNames: ['kind'], registers,
      collect() {
        this.set({ kind: 'attempt-result' }, src.journal.open().filter((e) => e.result !== null).length);
        this.set({ kind: 'report' }, src.link.unsettledReports);
      },
    });
    this.originates = new Counter({ name: 'perezvon_relay_originates_total', help: 'Callback attempts dialled, by outcome', labelNames: ['outcome'], registers });
    // Every outcome from the start, so a rate over a series that has not happened yet is 0, not absent.
    for (const outcome of OUTCOMES) this.originates.inc({ outcome }, 0);
    const latency = new Histogram({
      name: 'perezvon_relay_originate_response_seconds', help: 'From writing an Originate to the PBX answering it', registers,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    src.ami.on('answered', (action, ms) => {
      if (action === 'Originate') latency.observe(ms / 1000);
    });
    const events = new Counter({ name: 'perezvon_relay_ami_events_total', help: 'AMI events received (rate() of it is the event rate)', registers });
    src.ami.on('event', () => events.inc());
    const amiReconnects = new Counter({ name: 'perezvon_relay_ami_reconnects_total', help: 'AMI logins after the first', registers });
    let amiLogins = 0;
    src.ami.on('ready', () => {
      if (amiLogins++ > 0) amiReconnects.inc();
    });
    const linkReconnects = new Counter({ name: 'perezvon_relay_worker_reconnects_total', help: 'Worker link openings after the first', registers });
    let linkOpens = 0;
    src.link.on('state', (state) => {
      if (state === 'open' && linkOpens++ > 0) linkReconnects.inc();
    });
  }

  attemptEnded(outcome: Outcome): void {
    this.originates.inc({ outcome });
  }
}
