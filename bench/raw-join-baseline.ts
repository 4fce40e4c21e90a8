// The baseline of the join → external-leg benchmarks (bench/conference.ts, bench/on-pbx.ts): the relay's
// own AMI class, logged in on its own, answering each ConfbridgeJoin with one bare Getvar and doing
// nothing else — the raw event round trip our reaction is compared with.
import { pino } from 'pino';
import { AmiConnection } from '../relay/ami/connection.js';
import { header } from '../relay/ami/wire.js';

/** Resolves once logged in; the Getvar's variable is `BENCH_<room>`. */
export async function startRawJoinResponder(target: { host: string; port: number; username: string; secret: string }): Promise<AmiConnection> {
  const raw = new AmiConnection({ ...target, logger: pino({ level: 'silent' }) });
  raw.on('event', (ev) => {
    const room = header(ev, 'Conference');
    if (header(ev, 'Event') === 'ConfbridgeJoin' && room !== undefined) void raw.send({ Action: 'Getvar', Variable: `BENCH_${room}` }).catch(() => undefined);
  });
  const ready = new Promise<void>((resolve) => raw.once('ready', () => resolve()));
  raw.start();
  await ready;
  return raw;
}
