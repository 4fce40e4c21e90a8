// `npm run pbx:sim`: runs the AMI simulator with the default PBX model on 127.0.0.1:$AMI_SIM_PORT
// (default 5039) until SIGINT/SIGTERM. The relay/relaysecret login is a dev-only default.
import pino from 'pino';
import { startAmiSimulator } from './index';

const log = pino({ name: 'ami-sim' });
const port = Number(process.env.AMI_SIM_PORT ?? 5039);
const sim = await startAmiSimulator({ host: '127.0.0.1', port });
log.info({ host: sim.host, port: sim.port }, `AMI simulator listening: connect to ${sim.host}:${sim.port}, Login with Username relay / Secret relaysecret (dev-only default)`);

let closing = false;
const shutdown = (signal: string) => {
  if (closing) return;
  closing = true;
  log.info({ signal }, 'closing AMI simulator');
  void sim.close().then(() => process.exit(0));
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
