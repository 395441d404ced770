import type { Generated } from 'kysely';

export interface EdiPartnersTable {
  warehouse_id: string;
  our_qualifier: string;
  our_id: string;
  partner_qualifier: string;
  partner_id: string;
  outbound_dir: string;
  inbound_dir: string;
  test_mode: Generated<boolean>;
  next_control: Generated<number>;
  active: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface EdiDocumentsTable {
  id: string;
  warehouse_id: string;
  direction: 'out' | 'in';
  transaction_set: '940' | '945' | '846' | 'unknown';
  sender_id: string;
  interchange_control: string;
  set_control: string;
  fulfillment_order_id: string | null;
  file_name: string | null;
  content: string;
  status: 'queued' | 'sent' | 'applied' | 'rejected';
  result: Generated<unknown>;
  error: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface EdiTables {
  edi_partners: EdiPartnersTable;
  edi_documents: EdiDocumentsTable;
}
