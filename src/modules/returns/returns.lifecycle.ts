import { AppError } from '../../shared/errors.js';
import type { ReturnStatus } from './returns.types.js';

/**
 * The return lifecycle as a transition table. `received` means at least one unit arrived (receipts may come in
 * parts and stay `received`); `inspected` means every requested unit arrived and was inspected; `closed` is final
 * (units never received are then given up and may be returned again on another RMA). Only a `requested` return
 * can be cancelled: once goods are in the building they are inspected, not cancelled.
 */
export const RETURN_TRANSITIONS: Readonly<Record<ReturnStatus, readonly ReturnStatus[]>> = {
  requested: ['received', 'cancelled'],
  received: ['received', 'inspected', 'closed'],
  inspected: ['closed'],
  closed: [],
  cancelled: [],
};

/** Throws 409 `invalid_transition` unless the return may go `from → to`. */
export function assertReturnTransition(id: string, from: ReturnStatus, to: ReturnStatus): void {
  if (!RETURN_TRANSITIONS[from].includes(to)) {
    throw new AppError('conflict', 'invalid_transition', `Return ${id} cannot go from ${from} to ${to}`, { return_id: id, from, to, allowed: RETURN_TRANSITIONS[from] });
  }
}

/** Statuses in which units may still be received. */
export const RECEIVABLE: readonly ReturnStatus[] = ['requested', 'received'];
/** Statuses in which the return still counts its full requested quantity against the order line. */
export const OPEN: readonly ReturnStatus[] = ['requested', 'received', 'inspected'];

/** The status a return reaches from its line counters after a receipt or an inspection. */
export function progressStatus(lines: { qty: number; qty_received: number; qty_inspected: number }[]): ReturnStatus {
  const expected = lines.reduce((s, l) => s + l.qty, 0);
  const received = lines.reduce((s, l) => s + l.qty_received, 0);
  const inspected = lines.reduce((s, l) => s + l.qty_inspected, 0);
  if (received === 0) return 'requested';
  return received === expected && inspected === expected ? 'inspected' : 'received';
}
