// Doctor's AMI checks, in the order a PBX admin fixes them: the port answers as AMI, the login is
// accepted, the user may run every action the relay sends (ListCommands lists only what the user's
// `write =` classes allow), and the PBX's contexts exist in the dialplan (ShowDialPlan).
import { connect } from 'node:net';
import pino from 'pino';
import type { RelayCheckResponse } from '../../shared/relay-check.js';
import { AmiConnection } from '../ami/connection.js';
import { AmiActionError, type AmiAuthError } from '../ami/errors.js';
import { sendList } from '../ami/event-list.js';
import { RELAY_AMI_ACTIONS, REQUIRED_WRITE_LINE } from '../ami/required-actions.js';
import { validateContext } from '../ami/validation.js';
import { header } from '../ami/wire.js';
import type { RelayConfig } from '../config.js';
import { errorText, fail, ok, skip, warn, type CheckLine } from './check.js';

const RELOAD = "then reload it: asterisk -rx 'manager reload'";

export async function checkAmi(config: RelayConfig, worker: RelayCheckResponse | undefined, timeoutMs = 10_000): Promise<CheckLine[]> {
  const { host, port, username } = config.ami;
  const where = `${host}:${port}`;
  const banner = await readBanner(host, port, timeoutMs);
  if (!banner.ok) {
    return [
      fail('AMI', `cannot connect to ${where} (${banner.error}): is Asterisk running, and does /etc/asterisk/manager.conf have enabled = yes, port = ${port} and a bindaddr this host reaches under [general]?`),
      skip('AMI login', 'needs AMI'), skip('AMI permissions', 'needs AMI'), skip('contexts', 'needs AMI'),
    ];
  }
  if (!banner.line.startsWith('Asterisk Call Manager/')) {
    return [fail('AMI', `${where} answers, but not as AMI (${JSON.stringify(banner.line.slice(0, 40))}): check the port in AMI_URL`), skip('AMI login', 'needs AMI'), skip('AMI permissions', 'needs AMI'), skip('contexts', 'needs AMI')];
  }
  const lines: CheckLine[] = [ok('AMI', `${where} answers (${banner.line})`)];
  const ami = new AmiConnection({ ...config.ami, logger: pino({ level: 'silent' }), events: 'off', actionTimeoutMs: timeoutMs });
  try {
    const login = await loginOnce(ami, timeoutMs);
    if (login !== 'ready') {
      lines.push(fail('AMI login', login === 'timeout'
        ? `no answer to Login as ${username} within ${timeoutMs / 1000} s: is the PBX overloaded or still booting?`
        : `user ${username} was rejected (${login.serverMessage}): check the user and secret in AMI_URL against the [${username}] section of /etc/asterisk/manager.conf (secret =, and permit =/deny = must let this host in), ${RELOAD}`));
      lines.push(skip('AMI permissions', 'needs a login'), skip('contexts', 'needs a login'));
      return lines;
    }
    lines.push(ok('AMI login', `accepted for ${username}`));
    const allowed = await permittedActions(ami);
    lines.push(permissionsLine(username, allowed));
    lines.push(...(await contextLines(ami, worker, allowed)));
    return lines;
  } finally {
    await ami.stop();
  }
}

function readBanner(host: string, port: number, timeoutMs: number): Promise<{ ok: true; line: string } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let text = '';
    const done = (r: { ok: true; line: string } | { ok: false; error: string }): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done(text === '' ? { ok: false, error: `no banner within ${timeoutMs / 1000} s` } : { ok: true, line: text.trim() }), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\n');
      if (end >= 0) done({ ok: true, line: text.slice(0, end).trim() });
    });
    socket.on('error', (err) => done({ ok: false, error: errorText(err) }));
  });
}

/** One login attempt: the connection's own retries are cut short by stopping it. */
function loginOnce(ami: AmiConnection, timeoutMs: number): Promise<'ready' | 'timeout' | AmiAuthError> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), timeoutMs);
    ami.once('ready', () => {
      clearTimeout(timer);
      resolve('ready');
    });
    ami.once('error', (err) => {
      clearTimeout(timer);
      resolve(err);
    });
    ami.start();
  });
}

async function permittedActions(ami: AmiConnection): Promise<ReadonlySet<string>> {
  const res = await ami.send({ Action: 'ListCommands' });
  return new Set(res.headers.map(([k]) => k.toLowerCase()));
}

function permissionsLine(username: string, allowed: ReadonlySet<string>): CheckLine {
  const missing = RELAY_AMI_ACTIONS.filter((a) => !allowed.has(a.action.toLowerCase()));
  if (missing.length === 0) return ok('AMI permissions', `${username} may run every action the relay uses (${RELAY_AMI_ACTIONS.map((a) => a.action).join(', ')})`);
  const classes = [...new Set(missing.map((a) => a.writeClass))];
  return fail('AMI permissions', `${username} may not run ${missing.map((a) => `${a.action} (${a.why})`).join('; ')}. `
    + `Add ${classes.join(', ')} to the write = line of [${username}] in /etc/asterisk/manager.conf (all the relay needs: ${REQUIRED_WRITE_LINE}), ${RELOAD}`);
}

async function contextLines(ami: AmiConnection, worker: RelayCheckResponse | undefined, allowed: ReadonlySet<string>): Promise<CheckLine[]> {
  if (worker === undefined) return [skip('contexts', 'the PBX\'s contexts come from the Worker, which did not answer')];
  if (!allowed.has('showdialplan')) return [fail('contexts', 'cannot look them up: ShowDialPlan is not allowed (see AMI permissions)')];
  const uses = new Map<string, string[]>();
  for (const [use, context] of Object.entries(worker.contexts)) uses.set(context, [...(uses.get(context) ?? []), `${use}Context`]);
  const lines: CheckLine[] = [];
  for (const [context, names] of uses) {
    const found = await contextExists(ami, context);
    const what = `${context} (${names.join(', ')})`;
    if (found === true) lines.push(ok('context', `${what} is in the dialplan`));
    else if (found !== false) lines.push(fail('context', `${what}: ShowDialPlan failed (${found})`));
    // Only queue callbacks dial the queue context: a PBX without queues may lack it.
    else if (names.every((n) => n === 'queueContext')) lines.push(warn('context', `${what} is not in the dialplan: callbacks to a queue would fail. Create it on the PBX (FreePBX has ext-queues), or change the PBX's queueContext`));
    else lines.push(fail('context', `${what} is not in the dialplan: create it on the PBX (extensions.conf or FreePBX), or change the PBX's ${names.join(' and ')} in the Worker to a context that exists`));
  }
  return lines;
}

async function contextExists(ami: AmiConnection, context: string): Promise<boolean | string> {
  try {
    await sendList(ami, { Action: 'ShowDialPlan', Context: validateContext(context) });
    return true;
  } catch (err) {
    if (err instanceof AmiActionError && /^Did not find context/.test(err.message)) return false;
    return errorText(err);
  }
}
