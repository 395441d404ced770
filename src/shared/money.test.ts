import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatMinorUnits, parseDecimalMoney } from './money.js';

describe('money', () => {
  it('parses decimal strings exactly, with the currency\'s exponent', () => {
    expect(parseDecimalMoney('19.99', 'INR')).toBe(1999);
    expect(parseDecimalMoney('0.1', 'USD')).toBe(10);
    expect(parseDecimalMoney('1200', 'JPY')).toBe(1200);
    expect(parseDecimalMoney('1.234', 'KWD')).toBe(1234);
    expect(parseDecimalMoney('10.500', 'EUR')).toBe(1050);
    expect(parseDecimalMoney('-5.00', 'INR')).toBe(-500);
  });

  it('refuses what is not an exact decimal amount', () => {
    expect(() => parseDecimalMoney('1,299.50', 'INR')).toThrow();
    expect(() => parseDecimalMoney('19.999', 'INR')).toThrow();
    expect(() => parseDecimalMoney('1e3', 'INR')).toThrow();
    expect(() => parseDecimalMoney('', 'INR')).toThrow();
  });

  it('round-trips every amount through its decimal form (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.constantFrom('INR', 'JPY', 'KWD', 'USD'), (n, c) => {
        expect(parseDecimalMoney(formatMinorUnits(n, c), c)).toBe(n);
      }),
    );
  });
});
