// How a simulated phone or external number reacts when the dialplan rings it (context `phones`).
// Invariant: the defaults reproduce the transcripts' dialplan exactly (README "The PBX behind the
// captures"); overrides only change what a test asked for.
export type PhoneBehaviour =
  | { kind: 'answer'; ringMs?: number; holdMs?: number }
  | { kind: 'ring' }
  | { kind: 'busy' }
  | { kind: 'congestion' }
  | { kind: 'hangup'; cause: number };

export const answers = (o: { ringMs?: number; holdMs?: number } = {}): PhoneBehaviour => ({ kind: 'answer', ...o });
export const rings = (): PhoneBehaviour => ({ kind: 'ring' });
export const busy = (): PhoneBehaviour => ({ kind: 'busy' });
export const congested = (): PhoneBehaviour => ({ kind: 'congestion' });
export const hangsUp = (cause: number): PhoneBehaviour => ({ kind: 'hangup', cause });
export const unallocated = (): PhoneBehaviour => hangsUp(1);

export const isExternal = (n: string): boolean => /^\+?\d{5,}$/.test(n) && !/^[12]\d\d$/.test(n);

/** The default behaviour of `phones` extension n, or undefined when the extension does not exist. */
export function defaultPhone(n: string): PhoneBehaviour | undefined {
  // Defaults come from the capture dialplan (Wait(1) / Wait(2), HOLDTIME 30 / 60) on the scaled clock.
  if (/^1\d\d$/.test(n)) return answers();
  if (n === '200') return rings();
  if (n === '300') return busy();
  if (n === '400') return congested();
  const causes: Record<string, number> = { '500': 1, '501': 17, '502': 21, '503': 34 };
  if (causes[n] !== undefined) return hangsUp(causes[n]);
  // Any other outside number answers like the captures' 8XXXXXXXXXX (ring 2 s, hold 60 s) unless a test scripts it.
  if (/^8\d{10}$/.test(n) || isExternal(n)) return answers();
  return undefined;
}
