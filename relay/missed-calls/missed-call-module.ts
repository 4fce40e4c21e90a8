// Wires the missed-call detector to the relay: takes the watch list the Worker sends after every hello
// (`missed-calls.watch`), feeds it every AMI event and sends what it detects (`missed-call`,
// `call-connected`) up the Worker link, which resends them after a reconnect until acknowledged.
// Built by start.ts next to the Relay.
// Invariant: nothing is watched until the Worker has sent a list (the policy lives in the Worker).
import type { Logger } from 'pino';
import type { QueueFrame } from '../../shared/relay-protocol.js';
import type { AmiConnection } from '../ami/connection.js';
import type { AmiMessage } from '../ami/wire.js';
import type { ConferenceLink } from '../conference/conference-module.js';
import { maskNumber } from '../redact.js';
import { MissedCallDetector } from './detector.js';

export class MissedCallModule {
  readonly detector = new MissedCallDetector();
  private readonly onFrame = (frame: QueueFrame): void => {
    if (frame.type !== 'missed-calls.watch') return;
    this.detector.setWatch(frame);
    this.logger.info({ enabled: frame.enabled, queues: frame.watch.queues.length, extensions: frame.watch.extensions.length, dids: frame.watch.dids.length }, 'missed-call watch list received');
  };
  private readonly onEvent = (ev: AmiMessage): void => {
    for (const frame of this.detector.onEvent(ev, Date.now())) {
      const number = frame.type === 'missed-call' ? frame.caller : frame.number;
      this.logger.info({ type: frame.type, number: maskNumber(number), uniqueid: frame.uniqueid }, 'reporting a call to the queue');
      this.link.report(frame);
    }
  };

  constructor(
    private readonly ami: AmiConnection,
    private readonly link: ConferenceLink,
    private readonly logger: Logger,
  ) {
    link.on('frame', this.onFrame);
    ami.on('event', this.onEvent);
  }

  stop(): void {
    this.link.off('frame', this.onFrame);
    this.ami.off('event', this.onEvent);
  }
}
