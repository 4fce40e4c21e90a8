import { appendFileSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal, JournalFullError } from '../../relay/journal.js';
import type { CallbackPlan } from '../../shared/relay-protocol.js';

const plan: CallbackPlan = {
  kind: 'callback', direction: 'operator-first', customer: '+79991234567', operator: { extension: '101' },
  contexts: { operator: 'from-internal', customer: 'from-internal', queue: 'ext-queues' }, operatorCallerIdName: 'Callback',
  customerCallerId: null, ringTimeoutMs: 30_000, variables: {},
};
const entry = (n: number) => ({ attemptId: `att_${n}`, fence: n, jobId: `job_${n}`, channelId: `pz-att_${n}`, plan, startedAt: 1000 + n });
const path = () => join(mkdtempSync(join(tmpdir(), 'journal-')), 'j.jsonl');

describe('attempt journal', () => {
  it('remembers started attempts and their results across a restart until they are acknowledged', () => {
    const file = path();
    const j = Journal.open(file);
    j.start(entry(1));
    j.start(entry(2));
    j.update('att_1', { answeredAt: 5000 });
    j.update('att_2', { result: { outcome: 'busy', certainty: 'known', cause: 17, causeText: 'User busy', failedLeg: 'customer', originatedAt: 1002, answeredAt: null, endedAt: 6000, durationMs: null, note: null } });
    j.ack('att_2');
    j.close();
    const again = Journal.open(file);
    expect(again.open().map((e) => [e.attemptId, e.answeredAt])).toEqual([['att_1', 5000]]);
    again.close();
  });

  it('ignores a line torn by a crash mid-write', () => {
    const file = path();
    const j = Journal.open(file);
    j.start(entry(1));
    j.close();
    appendFileSync(file, '{"op":"start","entry":{"attemptId":"att_2","fen');
    const again = Journal.open(file);
    expect(again.open().map((e) => e.attemptId)).toEqual(['att_1']);
    again.close();
  });

  it('compacts itself to the open attempts when it grows past its bound', () => {
    const file = path();
    const j = Journal.open(file, { maxBytes: 4096 });
    for (let i = 0; i < 50; i++) {
      j.start(entry(i));
      if (i !== 7) j.ack(`att_${i}`);
    }
    expect(statSync(file).size).toBeLessThan(4096);
    expect(j.open().map((e) => e.attemptId)).toEqual(['att_7']);
    j.close();
    expect(readFileSync(file, 'utf8')).toContain('att_7');
  });

  it('refuses to start more attempts than its bound instead of growing without limit', () => {
    const j = Journal.open(path(), { maxOpen: 2 });
    j.start(entry(1));
    j.start(entry(2));
    expect(() => j.start(entry(3))).toThrow(JournalFullError);
    j.close();
  });
});
