// Skipping the events nobody reads (relay/ami/skipped-events.ts) in the parser: on real captured
// Asterisk traffic it drops exactly those events, in any chunking, and keeps every message an
// action waits for; and no relay module may read a name the parser skips.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SKIPPED_EVENTS } from '../../../relay/ami/skipped-events.js';
import { AmiParser, header, type AmiMessage } from '../../../relay/ami/wire.js';
import { captureBytes, CAPTURES_DIR } from './captures.js';

function parse(bytes: string, chunk: number, skip: boolean): AmiMessage[] {
  const out: AmiMessage[] = [];
  const parser = new AmiParser((m) => out.push(m), () => {}, { expectBanner: true, ...(skip ? { skipEvent: (n: string) => SKIPPED_EVENTS.has(n) } : {}) });
  for (let i = 0; i < bytes.length; i += chunk) parser.push(bytes.slice(i, i + chunk));
  return out;
}

const stems = readdirSync(CAPTURES_DIR).filter((f) => f.endsWith('.jsonl')).map((f) => f.slice(0, -'.jsonl'.length));
const traffic = stems.map((s) => captureBytes(s, '<<')).join('');
const skippedByName = (m: AmiMessage): boolean => SKIPPED_EVENTS.has(header(m, 'Event') ?? '') && header(m, 'ActionID') === undefined;

describe('skipping events nobody reads', () => {
  it('drops exactly the skipped events of real Asterisk traffic, whatever the chunking, and keeps the rest as parsed in full', () => {
    const full = parse(traffic, 65_536, false);
    const kept = full.filter((m) => !skippedByName(m));
    expect(full.length - kept.length).toBeGreaterThan(0);
    for (const chunk of [1, 7, 64, 65_536]) expect(parse(traffic, chunk, true)).toEqual(kept);
  });

  it('still parses an event of a skipped name that carries an ActionID (it answers an action), split anywhere', () => {
    const bytes = 'Asterisk Call Manager/11.0.0\r\nEvent: VarSet\r\nChannel: PJSIP/101-1\r\nActionID: pzv1\r\nValue: x\r\n\r\nEvent: VarSet\r\nChannel: PJSIP/101-2\r\n\r\nEvent: Hangup\r\nUniqueid: 1.2\r\n\r\n';
    for (const chunk of [1, 3, 10, bytes.length]) {
      const got = parse(bytes, chunk, true);
      expect(got.map((m) => [header(m, 'Event'), header(m, 'ActionID') ?? header(m, 'Uniqueid')])).toEqual([['VarSet', 'pzv1'], ['Hangup', '1.2']]);
      expect(got[0]!.headers).toEqual([['Event', 'VarSet'], ['Channel', 'PJSIP/101-1'], ['ActionID', 'pzv1'], ['Value', 'x']]);
    }
  });

  it('is only ever asked to skip names no relay module reads', () => {
    const sources = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') && e.name !== 'skipped-events.ts' ? [join(dir, e.name)] : []);
    const readers = sources('relay').flatMap((file) => {
      const text = readFileSync(file, 'utf8').toLowerCase();
      return [...SKIPPED_EVENTS].filter((name) => text.includes(`'${name.toLowerCase()}'`) || text.includes(`"${name.toLowerCase()}"`)).map((name) => `${file}: ${name}`);
    });
    expect(readers).toEqual([]);
  });
});
