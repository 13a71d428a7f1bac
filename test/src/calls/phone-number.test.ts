import { describe, expect, it } from 'vitest';
import { normalizeE164 } from '../../../src/calls/phone-number.js';

describe('normalizeE164', () => {
  it.each([
    ['+19863334949', '+19863334949'],
    ['+1 (986) 333-4949', '+19863334949'],
    ['19863334949', '+19863334949'],
    ['9863334949', '+19863334949'],
    ['0019863334949', '+19863334949'],
    ['+442071838750', '+442071838750'],
  ])('%s -> %s', (raw, expected) => {
    expect(normalizeE164(raw, '1')).toBe(expected);
  });

  it.each(['s', '', 'anonymous', '+0123456789', '+1234', '12345678901234567', '+1986333494a'])(
    'rejects %j',
    (raw) => {
      expect(normalizeE164(raw, '1')).toBeNull();
    },
  );

  it('uses the configured country code for national numbers', () => {
    expect(normalizeE164('2071838750', '44')).toBe('+442071838750');
  });
});
