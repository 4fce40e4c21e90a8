// The Originate action: Asterisk's validation order and error texts (capture 04), async vs sync
// (FACTS 1 and 9). Invariant: async always answers "Originate successfully queued" once the
// request is well-formed; the outcome only arrives as OriginateResponse.
import { headerAll } from '../../relay/ami/wire';
import { parseCallerId } from '../channels';
import { extenExists } from '../dialplan';
import { originate, type OriginateRequest } from '../originate';
import type { Handler } from './context';

const MAX_UNIQUEID = 149;

export const originateAction: Handler = async (c) => {
  const channel = c.get('Channel');
  if (channel === undefined || channel === '') return c.error('Channel not specified');
  const channelId = c.get('ChannelId');
  const otherId = c.get('OtherChannelId');
  // The only error whose Message line ends in a bare LF, followed by an extra blank line (04 e12).
  if ((channelId?.length ?? 0) > MAX_UNIQUEID || (otherId?.length ?? 0) > MAX_UNIQUEID)
    return c.error(`Uniqueid length exceeds maximum of ${MAX_UNIQUEID}\n`);
  const rawTimeout = c.get('Timeout');
  let timeoutMs = 30_000;
  if (rawTimeout !== undefined && rawTimeout !== '') {
    if (!/^\s*\d+\s*$/.test(rawTimeout)) return c.error('Invalid timeout');
    timeoutMs = Number(rawTimeout);
  }
  const slash = channel.indexOf('/');
  if (slash < 0) return c.error('Invalid channel');
  const rawPriority = c.get('Priority');
  let priority: number | undefined;
  if (rawPriority !== undefined && rawPriority !== '') {
    if (!/^\d+$/.test(rawPriority.trim())) return c.error('Invalid priority');
    priority = Number(rawPriority);
  }
  const app = c.get('Application');
  const context = c.get('Context');
  const exten = c.get('Exten');
  const isAsync = /^(true|yes|1|on|y|t)$/i.test((c.get('Async') ?? '').trim());
  if ((exten !== undefined && (context === undefined || priority === undefined)) || (app === undefined && exten === undefined && !isAsync))
    return c.error("Originate with 'Exten' requires 'Context' and 'Priority'");
  if (app === undefined && exten !== undefined && context !== undefined && !extenExists(c.pbx, context, exten))
    return c.error('Extension does not exist.');
  const vars: Array<[string, string]> = [];
  for (const v of headerAll(c.msg, 'Variable'))
    for (const part of v.split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) vars.push([part.slice(0, eq).trim(), part.slice(eq + 1)]);
    }
  const req: OriginateRequest = {
    dialString: channel, tech: channel.slice(0, slash), resource: channel.slice(slash + 1),
    app, data: c.get('Data'), context, exten, priority, timeoutMs, vars,
    callerId: parseCallerId(c.get('CallerID')), channelId, otherChannelId: otherId, actionId: c.actionId, async: isAsync,
  };
  if (isAsync) {
    c.ok('Originate successfully queued');
    void originate(c.engine, req);
    return;
  }
  // Synchronous: the session is blocked and its events are held until the answer (FACTS 9).
  c.session.block();
  try {
    const res = await originate(c.engine, req);
    if (res.ok) c.ok('Originate successfully queued');
    else c.error('Originate failed');
  } finally {
    c.session.unblock();
  }
};
