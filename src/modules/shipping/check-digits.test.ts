import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildS10, buildSscc, gs1CheckDigit, isValidGs1, isValidS10, isValidSscc, s10CheckDigit, ssccElementString } from './check-digits.js';

describe('GS1 mod-10 check digits', () => {
  it('matches the check digits of known-good GS1 codes', () => {
    // GS1 General Specifications' SSCC example and well-known GTINs.
    expect(gs1CheckDigit('10614141123456789')).toBe(7);
    expect(isValidSscc('106141411234567897')).toBe(true);
    expect(isValidSscc('00106141411234567897')).toBe(true);
    expect(gs1CheckDigit('400638133393')).toBe(1); // GTIN-13 4006381333931
    expect(isValidGs1('036000291452')).toBe(true); // UPC-A
    expect(isValidGs1('9780306406157')).toBe(true); // ISBN-13 as GTIN
  });

  it('rejects a code whose check digit is wrong', () => {
    expect(isValidSscc('106141411234567890')).toBe(false);
    expect(isValidSscc('10614141123456789')).toBe(false);
    expect(isValidGs1('036000291453')).toBe(false);
  });

  it('builds the GS1 example SSCC from its parts', () => {
    expect(buildSscc(1, '0614141', 123456789)).toBe('106141411234567897');
    expect(ssccElementString('106141411234567897')).toBe('(00)106141411234567897');
  });

  it('every built SSCC is 18 digits with a valid check digit, and a changed digit is detected', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.stringMatching(/^[0-9]{7,10}$/), fc.nat(), fc.nat({ max: 16 }), (ext, prefix, n, pos) => {
        const serial = n % 10 ** (16 - prefix.length);
        const sscc = buildSscc(ext, prefix, serial);
        expect(sscc).toMatch(/^[0-9]{18}$/);
        expect(isValidSscc(sscc)).toBe(true);
        const d = Number(sscc[pos]);
        const changed = sscc.slice(0, pos) + ((d + 1) % 10) + sscc.slice(pos + 1);
        expect(isValidSscc(changed)).toBe(false);
      }),
    );
  });

  it('refuses a serial that does not fit the digits the prefix leaves', () => {
    expect(() => buildSscc(0, '1234567890', 1_000_000)).toThrow(/does not fit/);
    expect(() => buildSscc(0, '123', 1)).toThrow(/7–10 digits/);
  });
});

describe('UPU S10 tracking numbers', () => {
  it('matches the published S10 example AA473124829GB', () => {
    expect(s10CheckDigit('47312482')).toBe(9);
    expect(buildS10('AA', 47312482, 'GB')).toBe('AA473124829GB');
    expect(isValidS10('AA473124829GB')).toBe(true);
    expect(isValidS10('AA473124828GB')).toBe(false);
  });

  it('maps a remainder of 10 to 0 and of 11 to 5', () => {
    // sum 8·1 + … chosen so that 11 − sum mod 11 is 11 (sum ≡ 0) and 10 (sum ≡ 1).
    expect(s10CheckDigit('00000000')).toBe(5);
    expect(s10CheckDigit('00000001')).toBe(4);
    const ten = Array.from({ length: 100_000 }, (_, i) => String(i).padStart(8, '0')).find((s) => {
      const sum = [8, 6, 4, 2, 3, 5, 9, 7].reduce((a, w, i) => a + w * Number(s[i]), 0);
      return sum % 11 === 1;
    })!;
    expect(s10CheckDigit(ten)).toBe(0);
  });
});
