import { AppError } from '../../shared/errors.js';
import type { InventoryErrorCode } from './inventory.types.js';

const err = (kind: AppError['kind'], code: InventoryErrorCode, message: string, details?: Record<string, unknown>): AppError =>
  new AppError(kind, code, message, details);

export const insufficientStock = (d: { sku: string; warehouse_id: string; requested: number; available: number; state?: string }): AppError =>
  err('conflict', 'insufficient_stock', `Not enough ${d.state && d.state !== 'available' ? d.state : 'available'} stock of ${d.sku} in ${d.warehouse_id}: ${d.requested} requested, ${d.available} available`, d);

export const insufficientBinStock = (d: { sku: string; warehouse_id: string; bin_id: string | null; lot: string; requested: number; available: number }): AppError =>
  err('conflict', 'insufficient_bin_stock', `Bin ${d.bin_id ?? '(unplaced)'} holds ${d.available} of ${d.sku}${d.lot ? ` lot ${d.lot}` : ''}, ${d.requested} requested`, d);

export const binUnderCount = (binIds: string[]): AppError =>
  err('conflict', 'bin_under_count', `Bin(s) ${binIds.join(', ')} are being counted; finish or cancel the count first`, { bin_ids: binIds });

export const binNotFound = (bin: string, warehouseId: string): AppError =>
  err('not_found', 'bin_not_found', `Bin ${bin} was not found in warehouse ${warehouseId}`, { bin, warehouse_id: warehouseId });

export const binWrongWarehouse = (bin: string, warehouseId: string): AppError =>
  err('invalid', 'bin_wrong_warehouse', `Bin ${bin} belongs to another warehouse than ${warehouseId}`, { bin, warehouse_id: warehouseId });

export const reservationNotFound = (id: string): AppError =>
  err('not_found', 'reservation_not_found', `Reservation ${id} was not found`, { reservation_id: id });

export const invalidTransition = (what: string, id: string, from: string, to: string): AppError =>
  err('conflict', 'invalid_transition', `${what} ${id} is ${from}; it cannot become ${to}`, { id, from, to });

export const transferNotFound = (id: string): AppError => err('not_found', 'transfer_not_found', `Transfer ${id} was not found`, { transfer_id: id });

export const transferInvalidState = (id: string, status: string, action: string): AppError =>
  err('conflict', 'transfer_invalid_state', `Transfer ${id} is ${status}; it cannot be ${action}`, { transfer_id: id, status, action });

export const countNotFound = (id: string): AppError => err('not_found', 'count_not_found', `Cycle count ${id} was not found`, { count_id: id });

export const invalidInput = (code: InventoryErrorCode, message: string, details?: Record<string, unknown>): AppError => err('invalid', code, message, details);

export const conflictWith = (code: InventoryErrorCode, message: string, details?: Record<string, unknown>): AppError => err('conflict', code, message, details);
