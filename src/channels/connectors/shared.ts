/**
 * What every channel connector needs: strict reading of untrusted JSON (errors name the path), exact money,
 * constant-time webhook signatures, and the small normalisations (country, phone, item codes) that make
 * orders from different channels look alike. Pure: no I/O, no clock.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../shared/errors.js';
import { currencyExponent, parseDecimalMoney } from '../../shared/money.js';

/** The one error a connector throws for a payload it cannot read: invalid / malformed_payload. */
export function malformed(channel: string, path: string, message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError('invalid', 'malformed_payload', `${channel}: ${path} ${message}`, { channel, path, ...details });
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const absent = (v: unknown): v is null | undefined => v === null || v === undefined;

/**
 * A view of one JSON object. Required readers throw malformed_payload naming the path; optional readers
 * accept absent/null (and '' for text) but still refuse a value of the wrong type, because a wrong type
 * in a field we use means we do not understand the payload.
 */
export class Fields {
  private constructor(
    readonly value: Record<string, unknown>,
    readonly path: string,
    readonly channel: string,
  ) {}

  static of(v: unknown, path: string, channel: string): Fields {
    if (!isRecord(v)) throw malformed(channel, path, 'is not an object');
    return new Fields(v, path, channel);
  }

  at(key: string): string {
    return `${this.path}.${key}`;
  }

  fail(key: string, message: string): AppError {
    return malformed(this.channel, this.at(key), message);
  }

  has(key: string): boolean {
    return !absent(this.value[key]);
  }

  /** A string we only record (channel_data): never throws, anything but a non-blank string reads as undefined. */
  peek(key: string): string | undefined {
    const v = this.value[key];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
  }

  /** A non-empty string. */
  str(key: string): string {
    const v = this.optStr(key);
    if (v === undefined) throw this.fail(key, 'is required');
    return v;
  }

  /** A trimmed string, or undefined when absent, null or blank. Numbers are accepted as their decimal text. */
  optStr(key: string): string | undefined {
    const v = this.value[key];
    if (absent(v)) return undefined;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (typeof v !== 'string') throw this.fail(key, 'is not a string');
    const t = v.trim();
    return t === '' ? undefined : t;
  }

  /** An ISO 4217 currency code. */
  currency(key: string): string {
    const c = this.str(key).toUpperCase();
    if (!CURRENCY.test(c)) throw this.fail(key, 'is not an ISO 4217 currency code');
    return c;
  }

  /** An identifier: a non-empty string, or an integer that JSON.parse kept exact. */
  id(key: string): string {
    const v = this.value[key];
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v) || v < 0) throw this.fail(key, 'is not an exact integer id (too large for JSON.parse to keep?)');
      return String(v);
    }
    return this.str(key);
  }

  optId(key: string): string | undefined {
    return this.has(key) ? this.id(key) : undefined;
  }

  /** A non-negative integer (a quantity). */
  int(key: string): number {
    const v = this.value[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw this.fail(key, 'is not a non-negative integer');
    return v;
  }

  optBool(key: string): boolean | undefined {
    const v = this.value[key];
    if (absent(v)) return undefined;
    if (typeof v !== 'boolean') throw this.fail(key, 'is not a boolean');
    return v;
  }

  obj(key: string): Fields {
    return Fields.of(this.value[key], this.at(key), this.channel);
  }

  optObj(key: string): Fields | undefined {
    return this.has(key) ? this.obj(key) : undefined;
  }

  /** An array; absent or null reads as empty. */
  arr(key: string): unknown[] {
    const v = this.value[key];
    if (absent(v)) return [];
    if (!Array.isArray(v)) throw this.fail(key, 'is not an array');
    return v;
  }

  /** Each element of an array as an object view. */
  objs(key: string): Fields[] {
    return this.arr(key).map((e, i) => Fields.of(e, `${this.at(key)}[${i}]`, this.channel));
  }

  /** An exact decimal amount in minor units (strict: no more decimals than the currency has, unless zeros). */
  money(key: string, currency: string): number {
    const v = this.value[key];
    if (absent(v) || v === '') throw this.fail(key, 'is required');
    return exactMoney(v, currency, this.channel, this.at(key));
  }

  optMoney(key: string, currency: string): number | undefined {
    return this.has(key) && this.value[key] !== '' ? this.money(key, currency) : undefined;
  }

  /** A decimal amount rounded half away from zero to the currency's minor unit (for channels that send "16.528926"). */
  roundedMoney(key: string, currency: string): number {
    const v = this.value[key];
    if (absent(v) || v === '') throw this.fail(key, 'is required');
    return sumDecimalsRounded([v], currency, this.channel, this.at(key));
  }

  /** A timestamp, returned as UTC ISO 8601. `assumeUtc` adds the Z that WooCommerce's *_gmt fields leave out. */
  optTime(key: string, assumeUtc = false): string | undefined {
    const v = this.optStr(key);
    if (v === undefined) return undefined;
    const text = assumeUtc && /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v) ? `${v}Z` : v;
    const d = new Date(text);
    if (Number.isNaN(d.getTime())) throw this.fail(key, 'is not a date-time');
    return d.toISOString();
  }
}

/** Exact minor units from a decimal string or a JSON number, through parseDecimalMoney (never float arithmetic). */
export function exactMoney(v: unknown, currency: string, channel: string, path: string): number {
  if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) throw malformed(channel, path, 'is not an amount');
  try {
    return parseDecimalMoney(v, currency);
  } catch (err) {
    throw malformed(channel, path, `is not an exact ${currency} amount: ${(err as Error).message}`);
  }
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * Adds decimal amounts exactly (as scaled integers) and rounds the sum once, half away from zero, to the
 * currency's minor unit. Rounding the sum, not each part, is what keeps "8.264463" + "1.735537" at 10.00.
 */
export function sumDecimalsRounded(values: unknown[], currency: string, channel: string, path: string): number {
  const parts: { n: bigint; scale: number }[] = [];
  for (const v of values) {
    if (absent(v) || v === '') continue;
    const text = typeof v === 'number' && Number.isFinite(v) ? String(v) : typeof v === 'string' ? v.trim() : undefined;
    const m = text === undefined ? null : DECIMAL.exec(text);
    if (!m) throw malformed(channel, path, `is not a decimal amount: ${JSON.stringify(v)}`);
    const frac = m[3] ?? '';
    const n = BigInt(m[2]! + frac);
    parts.push({ n: m[1] ? -n : n, scale: frac.length });
  }
  const scale = Math.max(0, ...parts.map((p) => p.scale));
  let sum = 0n;
  for (const p of parts) sum += p.n * 10n ** BigInt(scale - p.scale);
  const exp = currencyExponent(currency);
  let minor: bigint;
  if (scale <= exp) {
    minor = sum * 10n ** BigInt(exp - scale);
  } else {
    const div = 10n ** BigInt(scale - exp);
    const q = sum / div;
    const r = sum % div;
    const abs = r < 0n ? -r : r;
    minor = 2n * abs >= div ? q + (sum < 0n ? -1n : 1n) : q;
  }
  const out = Number(minor);
  if (!Number.isSafeInteger(out)) throw malformed(channel, path, 'is too large');
  return out;
}

/**
 * Checks a base64 HMAC-SHA256 webhook signature (Shopify, WooCommerce) over the exact raw bytes, in
 * constant time. A missing header, an empty secret or a header of the wrong length is simply false.
 */
export function verifyBase64HmacSha256(rawBody: Buffer, header: string | undefined, secret: string): boolean {
  if (typeof header !== 'string' || header.trim() === '' || typeof secret !== 'string' || secret === '') return false;
  const given = Buffer.from(header.trim(), 'utf8');
  const expected = Buffer.from(createHmac('sha256', secret).update(rawBody).digest('base64'), 'utf8');
  // The expected length (44) is public; only equal-length buffers may go to timingSafeEqual.
  if (given.length !== expected.length) return false;
  return timingSafeEqual(given, expected);
}

/**
 * The unit price before discount and the line discount for a line the channel gives as totals, so that
 * unit × qty − discount equals the net exactly. When gross ÷ qty is not whole, the unit price is rounded
 * up and the excess (less than qty minor units) is added to the discount: discount ≥ gross − net, always.
 */
export function unitAndDiscount(gross: number, qty: number, net: number): { unit: number; discount: number } {
  if (!Number.isSafeInteger(qty) || qty < 1) throw new RangeError(`quantity ${qty} is not a positive integer`);
  const g = Math.max(gross, net);
  const r = g % qty;
  const unit = (g - r) / qty + (r > 0 ? 1 : 0);
  return { unit, discount: unit * qty - net };
}

const ALPHA3: Record<string, string> = {
  IND: 'IN', USA: 'US', GBR: 'GB', CAN: 'CA', AUS: 'AU', DEU: 'DE', FRA: 'FR', JPN: 'JP', SGP: 'SG', ARE: 'AE', NLD: 'NL', ITA: 'IT',
  ESP: 'ES', BRA: 'BR', MEX: 'MX', IRL: 'IE', NZL: 'NZ', LKA: 'LK', NPL: 'NP', BGD: 'BD', SAU: 'SA', CHE: 'CH', SWE: 'SE',
};

const NAMES: Record<string, string> = {
  india: 'IN', bharat: 'IN', 'united states': 'US', 'united states of america': 'US', usa: 'US', us: 'US', america: 'US',
  canada: 'CA', 'united kingdom': 'GB', 'great britain': 'GB', england: 'GB', scotland: 'GB', wales: 'GB', uk: 'GB',
  germany: 'DE', deutschland: 'DE', france: 'FR', italy: 'IT', spain: 'ES', netherlands: 'NL', 'the netherlands': 'NL', belgium: 'BE',
  austria: 'AT', switzerland: 'CH', sweden: 'SE', norway: 'NO', denmark: 'DK', finland: 'FI', poland: 'PL', portugal: 'PT', ireland: 'IE',
  australia: 'AU', 'new zealand': 'NZ', japan: 'JP', singapore: 'SG', malaysia: 'MY', indonesia: 'ID', thailand: 'TH', philippines: 'PH',
  vietnam: 'VN', 'viet nam': 'VN', 'south korea': 'KR', korea: 'KR', 'republic of korea': 'KR', china: 'CN', 'hong kong': 'HK', taiwan: 'TW',
  'united arab emirates': 'AE', uae: 'AE', 'saudi arabia': 'SA', qatar: 'QA', kuwait: 'KW', oman: 'OM', bahrain: 'BH', israel: 'IL',
  turkey: 'TR', 'türkiye': 'TR', egypt: 'EG', 'south africa': 'ZA', nigeria: 'NG', kenya: 'KE', brazil: 'BR', mexico: 'MX', argentina: 'AR',
  chile: 'CL', colombia: 'CO', 'sri lanka': 'LK', nepal: 'NP', bangladesh: 'BD', pakistan: 'PK', bhutan: 'BT', maldives: 'MV',
};

/** ISO 3166-1 alpha-2 from a code (alpha-2 or common alpha-3) or a common English country name; undefined if unknown. */
export function countryCode(value: string | undefined): string | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (/^[A-Za-z]{2}$/.test(v)) return v.toUpperCase() === 'UK' ? 'GB' : v.toUpperCase();
  if (/^[A-Z]{3}$/.test(v) && ALPHA3[v]) return ALPHA3[v];
  return NAMES[v.toLowerCase().replace(/\s+/g, ' ')];
}

const CALLING: Record<string, string> = {
  IN: '91', US: '1', CA: '1', GB: '44', AU: '61', NZ: '64', JP: '81', SG: '65', AE: '971', SA: '966', DE: '49', FR: '33',
  IT: '39', ES: '34', NL: '31', IE: '353', MY: '60', LK: '94', NP: '977', BD: '880',
};

/**
 * A phone number in E.164 form (+919876543210) when the country tells us how; otherwise its digits as
 * given. Extensions are dropped; blank → undefined. Never longer than 40 characters.
 */
export function normalizePhone(raw: string | undefined, country?: string): string | undefined {
  const text = raw?.split(/\s*(?:x|ext\.?|extension|#)\s*\d+\s*$/i)[0]?.trim();
  if (!text) return undefined;
  const international = text.startsWith('+') || text.startsWith('00');
  let digits = text.replace(/\D/g, '');
  if (text.startsWith('00')) digits = digits.slice(2);
  if (digits.length < 4) return undefined;
  if (digits.length > 15) return text.slice(0, 40);
  if (international) return `+${digits}`;
  const cc = country ? CALLING[country] : undefined;
  if (!cc) return digits;
  if (cc === '91') {
    const d = digits.replace(/^0+/, '');
    if (d.length === 10) return `+91${d}`;
    if (d.length === 12 && d.startsWith('91')) return `+${d}`;
    return digits;
  }
  if (cc === '1') {
    if (digits.length === 10) return `+1${digits}`;
    if (digits.length === 11 && digits.startsWith('1')) return `+${digits}`;
    return digits;
  }
  if (digits.startsWith('0')) return `+${cc}${digits.replace(/^0/, '')}`;
  if (digits.startsWith(cc) && digits.length > 10) return `+${digits}`;
  return `+${cc}${digits}`;
}

/**
 * The line's item codes for SKU resolution: our `sku` when the channel sends one that fits (≤ 64), and the
 * channel's own code in `channel_sku` (≤ 128) for listing mapping. A seller SKU too long to be ours is kept
 * as the channel code rather than cut.
 */
export function itemCodes(sku: string | undefined, channelSku: string | undefined): { sku?: string; channel_sku?: string } {
  const s = sku?.trim() || undefined;
  const c = channelSku?.trim() || undefined;
  const out: { sku?: string; channel_sku?: string } = {};
  if (s && s.length <= 64) out.sku = s;
  const code = c ?? (s && s.length > 64 ? s : undefined);
  if (code && code.length <= 128) out.channel_sku = code;
  return out;
}

/** The object without its undefined properties, so normalised output compares and serialises cleanly. */
export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export const CURRENCY = /^[A-Z]{3}$/;

/** Trimmed text cut to `max` characters; undefined when blank. */
export function clip(text: string | undefined, max: number): string | undefined {
  const t = text?.replace(/\s+/g, ' ').trim();
  return t ? t.slice(0, max) : undefined;
}

/** "Ada" + "Lovelace" → "Ada Lovelace"; undefined when both are blank. */
export function fullName(first: string | undefined, last: string | undefined): string | undefined {
  return clip([first, last].filter(Boolean).join(' '), 200);
}

/** Words in a shipping method that mean the customer paid to get it faster. */
export function expressPriority(method: string | undefined): 'high' | 'urgent' | undefined {
  if (!method) return undefined;
  if (/same[\s_-]?day/i.test(method)) return 'urgent';
  if (/express|next[\s_-]?day|priority|overnight|expedited|one[\s_-]?day|1[\s_-]?day/i.test(method)) return 'high';
  return undefined;
}
