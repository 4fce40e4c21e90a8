// A tiny scripted AMI server on loopback for connection tests that must not depend on the full
// simulator: banner, Login (Success / Authentication failed + close), Ping, Logoff, canned replies.
// Invariant: it speaks exactly the framing of capture 01a/01b and records every action it reads.

import net from 'node:net';
import { EventEmitter } from 'node:events';
import { AmiConnection } from '../../../relay/ami/connection.js';
import { AmiParser, header, message, serialize } from '../../../relay/ami/wire.js';
import { captureLogger } from './logger.js';
import { nextEmit } from './wait.js';
import type { AmiMessage } from '../../../relay/ami/wire.js';

export type Reply = (fields: Record<string, string | number | undefined>) => void;
/** Handles one non-session action; return false to get the stock "Invalid/unknown command". */
export type ActionHandler = (action: AmiMessage, reply: Reply, socket: net.Socket) => boolean;

export interface ScriptedPbx {
  readonly port: number;
  /** Every action read, in order, across all connections. */
  readonly actions: AmiMessage[];
  /** Every byte read, across all connections. */
  readonly received: () => string;
  readonly events: EventEmitter<{ action: [AmiMessage]; connection: [] }>;
  secret: string;
  /** While true, actions are read and recorded but never answered. */
  stalled: boolean;
  handler: ActionHandler;
  /** Sends an event to every logged-in connection. */
  broadcast(fields: Record<string, string | number | undefined>): void;
  /** Writes raw bytes to every logged-in connection. */
  writeRaw(text: string): void;
  dropConnections(): void;
  close(): Promise<void>;
}

export async function startScriptedPbx(): Promise<ScriptedPbx> {
  const sockets = new Set<net.Socket>();
  const loggedIn = new Set<net.Socket>();
  let bytes = '';
  const pbx: ScriptedPbx = {
    port: 0,
    actions: [],
    received: () => bytes,
    events: new EventEmitter(),
    secret: 'relaysecret',
    stalled: false,
    handler: () => false,
    broadcast(fields) {
      for (const s of loggedIn) s.write(serialize(message(fields).headers));
    },
    writeRaw(text) {
      for (const s of loggedIn) s.write(text);
    },
    dropConnections() {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      loggedIn.delete(socket);
    });
    socket.on('error', () => undefined);
    socket.write('Asterisk Call Manager/11.0.0\r\n');
    const parser = new AmiParser((action) => onAction(socket, action));
    socket.on('data', (chunk) => {
      bytes += chunk.toString('utf8');
      parser.push(chunk);
    });
    pbx.events.emit('connection');
  });

  function onAction(socket: net.Socket, action: AmiMessage): void {
    pbx.actions.push(action);
    pbx.events.emit('action', action);
    if (pbx.stalled) return;
    const id = header(action, 'ActionID');
    const reply: Reply = (fields) => socket.write(serialize(message(fields).headers));
    const name = header(action, 'Action')?.toLowerCase();
    if (name === 'login') {
      if (header(action, 'Secret') === pbx.secret) {
        loggedIn.add(socket);
        reply({ Response: 'Success', ActionID: id, Message: 'Authentication accepted' });
        reply({ Event: 'FullyBooted', Privilege: 'system,all', Uptime: 0, LastReload: 0, Status: 'Fully Booted' });
      } else {
        reply({ Response: 'Error', ActionID: id, Message: 'Authentication failed' });
        socket.end(); // capture 01b: the server closes at once
      }
      return;
    }
    if (!loggedIn.has(socket)) return reply({ Response: 'Error', ActionID: id, Message: 'Permission denied' });
    if (name === 'ping') return reply({ Response: 'Success', ActionID: id, Ping: 'Pong', Timestamp: '1795418716.230597' });
    if (name === 'logoff') {
      reply({ Response: 'Goodbye', ActionID: id, Message: 'Thanks for all the fish.' });
      socket.end();
      return;
    }
    if (!pbx.handler(action, reply, socket)) {
      reply({ Response: 'Error', ActionID: id, Message: `Invalid/unknown command: ${header(action, 'Action') ?? ''}. Use Action: ListCommands to show available commands.` });
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no TCP address');
  Object.assign(pbx, { port: addr.port });
  return pbx;
}

/** The relay's AMI connection to this scripted PBX, logged in and ready. */
export async function connectReady(pbx: ScriptedPbx): Promise<AmiConnection> {
  const conn = new AmiConnection({ host: '127.0.0.1', port: pbx.port, username: 'relay', secret: 'relaysecret', logger: captureLogger().logger });
  conn.start();
  await nextEmit(conn, 'ready');
  return conn;
}
