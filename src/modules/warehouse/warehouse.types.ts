import type { Address } from '../../db/tables/master-data.js';

export type WarehouseErrorCode = 'warehouse_not_found' | 'warehouse_exists' | 'invalid_timezone' | 'bin_not_found' | 'bin_exists' | 'zone_not_found';

export interface WarehouseInput {
  code: string;
  name: string;
  address: Address;
  lat?: number | undefined;
  lng?: number | undefined;
  timezone: string;
  cutoff_time?: string | undefined;
  type?: 'own' | 'external' | undefined;
  routing_priority?: number | undefined;
}

/** Operating settings that may change after creation. */
export interface WarehousePatch {
  name?: string | undefined;
  cutoff_time?: string | null | undefined;
  routing_priority?: number | undefined;
  active?: boolean | undefined;
}

export interface WarehouseView {
  id: string;
  code: string;
  name: string;
  address: Address;
  lat: number | null;
  lng: number | null;
  timezone: string;
  cutoff_time: string | null;
  type: 'own' | 'external';
  active: boolean;
  /** Lower is preferred by the routing rule `warehouse_priority` (default 100); ties go by code. */
  routing_priority: number;
  created_at: Date;
}

export interface BinInput {
  code: string;
  zone?: string | undefined;
  walk_sequence?: number | undefined;
  capacity_units?: number | undefined;
  pickable?: boolean | undefined;
  /** Aisle number (1, 2, …) and position along the aisle from its front end: pick paths walk them S-shape. */
  aisle?: number | undefined;
  position?: number | undefined;
}

export interface BinView {
  id: string;
  warehouse_id: string;
  code: string;
  zone: string | null;
  zone_id: string | null;
  walk_sequence: number;
  capacity_units: number | null;
  pickable: boolean;
  active: boolean;
  aisle: number | null;
  position: number | null;
}
