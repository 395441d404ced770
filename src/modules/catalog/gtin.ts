/**
 * GS1 check digit (mod 10, weights 3 and 1 from the right, check digit excluded) for GTIN-8/12/13/14
 * and SSCC-18: every GS1 key with a trailing check digit uses the same algorithm.
 */
export function gs1CheckDigit(digitsWithoutCheck: string): number {
  let sum = 0;
  for (let i = 0; i < digitsWithoutCheck.length; i++) {
    const d = digitsWithoutCheck.charCodeAt(digitsWithoutCheck.length - 1 - i) - 48;
    sum += d * (i % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

export type GtinProblem = 'not_digits' | 'bad_length' | 'bad_check_digit';

/** Checks a GTIN-8, -12 (UPC-A), -13 (EAN) or -14; returns the problem, or undefined when it is valid. */
export function gtinProblem(gtin: string): GtinProblem | undefined {
  if (!/^[0-9]+$/.test(gtin)) return 'not_digits';
  if (![8, 12, 13, 14].includes(gtin.length)) return 'bad_length';
  const expected = gs1CheckDigit(gtin.slice(0, -1));
  return Number(gtin.at(-1)) === expected ? undefined : 'bad_check_digit';
}

export const isValidGtin = (gtin: string): boolean => gtinProblem(gtin) === undefined;
