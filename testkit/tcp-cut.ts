// A loopback TCP relay between the relay process and a PBX's AMI port that a test can cut, the way a
// network drop does: the sockets die without a Logoff, and while `down` new connections are refused,
// so the PBX carries on (calls, rooms) with nobody watching. Used by the whole-system tests of AMI
// outages on a real Asterisk, where the simulator's dropConnections() does not exist, and by bench/ to
// read the AMI wire between the relay and a real PBX (a tap).
import net from 'node:net';

export interface TcpCut {
  readonly port: number;
  /** Connections accepted and passed through so far. */
  readonly accepted: number;
  /** Connections refused while cut (the relay noticed the drop and tried again). */
  readonly refused: number;
  /** Destroys every open connection and refuses new ones until `restore()`. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** Sees every byte of one connection, by direction (bench/ reads the AMI wire with it). */
export type WireTap = (from: 'client' | 'server', chunk: Buffer) => void;

/** `tap` makes one WireTap per connection (each starts with its own banner and parser state). */
export async function startTcpCut(target: { host: string; port: number }, tap?: () => WireTap): Promise<TcpCut> {
  const open = new Set<net.Socket>();
  let down = false;
  let accepted = 0;
  let refused = 0;
  const server = net.createServer((client) => {
    if (down) {
      refused++;
      client.destroy();
      return;
    }
    accepted++;
    const upstream = net.connect(target.port, target.host);
    open.add(client);
    open.add(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    if (tap !== undefined) {
      const seen = tap();
      client.on('data', (chunk: Buffer) => seen('client', chunk));
      upstream.on('data', (chunk: Buffer) => seen('server', chunk));
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    get accepted() {
      return accepted;
    },
    get refused() {
      return refused;
    },
    cut() {
      down = true;
      for (const s of open) s.destroy();
      open.clear();
    },
    restore() {
      down = false;
    },
    close() {
      for (const s of open) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
