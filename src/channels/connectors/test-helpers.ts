/** Helpers for the connectors' tests: fixture loading, signing, and the orders module's total rule. */
import { readFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { AppError } from '../../shared/errors.js';
import { computeTotals, type OrderInput } from '../../modules/orders/index.js';

/** A fixture's raw bytes, as a webhook body would arrive. */
export function rawFixture(dir: string, name: string): Buffer {
  return readFileSync(new URL(`./${dir}/fixtures/${name}`, import.meta.url));
}

/** A fixture parsed as JSON (a fresh copy each call, safe to mutate). */
export function fixture<T = Record<string, any>>(dir: string, name: string): T {
  return JSON.parse(rawFixture(dir, name).toString('utf8')) as T;
}

/** base64 HMAC-SHA256, as Shopify and WooCommerce sign webhook bodies. */
export function sign(body: Buffer, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/** The total the orders module computes from an OrderInput: the connectors' output must reconcile with it. */
export const computedTotal = (o: OrderInput): number => computeTotals(o).total;

/** Runs fn and returns the AppError it threw (fails the test if it threw nothing or something else). */
export function appError(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError, nothing was thrown');
}
