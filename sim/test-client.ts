// A minimal raw AMI client for the simulator's own unit tests: sends actions, collects messages
// and waits for a predicate. Uses relay/ami/wire.ts for framing so tests read what a client reads.
// Invariant: never interprets messages beyond kindOf/header — assertions do that.
import { connect, type Socket } from 'node:net';
import { AmiParser, header, kindOf, serialize, type AmiMessage } from '../relay/ami/wire';

export class TestClient {
  readonly messages: AmiMessage[] = [];
  closed = false;
  private waiters = new Set<() => void>();
  private constructor(private readonly socket: Socket) {
    const parser = new AmiParser((m) => {
      this.messages.push(m);
      this.notify();
    }, () => undefined, { expectBanner: true });
    socket.on('data', (d) => parser.push(d));
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new TestClient(s)));
      s.once('error', reject);
    });
  }

  static async login(port: number, extra: Record<string, string> = {}): Promise<TestClient> {
    const c = await TestClient.open(port);
    c.send({ Action: 'Login', ActionID: 'login', Username: 'relay', Secret: 'relaysecret', ...extra });
    await c.response('login');
    return c;
  }

  send(fields: Record<string, string>): void {
    this.socket.write(serialize(Object.entries(fields)));
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  waitFor(pred: (m: AmiMessage) => boolean, timeoutMs = 3000): Promise<AmiMessage> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.messages.find(pred);
        if (hit) {
          cleanup();
          resolve(hit);
        }
      };
      const t = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting (${this.messages.length} messages received)`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(t);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  response(actionId: string, timeoutMs = 3000): Promise<AmiMessage> {
    return this.waitFor((m) => kindOf(m) === 'response' && header(m, 'ActionID') === actionId, timeoutMs);
  }

  event(name: string, pred: (m: AmiMessage) => boolean = () => true, timeoutMs = 3000): Promise<AmiMessage> {
    return this.waitFor((m) => kindOf(m) === 'event' && header(m, 'Event') === name && pred(m), timeoutMs);
  }

  untilClosed(timeoutMs = 3000): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closed) return resolve();
      const t = setTimeout(() => reject(new Error('socket not closed')), timeoutMs);
      this.waiters.add(() => {
        if (this.closed) {
          clearTimeout(t);
          resolve();
        }
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
