// Channel variable names a request may not set on the calls it asks for: the relay's own
// (PEREZVON_LEG tells it which conference legs are its own), the ones Asterisk and FreePBX read to
// route, bill, identify or record a call (AMPUSER decides whose outbound-route permissions and
// caller ID apply; DIAL_OPTIONS and TRUNK_OPTIONS change what Dial() does), and any `_`/`__`
// inherited name, which would follow the call onto the PBX's trunk legs. Defined once; used by the
// callback schema (shared/jobs.ts).

/** Names (without their `_`/`__` prefix, upper-cased) refused exactly. */
const RESERVED_NAMES: ReadonlySet<string> = new Set([
  'AMPUSER', 'AMPUSERCID', 'AMPUSERCIDNAME', 'FROMEXTEN', 'FROM_DID', 'REALCALLERIDNUM', 'KEEPCID', 'EMERGENCYCID',
  'DIAL_OPTIONS', 'TRUNK_OPTIONS', 'DIAL_TRUNK', 'DIAL_TRUNK_OPTIONS', 'DIAL_NUMBER', 'OUTNUM', 'NODEST', 'MOHCLASS',
  'DIALSTATUS', 'HANGUPCAUSE', 'ANSWEREDTIME', 'DIALEDTIME', 'ALERT_INFO', 'TOUCH_MONITOR', 'FORWARD_CONTEXT', 'TRANSFER_CONTEXT',
  'MASTER_CHANNEL', 'CALLFILENAME', 'MONITOR_FILENAME', 'ACCOUNTCODE', 'AMAFLAGS', 'LANGUAGE', 'TIMEOUT', 'LIMIT',
]);

/** Prefixes (of the upper-cased name without `_`/`__`) refused: families of the above. */
const RESERVED_PREFIXES: ReadonlyArray<string> = [
  'PEREZVON_', 'AMPUSER', 'CALLERID', 'CONNECTEDLINE', 'REDIRECTING', 'CHANNEL', 'CDR', 'MACRO', 'GOSUB',
  'OUTBOUND_GROUP', 'TRUNK', 'DIAL_', 'MIXMON', 'REC_', 'RECORD', 'SIPADDHEADER', 'PJSIP_', 'SIP_', 'LIMIT_', 'TIMEOUT_', 'QUEUE', 'DB_', 'SHARED',
];

/** Why a request may not set the variable `name`, or null when it may. */
export function reservedVariableProblem(name: string): string | null {
  if (name.startsWith('_')) return 'inherited variables (_NAME, __NAME) cannot be set: they would follow the call onto the PBX\u2019s trunks';
  const upper = name.toUpperCase();
  if (RESERVED_NAMES.has(upper) || /^ARG[0-9]+$/.test(upper) || RESERVED_PREFIXES.some((p) => upper.startsWith(p))) return `${name} is reserved for the relay, Asterisk or FreePBX`;
  return null;
}
