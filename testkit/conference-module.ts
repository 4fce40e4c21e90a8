// A conference module running in-process against the AMI simulator over real TCP, with a stand-in
// Worker link that records the frames the module sends. Used by the conference relay tests and bench/.
// Invariant: every helper waits with a bound; nothing sleeps to synchronise.
import type { CallSlots } from '../relay/call-slots.js';
import { EventEmitter } from 'node:events';
import { pino, type Logger } from 'pino';
import type { RoomRule } from '../shared/conferences.js';
import type { QueueFrame, RelayFrame } from '../shared/relay-protocol.js';
import { AmiConnection } from '../relay/ami/connection.js';
import { ConferenceModule } from '../relay/conference/conference-module.js';
import type { AmiSimulator, RecordedAction } from '../sim/index.js';
import { waitFor } from './wait.js';
import { externalChannelIdPrefix } from '../shared/channel-ids.js';

export class FakeLink extends EventEmitter<{ frame: [QueueFrame] }> {
  readonly sent: RelayFrame[] = [];
  report(frame: RelayFrame): void {
    this.sent.push(frame);
  }
  deliver(frame: QueueFrame): void {
    this.emit('frame', frame);
  }
}

export interface RunningModule {
  ami: AmiConnection;
  link: FakeLink;
  module: ConferenceModule;
  stop(): Promise<void>;
}

/** `slots`: the relay's call gate to share (unbounded when omitted). */
export async function startModule(sim: AmiSimulator, logger: Logger = pino({ level: 'silent' }), rulesPath?: string, slots?: CallSlots): Promise<RunningModule> {
  const ami = new AmiConnection({ host: sim.host, port: sim.port, username: 'relay', secret: 'relaysecret', logger, backoff: { initialMs: 20, maxMs: 200 } });
  const link = new FakeLink();
  const module = new ConferenceModule(ami, link, logger, rulesPath, slots);
  const ready = new Promise<void>((resolve) => ami.once('ready', () => resolve()));
  ami.start();
  await ready;
  return {
    ami, link, module,
    async stop() {
      module.stop();
      await ami.stop();
    },
  };
}

export const header = (a: RecordedAction, name: string): string | undefined => a.headers.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
export const actionsNamed = (sim: AmiSimulator, action: string): RecordedAction[] => sim.actions.filter((a) => header(a, 'Action') === action);
export const externalOriginates = (sim: AmiSimulator, room: string): RecordedAction[] =>
  actionsNamed(sim, 'Originate').filter((a) => (header(a, 'ChannelId') ?? '').startsWith(externalChannelIdPrefix(room)));

export function rule(room: string, over: Partial<RoomRule> = {}): RoomRule {
  return {
    room, number: '89990001111', context: 'outbound', callerId: null, dtmf: null, dtmfDelayMs: 0,
    bridgeProfile: 'default_bridge', userProfile: 'quiet_user', ringTimeoutMs: 5000, maxRedials: 3, backoffMs: [50], ...over,
  };
}

/** A phone dials into the room through the `conf` context; returns the participant's channel name (the `;2`). */
export async function joinRoom(sim: AmiSimulator, phone: string, room: string): Promise<string> {
  const uid = sim.dial(phone, room, 'conf');
  const one = await waitFor(() => sim.channels().find((c) => c.uniqueid === uid), `the channel of ${phone}`);
  const participant = one.name.replace(/;1$/, ';2');
  await waitFor(() => (sim.rooms().find((r) => r.room === room)?.members.includes(participant) ? true : undefined), `${phone} in room ${room}`, 5000);
  return participant;
}

/** Channel names in the room whose Local channel dials the external number. */
export function externalsIn(sim: AmiSimulator, room: string, number = '89990001111'): string[] {
  return sim.rooms().find((r) => r.room === room)?.members.filter((m) => m.startsWith(`Local/${number}@`)) ?? [];
}
