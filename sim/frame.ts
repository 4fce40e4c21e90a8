// Writes AMI messages the way Asterisk frames them: `Key: Value\r\n` lines and a blank line.
// Unlike relay/ami/wire.ts#serialize it lets a lone CR through (Getvar/UserEvent echo raw CRs,
// capture 07) and a value ending in LF (the ChannelId-too-long error, capture 04 e12).
export type Fields = Array<[string, string]>;
export type ReadonlyFields = ReadonlyArray<readonly [string, string]>;

export function frame(fields: ReadonlyFields): string {
  let out = '';
  // A bare LF only ever ends a value in the one Asterisk error that does it; anything else is dropped
  // so a client-supplied value can never break the framing.
  for (const [k, v] of fields) out += `${k}: ${v.endsWith('\n') ? v.slice(0, -1).replace(/\n/g, '') + '\n' : v.replace(/\n/g, '')}\r\n`;
  return out + '\r\n';
}
