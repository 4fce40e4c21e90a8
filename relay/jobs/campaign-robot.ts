// Passes what a campaign's robot reported on AMI to the Worker: the dialplan raises
// `UserEvent(RobotResult,Digit: …,Campaign: …,Contact: …)` (captures 17, 17b; README snippet) and this
// module reports it as `robot.result` over the Worker link, which keeps it until acknowledged.
// Built by start.ts next to the Relay. Invariant: only ids of the Worker's own shape and one digit
// (or none) leave here; anything else in a UserEvent is ignored.
import type { Logger } from 'pino';
import { CAMPAIGN_ID, CONTACT_ID } from '../../shared/campaign-frames.js';
import type { RelayFrame } from '../../shared/relay-protocol.js';
import type { AmiConnection } from '../ami/connection.js';
import { header, type AmiMessage } from '../ami/wire.js';
import type { ConferenceLink } from '../conference/conference-module.js';

type RobotResult = Extract<RelayFrame, { type: 'robot.result' }>;

/** The frame a RobotResult UserEvent stands for, or undefined for any other event. */
export function robotResult(ev: AmiMessage, now: number): RobotResult | undefined {
  if (header(ev, 'Event') !== 'UserEvent' || header(ev, 'UserEvent') !== 'RobotResult') return undefined;
  const campaign = header(ev, 'Campaign') ?? '';
  const contact = header(ev, 'Contact') ?? '';
  const digit = (header(ev, 'Digit') ?? '').trim();
  const uniqueid = header(ev, 'Uniqueid') ?? '';
  if (!CAMPAIGN_ID.test(campaign) || !CONTACT_ID.test(contact) || !/^[0-9*#]?$/.test(digit) || uniqueid === '' || uniqueid.length > 64) return undefined;
  return { type: 'robot.result', campaign, contact, digit, at: now, uniqueid };
}

export class CampaignRobotModule {
  private readonly onEvent = (ev: AmiMessage): void => {
    const frame = robotResult(ev, Date.now());
    if (frame === undefined) return;
    this.logger.info({ campaign: frame.campaign, contact: frame.contact, pressed: frame.digit !== '' }, 'reporting a robot result');
    this.link.report(frame);
  };

  constructor(
    private readonly ami: AmiConnection,
    private readonly link: ConferenceLink,
    private readonly logger: Logger,
  ) {
    ami.on('event', this.onEvent);
  }

  stop(): void {
    this.ami.off('event', this.onEvent);
  }
}
