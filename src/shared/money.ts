/** Money is always integer minor units with an ISO 4217 currency code. */
export interface Money {
  amount: number;
  currency: string;
}

export const CURRENCY_PATTERN = '^[A-Z]{3}$';

/** True when the value is a safe integer of minor units. */
export function isMinorUnits(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n);
}
