// Loads the real Asterisk 22.10.1 wire captures (the project's copy in test/fixtures/ami-captures)
// for tests that replay them: what Asterisk sent, parsed with the relay's own AmiParser.
// Invariant: the captures are read as they are; nothing here edits or normalises them.

import { existsSync, readFileSync } from 'node:fs';
import { AmiParser } from '../../../relay/ami/wire.js';
import type { AmiMessage } from '../../../relay/ami/wire.js';

import { CAPTURES_DIR } from '../../../testkit/captures-dir.js';

export { CAPTURES_DIR };
export const capturesAvailable = existsSync(CAPTURES_DIR);

interface Line {
  dir: '<<' | '>>' | '##';
  line: string;
}

function parseLine(raw: string): Line {
  const v: unknown = JSON.parse(raw);
  if (typeof v === 'object' && v !== null && 'dir' in v && 'line' in v && typeof v.line === 'string') {
    if (v.dir === '<<' || v.dir === '>>' || v.dir === '##') return { dir: v.dir, line: v.line };
  }
  throw new Error(`unexpected capture line: ${raw.slice(0, 80)}`);
}

function lines(stem: string): Line[] {
  return readFileSync(`${CAPTURES_DIR}${stem}.jsonl`, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(parseLine);
}

/** Raw bytes in one direction, in order (`<<` received from Asterisk, `>>` sent by the client). */
export function captureBytes(stem: string, dir: '<<' | '>>'): string {
  return lines(stem)
    .filter((l) => l.dir === dir)
    .map((l) => l.line)
    .join('');
}

/** Everything Asterisk sent, parsed; the banner is returned separately. */
export function receivedMessages(stem: string): { banner: string | null; messages: AmiMessage[] } {
  const messages: AmiMessage[] = [];
  let banner: string | null = null;
  const parser = new AmiParser((m) => messages.push(m), (b) => (banner = b), { expectBanner: true });
  parser.push(captureBytes(stem, '<<'));
  return { banner, messages };
}

/** Value of the first `>> Name: value` line the client sent (e.g. the Originate's ChannelId). */
export function sentHeader(stem: string, name: string): string | undefined {
  const prefix = `${name}: `;
  const hit = lines(stem).find((l) => l.dir === '>>' && l.line.startsWith(prefix));
  return hit?.line.slice(prefix.length).replace(/\r?\n$/, '');
}

/** Everything Asterisk sent for one ActionID of the capture (Response, list items, Complete), in order. */
export function answersFor(stem: string, actionId: string): AmiMessage[] {
  return receivedMessages(stem).messages.filter((m) => m.headers.some(([k, v]) => k === 'ActionID' && v === actionId));
}

/** ActionID the client sent with the first action named `action` (e.g. `Originate`). */
export function sentActionId(stem: string, action: string): string | undefined {
  const sent = lines(stem).filter((l) => l.dir === '>>');
  const at = sent.findIndex((l) => l.line.replace(/\r?\n$/, '') === `Action: ${action}`);
  for (let i = at + 1; at >= 0 && i < sent.length && sent[i]?.line.trim() !== ''; i++) {
    const m = /^ActionID: (.*?)\r?\n$/.exec(sent[i]?.line ?? '');
    if (m) return m[1];
  }
  return undefined;
}
