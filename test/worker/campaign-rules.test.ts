// The pure rules of campaigns, run inside workerd so the platform's own Intl data is what is tested:
// windows in the customer's local time, time zones from numbers, retries, and contact imports.
import { describe, expect, it } from 'vitest';
import { schedule as scheduleSchema, campaignRetry } from '../../shared/campaigns.js';
import { contactStep } from '../../worker/campaigns/contact-retry.js';
import { contactZone, zoneOfNumber } from '../../worker/campaigns/contact-zone.js';
import { contactsFromCsv, contactsFromJson, type NumberReader } from '../../worker/campaigns/contact-import.js';
import { gateNumberFrom } from '../../worker/pbx-queue/number-gate.js';
import { numberingPolicy } from '../../shared/numbering/numbering-policy.js';
import { isOpen, nextLocalMidnight, nextOpening } from '../../worker/campaigns/schedule.js';
import { assemblyTask } from '../../worker/campaigns/task-list.js';
import type { ConferenceView } from '../../shared/conferences.js';

const weekdays = scheduleSchema.parse({
  timeZone: 'Europe/Moscow',
  weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '20:00' }],
  exceptions: [{ date: '2026-12-31' }, { date: '2027-01-02', windows: [{ from: '12:00', to: '14:00' }] }],
});
const at = (iso: string): number => Date.parse(iso);

describe('campaign schedule', () => {
  it('is open inside a weekly window in the customer\'s zone and closed outside it', () => {
    // Wednesday 2 Dec 2026, 06:30 UTC = 09:30 in Moscow, 15:30 in Vladivostok.
    expect(isOpen(weekdays, at('2026-12-02T06:30:00Z'), 'Europe/Moscow')).toBe(true);
    expect(isOpen(weekdays, at('2026-12-02T05:59:00Z'), 'Europe/Moscow')).toBe(false);
    expect(isOpen(weekdays, at('2026-12-02T11:00:00Z'), 'Asia/Vladivostok')).toBe(false); // 21:00 there
  });

  it('closes on a dated holiday and uses an exception\'s own windows', () => {
    expect(isOpen(weekdays, at('2026-12-31T08:00:00Z'), 'Europe/Moscow')).toBe(false); // Thursday, holiday
    expect(isOpen(weekdays, at('2027-01-02T09:30:00Z'), 'Europe/Moscow')).toBe(true); // Saturday 12:30, exception window
  });

  it('finds the next opening in the customer\'s zone, skipping the weekend and holidays', () => {
    // Friday 4 Dec 20:30 Moscow → Monday 7 Dec 09:00 Moscow = 06:00 UTC.
    expect(nextOpening(weekdays, at('2026-12-04T17:30:00Z'), 'Europe/Moscow')).toBe(at('2026-12-07T06:00:00Z'));
    // Wednesday 30 Dec 21:00 Moscow → the 31st is a holiday, 1 Jan is Friday 09:00.
    expect(nextOpening(weekdays, at('2026-12-30T18:00:00Z'), 'Europe/Moscow')).toBe(at('2027-01-01T06:00:00Z'));
  });

  it('follows daylight saving time: 09:00 in New York is 14:00 UTC in winter and 13:00 UTC in summer', () => {
    expect(nextOpening(weekdays, at('2027-01-11T12:00:00Z'), 'America/New_York')).toBe(at('2027-01-11T14:00:00Z'));
    expect(nextOpening(weekdays, at('2027-07-12T12:00:00Z'), 'America/New_York')).toBe(at('2027-07-12T13:00:00Z'));
  });

  it('renews the daily budget at local midnight', () => {
    expect(nextLocalMidnight(at('2026-12-02T12:00:00Z'), 'Europe/Moscow')).toBe(at('2026-12-02T21:00:00Z'));
  });

  it.each([
    [{ weekly: [] }, 'weekly'],
    [{ weekly: [{ days: ['mon'], from: '10:00', to: '09:00' }] }, 'weekly.0.to'],
    [{ weekly: [{ days: ['mon'], from: '09:00', to: '12:00' }, { days: ['mon', 'tue'], from: '11:00', to: '13:00' }] }, 'weekly.1'],
    [{ timeZone: 'Mars/Olympus', weekly: [{ days: ['mon'], from: '09:00', to: '12:00' }] }, 'timeZone'],
    [{ weekly: [{ days: ['mon'], from: '9:00', to: '12:00' }] }, 'weekly.0.from'],
  ])('refuses a schedule with no, reversed or overlapping windows or an unknown zone (%j)', (patch, field) => {
    const result = scheduleSchema.safeParse({ timeZone: 'Europe/Moscow', ...patch });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path.join('.')).toBe(field);
  });
});

describe('contact time zone', () => {
  it('takes the zone of a country that has exactly one', () => {
    expect(zoneOfNumber('+33612345678')).toBe('Europe/Paris');
    expect(zoneOfNumber('+375291234567')).toBe('Europe/Minsk');
  });

  it('never guesses for a country with several zones (+7 Russia, +1 USA)', () => {
    expect(zoneOfNumber('+79161234567')).toBeUndefined();
    expect(zoneOfNumber('+12025550123')).toBeUndefined();
    expect(contactZone('+79161234567', undefined, 'Europe/Moscow')).toEqual({ zone: 'Europe/Moscow', source: 'campaign' });
  });

  it('prefers the contact\'s own zone', () => {
    expect(contactZone('+33612345678', 'Asia/Tokyo', 'Europe/Moscow')).toEqual({ zone: 'Asia/Tokyo', source: 'contact' });
  });
});

describe('contact retry rules', () => {
  const rules = campaignRetry.parse({ busy: { retry: true, delaySec: 60 }, maxAttempts: 2 });

  it('ends an answered contact and retries busy after its delay until maxAttempts', () => {
    expect(contactStep({ outcome: 'answered', certainty: 'known', attempts: 1 }, rules, 0)).toEqual({ state: 'answered' });
    expect(contactStep({ outcome: 'busy', certainty: 'known', attempts: 1 }, rules, 1000)).toEqual({ state: 'pending', nextAt: 61_000, costsAttempt: true });
    expect(contactStep({ outcome: 'busy', certainty: 'known', attempts: 2 }, rules, 1000)).toEqual({ state: 'failed', reason: 'busy after 2 attempt(s)' });
  });

  it('does not retry what the rules say not to, nor an unknown outcome', () => {
    expect(contactStep({ outcome: 'failed', certainty: 'known', attempts: 1 }, rules, 0).state).toBe('failed');
    expect(contactStep({ outcome: 'no-answer', certainty: 'unknown', attempts: 1 }, rules, 0).state).toBe('failed');
  });

  it('tries a call that never reached the PBX again at no cost', () => {
    expect(contactStep(undefined, rules, 0)).toMatchObject({ state: 'pending', costsAttempt: false });
  });
});

describe('contact import', () => {
  // The PBX's numbering judge, as the route builds it: Russia's plan, +7809 denied.
  const policy = numberingPolicy({ numbering: { country: 'RU' }, destinations: { allow: ['+7'], deny: ['+7809'] } });
  const reader = (callingCode: string | undefined): NumberReader => (raw) => {
    const n = gateNumberFrom(policy, raw, callingCode, 'number');
    return n.ok ? { ok: true, e164: n.value.e164 } : { ok: false, reason: n.refusal.message };
  };
  const rules = { readNumber: reader('7'), campaignVariables: 0 };

  it('reads RFC 4180 CSV: quoted commas and line breaks, other columns as variables, duplicates merged', () => {
    const csv = 'number,name,timeZone,amount\r\n8 916 123-45-67,"Ivanov, Ivan",Asia/Omsk,1500\r\n+79161234567,,,1600\r\n"+79997654321","Two\nlines",,\r\n';
    const result = contactsFromCsv(csv, rules);
    expect(result).toMatchObject({ ok: true, merged: 1, rejections: [{ row: 3, field: 'name' }] });
    if (!result.ok) return;
    expect(result.contacts).toEqual([{ row: 1, number: '+79161234567', name: 'Ivanov, Ivan', timeZone: 'Asia/Omsk', variables: { amount: '1600' } }]);
  });

  it('rejects bad rows with their row number, field and reason and keeps the others', () => {
    const csv = 'number,name,timeZone,amount\n+78091234567,,,\nabc,,,\n+79161234567,,Mars/Base,\n+79161234568,,,"1,5"\n+79161234569,,,\n+7916,x\n';
    const result = contactsFromCsv(csv, rules);
    if (!result.ok) throw new Error(result.message);
    expect(result.contacts.map((c) => c.number)).toEqual(['+79161234569']);
    expect(result.rejections.map((r) => [r.row, r.field])).toEqual([[1, 'number'], [2, 'number'], [3, 'timeZone'], [4, 'amount'], [6, 'row']]);
  });

  it('refuses a CSV without a number column or with a column that cannot be a variable', () => {
    expect(contactsFromCsv('phone,name\n+79161234567,x\n', rules)).toMatchObject({ ok: false, field: 'number' });
    expect(contactsFromCsv('number,${x}\n+79161234567,x\n', rules)).toMatchObject({ ok: false, field: '${x}' });
  });

  it("reads national numbers by the campaign's default country, else by the PBX's", () => {
    const byPbx = contactsFromJson([{ number: '89161234567' }, { number: '+79161234568', variables: { amount: '10' } }], { ...rules, readNumber: reader(undefined) });
    expect(byPbx).toMatchObject({ ok: true, rejections: [] });
    if (byPbx.ok) expect(byPbx.contacts.map((c) => c.number)).toEqual(['+79161234567', '+79161234568']);
    // Read as a French number (+33 8…), it is outside this PBX's allowed destinations.
    expect(contactsFromJson([{ number: '0891234567' }], { ...rules, readNumber: reader('33') })).toMatchObject({ ok: true, rejections: [{ row: 1, field: 'number' }] });
  });
});

describe('task rows', () => {
  it('counts a conference assembly\'s members as its list: joined ones succeeded, finished ones done', () => {
    const member = (status: string, nextAttemptAt: string | null = null) => ({ id: status, name: status, extension: null, number: null, status, attempts: 1, cause: null, note: null, nextAttemptAt, updatedAt: '' });
    const view = { id: 'cnf_1', pbx: 'p', room: '5', group: null, source: 'api', callerIdName: 'x', bridgeProfile: 'b', userProfile: 'u', createdAt: '', participants: [], participantsAt: null,
      members: [member('joined'), member('busy'), member('busy', '2027-01-01T00:00:00Z'), member('dialling')] } as unknown as ConferenceView;
    expect(assemblyTask(view)).toEqual({ kind: 'conference-assembly', id: 'cnf_1', name: '5', state: 'running', target: 'room 5', size: 4, succeeded: 1, done: 2 });
  });
});
