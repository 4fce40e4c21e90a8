// Doctor's Worker checks: GET /v1/pbxes/{pbx}/relay/check with the relay token (reachable, token
// accepted, same protocol; no session is opened, so a running relay keeps its own), and the clock
// compared with the Worker's.
import { relayCheckResponse, type RelayCheckResponse } from '../../shared/relay-check.js';
import { PROTOCOL_VERSION } from '../../shared/relay-protocol.js';
import type { RelayConfig } from '../config.js';
import { errorText, fail, ok, skip, warn, type CheckLine } from './check.js';

/** Beyond this the Worker's and this host's timestamps disagree visibly (job times, notBefore, logs). */
const CLOCK_TOLERANCE_MS = 5_000;

export interface WorkerFindings {
  lines: CheckLine[];
  /** The Worker's answer, when the token was accepted. */
  check: RelayCheckResponse | undefined;
}

export async function checkWorker(config: RelayConfig, timeoutMs = 10_000): Promise<WorkerFindings> {
  const { url, pbx, token } = config.worker;
  const target = `${url}/v1/pbxes/${encodeURIComponent(pbx)}/relay/check`;
  const sentAt = Date.now();
  let res: Response;
  try {
    res = await fetch(target, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    return {
      check: undefined,
      lines: [
        fail('Worker', `cannot reach ${url} (${errorText(err)}): check PEREZVON_URL and that this host may make outbound HTTPS requests to it`),
        skip('clock', 'needs the Worker'),
      ],
    };
  }
  const receivedAt = Date.now();
  if (res.status === 401) {
    return {
      check: undefined,
      lines: [
        ok('Worker', `reachable at ${url}`),
        fail('relay token', `the Worker refused the relay token for PBX ${pbx}: set PEREZVON_RELAY_TOKEN to the pzr_… token the admin API returned for this PBX (a new one: POST /v1/admin/pbxes/${pbx}/relay-token), and check PEREZVON_PBX`),
        skip('clock', 'needs an accepted relay token'),
      ],
    };
  }
  const parsed = res.ok ? relayCheckResponse.safeParse(await res.json().catch(() => undefined)) : undefined;
  if (parsed === undefined || !parsed.success) {
    return {
      check: undefined,
      lines: [
        fail('Worker', `${target} answered ${res.status} and not a relay check: is PEREZVON_URL the Perezvon Worker, and is it as new as this relay?`),
        skip('clock', 'needs the Worker'),
      ],
    };
  }
  const check = parsed.data;
  const lines: CheckLine[] = [ok('Worker', `reachable at ${url}`)];
  lines.push(check.protocol === PROTOCOL_VERSION
    ? ok('relay token', `accepted for PBX ${pbx} (relay protocol ${PROTOCOL_VERSION})`)
    : fail('relay token', `accepted, but the Worker speaks relay protocol ${check.protocol} and this relay ${PROTOCOL_VERSION}: install the relay that matches the deployed Worker`));
  lines.push(clockLine(Date.parse(check.time), sentAt, receivedAt));
  return { check, lines };
}

/** The Worker's time is compared with the middle of the round trip, so the network delay counts only half. */
export function clockLine(workerTime: number, sentAt: number, receivedAt: number): CheckLine {
  const offset = Math.round((sentAt + receivedAt) / 2 - workerTime);
  const uncertainty = Math.ceil((receivedAt - sentAt) / 2);
  const seconds = (Math.abs(offset) / 1000).toFixed(1);
  if (Math.abs(offset) > CLOCK_TOLERANCE_MS) {
    return fail('clock', `this host is ${seconds} s ${offset > 0 ? 'ahead of' : 'behind'} the Worker: turn on time sync (timedatectl set-ntp true, or chrony/ntpd)`);
  }
  if (Math.abs(offset) + uncertainty > CLOCK_TOLERANCE_MS) return warn('clock', `within ${seconds} s of the Worker, but the round trip took ${receivedAt - sentAt} ms, so it cannot be told closer`);
  return ok('clock', `in step with the Worker (${offset >= 0 ? '+' : '-'}${seconds} s, ±${uncertainty} ms)`);
}
