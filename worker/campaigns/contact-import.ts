// Turns an uploaded contact list (CSV by RFC 4180 with a header row, or JSON) into checked contacts
// and a list of rejected rows: numbers read into E.164 and judged by the caller's reader (the PBX's numbering judge),
// own time zones checked against Intl, the other columns kept as channel variables under the strict
// variable rules, duplicates within the upload merged. Pure; the route calls it before anything is
// stored. One bad row never loses the others; a file that cannot be read at all is one problem.
import { parse } from 'csv-parse/sync';
import { contactInput, isKnownTimeZone, MAX_CONTACTS_PER_REQUEST, type ContactInput, type RejectedRow } from '../../shared/campaigns.js';
import { VARIABLE_NAME, VARIABLE_VALUE } from '../../shared/dial.js';
import { reservedVariableProblem } from '../../shared/reserved-variables.js';

export interface CheckedContact {
  row: number;
  number: string;
  name: string | null;
  timeZone: string | null;
  variables: Record<string, string>;
}

export type ImportInput =
  | { ok: true; contacts: CheckedContact[]; merged: number; rejections: RejectedRow[] }
  | { ok: false; field: string; message: string; status: 400 | 413 | 422 };

/** A written number in E.164, or why it is refused (worker/pbx-queue/number-gate.ts decides). */
export type NumberReader = (raw: string) => { ok: true; e164: string } | { ok: false; reason: string };

export interface ImportRules {
  readNumber: NumberReader;
  /** Variables the campaign itself sets: with a contact's, at most 18 in all. */
  campaignVariables: number;
}

/** Two of a call's 20 variables are the campaign's and the contact's ids (campaign-dialer.ts). */
const MAX_VARIABLES = 18;
const NAME_PATTERN = /^[^\u0000-\u001f\u007f]{0,100}$/;

/** CSV text → contacts. The header must have a `number` column; `name` and `timeZone` are fields, the others variables. */
export function contactsFromCsv(text: string, rules: ImportRules): ImportInput {
  let records: string[][];
  try {
    records = parse(text, { relax_column_count: true, skip_empty_lines: true, bom: true, max_record_size: 64 * 1024 }) as string[][];
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    return { ok: false, status: 400, field: 'body', message: `the CSV cannot be read${line === undefined ? '' : ` (line ${line})`}: ${(e as Error).message.split(':')[0]}` };
  }
  const header = records[0];
  if (header === undefined) return { ok: false, status: 400, field: 'body', message: 'the CSV is empty' };
  const columns = header.map((h) => h.trim());
  if (!columns.includes('number')) return { ok: false, status: 400, field: 'number', message: 'the CSV header has no "number" column' };
  const bad = columns.find((c) => c !== 'number' && c !== 'name' && c !== 'timeZone' && !VARIABLE_NAME.test(c));
  if (bad !== undefined) return { ok: false, status: 400, field: bad.slice(0, 64), message: `the column ${JSON.stringify(bad.slice(0, 64))} is not a valid variable name` };
  if (records.length - 1 > MAX_CONTACTS_PER_REQUEST) return tooMany();
  const inputs: Array<ContactInput | RejectedRow> = records.slice(1).map((fields, i) => {
    if (fields.length !== columns.length) return { row: i + 1, field: 'row', reason: `has ${fields.length} fields, the header ${columns.length}` };
    const input: ContactInput = { number: '', variables: {} };
    columns.forEach((c, k) => {
      const v = fields[k] ?? '';
      if (c === 'number') input.number = v;
      else if (c === 'name') input.name = v === '' ? undefined : v;
      else if (c === 'timeZone') input.timeZone = v === '' ? undefined : v;
      else if (v !== '') (input.variables ??= {})[c] = v;
    });
    return input;
  });
  return check(inputs, rules);
}

/** JSON `contacts` array → contacts; each element is checked on its own. */
export function contactsFromJson(items: ReadonlyArray<unknown>, rules: ImportRules): ImportInput {
  if (items.length > MAX_CONTACTS_PER_REQUEST) return tooMany();
  return check(items.map((item, i) => {
    const parsed = contactInput.safeParse(item);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    return { row: i + 1, field: issue?.path.map(String).join('.') || 'row', reason: issue?.message ?? 'invalid contact' };
  }), rules);
}

function check(inputs: ReadonlyArray<ContactInput | RejectedRow>, rules: ImportRules): ImportInput {
  const rejections: RejectedRow[] = [];
  const byNumber = new Map<string, CheckedContact>();
  let merged = 0;
  inputs.forEach((input, i) => {
    if ('reason' in input) return void rejections.push(input);
    const checked = checkOne(input, i + 1, rules);
    if ('reason' in checked) return void rejections.push(checked);
    const earlier = byNumber.get(checked.number);
    if (earlier === undefined) return void byNumber.set(checked.number, checked);
    // A duplicate merges into the first row; its own values win where it has them.
    merged++;
    earlier.name = checked.name ?? earlier.name;
    earlier.timeZone = checked.timeZone ?? earlier.timeZone;
    Object.assign(earlier.variables, checked.variables);
  });
  return { ok: true, contacts: [...byNumber.values()], merged, rejections };
}

function checkOne(input: ContactInput, row: number, rules: ImportRules): CheckedContact | RejectedRow {
  const reject = (field: string, reason: string): RejectedRow => ({ row, field, reason });
  const raw = input.number.trim();
  const n = rules.readNumber(raw);
  if (!n.ok) return reject('number', n.reason);
  if (input.name !== undefined && !NAME_PATTERN.test(input.name)) return reject('name', 'must be at most 100 characters without control characters');
  if (input.timeZone !== undefined && !isKnownTimeZone(input.timeZone)) return reject('timeZone', 'not an IANA time zone the platform knows');
  const variables = input.variables ?? {};
  for (const [k, v] of Object.entries(variables)) {
    if (!VARIABLE_NAME.test(k)) return reject(k.slice(0, 64), 'not a valid variable name');
    const reserved = reservedVariableProblem(k);
    if (reserved !== null) return reject(k, reserved);
    if (!VARIABLE_VALUE.test(v)) return reject(k, "must be at most 256 letters, digits, spaces or _.:@+*#/=()!?'-");
  }
  if (Object.keys(variables).length + rules.campaignVariables > MAX_VARIABLES) return reject('variables', `at most ${MAX_VARIABLES} variables with the campaign's own`);
  return { row, number: n.e164, name: input.name ?? null, timeZone: input.timeZone ?? null, variables: { ...variables } };
}

const tooMany = (): ImportInput => ({ ok: false, status: 413, field: 'body', message: `at most ${MAX_CONTACTS_PER_REQUEST} contacts per request` });
