// The campaign frames of the Worker ⇄ relay protocol, spliced into shared/relay-protocol.ts: what a
// robot's dialplan reported over AMI (`UserEvent: RobotResult`, captures 17 and 17b). Additive: an
// older Worker refuses the frame as unknown and the relay keeps it in its report buffer.
import { z } from 'zod';

/** Ids as the Worker makes them (`newId`): the robot passes back what the call's variables carried. */
export const CAMPAIGN_ID = /^cmp_[A-Za-z0-9_-]{16}$/;
export const CONTACT_ID = /^cct_[A-Za-z0-9_-]{16}$/;

// Relay → Worker
export const campaignRelayFrames = [
  /** The digit a customer pressed in a robot campaign; empty when Read() timed out (17b). */
  z.strictObject({
    type: z.literal('robot.result'),
    campaign: z.string().regex(CAMPAIGN_ID),
    contact: z.string().regex(CONTACT_ID),
    digit: z.string().regex(/^[0-9*#]?$/),
    at: z.int().min(0),
    uniqueid: z.string().min(1).max(64),
  }),
] as const;
