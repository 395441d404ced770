import { useState } from 'react';
import { Alert, Anchor, Badge, Button, Card, Group, NativeSelect, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { get, post, qs } from '../../api.js';
import { dateTime, label, money } from '../../format.js';
import type { OrderRow, OrderView, Page } from '../../types.js';
import { ScanField, messageOf } from '../floor/scan.js';

const STATUSES = ['requested', 'received', 'inspected', 'closed', 'cancelled'];
const REASONS = ['damaged', 'defective', 'wrong_item', 'not_as_described', 'no_longer_needed', 'size_fit', 'other'];
const CONDITIONS = ['new', 'opened', 'damaged'];
const DISPOSITIONS = ['restock', 'quarantine', 'scrap'];

interface ReturnLine { line_id: string; line_no: number; sku: string; reason: string; qty: number; qty_received: number; qty_inspected: number; qty_restocked: number; qty_quarantined: number; qty_scrapped: number; refund_amount: number }
interface Return {
  id: string; number: string; order_id: string; type: string; status: string; currency: string; refund_amount: number; note: string | null; created_at: string;
  lines: ReturnLine[]; inspections: { id: number; line_id: string; qty: number; condition: string; disposition: string; refund_amount: number; at: string }[];
}

const options = (values: string[]) => values.map((v) => ({ value: v, label: label(v) }));

/** Returns (RMAs): the list, a new return from an order's shipped lines, and receiving and inspecting one. */
export function ReturnsPage() {
  const { id } = useParams();
  return id ? <ReturnDetail id={id} /> : <ReturnsList />;
}

function ReturnsList() {
  const [status, setStatus] = useState('');
  const list = useQuery({ queryKey: ['returns', status], refetchInterval: 30_000, queryFn: () => get<Page<Omit<Return, 'lines' | 'inspections'>>>(`/api/v1/returns${qs({ status: status || undefined, limit: 100 })}`) });
  return (
    <Stack gap="sm">
      <Title order={2}>Returns</Title>
      <NewReturn />
      <NativeSelect label="Status" value={status} onChange={(e) => setStatus(e.currentTarget.value)} data={[{ value: '', label: 'All' }, ...options(STATUSES)]} w={200} />
      {list.error && <Alert color="red">{messageOf(list.error)}</Alert>}
      <Table data-testid="returns-table" striped>
        <Table.Thead><Table.Tr><Table.Th>Return</Table.Th><Table.Th>Type</Table.Th><Table.Th>Status</Table.Th><Table.Th>Refund</Table.Th><Table.Th>Created</Table.Th><Table.Th>Note</Table.Th></Table.Tr></Table.Thead>
        <Table.Tbody>
          {(list.data?.data ?? []).map((r) => (
            <Table.Tr key={r.id} data-return-id={r.id}>
              <Table.Td><Anchor component={Link} to={`/shipping/returns/${r.id}`}>{r.number}</Anchor></Table.Td>
              <Table.Td>{r.type}</Table.Td>
              <Table.Td><Badge variant="light">{label(r.status)}</Badge></Table.Td>
              <Table.Td>{money(r.refund_amount, r.currency)}</Table.Td>
              <Table.Td>{dateTime(r.created_at)}</Table.Td>
              <Table.Td><Text size="sm" lineClamp={1}>{r.note ?? ''}</Text></Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {list.data?.data.length === 0 && <Text c="dimmed">No returns.</Text>}
    </Stack>
  );
}

/** Opens an RMA: find the order by number, choose units of its shipped lines and a reason for each. */
function NewReturn() {
  const navigate = useNavigate();
  const [number, setNumber] = useState('');
  const [order, setOrder] = useState<OrderView | null>(null);
  const [picks, setPicks] = useState<Record<string, { qty: string; reason: string }>>({});
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const find = async () => {
    setError(null);
    setOrder(null);
    try {
      const rows = await get<Page<OrderRow>>(`/api/v1/orders${qs({ q: number.trim(), limit: 5 })}`);
      const hit = rows.data.find((o) => o.number.toLowerCase() === number.trim().toLowerCase());
      if (!hit) throw new Error(`No order ${number.trim()} was found.`);
      setOrder(await get<OrderView>(`/api/v1/orders/${hit.id}`));
      setPicks({});
    } catch (err) {
      setError(messageOf(err));
    }
  };
  const create = async () => {
    if (!order) return;
    setBusy(true);
    setError(null);
    try {
      const lines = Object.entries(picks).filter(([, p]) => Number(p.qty) > 0).map(([line_id, p]) => ({ line_id, qty: Number(p.qty), reason: p.reason }));
      const r = await post<Return>('/api/v1/returns', { order_id: order.id, lines, ...(note.trim() ? { note: note.trim() } : {}) });
      navigate(`/shipping/returns/${r.id}`);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  const returnable = (order?.lines ?? []).filter((l) => l.qty_shipped - l.qty_returned > 0);
  const chosen = Object.values(picks).some((p) => Number(p.qty) > 0);

  return (
    <Card withBorder padding="sm">
      <Text fw={600} mb="xs">New return</Text>
      <Group align="end">
        <TextInput label="Order number" value={number} onChange={(e) => setNumber(e.currentTarget.value)} onKeyDown={(e) => { if (e.key === 'Enter') void find(); }} w={200} />
        <Button variant="default" onClick={() => void find()} disabled={!number.trim()}>Find order</Button>
      </Group>
      {error && <Alert color="red" mt="sm" role="alert">{error}</Alert>}
      {order && (
        <Stack gap="xs" mt="sm">
          <Text size="sm">Order {order.number} · {label(order.status)}</Text>
          {returnable.length === 0 && <Text c="dimmed">Nothing shipped on this order can be returned.</Text>}
          {returnable.map((l) => {
            const p = picks[l.id] ?? { qty: '', reason: 'no_longer_needed' };
            const set = (v: Partial<typeof p>) => setPicks((m) => ({ ...m, [l.id]: { ...p, ...v } }));
            return (
              <Group key={l.id} align="end" gap="sm">
                <Text w={200} size="sm">{l.sku ?? l.channel_sku} {l.title ? `· ${l.title}` : ''} (up to {l.qty_shipped - l.qty_returned})</Text>
                <TextInput label="Units" aria-label={`Units of ${l.sku ?? l.id}`} inputMode="numeric" w={80} value={p.qty} onChange={(e) => set({ qty: e.currentTarget.value.replace(/\D/g, '') })} error={Number(p.qty) > l.qty_shipped - l.qty_returned ? 'too many' : undefined} />
                <NativeSelect label="Reason" value={p.reason} onChange={(e) => set({ reason: e.currentTarget.value })} data={options(REASONS)} />
              </Group>
            );
          })}
          {returnable.length > 0 && (
            <Group align="end">
              <TextInput label="Note" value={note} onChange={(e) => setNote(e.currentTarget.value)} w={300} />
              <Button onClick={() => void create()} loading={busy} disabled={!chosen}>Create return</Button>
            </Group>
          )}
        </Stack>
      )}
    </Card>
  );
}

function ReturnDetail({ id }: { id: string }) {
  const client = useQueryClient();
  const ret = useQuery({ queryKey: ['return', id], queryFn: () => get<Return>(`/api/v1/returns/${id}`) });
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [verdicts, setVerdicts] = useState<Record<string, { qty: string; condition: string; disposition: string; bin: string }>>({});
  const r = ret.data;

  const act = async (fn: () => Promise<string>) => {
    setBusy(true);
    try {
      setMessage({ ok: true, text: await fn() });
      await client.invalidateQueries({ queryKey: ['return', id] });
      await client.invalidateQueries({ queryKey: ['returns'] });
    } catch (err) {
      setMessage({ ok: false, text: messageOf(err) });
    } finally {
      setBusy(false);
    }
  };
  const receive = (code: string) => act(async () => {
    await post(`/api/v1/returns/${id}/receive`, { lines: [{ sku_or_barcode: code, qty: 1 }] });
    return `Received 1 × ${code}.`;
  });
  const inspect = (line: ReturnLine) => act(async () => {
    const v = verdicts[line.line_id] ?? { qty: '', condition: 'new', disposition: 'restock', bin: '' };
    const body = { line_id: line.line_id, condition: v.condition, disposition: v.disposition, ...(v.qty ? { qty: Number(v.qty) } : {}), ...(v.bin.trim() ? { bin: v.bin.trim() } : {}) };
    await post(`/api/v1/returns/${id}/inspect`, { lines: [body] });
    return `${line.sku}: ${label(v.disposition)}.`;
  });
  const close = () => act(async () => { await post(`/api/v1/returns/${id}/close`); return 'Return closed.'; });

  if (ret.error) return <Alert color="red">{messageOf(ret.error)}</Alert>;
  if (!r) return null;
  const open = r.status !== 'closed' && r.status !== 'cancelled';
  const toInspect = r.lines.filter((l) => l.qty_received > l.qty_inspected);

  return (
    <Stack gap="sm" maw={760} data-testid="return-detail">
      <Group justify="space-between">
        <Title order={2}>Return {r.number}</Title>
        <Badge size="lg" data-testid="return-status">{label(r.status)}</Badge>
      </Group>
      <Group gap="md">
        <Anchor component={Link} to="/shipping/returns" size="sm">← Returns</Anchor>
        <Anchor component={Link} to={`/orders/${r.order_id}`} size="sm">Order</Anchor>
        <Text size="sm">Refund so far: {money(r.refund_amount, r.currency)}</Text>
      </Group>
      {message && <Alert color={message.ok ? 'green' : 'red'} variant={message.ok ? 'light' : 'filled'} role={message.ok ? 'status' : 'alert'} data-testid={message.ok ? 'scan-ok' : 'scan-error'}>{message.text}</Alert>}
      {open && r.lines.some((l) => l.qty_received < l.qty) && <ScanField label="Scan returned item (one unit per scan)" onScan={(v) => void receive(v)} disabled={busy} />}
      <Table data-testid="return-lines">
        <Table.Thead><Table.Tr><Table.Th>SKU</Table.Th><Table.Th>Reason</Table.Th><Table.Th>Received</Table.Th><Table.Th>Inspected</Table.Th><Table.Th>Restocked / quarantined / scrapped</Table.Th><Table.Th>Refund</Table.Th></Table.Tr></Table.Thead>
        <Table.Tbody>
          {r.lines.map((l) => (
            <Table.Tr key={l.line_id} data-sku={l.sku}>
              <Table.Td>{l.sku}</Table.Td>
              <Table.Td>{label(l.reason)}</Table.Td>
              <Table.Td>{l.qty_received} / {l.qty}</Table.Td>
              <Table.Td>{l.qty_inspected}</Table.Td>
              <Table.Td>{l.qty_restocked} / {l.qty_quarantined} / {l.qty_scrapped}</Table.Td>
              <Table.Td>{money(l.refund_amount, r.currency)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {open && toInspect.map((l) => {
        const v = verdicts[l.line_id] ?? { qty: '', condition: 'new', disposition: 'restock', bin: '' };
        const set = (x: Partial<typeof v>) => setVerdicts((m) => ({ ...m, [l.line_id]: { ...v, ...x } }));
        return (
          <Card key={l.line_id} withBorder padding="sm" data-inspect-line={l.sku}>
            <Text fw={600}>Inspect {l.sku}: {l.qty_received - l.qty_inspected} unit(s) waiting</Text>
            <Group align="end" gap="sm" wrap="wrap">
              <TextInput label="Units" placeholder={`all ${l.qty_received - l.qty_inspected}`} inputMode="numeric" w={90} value={v.qty} onChange={(e) => set({ qty: e.currentTarget.value.replace(/\D/g, '') })} />
              <NativeSelect label="Condition" value={v.condition} onChange={(e) => set({ condition: e.currentTarget.value })} data={options(CONDITIONS)} />
              <NativeSelect label="Disposition" value={v.disposition} onChange={(e) => set({ disposition: e.currentTarget.value })} data={options(DISPOSITIONS)} />
              <TextInput label="Bin" placeholder="suggested" w={120} value={v.bin} onChange={(e) => set({ bin: e.currentTarget.value })} />
              <Button onClick={() => void inspect(l)} loading={busy}>Record inspection</Button>
            </Group>
          </Card>
        );
      })}
      {r.inspections.length > 0 && (
        <Stack gap={2}>
          <Text fw={600}>Inspections</Text>
          {r.inspections.map((i) => (
            <Text key={i.id} size="sm">{dateTime(i.at)} · {r.lines.find((l) => l.line_id === i.line_id)?.sku} × {i.qty} · {i.condition} → {i.disposition} · {money(i.refund_amount, r.currency)}</Text>
          ))}
        </Stack>
      )}
      {r.status === 'inspected' && <Button variant="default" onClick={() => void close()} loading={busy} w={200}>Close return</Button>}
    </Stack>
  );
}
