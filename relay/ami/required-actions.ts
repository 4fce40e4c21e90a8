// The AMI actions the relay sends, and the manager.conf `write =` class that lets a user run each
// (as registered in Asterisk 22: main/manager.c, main/pbx.c, apps/app_confbridge.c, apps/app_senddtmf.c;
// an action needs any one of its classes). `perezvon-relay doctor` checks them against ListCommands;
// test/relay/doctor.test.ts checks that every action written in relay/ is listed here.
// Ping, Logoff, Login and ListCommands need no class.

export interface RequiredAction {
  readonly action: string;
  /** The class to add to `write =`: the narrowest of the classes Asterisk accepts for it. */
  readonly writeClass: string;
  readonly why: string;
}

export const RELAY_AMI_ACTIONS: readonly RequiredAction[] = [
  { action: 'Originate', writeClass: 'originate', why: 'places every call' },
  { action: 'Hangup', writeClass: 'call', why: 'cancels a call and releases an operator' },
  { action: 'CoreShowChannels', writeClass: 'reporting', why: 'finds journalled calls again after a restart' },
  { action: 'Getvar', writeClass: 'call', why: 'tells its own conference legs after a restart' },
  { action: 'PlayDTMF', writeClass: 'call', why: 'sends the digits of an external participant' },
  { action: 'ConfbridgeListRooms', writeClass: 'reporting', why: 'reconciles conference rooms' },
  { action: 'ConfbridgeList', writeClass: 'reporting', why: 'reconciles conference rooms' },
  { action: 'ConfbridgeKick', writeClass: 'call', why: 'removes an external participant left alone' },
  { action: 'ShowDialPlan', writeClass: 'reporting', why: 'lets doctor check the contexts' },
  { action: 'ExtensionStateList', writeClass: 'reporting', why: "reads the extensions' states for presence across an organisation's sites" },
  { action: 'Setvar', writeClass: 'call', why: "mirrors other sites' extensions as Custom device states (DEVICE_STATE)" },
];

/** The `write =` line that allows all of them. */
export const REQUIRED_WRITE_LINE = `write = ${[...new Set(RELAY_AMI_ACTIONS.map((a) => a.writeClass))].join(',')}`;
