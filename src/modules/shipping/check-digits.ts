/**
 * Check digits of the identifiers on a shipping label.
 *
 * - GS1 mod 10 (GTIN, SSCC): from the rightmost data digit leftwards, weights 3, 1, 3, 1…; the check digit
 *   brings the weighted sum up to a multiple of 10.
 * - UPU S10 mod 11 (the rate-card carrier's tracking numbers, "AA473124829GB" style): the 8 serial digits
 *   weighted 8 6 4 2 3 5 9 7; check = 11 − (sum mod 11), with 10 → 0 and 11 → 5.
 */

/** The GS1 mod-10 check digit of a string of digits (without its check digit). */
export function gs1CheckDigit(data: string): number {
  if (!/^[0-9]+$/.test(data)) throw new Error(`GS1 data must be digits, got "${data}"`);
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    const digit = data.charCodeAt(data.length - 1 - i) - 48;
    sum += digit * (i % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

/** True when the last digit of `code` is the GS1 check digit of the others. */
export function isValidGs1(code: string): boolean {
  return /^[0-9]{2,}$/.test(code) && gs1CheckDigit(code.slice(0, -1)) === Number(code.at(-1));
}

/**
 * An SSCC-18: extension digit, GS1 company prefix (7–10 digits), serial reference filling the 16 data digits,
 * check digit. Throws when the serial does not fit the digits the prefix leaves.
 */
export function buildSscc(extensionDigit: number, companyPrefix: string, serial: number): string {
  if (!Number.isInteger(extensionDigit) || extensionDigit < 0 || extensionDigit > 9) throw new Error('SSCC extension digit must be 0–9');
  if (!/^[0-9]{7,10}$/.test(companyPrefix)) throw new Error('GS1 company prefix must be 7–10 digits');
  const width = 16 - companyPrefix.length;
  if (!Number.isSafeInteger(serial) || serial < 0 || serial >= 10 ** width) throw new Error(`SSCC serial ${serial} does not fit ${width} digits`);
  const data = `${extensionDigit}${companyPrefix}${String(serial).padStart(width, '0')}`;
  return data + gs1CheckDigit(data);
}

/** True for an 18-digit SSCC with a correct check digit (an `00` AI prefix is accepted and ignored). */
export function isValidSscc(code: string): boolean {
  const bare = code.length === 20 && code.startsWith('00') ? code.slice(2) : code;
  return /^[0-9]{18}$/.test(bare) && isValidGs1(bare);
}

/** The GS1-128 human-readable form with its application identifier: `(00)106141411234567897`. */
export function ssccElementString(sscc: string): string {
  return `(00)${sscc}`;
}

const S10_WEIGHTS = [8, 6, 4, 2, 3, 5, 9, 7];

/** The UPU S10 check digit of an 8-digit serial. */
export function s10CheckDigit(serial8: string): number {
  if (!/^[0-9]{8}$/.test(serial8)) throw new Error('S10 serial must be 8 digits');
  const sum = S10_WEIGHTS.reduce((s, w, i) => s + w * (serial8.charCodeAt(i) - 48), 0);
  const c = 11 - (sum % 11);
  return c === 10 ? 0 : c === 11 ? 5 : c;
}

/** An S10 tracking number: 2-letter service indicator, 8-digit serial, check digit, 2-letter country. */
export function buildS10(prefix: string, serial: number, suffix: string): string {
  if (!/^[A-Z]{2}$/.test(prefix) || !/^[A-Z]{2}$/.test(suffix)) throw new Error('S10 prefix and suffix are two capital letters');
  if (!Number.isInteger(serial) || serial < 0 || serial > 99_999_999) throw new Error('S10 serial must be 0–99999999');
  const digits = String(serial).padStart(8, '0');
  return `${prefix}${digits}${s10CheckDigit(digits)}${suffix}`;
}

/** True for a well-formed S10 number with a correct check digit. */
export function isValidS10(code: string): boolean {
  const m = /^[A-Z]{2}([0-9]{8})([0-9])[A-Z]{2}$/.exec(code);
  return !!m && s10CheckDigit(m[1]!) === Number(m[2]);
}
