import { useRef, useState, type KeyboardEvent } from 'react';
import { Alert, Badge, Button, Checkbox, Group, Modal, Paper, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { get, post, qs } from '../../api.js';
import { dateTime, label } from '../../format.js';
import { useReference } from '../../reference.js';
import { can, useSession } from '../../session.js';
import type { Page } from '../../types.js';
import { messageOf, useAction } from '../settings/common.js';
import { TRANSFER_STATUS_COLORS, type TransferView } from './types.js';

const STATUSES: TransferView['status'][] = ['created', 'shipped', 'partially_received', 'received', 'cancelled'];
const R = { textAlign: 'right' } as const;

/** Transfers between warehouses: the list (newest first), a new transfer, and shipping, receiving or cancelling one. */
export function TransfersTab() {
  const role = useSession().user!.role;
  const ref = useReference();
  const [params, setParams] = useSearchParams();
  const open = params.get('transfer');
  const [status, setStatus] = useState<string | null>(null);
  const [wh, setWh] = useState<string | null>(null);
  const show = (id: string) => setParams({ tab: 'transfers', transfer: id }, { replace: true });
  const list = useQuery({
    queryKey: ['transfers', status, wh],
    refetchInterval: 30_000,
    queryFn: () => get<Page<Omit<TransferView, 'lines'>>>(`/api/v1/inventory/transfers${qs({ status, warehouse_id: wh, limit: 100 })}`),
  });
  return (
    <Stack gap="md">
      {can.manageStock(role) && <NewTransfer onCreated={show} />}
      <Group align="end">
        <Select label="Status" data={STATUSES.map((s) => ({ value: s, label: label(s) }))} value={status} onChange={setStatus} clearable w={200} />
        <Select label="Warehouse (from or to)" data={ref.warehouses.map((w) => ({ value: w.id, label: `${w.code} · ${w.name}` }))} value={wh} onChange={setWh} clearable w={240} />
      </Group>
      {list.error && <Alert color="red" role="alert">{messageOf(list.error)}</Alert>}
      <Table striped data-testid="transfers-table">
        <Table.Caption>Transfers from or to your warehouses, newest first (up to 100)</Table.Caption>
        <Table.Thead><Table.Tr><Table.Th>Transfer</Table.Th><Table.Th>Reference</Table.Th><Table.Th>From</Table.Th><Table.Th>To</Table.Th><Table.Th>Status</Table.Th><Table.Th>Created</Table.Th><Table.Th>Shipped</Table.Th><Table.Th>Closed</Table.Th><Table.Th /></Table.Tr></Table.Thead>
        <Table.Tbody>
          {(list.data?.data ?? []).map((t) => (
            <Table.Tr key={t.id} data-transfer-id={t.id} aria-selected={t.id === open}>
              <Table.Td><Text ff="monospace" size="sm">{t.id}</Text></Table.Td>
              <Table.Td>{t.reference ?? ''}</Table.Td>
              <Table.Td>{ref.warehouseCode(t.from_warehouse_id)}</Table.Td>
              <Table.Td>{ref.warehouseCode(t.to_warehouse_id)}</Table.Td>
              <Table.Td><Badge color={TRANSFER_STATUS_COLORS[t.status]} variant="light">{label(t.status)}</Badge></Table.Td>
              <Table.Td>{dateTime(t.created_at)}</Table.Td>
              <Table.Td>{dateTime(t.shipped_at)}</Table.Td>
              <Table.Td>{dateTime(t.closed_at)}</Table.Td>
              <Table.Td><Button size="compact-xs" variant="subtle" onClick={() => show(t.id)} aria-label={`Open transfer ${t.reference ?? t.id}`}>Open</Button></Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {list.data?.data.length === 0 && <Text size="sm" c="gray.7">No transfers.</Text>}
      {open && <TransferDetail key={open} id={open} />}
    </Stack>
  );
}

interface DraftLine { sku: string; qty: number }

/** From, to, lines (SKU, Enter, quantity, Enter adds the line; the same SKU again adds up), reference. */
function NewTransfer({ onCreated }: { onCreated: (id: string) => void }) {
  const ref = useReference();
  const qc = useQueryClient();
  const [from, setFrom] = useState<string | null>(null);
  const [to, setTo] = useState<string | null>(null);
  const [sku, setSku] = useState('');
  const [qty, setQty] = useState('1');
  const [reference, setReference] = useState('');
  const [lines, setLines] = useState<DraftLine[]>([]);
  const action = useAction();
  const skuRef = useRef<HTMLInputElement>(null);
  const qtyRef = useRef<HTMLInputElement>(null);
  const whs = ref.warehouses.map((w) => ({ value: w.id, label: `${w.code} · ${w.name}` }));
  const n = Number(qty);
  const qtyOk = Number.isInteger(n) && n >= 1;
  const addLine = () => {
    if (!sku.trim()) return skuRef.current?.focus();
    if (!qtyOk) return qtyRef.current?.focus();
    setLines((cur) => (cur.some((l) => l.sku === sku.trim()) ? cur.map((l) => (l.sku === sku.trim() ? { ...l, qty: l.qty + n } : l)) : [...cur, { sku: sku.trim(), qty: n }]));
    setSku('');
    setQty('1');
    skuRef.current?.focus();
  };
  const enter = (fn: () => void) => (e: KeyboardEvent) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    fn();
  };
  const submit = async () => {
    const t = await action.run(
      () => post<TransferView>('/api/v1/inventory/transfers', { from_warehouse_id: from, to_warehouse_id: to, lines, ...(reference.trim() ? { reference: reference.trim() } : {}) }),
      (r) => `Transfer ${r.reference ?? r.id} created; its ${r.lines.reduce((s, l) => s + l.qty, 0)} unit(s) are reserved at ${ref.warehouseCode(r.from_warehouse_id)}.`,
    );
    if (t) {
      setLines([]);
      setReference('');
      await qc.invalidateQueries({ queryKey: ['transfers'] });
      onCreated(t.id);
    }
  };
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="new-transfer-title">
      <Title order={3} size="h4" id="new-transfer-title" mb="xs">New transfer</Title>
      <Group align="end" wrap="wrap">
        <Select label="From warehouse" required data={whs} value={from} onChange={setFrom} w={220} />
        <Select label="To warehouse" required data={whs.filter((w) => w.value !== from)} value={to} onChange={setTo} w={220} />
        <TextInput label="Reference" description="optional" value={reference} onChange={(e) => setReference(e.currentTarget.value)} w={180} />
      </Group>
      <Group align="end" gap="xs" mt="xs">
        <TextInput label="SKU" ref={skuRef} value={sku} onChange={(e) => setSku(e.currentTarget.value)} onKeyDown={enter(() => { if (sku.trim()) { qtyRef.current?.focus(); qtyRef.current?.select(); } })} w={180} autoComplete="off" data-testid="transfer-sku" />
        <TextInput label="Quantity" ref={qtyRef} type="number" inputMode="numeric" min={1} value={qty} onChange={(e) => setQty(e.currentTarget.value)} onKeyDown={enter(addLine)} w={110} error={qty !== '' && !qtyOk ? 'at least 1' : undefined} data-testid="transfer-qty" />
        <Button variant="default" onClick={addLine} disabled={!sku.trim() || !qtyOk}>Add line</Button>
      </Group>
      {lines.length > 0 && (
        <Table mt="xs" maw={480}>
          <Table.Caption>Lines of the new transfer</Table.Caption>
          <Table.Thead><Table.Tr><Table.Th>SKU</Table.Th><Table.Th style={R}>Quantity</Table.Th><Table.Th /></Table.Tr></Table.Thead>
          <Table.Tbody>
            {lines.map((l, i) => (
              <Table.Tr key={l.sku}>
                <Table.Td>{l.sku}</Table.Td><Table.Td style={R}>{l.qty}</Table.Td>
                <Table.Td><Button size="compact-xs" variant="subtle" color="red" aria-label={`Remove ${l.sku}`} onClick={() => setLines((cur) => cur.filter((_, j) => j !== i))}>Remove</Button></Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Button mt="sm" onClick={() => void submit()} loading={action.busy} disabled={!from || !to || lines.length === 0}>Create transfer</Button>
      {action.view}
    </Paper>
  );
}

function TransferDetail({ id }: { id: string }) {
  const ref = useReference();
  const role = useSession().user!.role;
  const qc = useQueryClient();
  const path = `/api/v1/inventory/transfers/${encodeURIComponent(id)}`;
  const q = useQuery({ queryKey: ['transfer', id], queryFn: () => get<TransferView>(path), retry: false });
  const action = useAction();
  const [confirmCancel, setConfirmCancel] = useState(false);
  const refresh = () => Promise.all(['transfer', 'transfers', 'totals', 'stock', 'ledger', 'bins'].map((k) => qc.invalidateQueries({ queryKey: [k] })));
  if (q.error) return <Alert color="red" role="alert">{messageOf(q.error)}</Alert>;
  const t = q.data;
  if (!t) return null;
  const name = t.reference ?? t.id;
  const run = async (what: 'ship' | 'cancel', ok: string) => {
    setConfirmCancel(false);
    await action.run(() => post(`${path}/${what}`), () => ok);
    await refresh();
  };
  const receivable = t.status === 'shipped' || t.status === 'partially_received';
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="transfer-title" data-testid="transfer-detail">
      <Group justify="space-between" mb="xs">
        <Group gap="sm">
          <Title order={3} size="h4" id="transfer-title">Transfer {name}</Title>
          <Badge color={TRANSFER_STATUS_COLORS[t.status]} variant="light" data-testid="transfer-status">{label(t.status)}</Badge>
        </Group>
        <Text size="sm" c="gray.7">{ref.warehouseCode(t.from_warehouse_id)} → {ref.warehouseCode(t.to_warehouse_id)} · created {dateTime(t.created_at)}{t.shipped_at ? ` · shipped ${dateTime(t.shipped_at)}` : ''}{t.closed_at ? ` · closed ${dateTime(t.closed_at)}` : ''}</Text>
      </Group>
      <Table striped data-testid="transfer-lines">
        <Table.Caption>Lines: ordered, shipped, received, missing (discrepancy) and still in transit, in units</Table.Caption>
        <Table.Thead><Table.Tr><Table.Th>SKU</Table.Th><Table.Th style={R}>Ordered</Table.Th><Table.Th style={R}>Shipped</Table.Th><Table.Th style={R}>Received</Table.Th><Table.Th style={R}>Discrepancy</Table.Th><Table.Th style={R}>In transit</Table.Th></Table.Tr></Table.Thead>
        <Table.Tbody>
          {t.lines.map((l) => (
            <Table.Tr key={l.line_no} data-line-sku={l.sku}>
              <Table.Td>{l.sku}</Table.Td><Table.Td style={R}>{l.qty}</Table.Td><Table.Td style={R}>{l.shipped}</Table.Td><Table.Td style={R}>{l.received}</Table.Td>
              <Table.Td style={{ ...R, fontWeight: l.discrepancy ? 700 : undefined }} c={l.discrepancy ? 'red.9' : undefined}>{l.discrepancy}</Table.Td>
              <Table.Td style={R}>{l.shipped - l.received - l.discrepancy}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {t.lines.some((l) => l.discrepancy > 0) && <Alert color="orange" mt="xs">{t.lines.filter((l) => l.discrepancy > 0).map((l) => `${l.discrepancy} × ${l.sku}`).join(', ')} did not arrive (recorded as discrepancy).</Alert>}
      {t.status === 'created' && can.manageStock(role) && (
        <Group mt="sm">
          <Button onClick={() => void run('ship', `Transfer ${name} shipped: the units left ${ref.warehouseCode(t.from_warehouse_id)} and are in transit to ${ref.warehouseCode(t.to_warehouse_id)}.`)} loading={action.busy}>Ship</Button>
          <Button variant="default" color="red" onClick={() => setConfirmCancel(true)} disabled={action.busy}>Cancel transfer</Button>
        </Group>
      )}
      {receivable && can.floorStock(role) && <ReceiveForm t={t} onDone={refresh} />}
      {action.view}
      <Modal opened={confirmCancel} onClose={() => setConfirmCancel(false)} title={`Cancel transfer ${name}?`}>
        <Text size="sm">Its reservations at {ref.warehouseCode(t.from_warehouse_id)} are released.</Text>
        <Group justify="end" mt="md"><Button variant="default" onClick={() => setConfirmCancel(false)} data-autofocus>Back</Button><Button color="red" onClick={() => void run('cancel', `Transfer ${name} cancelled; its units are released.`)}>Cancel transfer</Button></Group>
      </Modal>
    </Paper>
  );
}

/** Receive at the destination: received units per line (pre-filled with what is in transit), an optional bin, close. */
function ReceiveForm({ t, onDone }: { t: TransferView; onDone: () => Promise<unknown> }) {
  const outstanding = (l: TransferView['lines'][number]) => l.shipped - l.received - l.discrepancy;
  const [qty, setQty] = useState<Record<string, string>>(() => Object.fromEntries(t.lines.map((l) => [l.sku, String(outstanding(l))])));
  const [bin, setBin] = useState('');
  const [close, setClose] = useState(false);
  const action = useAction();
  const lines = t.lines.map((l) => ({ sku: l.sku, qty: Number(qty[l.sku] ?? 0) })).filter((l) => l.qty > 0);
  const bad = t.lines.some((l) => { const n = Number(qty[l.sku] ?? 0); return !Number.isInteger(n) || n < 0 || n > outstanding(l); });
  const short = t.lines.reduce((s, l) => s + outstanding(l) - (Number(qty[l.sku]) || 0), 0);
  const submit = async () => {
    await action.run(
      () => post<TransferView>(`/api/v1/inventory/transfers/${encodeURIComponent(t.id)}/receive`, { lines: lines.map((l) => ({ ...l, ...(bin.trim() ? { bin: bin.trim() } : {}) })), ...(close ? { close: true } : {}) }),
      (r) => `Received ${lines.reduce((s, l) => s + l.qty, 0)} unit(s); transfer is ${label(r.status)}${r.lines.some((l) => l.discrepancy > 0) ? `, ${r.lines.reduce((s, l) => s + l.discrepancy, 0)} unit(s) recorded missing` : ''}.`,
    );
    await onDone();
  };
  return (
    <Paper withBorder p="sm" mt="sm" component="section" aria-labelledby="receive-title" bg="var(--mantine-color-default-hover)">
      <Title order={4} size="h5" id="receive-title" mb="xs">Receive</Title>
      <form onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <Group align="end" wrap="wrap" gap="xs">
          {t.lines.filter((l) => outstanding(l) > 0).map((l) => (
            <TextInput key={l.sku} label={`${l.sku} received`} description={`${outstanding(l)} in transit`} type="number" inputMode="numeric" min={0} max={outstanding(l)} value={qty[l.sku] ?? ''} onChange={(e) => { const v = e.currentTarget.value; setQty((c) => ({ ...c, [l.sku]: v })); }} w={160} data-testid={`receive-qty-${l.sku}`} />
          ))}
          <TextInput label="Into bin" description="optional; empty = unplaced, for putaway" value={bin} onChange={(e) => setBin(e.currentTarget.value)} w={200} autoComplete="off" />
        </Group>
        <Checkbox mt="xs" label="Close: record what has not arrived as missing (discrepancy)" checked={close} onChange={(e) => setClose(e.currentTarget.checked)} />
        {close && short > 0 && <Text size="sm" c="orange.9" mt={4}>{short} unit(s) will be recorded as missing.</Text>}
        <Button type="submit" mt="xs" loading={action.busy} disabled={bad || (lines.length === 0 && !close)}>Receive</Button>
      </form>
      {action.view}
    </Paper>
  );
}
