export type {
  ShipmentView, ShipmentStatus, ShipmentEventView, ManifestView, CarrierView, CarrierKind, Quote, RateResult, RateChoice, RateOptions, Parcel,
  PartyAddress, PurchasedLabel, TrackingUpdate, ShippingRule, Serviceability, ShippingErrorCode,
} from './shipping.types.js';
export type { CarrierAdapter, CarrierAccount, AdapterFactory } from './carrier.adapter.js';
export type { CarrierInput, CarrierPatch } from './carriers.service.js';
export type { NewShipment, ShipmentFilter } from './shipments.service.js';
export type { ShippingSettings } from './rules.service.js';
export type { RateCardImportReport, RateCardTable } from './rate-card.import.js';
export type { TrackingOutcome } from './tracking.service.js';
export type { ShopInput, ShopResult, CarrierOffer } from './rate-shop.js';

/** The shipment statuses, in lifecycle order. */
export { SHIPMENT_STATUSES } from './shipping.types.js';

/** Carrier accounts: create, change (settings and credentials merged and validated), read without secrets. */
export { createCarrier, updateCarrier, getCarrier, listCarriers, carrierNames } from './carriers.service.js';
/** A carrier account with its credentials, for adapters and webhook verification only. */
export { loadCarrierAccount } from './carriers.service.js';
/** The credentials column (sealed at rest), for `tandem secrets rotate|status`. */
export { CARRIER_CREDENTIALS } from './carriers.service.js';
/** Adapters: of one account, of every active one; registration of further carrier kinds. */
export { carrierAdapter, activeCarrierAdapters } from './carriers.service.js';
export { registerCarrierKind } from './carrier.adapter.js';
/** Tracking-webhook authentication (EasyPost HMAC scheme, or a token) and the EasyPost signature of a body. */
export { verifyTrackingWebhook, easyPostSignature } from './carrier.adapter.js';
/** EasyPost units and tracker events. */
export { toEasyPostParcel, parseEasyPostEvent } from './easypost.carrier.js';

/** Rate-card pricing pieces (pure): volumetric and chargeable weight, the whole card. */
export { volumetricWeightG, chargeableWeightG, priceRateCard } from './rate-card.pricing.js';
/** Replaces a rate-card carrier's zones, rates or serviceable postal codes from CSV, all or nothing. */
export { importRateCardCsv, RATE_CARD_COLUMNS } from './rate-card.import.js';
/** One stored rate-card table (zones, rates, serviceable postal codes), paged. */
export { readRateCard } from './rate-card.read.js';
export type { RateCardPage } from './rate-card.read.js';

/** Chooses a rate by the rules and says why (pure). */
export { shopRates, addDays } from './rate-shop.js';
/** Rate-shopping rules per warehouse × channel, and the brand's GS1 settings. */
export { resolveShippingRule, listShippingRules, setShippingRule, getShippingSettings, setShippingSettings, DEFAULT_SHIPPING_RULE } from './rules.service.js';
/** A new SSCC-18 from the GS1 company prefix and the serial sequence (null without a prefix). */
export { nextSscc } from './rules.service.js';
/** GS1 mod-10 and UPU S10 mod-11 check digits. */
export { gs1CheckDigit, isValidGs1, buildSscc, isValidSscc, ssccElementString, buildS10, isValidS10, s10CheckDigit } from './check-digits.js';

/** Shipments: record one (with label, first event, manifest), read, list, label, events. */
export { ensureExternalCarrier } from './shipments.service.js';
export { insertShipment, getShipment, lockShipment, listShipments, listShipmentEvents, getShipmentLabel, findShipmentByTracking } from './shipments.service.js';
/** Manifests per carrier × warehouse: open, read, list, close, handover document. */
export { openManifest, getManifest, listManifests, closeManifest, storeHandoverPdf, findHandoverPdf } from './manifests.service.js';
/** Tracking: the shipment lifecycle, one event recorded (deduplicated) and applied, an order's shipment statuses. */
export { SHIPMENT_TRANSITIONS, nextShipmentStatus, recordTrackingUpdate, orderShipmentStatuses } from './tracking.service.js';
/** Lane prices for routing's `lowest_cost` on rate cards: the active rate-card carriers loaded once, a lane priced purely. */
export { loadRateCardBook, priceLane } from './lane-estimate.js';
export type { RateCardBook, LaneQuote, LaneMiss } from './lane-estimate.js';
