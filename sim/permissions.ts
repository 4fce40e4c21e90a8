// manager.conf permissions as Asterisk 22 applies them: each user's `read`/`write` class lists, the
// class each action is registered with, and the checks (main/manager.c: an action runs if the user's
// write classes share ANY class of the action, or the action has none; an event reaches a session
// only if its read classes hold EVERY class of the event). Used by server.ts, session.ts and the
// ListCommands action. Invariant: the action table is the one place an action's classes are named.

/** Asterisk's permission classes, in the order authority_to_str prints them (main/manager.c `perms[]`). */
export const CLASSES = [
  'system', 'call', 'log', 'verbose', 'command', 'agent', 'user', 'config', 'dtmf', 'reporting', 'cdr', 'dialplan',
  'originate', 'agiexec', 'security', 'aoc', 'test', 'message',
] as const;

export type PermClass = (typeof CLASSES)[number];

export interface SimUser {
  secret: string;
  /** manager.conf `read =` (default `all`). */
  read?: string;
  /** manager.conf `write =` (default `all`). */
  write?: string;
}

export interface Permissions {
  readonly read: ReadonlySet<string>;
  readonly write: ReadonlySet<string>;
}

/** `read = call,user` → {call, user}; `all` is every class, `none` or empty nothing (manager.c get_perm). */
export function parseClasses(list: string | undefined): Set<string> {
  const out = new Set<string>();
  for (const word of (list ?? 'all').split(',').map((w) => w.trim().toLowerCase())) {
    if (word === 'all') for (const c of CLASSES) out.add(c);
    else if ((CLASSES as readonly string[]).includes(word)) out.add(word);
  }
  return out;
}

export function permissionsOf(user: SimUser): Permissions {
  return { read: parseClasses(user.read), write: parseClasses(user.write) };
}

interface ActionInfo { readonly name: string; readonly synopsis: string; readonly classes: readonly PermClass[] }

// Names, synopses (manager_doc.xml, app docs) and registered classes (ast_manager_register_xml calls in
// main/manager.c, main/pbx.c, apps/app_confbridge.c, apps/app_senddtmf.c, apps/app_queue.c) of Asterisk 22.10.1.
const ACTIONS: readonly ActionInfo[] = [
  { name: 'Command', synopsis: 'Execute Asterisk CLI Command.', classes: ['command'] },
  { name: 'ConfbridgeKick', synopsis: 'Kick a Confbridge user.', classes: ['call'] },
  { name: 'ConfbridgeList', synopsis: 'List participants in a conference.', classes: ['reporting'] },
  { name: 'ConfbridgeListRooms', synopsis: 'List active conferences.', classes: ['reporting'] },
  { name: 'ConfbridgeLock', synopsis: 'Lock a Confbridge conference.', classes: ['call'] },
  { name: 'ConfbridgeMute', synopsis: 'Mute a Confbridge user.', classes: ['call'] },
  { name: 'ConfbridgeUnlock', synopsis: 'Unlock a Confbridge conference.', classes: ['call'] },
  { name: 'ConfbridgeUnmute', synopsis: 'Unmute a Confbridge user.', classes: ['call'] },
  { name: 'CoreSettings', synopsis: 'Show PBX core settings (version etc).', classes: ['system', 'reporting'] },
  { name: 'CoreShowChannels', synopsis: 'List currently active channels.', classes: ['system', 'reporting'] },
  { name: 'CoreStatus', synopsis: 'Show PBX core status variables.', classes: ['system', 'reporting'] },
  { name: 'DeviceStateList', synopsis: 'List the current known device states.', classes: ['call', 'reporting'] },
  { name: 'Events', synopsis: 'Control Event Flow.', classes: [] },
  { name: 'ExtensionState', synopsis: 'Check Extension Status.', classes: ['call', 'reporting'] },
  { name: 'ExtensionStateList', synopsis: 'List the current known extension states.', classes: ['call', 'reporting'] },
  { name: 'Getvar', synopsis: 'Gets a channel variable or function value.', classes: ['call', 'reporting'] },
  { name: 'Hangup', synopsis: 'Hangup channel.', classes: ['system', 'call'] },
  { name: 'ListCommands', synopsis: 'List available manager commands.', classes: [] },
  { name: 'Login', synopsis: 'Login Manager.', classes: [] },
  { name: 'Logoff', synopsis: 'Logoff Manager.', classes: [] },
  { name: 'Originate', synopsis: 'Originate a call.', classes: ['originate'] },
  { name: 'Ping', synopsis: 'Keepalive command.', classes: [] },
  { name: 'PlayDTMF', synopsis: 'Play DTMF signal on a specific channel.', classes: ['call'] },
  { name: 'QueueStatus', synopsis: 'Show queue status.', classes: [] },
  { name: 'QueueSummary', synopsis: 'Show queue summary.', classes: [] },
  { name: 'Setvar', synopsis: 'Sets a channel variable or function value.', classes: ['call'] },
  { name: 'ShowDialPlan', synopsis: 'Show dialplan contexts and extensions', classes: ['config', 'reporting'] },
  { name: 'UserEvent', synopsis: 'Send an arbitrary event.', classes: ['user'] },
];

const BY_NAME = new Map(ACTIONS.map((a) => [a.name.toLowerCase(), a]));

export function mayRun(p: Permissions, action: string): boolean {
  const info = BY_NAME.get(action.toLowerCase());
  return info === undefined || info.classes.length === 0 || info.classes.some((c) => p.write.has(c));
}

/** An event's `Privilege: call,all` names its classes; `all` is the catch-all every event carries. */
export function mayRead(p: Permissions, privilege: string | undefined): boolean {
  if (privilege === undefined) return true;
  return privilege.split(',').map((w) => w.trim()).filter((w) => w !== 'all' && w !== '').every((c) => p.read.has(c));
}

/** ListCommands' lines: `Originate: Originate a call. (Priv: originate,all)`, only what the user may run, sorted as Asterisk keeps them. */
export function listCommands(p: Permissions): Array<[string, string]> {
  return ACTIONS.filter((a) => mayRun(p, a.name)).map((a) => [a.name, `${a.synopsis} (Priv: ${a.classes.length === 0 ? '<none>' : `${CLASSES.filter((c) => a.classes.includes(c)).join(',')},all`})`]);
}
