// What an action handler sees: the parsed action, its session, the PBX engine, and helpers that
// frame Responses and event lists exactly as Asterisk does (FACTS 7: ActionID placement per list).
// Invariant: a Response carries `ActionID` right after `Response` only if the action had one.
import { header, type AmiMessage } from '../../relay/ami/wire';
import type { Conferences } from '../confbridge';
import type { DeviceStates } from '../device-states';
import type { Fields } from '../frame';
import type { Engine } from '../originate';
import type { Pbx } from '../pbx';
import type { Queues } from '../queues';
import type { Session } from '../session';

/** The simulated PBX's parts an action may touch. */
export type SimEngine = Engine & { queues: Queues; confs: Conferences; devices: DeviceStates };

export interface SimControl {
  restart(opts?: { downMs?: number }): Promise<void>;
  sessions(): Iterable<Session>;
  broadcast(fields: Fields): void;
}

export class ActionContext {
  constructor(
    readonly msg: AmiMessage,
    readonly session: Session,
    readonly engine: SimEngine,
    readonly control: SimControl,
  ) {}

  get pbx(): Pbx {
    return this.engine.pbx;
  }

  get(name: string): string | undefined {
    return header(this.msg, name);
  }

  get actionId(): string | undefined {
    return this.get('ActionID');
  }

  private withId(fields: Fields): Fields {
    const id = this.actionId;
    return id === undefined ? fields : [['ActionID', id], ...fields];
  }

  respond(status: 'Success' | 'Error' | 'Goodbye', fields: Fields): void {
    this.session.respond([['Response', status], ...this.withId(fields)]);
  }

  ok(message: string): void {
    this.respond('Success', [['Message', message]]);
  }

  error(message: string): void {
    this.respond('Error', [['Message', message]]);
  }

  /**
   * An event list: start Response, items, `<complete>` event. idFirst puts ActionID second in each
   * item (Confbridge*, CoreShowChannel) instead of last (Queue*, ChannelHungup).
   */
  list(message: string, items: Array<[string, Fields]>, complete: string, idFirst: boolean, completeExtra: Fields = []): void {
    this.respond('Success', [['EventList', 'start'], ['Message', message]]);
    const id: Fields = this.actionId === undefined ? [] : [['ActionID', this.actionId]];
    for (const [name, fields] of items) this.session.direct(idFirst ? [['Event', name], ...id, ...fields] : [['Event', name], ...fields, ...id]);
    this.session.direct([['Event', complete], ...id, ['EventList', 'Complete'], ['ListItems', String(items.length)], ...completeExtra]);
  }
}

export type Handler = (c: ActionContext) => void | Promise<void>;
