// Public identifiers of the website widget: the widget key embedded in a site's <script> tag and
// the status token a visitor's browser polls with. Both carry the PBX id so the Worker can route to
// its queue without a directory lookup. Invariant: a status token has 256 random bits and only its
// SHA-256 is stored, so reading the database does not let anyone read a visitor's progress.
import { pbxId } from '../../shared/pbx.js';
import { sha256Hex } from '../auth/tokens.js';

const WIDGET_KEY = /^pzw_([a-z0-9][a-z0-9-]{0,62})\.[A-Za-z0-9_-]{16}$/;
const STATUS_TOKEN = /^pzs_([a-z0-9][a-z0-9-]{0,62})\.[A-Za-z0-9_-]{43}$/;

/** The PBX a widget key belongs to, or undefined when it is not shaped like one. */
export function pbxOfWidgetKey(key: string): string | undefined {
  return pbxOf(WIDGET_KEY.exec(key)?.[1]);
}

export function pbxOfStatusToken(token: string): string | undefined {
  return pbxOf(STATUS_TOKEN.exec(token)?.[1]);
}

export async function issueStatusToken(pbx: string): Promise<{ token: string; hash: string }> {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  const token = `pzs_${pbx}.${btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
  return { token, hash: await sha256Hex(token) };
}

function pbxOf(candidate: string | undefined): string | undefined {
  return candidate !== undefined && pbxId.safeParse(candidate).success ? candidate : undefined;
}
