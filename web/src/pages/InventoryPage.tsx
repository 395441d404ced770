import { lazy, Suspense, useState } from 'react';
import { Alert, Loader, Badge, Button, Group, NumberInput, Select, Table, Tabs, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { get, qs } from '../api.js';
import { dateTime, label } from '../format.js';
import { useReference } from '../reference.js';
import type { BinStock, LedgerEntry, NetworkTotal, Page, StockLevel } from '../types.js';

const CountsTab = lazy(() => import('./inventory/CountsTab.js').then((m) => ({ default: m.CountsTab })));
const TransfersTab = lazy(() => import('./inventory/TransfersTab.js').then((m) => ({ default: m.TransfersTab })));

const LEDGER_TYPES = ['receipt', 'adjustment', 'move', 'reserve', 'release', 'commit', 'transfer_out', 'transfer_in_transit', 'transfer_in', 'transfer_discrepancy', 'count'];
const Num = ({ n, tone }: { n: number; tone?: string }) => <Table.Td style={{ textAlign: 'right' }} c={tone}>{n}</Table.Td>;
const NumTh = ({ children }: { children: string }) => <Table.Th style={{ textAlign: 'right' }}>{children}</Table.Th>;

function PerWarehouse({ sku }: { sku: string }) {
  const ref = useReference();
  const q = useQuery({ queryKey: ['stock', sku], queryFn: () => get<Page<StockLevel>>(`/api/v1/inventory${qs({ sku, limit: 500 })}`) });
  return (
    <Table.Tr>
      <Table.Td colSpan={8} bg="var(--mantine-color-default-hover)">
        <Table aria-label={`${sku} by warehouse`} data-testid={`by-warehouse-${sku}`}>
          <Table.Thead><Table.Tr><Table.Th>Warehouse</Table.Th><NumTh>On hand</NumTh><NumTh>Reserved</NumTh><NumTh>Available</NumTh><NumTh>In transit</NumTh><NumTh>Damaged</NumTh><NumTh>Quarantine</NumTh></Table.Tr></Table.Thead>
          <Table.Tbody>
            {(q.data?.data ?? []).map((s) => (
              <Table.Tr key={s.warehouse_id}>
                <Table.Td>{ref.warehouseCode(s.warehouse_id)}</Table.Td><Num n={s.on_hand} /><Num n={s.reserved} /><Num n={s.available} tone={s.available <= 0 ? 'red' : undefined} /><Num n={s.in_transit} /><Num n={s.damaged} /><Num n={s.quarantine} />
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.Td>
    </Table.Tr>
  );
}

function BySku() {
  const [sku, setSku] = useState('');
  const [skuQ] = useDebouncedValue(sku.trim(), 300);
  const [cursors, setCursors] = useState<string[]>([]);
  const [open, setOpen] = useState<string | null>(null);
  const q = useQuery({
    queryKey: ['totals', skuQ, cursors.at(-1)],
    placeholderData: keepPreviousData,
    queryFn: () => get<Page<NetworkTotal>>(`/api/v1/inventory/totals${qs({ sku: skuQ, limit: 50, cursor: cursors.at(-1) })}`),
  });
  return (
    <>
      <TextInput label="SKU" placeholder="Exact SKU code" value={sku} onChange={(e) => { setSku(e.currentTarget.value); setCursors([]); }} w={240} mb="sm" />
      {q.error && <Alert color="red">{q.error.message}</Alert>}
      <Table striped aria-label="Stock by SKU" data-testid="totals-table">
        <Table.Thead><Table.Tr><Table.Th>SKU</Table.Th><NumTh>On hand</NumTh><NumTh>Reserved</NumTh><NumTh>Available</NumTh><NumTh>In transit</NumTh><NumTh>Damaged</NumTh><NumTh>Warehouses</NumTh><Table.Th /></Table.Tr></Table.Thead>
        <Table.Tbody>
          {(q.data?.data ?? []).flatMap((t) => [
            <Table.Tr key={t.sku_id}>
              <Table.Td>{t.sku}</Table.Td><Num n={t.on_hand} /><Num n={t.reserved} /><Num n={t.available} tone={t.available <= 0 ? 'red' : undefined} /><Num n={t.in_transit} /><Num n={t.damaged} /><Num n={t.warehouses} />
              <Table.Td><Button size="compact-xs" variant="subtle" aria-expanded={open === t.sku} onClick={() => setOpen(open === t.sku ? null : t.sku)}>{open === t.sku ? 'Hide' : 'By warehouse'}</Button></Table.Td>
            </Table.Tr>,
            ...(open === t.sku ? [<PerWarehouse key={`${t.sku_id}-wh`} sku={t.sku} />] : []),
          ])}
        </Table.Tbody>
      </Table>
      <Group mt="sm" gap="xs">
        <Button variant="default" size="xs" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>Previous</Button>
        <Button variant="default" size="xs" disabled={!q.data?.next_cursor} onClick={() => setCursors((c) => [...c, q.data!.next_cursor!])}>Next</Button>
      </Group>
    </>
  );
}

function WarehouseSelect({ value, onChange, required }: { value: string | null; onChange: (v: string | null) => void; required?: boolean }) {
  const ref = useReference();
  return <Select label="Warehouse" required={required} data={ref.warehouses.map((w) => ({ value: w.id, label: `${w.code} · ${w.name}` }))} value={value} onChange={onChange} clearable={!required} w={240} />;
}

function ByBin() {
  const ref = useReference();
  const [wh, setWh] = useState<string | null>(null);
  const [sku, setSku] = useState('');
  const [skuQ] = useDebouncedValue(sku.trim(), 300);
  const warehouse = wh ?? ref.warehouses[0]?.id ?? null;
  const q = useQuery({
    queryKey: ['bins', warehouse, skuQ],
    enabled: warehouse !== null,
    queryFn: () => get<Page<BinStock>>(`/api/v1/inventory/bins${qs({ warehouse_id: warehouse, sku: skuQ })}`),
  });
  return (
    <>
      <Group mb="sm" align="end"><WarehouseSelect value={warehouse} onChange={setWh} required /><TextInput label="SKU" value={sku} onChange={(e) => setSku(e.currentTarget.value)} w={200} /></Group>
      {q.error && <Alert color="red">{q.error.message}</Alert>}
      <Table striped aria-label="Stock by bin">
        <Table.Thead><Table.Tr><Table.Th>Bin</Table.Th><Table.Th>SKU</Table.Th><Table.Th>Lot</Table.Th><Table.Th>State</Table.Th><NumTh>Qty</NumTh><Table.Th>Expires</Table.Th><Table.Th /></Table.Tr></Table.Thead>
        <Table.Tbody>
          {(q.data?.data ?? []).map((b, i) => (
            <Table.Tr key={i}>
              <Table.Td>{b.bin ?? 'unplaced'}</Table.Td><Table.Td>{b.sku}</Table.Td><Table.Td>{b.lot}</Table.Td><Table.Td>{label(b.state)}</Table.Td><Num n={b.qty} /><Table.Td>{b.expires_on ?? ''}</Table.Td>
              <Table.Td>{b.under_count && <Badge size="xs" color="yellow">counting</Badge>}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </>
  );
}

function Ledger() {
  const ref = useReference();
  const [wh, setWh] = useState<string | null>(null);
  const [sku, setSku] = useState('');
  const [type, setType] = useState<string | null>(null);
  const [reference, setReference] = useState('');
  const [since, setSince] = useState('');
  const [afters, setAfters] = useState<number[]>([]);
  const [filters] = useDebouncedValue({ sku: sku.trim(), reference: reference.trim() }, 300);
  const q = useQuery({
    queryKey: ['ledger', wh, filters, type, since, afters.at(-1)],
    placeholderData: keepPreviousData,
    queryFn: () => get<{ data: LedgerEntry[]; next_after: number | null }>(`/api/v1/inventory/ledger${qs({ warehouse_id: wh, sku: filters.sku, reference: filters.reference, type, since: since ? new Date(`${since}T00:00:00`).toISOString() : undefined, after: afters.at(-1), limit: 100 })}`),
  });
  return (
    <>
      <Group mb="sm" align="end" wrap="wrap">
        <WarehouseSelect value={wh} onChange={(v) => { setWh(v); setAfters([]); }} />
        <TextInput label="SKU" value={sku} onChange={(e) => { setSku(e.currentTarget.value); setAfters([]); }} w={160} />
        <Select label="Type" data={LEDGER_TYPES.map((t) => ({ value: t, label: label(t) }))} value={type} onChange={(v) => { setType(v); setAfters([]); }} clearable w={160} />
        <TextInput label="Reference" value={reference} onChange={(e) => { setReference(e.currentTarget.value); setAfters([]); }} w={160} />
        <TextInput label="Since" type="date" value={since} onChange={(e) => { setSince(e.currentTarget.value); setAfters([]); }} />
      </Group>
      {q.error && <Alert color="red">{q.error.message}</Alert>}
      <Table.ScrollContainer minWidth={800}>
        <Table striped aria-label="Inventory ledger">
          <Table.Thead><Table.Tr><Table.Th>#</Table.Th><Table.Th>When</Table.Th><Table.Th>Type</Table.Th><Table.Th>SKU</Table.Th><Table.Th>Warehouse</Table.Th><Table.Th>Bin</Table.Th><Table.Th>State</Table.Th><NumTh>Δ on hand</NumTh><NumTh>Δ reserved</NumTh><Table.Th>Reason / reference</Table.Th><Table.Th>By</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {(q.data?.data ?? []).map((l) => (
              <Table.Tr key={l.seq}>
                <Table.Td>{l.seq}</Table.Td><Table.Td>{dateTime(l.occurred_at)}</Table.Td><Table.Td>{label(l.type)}</Table.Td><Table.Td>{l.sku}</Table.Td><Table.Td>{ref.warehouseCode(l.warehouse_id)}</Table.Td>
                <Table.Td>{l.bin ?? ''}</Table.Td><Table.Td>{l.state}</Table.Td><Num n={l.delta} /><Num n={l.reserved_delta} /><Table.Td>{[l.reason, l.reference].filter(Boolean).join(' · ')}</Table.Td><Table.Td>{l.actor ?? ''}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Group mt="sm" gap="xs">
        <Button variant="default" size="xs" disabled={afters.length === 0} onClick={() => setAfters((a) => a.slice(0, -1))}>Earlier</Button>
        <Button variant="default" size="xs" disabled={q.data?.next_after == null} onClick={() => setAfters((a) => [...a, q.data!.next_after!])}>Later</Button>
      </Group>
    </>
  );
}

function LowStock() {
  const ref = useReference();
  const [wh, setWh] = useState<string | null>(null);
  const [threshold, setThreshold] = useState<number>(5);
  const q = useQuery({ queryKey: ['low', wh, threshold], queryFn: () => get<Page<StockLevel>>(`/api/v1/inventory/low-stock${qs({ warehouse_id: wh, threshold, limit: 200 })}`) });
  return (
    <>
      <Group mb="sm" align="end"><WarehouseSelect value={wh} onChange={setWh} /><NumberInput label="Available at or below" min={0} value={threshold} onChange={(v) => setThreshold(typeof v === 'number' ? v : 0)} w={180} /></Group>
      {q.error && <Alert color="red">{q.error.message}</Alert>}
      <Table striped aria-label="Low stock" data-testid="low-stock-table">
        <Table.Thead><Table.Tr><Table.Th>SKU</Table.Th><Table.Th>Warehouse</Table.Th><NumTh>On hand</NumTh><NumTh>Reserved</NumTh><NumTh>Available</NumTh><NumTh>In transit</NumTh></Table.Tr></Table.Thead>
        <Table.Tbody>
          {(q.data?.data ?? []).map((s) => (
            <Table.Tr key={`${s.sku_id}-${s.warehouse_id}`}>
              <Table.Td>{s.sku}</Table.Td><Table.Td>{ref.warehouseCode(s.warehouse_id)}</Table.Td><Num n={s.on_hand} /><Num n={s.reserved} /><Num n={s.available} tone={s.available <= 0 ? 'red' : 'yellow.8'} /><Num n={s.in_transit} />
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {q.data && q.data.data.length === 0 && <Text c="dimmed" mt="sm">Nothing at or below {threshold}.</Text>}
    </>
  );
}

export function InventoryPage() {
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? 'sku';
  return (
    <>
      <Title order={2} mb="md">Inventory</Title>
      <Tabs value={tab} onChange={(v) => setParams(v && v !== 'sku' ? { tab: v } : {}, { replace: true })} keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="sku">By SKU</Tabs.Tab>
          <Tabs.Tab value="bins">By bin</Tabs.Tab>
          <Tabs.Tab value="ledger">Ledger</Tabs.Tab>
          <Tabs.Tab value="low">Low stock</Tabs.Tab>
          <Tabs.Tab value="counts">Cycle counts</Tabs.Tab>
          <Tabs.Tab value="transfers">Transfers</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="sku"><BySku /></Tabs.Panel>
        <Tabs.Panel value="bins"><ByBin /></Tabs.Panel>
        <Tabs.Panel value="ledger"><Ledger /></Tabs.Panel>
        <Tabs.Panel value="low"><LowStock /></Tabs.Panel>
        <Tabs.Panel value="counts"><Suspense fallback={<Loader aria-label="Loading" />}><CountsTab /></Suspense></Tabs.Panel>
        <Tabs.Panel value="transfers"><Suspense fallback={<Loader aria-label="Loading" />}><TransfersTab /></Suspense></Tabs.Panel>
      </Tabs>
    </>
  );
}
