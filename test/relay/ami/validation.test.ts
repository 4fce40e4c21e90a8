import { describe, expect, it } from 'vitest';
import {
  localChannel,
  validateAppData,
  validateCallerIdName,
  validateChannelId,
  validateContext,
  validateDialString,
  validateDtmfDigits,
  validateExtension,
  validateName,
  validatePhoneNumber,
  validateVariableName,
  validateVariableValue,
} from '../../../relay/ami/validation.js';
import { AmiValidationError } from '../../../relay/ami/errors.js';

/** Values that must never pass any validator: each one would add headers or actions on the wire. */
const HOSTILE = [
  '101\r\nAction: Command\r\nCommand: core restart now',
  '101\n\nAction: Originate',
  '101\r',
  '101\n',
  '1\r01',
  '101\u2028Action: Ping',
  '101\u2029',
  '101\u0085',
  '101\u0000',
  '101\t',
  '',
];

const VALIDATORS: Array<[string, (v: unknown) => unknown]> = [
  ['phone number', (v) => validatePhoneNumber(v)],
  ['extension', (v) => validateExtension(v)],
  ['name', (v) => validateName(v, 'queue')],
  ['context', (v) => validateContext(v)],
  ['variable name', (v) => validateVariableName(v)],
  ['caller ID name', (v) => validateCallerIdName(v)],
  ['ChannelId', (v) => validateChannelId(v)],
  ['dial string', (v) => validateDialString(v)],
  ['DTMF digits', (v) => validateDtmfDigits(v)],
];

function rejects(fn: () => unknown, field?: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AmiValidationError);
    expect(err).toMatchObject({ code: 'AMI_INVALID_VALUE', ...(field ? { field } : {}) });
    return;
  }
  expect.unreachable('validator accepted a hostile value');
}

describe('validation', () => {
  describe.each(VALIDATORS)('%s', (_name, validate) => {
    it.each(HOSTILE.map((v) => [JSON.stringify(v), v]))('rejects %s', (_label, value) => {
      rejects(() => validate(value));
    });

    it('rejects non-strings', () => {
      rejects(() => validate(101));
      rejects(() => validate(undefined));
      rejects(() => validate({ toString: () => '101' }));
    });
  });

  it('rejects hostile variable values and app data but accepts an empty variable value', () => {
    for (const v of HOSTILE.filter((x) => x !== '')) {
      rejects(() => validateVariableValue(v));
      rejects(() => validateAppData(v));
    }
    expect(validateVariableValue('')).toBe('');
  });

  it('accepts ordinary phone numbers and refuses formatting and overlong input', () => {
    expect(validatePhoneNumber('+79991234567')).toBe('+79991234567');
    expect(validatePhoneNumber('89991234567')).toBe('89991234567');
    expect(validatePhoneNumber('112')).toBe('112');
    for (const v of ['12', '+7 999 123-45-67', '(999)1234567', '1'.repeat(21), '++7999', '7999+', '٣٤٥٦٧']) rejects(() => validatePhoneNumber(v, 'number'), 'number');
  });

  it('keeps an extension from redirecting the Local dial string', () => {
    expect(validateExtension('101')).toBe('101');
    expect(validateExtension('*1005')).toBe('*1005');
    expect(validateExtension('#7')).toBe('#7');
    for (const v of ['Local/101@x', '101@from-internal', '101&Local/102@phones', '1*1', '*', '1'.repeat(17), '101,1']) rejects(() => validateExtension(v));
    rejects(() => localChannel('101@evil', 'phones'), 'exten');
    rejects(() => localChannel('101', 'phones/n&Local/1@x'), 'context');
    expect(localChannel('101', 'phones')).toBe('Local/101@phones');
  });

  it('allows names and contexts from the captures and FreePBX, nothing else', () => {
    expect(validateName('support', 'queue')).toBe('support');
    expect(validateName('quiet_user', 'profile')).toBe('quiet_user');
    expect(validateName('7001', 'room')).toBe('7001');
    expect(validateContext('from-internal')).toBe('from-internal');
    expect(validateContext('outbound-mapped')).toBe('outbound-mapped');
    for (const v of ['a b', 'a,b', 'a.b', 'a@b', 'a/b', 'a;b', '${EXTEN}', 'x'.repeat(80), '-start']) rejects(() => validateContext(v));
    for (const v of ['a b', 'a,b', 'a.b', 'x'.repeat(41)]) rejects(() => validateName(v, 'room'), 'room');
  });

  it('allows inheritable variable names and refuses expressions', () => {
    expect(validateVariableName('HOLDTIME')).toBe('HOLDTIME');
    expect(validateVariableName('__CALLBACK_ID')).toBe('__CALLBACK_ID');
    for (const v of ['___X', '1X', 'X-Y', 'CALLERID(num)', 'X=Y', 'A'.repeat(33), '']) rejects(() => validateVariableName(v));
  });

  it('refuses variable values that would split into more variables or expand in the dialplan', () => {
    expect(validateVariableValue('Иван Петров')).toBe('Иван Петров');
    expect(validateVariableValue('job-42:attempt=3')).toBe('job-42:attempt=3');
    for (const v of ['x,HOLDTIME=999', '${SHELL(rm -rf /)}', '$[1+1]', 'a\\nb', '"quoted"', 'a;b', 'a|b', 'a&b', 'x'.repeat(257)]) rejects(() => validateVariableValue(v));
  });

  it('refuses caller ID names that break `"name" <number>`', () => {
    expect(validateCallerIdName('Perezvon callback')).toBe('Perezvon callback');
    for (const v of ['a"b', 'a<b', 'a>b', '"x" <101>', 'a,b', 'x'.repeat(65)]) rejects(() => validateCallerIdName(v));
  });

  it('bounds ChannelId so that even its `;2` half stays within Asterisk limit of 149 (capture 04)', () => {
    expect(validateChannelId('cb-123.a_b')).toBe('cb-123.a_b');
    expect(validateChannelId('a'.repeat(147))).toHaveLength(147);
    for (const v of ['a'.repeat(148), 'a;2', 'a b', '-a', 'a/b', '<unknown>']) rejects(() => validateChannelId(v));
  });

  it('accepts Local and PJSIP dial strings and refuses parallel dials and options', () => {
    expect(validateDialString('Local/101@phones')).toBe('Local/101@phones');
    expect(validateDialString('Local/101@phones/n')).toBe('Local/101@phones/n');
    expect(validateDialString('PJSIP/101')).toBe('PJSIP/101');
    for (const v of ['Local/101@phones&Local/102@phones', 'PJSIP/101,30', 'Local', '/101', 'Local/ 101']) rejects(() => validateDialString(v));
  });

  it('accepts DTMF digits only', () => {
    expect(validateDtmfDigits('1')).toBe('1');
    expect(validateDtmfDigits('*#0A')).toBe('*#0A');
    for (const v of ['w', '1 2', 'E', '1'.repeat(33)]) rejects(() => validateDtmfDigits(v));
  });

  it('never echoes the rejected value in the error message', () => {
    try {
      validatePhoneNumber('+7999123456789012345678');
    } catch (err) {
      expect(String(err)).not.toContain('7999123');
    }
  });
});
