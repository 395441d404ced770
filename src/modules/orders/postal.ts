/** Postal code formats by country (ISO 3166-1 alpha-2). Codes are strings: "01060" and "T3C 0K7" keep their form. */
const FORMATS: Record<string, RegExp> = {
  IN: /^[1-9][0-9]{5}$/,
  US: /^[0-9]{5}(-[0-9]{4})?$/,
  CA: /^[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z] ?[0-9][ABCEGHJ-NPRSTV-Z][0-9]$/i,
  GB: /^([A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}|GIR ?0AA)$/i,
  DE: /^[0-9]{5}$/,
  FR: /^[0-9]{5}$/,
  IT: /^[0-9]{5}$/,
  ES: /^[0-9]{5}$/,
  NL: /^[1-9][0-9]{3} ?[A-Z]{2}$/i,
  AU: /^[0-9]{4}$/,
  JP: /^[0-9]{3}-?[0-9]{4}$/,
  SG: /^[0-9]{6}$/,
  AE: /^.{0,10}$/, // the UAE has no postal codes in use
  BR: /^[0-9]{5}-?[0-9]{3}$/,
};

/** Countries without postal codes in common use. */
const NONE = new Set(['AE', 'HK', 'IE_NONE', 'QA']);

/** True when the postal code has the country's format (unknown countries: 2–10 letters, digits, spaces or dashes). */
export function isValidPostalCode(country: string, postalCode: string): boolean {
  const code = postalCode.trim();
  if (NONE.has(country)) return true;
  const re = FORMATS[country];
  if (re) return re.test(code);
  return /^[A-Za-z0-9][A-Za-z0-9 -]{1,9}$/.test(code);
}

/** Countries where a postal code is not needed to deliver. */
export const postalCodeOptional = (country: string): boolean => NONE.has(country);
