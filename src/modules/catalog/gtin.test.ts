import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gs1CheckDigit, gtinProblem, isValidGtin } from './gtin.js';

describe('GTIN validation', () => {
  it('accepts real EAN-13, UPC-A, GTIN-8 and GTIN-14 codes', () => {
    expect(isValidGtin('4006381333931')).toBe(true); // EAN-13
    expect(isValidGtin('036000291452')).toBe(true); // UPC-A
    expect(isValidGtin('96385074')).toBe(true); // GTIN-8
    expect(isValidGtin('10012345678902')).toBe(true); // GTIN-14
  });

  it('rejects a wrong check digit, a wrong length and non-digits with the reason', () => {
    expect(gtinProblem('4006381333932')).toBe('bad_check_digit');
    expect(gtinProblem('40063813339')).toBe('bad_length');
    expect(gtinProblem('40063813339X1')).toBe('not_digits');
  });

  it('detects every single-digit error (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{12}$/), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 1, max: 9 }), (body, pos, add) => {
        const gtin = body + String(gs1CheckDigit(body));
        expect(isValidGtin(gtin)).toBe(true);
        const digits = gtin.split('');
        digits[pos] = String((Number(digits[pos]) + add) % 10);
        expect(isValidGtin(digits.join(''))).toBe(false);
      }),
    );
  });
});
