/** Money in minor units, formatted for its currency (₹1,234.50, ¥1,235, $12.00): the currency says how many decimals. */
export function money(minor: number, currency: string): string {
  const fmt = new Intl.NumberFormat(undefined, { style: 'currency', currency });
  const digits = fmt.resolvedOptions().maximumFractionDigits ?? 2;
  return fmt.format(minor / 10 ** digits);
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function label(code: string): string {
  return code.replace(/_/g, ' ');
}

export const STATUS_COLORS: Record<string, string> = {
  pending: 'gray', on_hold: 'orange', allocated: 'blue', partially_allocated: 'yellow', backordered: 'red', in_fulfillment: 'indigo',
  partially_shipped: 'cyan', shipped: 'teal', delivered: 'green', cancelled: 'dark', returned: 'grape', completed: 'green',
};
