import { describe, expect, it } from 'vitest';
import { maskNumber } from '../../relay/redact.js';

describe('maskNumber', () => {
  it('keeps the first three and last two digits of long numbers only', () => {
    expect(maskNumber('+79991234567')).toBe('+799…67');
    expect(maskNumber('Local/89991234567@outbound')).toBe('Local/899…67@outbound');
    expect(maskNumber('Local/101@phones')).toBe('Local/101@phones');
  });
});
