export type CatalogErrorCode =
  | 'sku_not_found'
  | 'invalid_gtin'
  | 'sku_exists'
  | 'gtin_exists'
  | 'kit_component_not_found'
  | 'kit_component_is_kit'
  | 'kit_component_is_self'
  | 'kit_component_duplicate';

export interface Dims {
  l: number;
  w: number;
  h: number;
}

export interface SkuInput {
  sku: string;
  name: string;
  gtin?: string | undefined;
  weight_g?: number | undefined;
  dims_mm?: Dims | undefined;
  kit_components?: { sku: string; qty: number }[] | undefined;
}

export interface SkuView {
  id: string;
  sku: string;
  name: string;
  gtin: string | null;
  weight_g: number | null;
  dims_mm: Dims | null;
  is_kit: boolean;
  kit_components: { sku: string; sku_id: string; qty: number }[];
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

/** What other modules need to know of a SKU. */
export interface SkuRef {
  id: string;
  sku: string;
  is_kit: boolean;
  active: boolean;
  weight_g: number | null;
}
