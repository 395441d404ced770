import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { AppError } from '../../shared/errors.js';
import type { CarrierKind } from './shipping.types.js';

const Amount = Type.Integer({ minimum: 0, maximum: 1e13, description: 'minor units' });
const WebhookAuth = Type.Union([Type.Literal('hmac'), Type.Literal('token')], { description: 'hmac: X-Hmac-Signature (EasyPost scheme); token: ?token=<webhook_secret>' });

export const RateCardSettingsSchema = Type.Object({
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  volumetric_divisor: Type.Integer({ minimum: 1000, maximum: 10000, description: 'cm³ per kg (= mm³ per g), e.g. 5000' }),
  fuel_surcharge_pct: Type.Number({ minimum: 0, maximum: 100, description: 'percent, 2 decimals' }),
  cod_fee: Type.Union([
    Type.Null(),
    Type.Object({ type: Type.Literal('flat'), amount: Amount }, { additionalProperties: false }),
    Type.Object({ type: Type.Literal('percent'), pct: Type.Number({ minimum: 0, maximum: 100, description: 'percent, 2 decimals' }), min_amount: Amount }, { additionalProperties: false }),
  ]),
  cod_limit_amount: Type.Union([Amount, Type.Null()]),
  restrict_to_listed: Type.Boolean(),
  tracking: Type.Object({
    prefix: Type.String({ pattern: '^[A-Z]{2}$' }),
    suffix: Type.String({ pattern: '^[A-Z]{2}$' }),
    first: Type.Integer({ minimum: 0, maximum: 99_999_999 }),
    last: Type.Integer({ minimum: 0, maximum: 99_999_999 }),
  }, { additionalProperties: false, description: 'S10-style numbers PP########CSS from the range first..last (mod-11 check digit C)' }),
  webhook_auth: WebhookAuth,
}, { additionalProperties: false });
export type RateCardAccountSettings = Static<typeof RateCardSettingsSchema>;

export const EasyPostSettingsSchema = Type.Object({
  base_url: Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 300 }),
  currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'currency of COD amounts sent to EasyPost' }),
  label_format: Type.Union([Type.Literal('PDF'), Type.Literal('ZPL'), Type.Literal('PNG')]),
  timeout_ms: Type.Integer({ minimum: 1000, maximum: 120_000 }),
  services: Type.Union([Type.Null(), Type.Array(Type.String({ minLength: 1, maxLength: 80 }), { maxItems: 100 })], { description: 'only these "CARRIER:Service" rates; null = all' }),
  webhook_auth: WebhookAuth,
}, { additionalProperties: false });
export type EasyPostAccountSettings = Static<typeof EasyPostSettingsSchema>;

export const CredentialsSchema = Type.Object({
  api_key: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  webhook_secret: Type.Optional(Type.String({ minLength: 8, maxLength: 500 })),
}, { additionalProperties: false });

const DEFAULTS: Record<CarrierKind, Record<string, unknown>> = {
  rate_card: {
    currency: 'INR', volumetric_divisor: 5000, fuel_surcharge_pct: 0, cod_fee: null, cod_limit_amount: null, restrict_to_listed: true,
    tracking: { prefix: 'TD', suffix: 'IN', first: 1, last: 99_999_999 }, webhook_auth: 'hmac',
  },
  easypost: { base_url: 'https://api.easypost.com', currency: 'USD', label_format: 'PDF', timeout_ms: 15_000, services: null, webhook_auth: 'hmac' },
  external: { scac: null },
};

function check<T extends TSchema>(schema: T, value: unknown, path: string): Static<T> {
  if (Value.Check(schema, value)) return value;
  const errors = [...Value.Errors(schema, value)].slice(0, 20).map((e) => ({ path: `${path}${e.path.replace(/\//g, '.')}`, message: e.message }));
  throw new AppError('invalid', 'invalid_carrier_settings', `The carrier ${path} are not valid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, {}, errors);
}

/** A kind's settings: the defaults, overlaid with the stored ones, then with a change; validated whole. */
export function mergeSettings(kind: CarrierKind, stored: Record<string, unknown>, change: Record<string, unknown> | undefined): Record<string, unknown> {
  const merged = { ...DEFAULTS[kind], ...stored, ...(change ?? {}) };
  const schema = kind === 'rate_card' ? RateCardSettingsSchema : EasyPostSettingsSchema;
  const valid = check(schema, merged, 'settings') as Record<string, unknown>;
  if (kind === 'rate_card') {
    const t = (valid as RateCardAccountSettings).tracking;
    if (t.first > t.last) throw new AppError('invalid', 'invalid_carrier_settings', 'settings.tracking.first must not be above last', {}, [{ path: 'settings.tracking', message: 'first > last' }]);
  }
  return valid;
}

/** Validated credentials, merged over the stored ones (a null value removes one). */
export function mergeCredentials(stored: Record<string, string>, change: Record<string, string | null> | undefined): Record<string, string> {
  const merged: Record<string, string> = { ...stored };
  for (const [k, v] of Object.entries(change ?? {})) {
    if (v === null) delete merged[k];
    else merged[k] = v;
  }
  return check(CredentialsSchema, merged, 'credentials') as Record<string, string>;
}
