// AMI events the relay never reads, skipped by the parser before any header is split (wire.ts): on a
// busy PBX they are most of the stream (every dialplan step is a Newexten, every Set() a VarSet), and
// other people's calls are most of the traffic. Only names no relay module reads belong here;
// test/relay/ami/skipped-events.test.ts fails if any relay source mentions one, so a module that
// starts reading one must take it off this list. Events answering an action (with an ActionID) are
// never skipped.
export const SKIPPED_EVENTS: ReadonlySet<string> = new Set([
  // dialplan
  'Newexten', 'VarSet',
  // state no decision reads: device and presence states, connected line, account codes (ExtensionStatus is
  // read: presence across an organisation's sites, relay/presence/)
  'DeviceStateChange', 'PresenceStateChange', 'PresenceStatus', 'NewConnectedLine', 'NewAccountCode',
  // media and reporting
  'RTCPSent', 'RTCPReceived', 'Cdr', 'CEL', 'ChannelTalkingStart', 'ChannelTalkingStop', 'DTMFBegin', 'DTMFEnd',
  'MusicOnHoldStart', 'MusicOnHoldStop',
  // endpoints and security
  'ContactStatus', 'PeerStatus', 'Registry', 'SuccessfulAuth', 'ChallengeSent', 'ChallengeResponseFailed',
  'InvalidPassword', 'InvalidAccountID', 'FailedACL', 'RequestBadFormat', 'UnexpectedAddress',
]);
