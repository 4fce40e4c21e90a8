// What Bitrix24 is told when a callback ends (telephony.externalcall.finish STATUS_CODE), per outcome.
import { describe, expect, it } from 'vitest';
import { OUTCOMES } from '../../shared/pbx.js';
import { BITRIX_STATUS_CODE } from '../../worker/pbx-queue/bitrix24-desk.js';

describe('Bitrix24 finish status', () => {
  it('has a code for every outcome', () => {
    for (const outcome of OUTCOMES) expect(BITRIX_STATUS_CODE[outcome]).toMatch(/^[0-9]{3}(-S)?$/);
  });

  it('shows an abandoned callback as a missed call, to be called back, not as a cancellation', () => {
    expect(BITRIX_STATUS_CODE.abandoned).toBe('304');
    expect(BITRIX_STATUS_CODE.abandoned).not.toBe(BITRIX_STATUS_CODE.cancelled);
  });
});
