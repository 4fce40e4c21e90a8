// The relay's conference features, wired to the AMI connection and the Worker link: room rules
// (permanent external participant), member dials of assemblies, the service-code UserEvent and
// room participant reports. Built by start.ts next to the Relay; tests run it in-process.
// Invariant: every running, ruled or last-known room is re-read (ConfbridgeList) after every AMI login
// and every set of rules the Worker sends after `hello`, so a restart or reconnect never leaves a room
// off its rule nor the Worker with a stale list of who is in it.
import type { Logger } from 'pino';
import { z } from 'zod';
import { groupCode, roomName, roomRule, type RoomRule } from '../../shared/conferences.js';
import { extension } from '../../shared/dial.js';
import type { QueueFrame } from '../../shared/relay-protocol.js';
import type { AmiConnection } from '../ami/connection.js';
import { header, type AmiMessage } from '../ami/wire.js';
import { ConferenceAssembler } from '../jobs/conference-assembly.js';
import { JsonlFile } from '../jsonl-file.js';
import type { ReportFrame } from '../link/report-buffer.js';
import { ExternalParticipant } from './external-participant.js';
import { CallSlots } from '../call-slots.js';
import { LegRegistry, RoomWatch, type RoomChange } from './room-watch.js';

/** What the module needs of the Worker link (WorkerLink, or a stand-in in tests). */
export interface ConferenceLink {
  /** Delivered at least once, across reconnects (WorkerLink keeps it until acknowledged). */
  report(frame: ReportFrame): void;
  on(event: 'frame', listener: (frame: QueueFrame) => void): unknown;
  off(event: 'frame', listener: (frame: QueueFrame) => void): unknown;
}

const savedRules = z.array(roomRule).max(200);

/** The dialplan's `UserEvent(ConferenceAssembly,Group: G,Room: R,Caller: C)` (capture 10), validated. */
const assemblyEvent = z.object({ group: groupCode, room: roomName, caller: extension, key: z.string().min(1).max(160) });

export class ConferenceModule {
  readonly registry = new LegRegistry();
  readonly watch: RoomWatch;
  private readonly rules = new Map<string, ExternalParticipant>();
  private readonly assembler: ConferenceAssembler;
  private readonly onFrame = (frame: QueueFrame): void => this.frame(frame);
  private readonly onEvent = (ev: AmiMessage): void => this.userEvent(ev);
  private readonly onReady = (): void => this.reconcileAll();
  private readonly onChange = (change: RoomChange): void => this.changed(change);

  private readonly rulesFile: JsonlFile | undefined;

  /**
   * `rulesPath`: where the last rules the Worker sent are kept, so a relay restarted while the Worker
   * is unreachable still holds its rooms to them (until the Worker sends the current ones).
   */
  constructor(
    private readonly ami: AmiConnection,
    private readonly link: ConferenceLink,
    private readonly logger: Logger,
    rulesPath?: string,
    /** The relay's call gate (relay/call-slots.ts), shared with its callbacks; tests may leave it unbounded. */
    private readonly slots: CallSlots = new CallSlots(Number.POSITIVE_INFINITY),
  ) {
    this.watch = new RoomWatch(ami, this.registry, logger);
    this.assembler = new ConferenceAssembler(ami, this.registry, (f) => this.link.report(f), logger, slots);
    this.watch.on('change', this.onChange);
    link.on('frame', this.onFrame);
    ami.on('event', this.onEvent);
    ami.on('ready', this.onReady);
    if (rulesPath !== undefined) {
      const { file, values } = JsonlFile.open(rulesPath);
      this.rulesFile = file;
      const saved = savedRules.safeParse(values.at(-1));
      if (saved.success && saved.data.length > 0) {
        logger.info({ rooms: saved.data.length }, 'holding rooms to the rules saved before the last stop until the Worker sends its own');
        this.setRules(saved.data);
      }
    }
  }

  /** Stops reacting (legs already placed stay on the PBX; a next run reconciles them). */
  stop(): void {
    this.link.off('frame', this.onFrame);
    this.ami.off('event', this.onEvent);
    this.ami.off('ready', this.onReady);
    this.watch.off('change', this.onChange);
    this.watch.stop();
    for (const rule of this.rules.values()) rule.stop();
    this.rules.clear();
    this.rulesFile?.close();
  }

  /** The rule controller of a room, if it has a rule (tests read its phase). */
  ruleOf(room: string): ExternalParticipant | undefined {
    return this.rules.get(room);
  }

  setRules(rules: ReadonlyArray<RoomRule>): void {
    const wanted = new Map(rules.map((r) => [r.room, r]));
    for (const [room, controller] of this.rules) {
      if (wanted.has(room)) continue;
      controller.stop();
      this.rules.delete(room);
    }
    for (const rule of rules) {
      const existing = this.rules.get(rule.room);
      if (existing !== undefined) existing.update(rule);
      else this.rules.set(rule.room, new ExternalParticipant(this.ami, rule, this.registry, this.logger.child({ room: rule.room }), (room) => this.watch.reconcile(room), this.slots));
    }
    this.reconcileAll();
  }

  private frame(frame: QueueFrame): void {
    if (frame.type === 'conference.rules') {
      this.setRules(frame.rules);
      this.rulesFile?.rewrite([frame.rules]);
    }
    else if (frame.type === 'conference.dial') this.assembler.run(frame);
  }

  private changed(change: RoomChange): void {
    this.rules.get(change.room)?.onChange(change);
    const participants = this.watch.participants(change.room).map(({ uniqueid, channel, callerIdNum, leg, memberId }) => ({ uniqueid, channel, callerIdNum, leg, memberId }));
    if (roomName.safeParse(change.room).success) this.link.report({ type: 'room.participants', room: change.room, participants, at: change.at });
  }

  /**
   * Re-reads every room that may have changed while we were not listening — the ruled ones, the ones
   * the PBX has running, and the ones we last saw occupied (they may have ended) — one at a time, so a
   * PBX with many rooms is not flooded with ConfbridgeList actions after a login. Each read reports a
   * snapshot of the room's participants to the Worker, and brings a ruled room back to its rule.
   */
  private reconcileAll(): void {
    if (this.ami.state !== 'ready') return; // the next login reconciles
    void (async () => {
      const at = Date.now();
      const active = await this.watch.activeRooms().then(
        (rooms) => {
          const named = rooms.filter((room) => roomName.safeParse(room).success);
          this.link.report({ type: 'rooms.running', rooms: named.slice(0, 1000), at });
          return rooms;
        },
        (err: unknown) => {
          this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not list the running rooms; re-reading only the known ones');
          return [];
        },
      );
      const rooms = new Set([...this.rules.keys(), ...active, ...this.watch.knownRooms()]);
      for (const room of rooms) {
        if (this.ami.state !== 'ready') return;
        await this.watch.reconcile(room).catch((err: unknown) => {
          this.logger.warn({ room, err: err instanceof Error ? err.message : String(err) }, 'room reconcile failed; the next login retries');
        });
      }
    })();
  }

  private userEvent(ev: AmiMessage): void {
    if (header(ev, 'Event') !== 'UserEvent' || header(ev, 'UserEvent') !== 'ConferenceAssembly') return;
    const parsed = assemblyEvent.safeParse({ group: header(ev, 'Group'), room: header(ev, 'Room'), caller: header(ev, 'Caller'), key: header(ev, 'Uniqueid') });
    if (!parsed.success) {
      this.logger.warn({ issue: parsed.error.issues[0]?.path.join('.') }, 'ignored a ConferenceAssembly UserEvent with invalid fields');
      return;
    }
    this.logger.info({ group: parsed.data.group }, 'service code dialled: asking the queue to assemble the group');
    this.link.report({ type: 'conference.requested', ...parsed.data, at: Date.now() });
  }
}
