// The list doctor checks AMI permissions against is the list of what the relay really sends: every
// action written in relay/ (`Action: '…'` or `['Action', '…']`) is in RELAY_AMI_ACTIONS, or is one of the actions Asterisk lets
// every user run.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RELAY_AMI_ACTIONS, REQUIRED_WRITE_LINE } from '../../relay/ami/required-actions.js';

const RELAY = fileURLToPath(new URL('../../relay', import.meta.url));
const NEED_NO_CLASS = new Set(['Login', 'Logoff', 'Ping', 'ListCommands', 'Events']);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

describe('the AMI actions doctor checks', () => {
  it('include every action the relay sends', () => {
    const sent = new Set(sources(RELAY).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/Action(?:: |', )'([A-Za-z]+)'/g)].map((m) => m[1] ?? '')));
    expect(sent.size).toBeGreaterThan(5);
    const listed = new Set(RELAY_AMI_ACTIONS.map((a) => a.action));
    expect([...sent].filter((a) => !listed.has(a) && !NEED_NO_CLASS.has(a))).toEqual([]);
  });

  it('suggest one write line that allows them all', () => {
    expect(REQUIRED_WRITE_LINE).toBe('write = originate,call,reporting');
  });
});
