import { AsyncLocalStorage } from 'node:async_hooks';
import type { Tx } from './database.js';

/**
 * Work that must commit or roll back with the transactions of the current unit of work (an HTTP request), without
 * the code that opens those transactions knowing about it: `withTx` runs `beforeCommit` as the last statement(s)
 * of each of its transactions while an enlistment is active, then tells it whether that transaction committed.
 * The audit log uses it to write a request's entry in the same transaction as the change it records.
 */
export interface TxEnlistment {
  /** Runs inside the transaction after its body succeeded; a throw rolls the transaction back. */
  beforeCommit(tx: Tx): Promise<void>;
  /** The transaction whose `beforeCommit` ran has committed. */
  committed(): void;
  /** The transaction rolled back (its body or `beforeCommit` threw, or the commit failed); `withTx` may retry. */
  rolledBack(): void;
}

const current = new AsyncLocalStorage<TxEnlistment>();

/** Runs `fn` with `enlistment` active for every `withTx` it (and what it awaits) opens. */
export function runEnlisted<T>(enlistment: TxEnlistment, fn: () => T): T {
  return current.run(enlistment, fn);
}

/** The enlistment active here, if any (`withTx` reads it). */
export function activeEnlistment(): TxEnlistment | undefined {
  return current.getStore();
}
