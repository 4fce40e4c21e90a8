// Action dispatch: login gate, unknown/missing action errors with their RequestBadFormat event,
// then the per-action handler (FACTS 8). Invariant: only Login/Logoff run before authentication.
import { header, type AmiMessage } from '../../relay/ami/wire';
import { securityEvent } from '../events';
import type { Session } from '../session';
import { channelActions } from './channels';
import { confbridgeActions } from './confbridge';
import { ActionContext, type Handler } from './context';
import { coreActions } from './core';
import { deviceStateActions } from './device-states';
import { dialplanActions } from './dialplan';
import { mayRun } from '../permissions';
import { originateAction } from './originate';
import { queueActions } from './queues';

export const handlers: Record<string, Handler> = {
  ...coreActions, ...channelActions, ...deviceStateActions, ...confbridgeActions, ...queueActions, ...dialplanActions, originate: originateAction,
};

export function badFormat(s: Session, requestType: string): ReturnType<typeof securityEvent> {
  return securityEvent('RequestBadFormat', '1', [['SessionID', s.sessionId], ['LocalAddress', s.localAddress], ['RemoteAddress', s.remoteAddress], ['RequestType', requestType]],
    [['SessionTV', s.startedAt.toISOString().replace('Z', '+0000')], ['AccountID', s.username]]);
}

/** Runs an authenticated action (Login is handled by the server). */
export async function dispatch(c: ActionContext): Promise<void> {
  const action = c.get('Action');
  if (action === undefined || action.trim() === '') {
    c.error('Missing action in request');
    c.control.broadcast(badFormat(c.session, 'Action: NONE'));
    return;
  }
  const h = handlers[action.trim().toLowerCase()];
  if (!h) {
    c.error(`Invalid/unknown command: ${action}. Use Action: ListCommands to show available commands.`);
    c.control.broadcast(badFormat(c.session, `Action: ${action}`));
    return;
  }
  if (!mayRun(c.session.permissions, action.trim())) {
    // main/manager.c process_message: the security event, then the error; the action does not run.
    c.control.broadcast(notAllowed(c.session, action.trim()));
    return c.error('Permission denied');
  }
  await h(c);
}

function notAllowed(s: Session, action: string): ReturnType<typeof securityEvent> {
  return securityEvent('RequestNotAllowed', '1', [['SessionID', s.sessionId], ['LocalAddress', s.localAddress], ['RemoteAddress', s.remoteAddress], ['RequestType', `Action: ${action}`]],
    [['SessionTV', s.startedAt.toISOString().replace('Z', '+0000')], ['AccountID', s.username]]);
}

export const actionName = (msg: AmiMessage): string => (header(msg, 'Action') ?? '').trim().toLowerCase();
