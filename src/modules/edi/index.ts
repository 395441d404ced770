export type { X12Party, ParsedInterchange, ParsedTransaction } from './x12.js';
export type { ShippingOrder, ShippingAdvice, InventoryAdvice, EnvelopeParties } from './documents.js';
export type { PartnerInput, PartnerView, DocumentInput, DocumentView } from './partners.js';
export type { EdiTransport } from './transport.js';
/** X12 interchange writer and parser (node-x12 underneath). */
export { writeInterchange, parseInterchange } from './x12.js';
/** X12 940 warehouse shipping order writer; 945 shipping advice and 846 inventory advice readers. */
export { write940, parse945, parse846 } from './documents.js';
/** Trading partners per warehouse, control numbers, and the document log. */
export { savePartner, findPartner, getPartner, listPartners, takeControlNumber, recordDocument, markDocument, queuedDocuments, listDocuments, getDocument } from './partners.js';
/** The folder transport (write, list, read, archive). */
export { folderTransport } from './transport.js';
