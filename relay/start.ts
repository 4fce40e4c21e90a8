// Builds a running relay from its configuration: logger, journal, AMI connection, Worker link.
// Used by main.ts (the process) and by whole-system tests that run a relay in-process.
import { AmiConnection } from './ami/connection.js';
import { CallSlots } from './call-slots.js';
import { SKIPPED_EVENTS } from './ami/skipped-events.js';
import { ConferenceModule } from './conference/conference-module.js';
import { loadConfig } from './config.js';
import { startHealthServer } from './health-server.js';
import { Journal } from './journal.js';
import { createLogger } from './log.js';
import { RelayMetrics } from './metrics.js';
import { MissedCallModule } from './missed-calls/missed-call-module.js';
import { CampaignRobotModule } from './jobs/campaign-robot.js';
import { PresenceModule } from './presence/presence-module.js';
import { ReportBuffer } from './link/report-buffer.js';
import { WorkerLink } from './link/worker-link.js';
import { Relay, type RelayOptions } from './relay.js';

/** Points where the process (and the tests' fault-injection entry) hook into a running relay. */
export type RelayHooks = Pick<RelayOptions, 'onSuperseded' | 'beforeJournal' | 'afterJournal'>;

export function startRelay(env: Record<string, string | undefined> = process.env, hooks: RelayHooks = {}): Relay {
  const config = loadConfig(env);
  const logger = createLogger({ level: config.logLevel, base: { relayId: config.relayId, pbx: config.worker.pbx }, redact: ['secret', 'token', '*.secret', '*.token'] }, config.logFormat);
  const journal = Journal.open(config.journalPath);
  // Events no relay module reads are skipped before they are parsed: most of a busy PBX's stream.
  const ami = new AmiConnection({ ...config.ami, logger, skipEvents: SKIPPED_EVENTS });
  let relay!: Relay;
  const link = new WorkerLink({
    url: config.worker.url, pbx: config.worker.pbx, token: config.worker.token, logger: logger.child({ component: 'link' }),
    hello: () => relay.helloFrame(),
    heartbeat: () => relay.heartbeatFrame(),
    reports: ReportBuffer.open(config.reportsPath),
  });
  // One gate for every Originate: callbacks, conference members and external participants.
  const slots = new CallSlots(config.capacity);
  const metrics = config.metrics === undefined ? undefined : new RelayMetrics({ ami, link, journal, inFlight: () => relay.inFlight });
  relay = new Relay({ relayId: config.relayId, capacity: config.capacity, slots, ami, link, journal, logger, onAttemptEnded: (r) => metrics?.attemptEnded(r.outcome), ...hooks });
  if (metrics !== undefined && config.metrics !== undefined) {
    startHealthServer({
      ...config.metrics, metrics, logger: logger.child({ component: 'health' }),
      notReady: () => [...(ami.state === 'ready' ? [] : ['ami']), ...(link.state === 'open' ? [] : ['worker-link'])],
    });
  }
  // Conferences share the AMI connection, the link and the call gate; they listen before either starts.
  new ConferenceModule(ami, link, logger.child({ component: 'conference' }), config.rulesPath, slots);
  new MissedCallModule(ami, link, logger.child({ component: 'missed-calls' }));
  new CampaignRobotModule(ami, link, logger.child({ component: 'campaign-robot' }));
  new PresenceModule(ami, link, logger.child({ component: 'presence' }));
  logger.info({ worker: config.worker.url, ami: `${config.ami.host}:${config.ami.port}`, openAttempts: journal.open().length }, 'relay starting');
  relay.start();
  return relay;
}

