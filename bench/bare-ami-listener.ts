// The CPU baseline of `npm run bench -- --pbx`: a process that logs in to the same PBX with the relay's
// own AMI connection (parser included) and only counts events. What the relay spends beyond this is the
// cost of its logic per event. Prints the count on SIGTERM. Args: host port username secret.
import { pino } from 'pino';
import { AmiConnection } from '../relay/ami/connection.js';

const [host = '127.0.0.1', port = '5038', username = 'relay', secret = ''] = process.argv.slice(2);
const conn = new AmiConnection({ host, port: Number(port), username, secret, logger: pino({ level: 'silent' }) });
let events = 0;
conn.on('event', () => {
  events++;
});
conn.once('ready', () => process.stdout.write('ready\n'));
conn.start();
process.once('SIGTERM', () => {
  process.stdout.write(`events ${events}\n`);
  void conn.stop().then(() => process.exit(0));
});
