/**
 * Available-to-sell, the pure arithmetic: per warehouse the channel may sell from, max(0, on_hand − reserved −
 * holdback), summed; a kit counts the kits each warehouse can build whole (a kit unit is reserved in one
 * warehouse); then the channel buffer (units, or a percentage with the result rounded down), the cap, never
 * below zero.
 */

export interface Level {
  sku_id: string;
  warehouse_id: string;
  on_hand: number;
  reserved: number;
}

export interface AtsPolicy {
  buffer: { kind: 'units' | 'percent'; value: number };
  max_units: number | null;
}

export interface AtsInput {
  /** The warehouses that feed the channel (routing's allowed warehouses that are active). */
  warehouses: { id: string; code: string }[];
  levels: Level[];
  /** Safety stock per `${sku_id}|${warehouse_id}`. */
  safety: Map<string, number>;
  /** Units routing keeps back at every warehouse for the channel's orders (its keep_reserve rule), 0 if none. */
  keepReserve: number;
  /** Kit id → its components per kit; SKUs absent here are not kits. */
  kits: Map<string, { sku_id: string; qty: number }[]>;
  policy: AtsPolicy;
}

export interface WarehouseShare {
  warehouse_id: string;
  code: string;
  on_hand: number;
  reserved: number;
  safety_stock: number;
  sellable: number;
}

export interface Availability {
  sku_id: string;
  is_kit: boolean;
  /** Units sellable before the channel buffer and cap. */
  sellable: number;
  /** Units the buffer held back. */
  buffer_units: number;
  capped: boolean;
  available_to_sell: number;
  warehouses: (WarehouseShare & { kits?: number })[];
  /** For a kit: each component's sellable units over the channel's warehouses and how many per kit. */
  components?: { sku_id: string; qty: number; sellable: number }[];
}

export const levelKey = (skuId: string, warehouseId: string): string => `${skuId}|${warehouseId}`;

function shares(skuId: string, input: AtsInput, levels: Map<string, Level>): WarehouseShare[] {
  return input.warehouses.map((w) => {
    const l = levels.get(levelKey(skuId, w.id));
    const onHand = l?.on_hand ?? 0;
    const reserved = l?.reserved ?? 0;
    const safety = input.safety.get(levelKey(skuId, w.id)) ?? 0;
    // Safety stock and routing's reserve both hold back the last units: the larger of the two applies.
    const hold = Math.max(safety, input.keepReserve);
    return { warehouse_id: w.id, code: w.code, on_hand: onHand, reserved, safety_stock: safety, sellable: Math.max(0, onHand - reserved - hold) };
  });
}

/** Applies the channel buffer and cap to sellable units. */
export function applyPolicy(sellable: number, policy: AtsPolicy): { available_to_sell: number; buffer_units: number; capped: boolean } {
  const afterBuffer = policy.buffer.kind === 'percent'
    ? Math.floor((sellable * (100 - policy.buffer.value)) / 100)
    : sellable - policy.buffer.value;
  const buffered = Math.max(0, afterBuffer);
  const capped = policy.max_units !== null && buffered > policy.max_units;
  return { available_to_sell: capped ? policy.max_units! : buffered, buffer_units: sellable - buffered, capped };
}

/** Available-to-sell of each SKU for one channel. */
export function computeAvailability(skuIds: string[], input: AtsInput): Availability[] {
  const levels = new Map(input.levels.map((l) => [levelKey(l.sku_id, l.warehouse_id), l]));
  return skuIds.map((skuId) => {
    const components = input.kits.get(skuId);
    if (!components || components.length === 0) {
      const ws = shares(skuId, input, levels);
      const sellable = ws.reduce((s, w) => s + w.sellable, 0);
      return { sku_id: skuId, is_kit: false, sellable, ...applyPolicy(sellable, input.policy), warehouses: ws };
    }
    const perComponent = components.map((c) => ({ ...c, shares: shares(c.sku_id, input, levels) }));
    const ws = input.warehouses.map((w, i) => {
      const kits = Math.min(...perComponent.map((c) => Math.floor(c.shares[i]!.sellable / c.qty)));
      return { warehouse_id: w.id, code: w.code, on_hand: 0, reserved: 0, safety_stock: 0, sellable: kits, kits };
    });
    const sellable = ws.reduce((s, w) => s + w.sellable, 0);
    return {
      sku_id: skuId, is_kit: true, sellable, ...applyPolicy(sellable, input.policy), warehouses: ws,
      components: perComponent.map((c) => ({ sku_id: c.sku_id, qty: c.qty, sellable: c.shares.reduce((s, w) => s + w.sellable, 0) })),
    };
  });
}
