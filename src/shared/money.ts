/** Money is always integer minor units with an ISO 4217 currency code. */
export interface Money {
  amount: number;
  currency: string;
}

export const CURRENCY_PATTERN = '^[A-Z]{3}$';

/** ISO 4217 minor-unit exponents that are not 2. */
const EXPONENT: Record<string, number> = {
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
};

/** How many decimal places the currency's minor unit has (2 for INR, USD, EUR; 0 for JPY; 3 for KWD). */
export function currencyExponent(currency: string): number {
  return EXPONENT[currency] ?? 2;
}

/** True when the value is a safe integer of minor units. */
export function isMinorUnits(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n);
}

export class MoneyFormatError extends Error {}

/**
 * Parses a decimal string ("19.99", "-5", "1,299.50" is refused) into integer minor units exactly,
 * without going through floating point. More decimals than the currency has are refused unless they are zeros.
 */
export function parseDecimalMoney(value: string | number, currency: string): number {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new MoneyFormatError(`"${text}" is not a decimal amount`);
  const exp = currencyExponent(currency);
  let frac = m[3] ?? '';
  if (frac.length > exp) {
    if (/[^0]/.test(frac.slice(exp))) throw new MoneyFormatError(`"${text}" has more decimals than ${currency} allows`);
    frac = frac.slice(0, exp);
  }
  const digits = m[2]! + frac.padEnd(exp, '0');
  const n = Number(digits);
  if (!Number.isSafeInteger(n)) throw new MoneyFormatError(`"${text}" is too large`);
  return m[1] ? -n : n;
}

/** Formats minor units as a decimal string ("19.99"), for channels that want one. */
export function formatMinorUnits(amount: number, currency: string): string {
  const exp = currencyExponent(currency);
  const sign = amount < 0 ? '-' : '';
  const abs = String(Math.abs(amount)).padStart(exp + 1, '0');
  return exp === 0 ? `${sign}${abs}` : `${sign}${abs.slice(0, -exp)}.${abs.slice(-exp)}`;
}
