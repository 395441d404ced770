import { AppError } from '../../shared/errors.js';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Executor } from '../../db/database.js';
import type { CarrierKind, LabelRequest, Parcel, PartyAddress, PurchasedLabel, RateOptions, RateResult, Serviceability, TrackingUpdate } from './shipping.types.js';

/**
 * What Tandem asks of a carrier. One adapter instance per carrier account (a `carriers` row): its settings and
 * credentials are bound in when the registry builds it. Every call that reaches the outside world happens
 * outside any database transaction.
 */
export interface CarrierAdapter {
  readonly code: string;
  readonly kind: CarrierKind;
  readonly codCapable: boolean;
  /** Whether the carrier serves this lane at all (and collects cash there, for COD). */
  serviceable(from: PartyAddress, to: PartyAddress, cod: boolean): Promise<Serviceability>;
  /** Prices the parcel: one quote per service, or why the carrier cannot take it. */
  rate(parcel: Parcel, from: PartyAddress, to: PartyAddress, options: RateOptions): Promise<RateResult>;
  /** Buys the label for a quote: the tracking number and the carrier's reference. */
  createLabel(req: LabelRequest): Promise<PurchasedLabel>;
  /** Voids a bought label (refund or release of the number), best effort. */
  cancelLabel(label: { tracking_number: string; carrier_ref: string | null }): Promise<void>;
  /** The tracking updates in a webhook payload (empty when it carries none). */
  parseTrackingEvent(payload: unknown): TrackingUpdate[];
}

/** The stored account an adapter is built from. */
export interface CarrierAccount {
  code: string;
  name: string;
  kind: CarrierKind;
  cod_capable: boolean;
  settings: Record<string, unknown>;
  credentials: Record<string, string>;
}

export interface AdapterDeps {
  db: Executor;
  fetch: typeof fetch;
}

export type AdapterFactory = (account: CarrierAccount, deps: AdapterDeps) => CarrierAdapter;

const factories = new Map<CarrierKind, AdapterFactory>();

/** Registers how to build adapters of a kind (each adapter file registers itself). */
export function registerCarrierKind(kind: CarrierKind, factory: AdapterFactory): void {
  factories.set(kind, factory);
}

/** Builds the adapter of a stored carrier account. */
export function buildAdapter(account: CarrierAccount, deps: AdapterDeps): CarrierAdapter {
  const factory = factories.get(account.kind);
  if (!factory) throw new AppError('unprocessable', 'carrier_not_rateable', `Carrier ${account.code} (${account.kind}) has no rates or labels here: it ships only for a 3PL`, { carrier: account.code, kind: account.kind });
  return factory(account, deps);
}

/**
 * Tracking webhooks are accepted only with the account's `webhook_secret`: as EasyPost signs
 * (`X-Hmac-Signature: hmac-sha256-hex=<hex HMAC-SHA256 of the raw body>`, secret NFKD-normalised), or — for a
 * carrier that cannot sign — as a `token` query parameter equal to the secret. Constant-time compares.
 */
export function verifyTrackingWebhook(account: CarrierAccount, raw: Buffer, signature: string | undefined, token: string | undefined): boolean {
  const secret = account.credentials.webhook_secret;
  if (!secret) return false;
  const mode = account.settings.webhook_auth === 'token' ? 'token' : 'hmac';
  if (mode === 'token') return token !== undefined && safeEqual(token, secret);
  if (!signature) return false;
  return safeEqual(signature.trim().toLowerCase(), easyPostSignature(secret, raw));
}

/** The `X-Hmac-Signature` value EasyPost sends for a body. */
export function easyPostSignature(secret: string, raw: Buffer | string): string {
  return `hmac-sha256-hex=${createHmac('sha256', Buffer.from(secret.normalize('NFKD'), 'utf8')).update(raw).digest('hex')}`;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
