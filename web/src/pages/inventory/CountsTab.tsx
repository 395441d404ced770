import { useRef, useState, type KeyboardEvent } from 'react';
import { Alert, Badge, Button, Group, Modal, Paper, Select, Stack, Table, Text, TextInput, Textarea, Title, VisuallyHidden } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { get, post } from '../../api.js';
import { dateTime } from '../../format.js';
import { useReference } from '../../reference.js';
import { can, useSession } from '../../session.js';
import type { Page } from '../../types.js';
import { messageOf, useAction } from '../settings/common.js';
import type { Bin } from '../settings/types.js';
import { COUNT_STATUS_COLORS, signed, type CountView, type VarianceReport } from './types.js';

/**
 * Cycle counts: open one for bins (typed, scanned or a whole zone), record what each bin holds (a scanner acting as a
 * keyboard types bin, SKU and quantity, Enter moves on), read the variance, post it or cancel. The list is the
 * counts of the user's warehouses (GET /inventory/counts), newest first, filtered by status.
 */
export function CountsTab() {
  const user = useSession().user!;
  const [params, setParams] = useSearchParams();
  const open = params.get('count');
  const show = (id: string) => setParams({ tab: 'counts', count: id }, { replace: true });
  return (
    <Stack gap="md">
      {can.manageStock(user.role) && <NewCount onOpened={show} />}
      <CountList selected={open} onOpen={show} />
      {open && <CountDetail key={open} id={open} />}
    </Stack>
  );
}

interface CountSummary {
  id: string;
  warehouse_id: string;
  status: CountView['status'];
  bins: number;
  bins_counted: number;
  created_at: string;
  posted_at: string | null;
}

function CountList({ selected, onOpen }: { selected: string | null; onOpen: (id: string) => void }) {
  const ref = useReference();
  const [status, setStatus] = useState<string>('all');
  const counts = useQuery({
    queryKey: ['counts', status],
    refetchInterval: 15_000,
    queryFn: () => get<Page<CountSummary>>(`/api/v1/inventory/counts?limit=100${status === 'all' ? '' : `&status=${status}`}`),
  });
  const rows = counts.data?.data ?? [];
  return (
    <>
      <Select label="Status" data={[{ value: 'open', label: 'Open' }, { value: 'posted', label: 'Posted' }, { value: 'cancelled', label: 'Cancelled' }, { value: 'all', label: 'All' }]} value={status} onChange={(v) => setStatus(v ?? 'all')} w={180} allowDeselect={false} />
      <Table striped data-testid="counts-table">
        <Table.Caption>Cycle counts of your warehouses, newest first (the latest 100)</Table.Caption>
        <Table.Thead><Table.Tr><Table.Th>Count</Table.Th><Table.Th>Status</Table.Th><Table.Th>Warehouse</Table.Th><Table.Th>Counted bins</Table.Th><Table.Th>Created</Table.Th><Table.Th>Posted</Table.Th><Table.Th /></Table.Tr></Table.Thead>
        <Table.Tbody>
          {rows.map((c) => (
            <Table.Tr key={c.id} data-count-id={c.id} aria-selected={c.id === selected}>
              <Table.Td><Text ff="monospace" size="sm">{c.id}</Text></Table.Td>
              <Table.Td><Badge color={COUNT_STATUS_COLORS[c.status]} variant="light">{c.status}</Badge></Table.Td>
              <Table.Td>{ref.warehouseCode(c.warehouse_id)}</Table.Td>
              <Table.Td>{c.bins_counted} / {c.bins}</Table.Td>
              <Table.Td>{dateTime(c.created_at)}</Table.Td>
              <Table.Td>{dateTime(c.posted_at)}</Table.Td>
              <Table.Td><Button size="compact-xs" variant="subtle" onClick={() => onOpen(c.id)} aria-label={`Open count ${c.id}`}>Open</Button></Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {counts.data && rows.length === 0 && <Text c="gray.7" size="sm">No {status === 'all' ? '' : `${status} `}counts.</Text>}
    </>
  );
}

/** Bin codes as typed or scanned: separated by spaces, commas or new lines; duplicates dropped, order kept. */
const binCodes = (text: string): string[] => [...new Set(text.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean))];

function NewCount({ onOpened }: { onOpened: (id: string) => void }) {
  const ref = useReference();
  const qc = useQueryClient();
  const [wh, setWh] = useState<string | null>(null);
  const [bins, setBins] = useState('');
  const [zone, setZone] = useState<string | null>(null);
  const action = useAction();
  const warehouseBins = useQuery({ queryKey: ['warehouse-bins', wh], enabled: wh !== null, queryFn: () => get<Page<Bin>>(`/api/v1/warehouses/${wh}/bins`) });
  const zones = [...new Set((warehouseBins.data?.data ?? []).map((b) => b.zone).filter((z): z is string => !!z))].sort();
  const addZone = () => {
    const inZone = (warehouseBins.data?.data ?? []).filter((b) => b.zone === zone).map((b) => b.code);
    setBins((cur) => binCodes(`${cur} ${inZone.join(' ')}`).join('\n'));
  };
  const codes = binCodes(bins);
  const submit = async () => {
    const c = await action.run(() => post<CountView>('/api/v1/inventory/counts', { warehouse_id: wh, bins: codes }), (r) => `Count ${r.id} opened for ${r.bins.length} bin(s); they are blocked for picking until it is posted or cancelled.`);
    if (c) {
      qc.setQueryData(['count', c.id], c);
      await qc.invalidateQueries({ queryKey: ['counts'] });
      setBins('');
      onOpened(c.id);
    }
  };
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="new-count-title">
      <Title order={3} size="h4" id="new-count-title" mb="xs">New cycle count</Title>
      <form onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <Group align="start" wrap="wrap">
          <Select label="Warehouse" required data={ref.warehouses.map((w) => ({ value: w.id, label: `${w.code} · ${w.name}` }))} value={wh} onChange={(v) => { setWh(v); setZone(null); }} w={240} />
          <Textarea label="Bins" description="Codes, separated by spaces, commas or new lines (a scanner may type them)" required autosize minRows={2} maxRows={6} value={bins} onChange={(e) => setBins(e.currentTarget.value)} w={300} data-testid="count-bins" />
          <Group align="end" gap="xs" mt={24}>
            <Select label="Zone" placeholder={wh ? (zones.length ? 'Choose a zone' : 'No zones') : 'Choose a warehouse'} data={zones} value={zone} onChange={setZone} disabled={zones.length === 0} w={160} />
            <Button variant="default" disabled={!zone} onClick={addZone}>Add the zone's bins</Button>
          </Group>
        </Group>
        <Button type="submit" mt="sm" loading={action.busy} disabled={!wh || codes.length === 0}>Open count ({codes.length} bin{codes.length === 1 ? '' : 's'})</Button>
      </form>
      {action.view}
    </Paper>
  );
}

function CountDetail({ id }: { id: string }) {
  const ref = useReference();
  const role = useSession().user!.role;
  const qc = useQueryClient();
  const path = `/api/v1/inventory/counts/${encodeURIComponent(id)}`;
  const count = useQuery({ queryKey: ['count', id], queryFn: () => get<CountView>(path), retry: false });
  const variance = useQuery({ queryKey: ['count-variance', id], queryFn: () => get<VarianceReport>(`${path}/variance`), retry: false });
  const action = useAction();
  const [confirm, setConfirm] = useState<'post' | 'cancel' | null>(null);
  const refresh = async () => {
    await Promise.all([qc.invalidateQueries({ queryKey: ['count', id] }), qc.invalidateQueries({ queryKey: ['counts'] }), qc.invalidateQueries({ queryKey: ['count-variance', id] }), qc.invalidateQueries({ queryKey: ['bins'] }), qc.invalidateQueries({ queryKey: ['totals'] }), qc.invalidateQueries({ queryKey: ['ledger'] })]);
  };
  if (count.error) return <Alert color="red" role="alert">{messageOf(count.error)}</Alert>;
  const c = count.data;
  if (!c) return null;
  const lines = variance.data?.lines ?? [];
  const changes = lines.filter((l) => l.variance !== null && l.variance !== 0);
  const net = changes.reduce((s, l) => s + l.variance!, 0);
  const uncounted = c.bins.filter((b) => !b.counted_at);
  const act = async (what: 'post' | 'cancel') => {
    setConfirm(null);
    await action.run(() => post(`${path}/${what}`), () => (what === 'post' ? `Count posted: ${changes.length} adjustment(s), net ${signed(net)} units; the bins are released.` : 'Count cancelled: nothing adjusted; the bins are released.'));
    await refresh();
  };
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="count-title" data-testid="count-detail">
      <Group justify="space-between" mb="xs">
        <Group gap="sm">
          <Title order={3} size="h4" id="count-title">Count {c.id}</Title>
          <Badge color={COUNT_STATUS_COLORS[c.status]} variant="light" data-testid="count-status">{c.status}</Badge>
        </Group>
        <Text size="sm" c="gray.7">{ref.warehouseCode(c.warehouse_id)} · opened {dateTime(c.created_at)}{c.posted_at ? ` · posted ${dateTime(c.posted_at)}` : ''}</Text>
      </Group>
      <Text size="sm" mb="sm">Bins: {c.bins.map((b) => `${b.bin}${b.counted_at ? ' ✓' : ''}`).join(', ')} — {c.bins.length - uncounted.length} of {c.bins.length} counted.</Text>
      {c.status === 'open' && can.floorStock(role) && <CountEntry id={id} bins={c.bins.map((b) => b.bin)} onRecorded={refresh} />}
      {action.view}
      <Title order={4} size="h5" mt="md" mb={4}>Variance</Title>
      {variance.error && <Alert color="red" role="alert">{messageOf(variance.error)}</Alert>}
      <Table striped data-testid="variance-table">
        <Table.Caption>Expected (system) and counted units per bin, SKU and lot; variance = counted − expected</Table.Caption>
        <Table.Thead><Table.Tr><Table.Th>Bin</Table.Th><Table.Th>SKU</Table.Th><Table.Th>Lot</Table.Th><Table.Th style={{ textAlign: 'right' }}>Expected</Table.Th><Table.Th style={{ textAlign: 'right' }}>Counted</Table.Th><Table.Th style={{ textAlign: 'right' }}>Variance (units)</Table.Th></Table.Tr></Table.Thead>
        <Table.Tbody>
          {lines.map((l) => (
            <Table.Tr key={`${l.bin_id}-${l.sku_id}-${l.lot}`} data-variance-row={`${l.bin}|${l.sku}|${l.lot}`}>
              <Table.Td>{l.bin}</Table.Td><Table.Td>{l.sku}</Table.Td><Table.Td>{l.lot}</Table.Td>
              <Table.Td style={{ textAlign: 'right' }}>{l.expected}</Table.Td>
              <Table.Td style={{ textAlign: 'right' }}>{l.counted ?? <Text span c="gray.7" size="sm">not counted</Text>}</Table.Td>
              <Table.Td style={{ textAlign: 'right', fontWeight: l.variance ? 700 : undefined }} c={l.variance ? (l.variance < 0 ? 'red.9' : 'teal.9') : undefined} data-testid="variance">
                {l.variance === null ? '—' : signed(l.variance)}
                {l.variance !== null && l.variance !== 0 && <VisuallyHidden>{l.variance < 0 ? ' (short)' : ' (over)'}</VisuallyHidden>}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {variance.data && lines.length === 0 && <Text size="sm" c="gray.7">No stock expected and nothing counted yet.</Text>}
      <Text size="sm" mt="xs" data-testid="variance-summary">{changes.length} line(s) differ, net {signed(net)} units.</Text>
      {c.status === 'open' && can.manageStock(role) && (
        <Group mt="sm">
          <Button onClick={() => setConfirm('post')} disabled={uncounted.length > 0 || action.busy} title={uncounted.length > 0 ? `Count ${uncounted.map((b) => b.bin).join(', ')} first` : undefined}>Post variance</Button>
          <Button variant="default" color="red" onClick={() => setConfirm('cancel')} disabled={action.busy}>Cancel count</Button>
          {uncounted.length > 0 && <Text size="sm" c="gray.7">Not counted yet: {uncounted.map((b) => b.bin).join(', ')}</Text>}
        </Group>
      )}
      <Modal opened={confirm === 'post'} onClose={() => setConfirm(null)} title={`Post count ${c.id}?`}>
        <Text size="sm">{changes.length === 0 ? 'Nothing differs: posting adjusts nothing and releases the bins.' : `This adjusts stock on ${changes.length} line(s), net ${signed(net)} units (ledger type count), and releases the bins. It cannot be undone.`}</Text>
        <Group justify="end" mt="md"><Button variant="default" onClick={() => setConfirm(null)}>Back</Button><Button onClick={() => void act('post')} data-autofocus>Post</Button></Group>
      </Modal>
      <Modal opened={confirm === 'cancel'} onClose={() => setConfirm(null)} title={`Cancel count ${c.id}?`}>
        <Text size="sm">What was counted is discarded, nothing is adjusted and the bins are released.</Text>
        <Group justify="end" mt="md"><Button variant="default" onClick={() => setConfirm(null)} data-autofocus>Back</Button><Button color="red" onClick={() => void act('cancel')}>Cancel count</Button></Group>
      </Modal>
    </Paper>
  );
}

interface EntryLine { sku: string; lot: string; qty: number }

/**
 * What one bin holds. Keyboard (or a scanner acting as one): bin, Enter → SKU, Enter → quantity (1 unless typed),
 * Enter → the line is added (the same SKU and lot again adds up) and the SKU field has the focus again for the next
 * item. "Record bin" sends the lines as the bin's whole content (nothing listed = the bin is empty).
 */
function CountEntry({ id, bins, onRecorded }: { id: string; bins: string[]; onRecorded: () => Promise<void> }) {
  const [bin, setBin] = useState('');
  const [sku, setSku] = useState('');
  const [lot, setLot] = useState('');
  const [qty, setQty] = useState('1');
  const [lines, setLines] = useState<EntryLine[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const action = useAction();
  const binRef = useRef<HTMLInputElement>(null);
  const skuRef = useRef<HTMLInputElement>(null);
  const qtyRef = useRef<HTMLInputElement>(null);
  const enter = (fn: () => void) => (e: KeyboardEvent) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    fn();
  };
  const addLine = () => {
    const n = Number(qty);
    if (!sku.trim()) return skuRef.current?.focus();
    if (!Number.isInteger(n) || n < 0) {
      setProblem('Quantity must be a whole number, 0 or more.');
      return qtyRef.current?.focus();
    }
    setProblem(null);
    setLines((cur) => {
      const i = cur.findIndex((l) => l.sku === sku.trim() && l.lot === lot.trim());
      if (i < 0) return [...cur, { sku: sku.trim(), lot: lot.trim(), qty: n }];
      return cur.map((l, j) => (j === i ? { ...l, qty: l.qty + n } : l));
    });
    setSku('');
    setLot('');
    setQty('1');
    skuRef.current?.focus();
  };
  const record = async () => {
    const code = bin.trim();
    if (!code) return binRef.current?.focus();
    const r = await action.run(
      () => post(`/api/v1/inventory/counts/${encodeURIComponent(id)}/entries`, { bin: code, lines: lines.map((l) => ({ sku: l.sku, qty: l.qty, ...(l.lot ? { lot: l.lot } : {}) })) }),
      () => `Bin ${code} recorded: ${lines.reduce((s, l) => s + l.qty, 0)} unit(s) in ${lines.length} line(s).`,
    );
    if (r !== undefined) {
      setBin('');
      setLines([]);
      await onRecorded();
      binRef.current?.focus();
    }
  };
  return (
    <Paper withBorder p="sm" component="section" aria-labelledby="count-entry-title" bg="var(--mantine-color-default-hover)">
      <Title order={4} size="h5" id="count-entry-title" mb={4}>Record a bin</Title>
      <Text size="xs" c="gray.7" mb="xs">Bins of this count: {bins.join(', ')}. Recording a bin again replaces what was recorded for it.</Text>
      <Group align="end" gap="xs" wrap="wrap">
        <TextInput label="Bin" ref={binRef} value={bin} onChange={(e) => setBin(e.currentTarget.value)} onKeyDown={enter(() => skuRef.current?.focus())} w={140} data-testid="count-bin" autoComplete="off" />
        <TextInput label="SKU" ref={skuRef} value={sku} onChange={(e) => setSku(e.currentTarget.value)} onKeyDown={enter(() => { if (sku.trim()) { qtyRef.current?.focus(); qtyRef.current?.select(); } })} w={180} data-testid="count-sku" autoComplete="off" />
        <TextInput label="Lot (optional)" value={lot} onChange={(e) => setLot(e.currentTarget.value)} onKeyDown={enter(() => qtyRef.current?.focus())} w={120} autoComplete="off" />
        <TextInput label="Quantity" ref={qtyRef} type="number" inputMode="numeric" min={0} value={qty} onChange={(e) => setQty(e.currentTarget.value)} onKeyDown={enter(addLine)} w={110} data-testid="count-qty" />
        <Button variant="default" onClick={addLine} disabled={!sku.trim()}>Add line</Button>
      </Group>
      {problem && <Alert color="red" role="alert" mt="xs">{problem}</Alert>}
      <Table mt="xs" data-testid="count-lines">
        <Table.Caption>Lines to record for {bin.trim() ? `bin ${bin.trim()}` : 'the bin'}{lines.length === 0 ? ' (none: the bin is recorded as empty)' : ''}</Table.Caption>
        <Table.Thead><Table.Tr><Table.Th>SKU</Table.Th><Table.Th>Lot</Table.Th><Table.Th style={{ textAlign: 'right' }}>Counted</Table.Th><Table.Th /></Table.Tr></Table.Thead>
        <Table.Tbody>
          {lines.map((l, i) => (
            <Table.Tr key={`${l.sku}-${l.lot}`}>
              <Table.Td>{l.sku}</Table.Td><Table.Td>{l.lot}</Table.Td><Table.Td style={{ textAlign: 'right' }}>{l.qty}</Table.Td>
              <Table.Td><Button size="compact-xs" variant="subtle" color="red" aria-label={`Remove ${l.sku}${l.lot ? ` lot ${l.lot}` : ''}`} onClick={() => setLines((cur) => cur.filter((_, j) => j !== i))}>Remove</Button></Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Button mt="xs" onClick={() => void record()} loading={action.busy} disabled={!bin.trim()}>{bin.trim() ? `Record bin ${bin.trim()}${lines.length === 0 ? ' as empty' : ''}` : 'Record bin'}</Button>
      {action.view}
    </Paper>
  );
}

