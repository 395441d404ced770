import { useState } from 'react';
import { Anchor, Badge, Button, Card, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { get, post, qs } from '../../api.js';
import { label } from '../../format.js';
import type { Page } from '../../types.js';
import { ScanError, ScanField, ScanOk, messageOf, useFloorWarehouse } from './scan.js';

interface AsnLine { line_no: number; sku: string; lot: string; expected: number; received: number; damaged: number; outstanding: number; receivable: number }
interface Asn { id: string; warehouse_id: string; reference: string; supplier: string | null; status: string; lines: AsnLine[]; totals: { expected: number; received: number; damaged: number } }
interface PutawayPlan {
  warehouse_id: string;
  items: { sku: string; unplaced_available: number; suggestions: { bin: string; reason: string; qty: number; room: number | null }[]; uncovered: number }[];
}

const REASONS: Record<string, string> = { holds_sku: 'already holds it', preferred_zone: 'preferred zone', empty_pickable: 'empty bin' };

export function ReceivePage() {
  const { id } = useParams();
  return id ? <ReceiveAsn asnId={id} /> : <AsnQueue />;
}

/** Open ASNs of the warehouse; scanning the supplier's ASN or PO number (or an `asn_…` id) opens one. */
function AsnQueue() {
  const { warehouseId, picker } = useFloorWarehouse();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const asns = useQuery({
    queryKey: ['asn-queue', warehouseId],
    enabled: !!warehouseId,
    refetchInterval: 30_000,
    queryFn: async () => {
      const pages = await Promise.all(['receiving', 'open'].map((s) => get<Page<Asn>>(`/api/v1/asns${qs({ warehouse_id: warehouseId, status: s, limit: 100 })}`)));
      return pages.flatMap((p) => p.data);
    },
  });
  // A scan can come before the list has loaded, or name an ASN created since it was fetched: what the list does
  // not hold is asked of the server by its exact reference.
  const open = async (v: string) => {
    setError(null);
    let hit = v.startsWith('asn_') ? v : asns.data?.find((a) => a.reference.toLowerCase() === v.toLowerCase())?.id;
    if (!hit && warehouseId) {
      try {
        const found = await get<Page<Asn>>(`/api/v1/asns${qs({ warehouse_id: warehouseId, reference: v, limit: 1 })}`);
        hit = found.data.find((a) => a.status === 'open' || a.status === 'receiving')?.id;
      } catch (err) {
        setError(messageOf(err));
        return;
      }
    }
    if (hit) navigate(`/floor/receive/${hit}`);
    else setError(`No open ASN ${v} at this warehouse.`);
  };
  return (
    <Stack gap="xs" maw={560}>
      <Title order={2}>Receive</Title>
      {picker}
      <ScanError error={error} />
      <ScanField label="Scan ASN or PO number" onScan={(v) => void open(v)} disabled={!warehouseId} />
      <Text fw={600} mt="sm">Expected deliveries</Text>
      {asns.data?.length === 0 && <Text c="dimmed">No open ASNs.</Text>}
      {(asns.data ?? []).map((a) => (
        <Anchor key={a.id} component={Link} to={`/floor/receive/${a.id}`}>
          {a.reference}{a.supplier ? ` · ${a.supplier}` : ''} · {a.totals.received} / {a.totals.expected} received
        </Anchor>
      ))}
    </Stack>
  );
}

function ReceiveAsn({ asnId }: { asnId: string }) {
  const client = useQueryClient();
  const [item, setItem] = useState<string | null>(null);
  const [good, setGood] = useState('1');
  const [damaged, setDamaged] = useState('0');
  const [putSku, setPutSku] = useState<string | null>(null);
  const [putQty, setPutQty] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [ok, setOk] = useState<string | null>(null);
  const asn = useQuery({ queryKey: ['asn', asnId], queryFn: () => get<Asn>(`/api/v1/asns/${asnId}`) });
  const plan = useQuery({ queryKey: ['asn-putaway', asnId], queryFn: () => get<PutawayPlan>(`/api/v1/asns/${asnId}/putaway`) });
  const a = asn.data;

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      await Promise.all([client.invalidateQueries({ queryKey: ['asn', asnId] }), client.invalidateQueries({ queryKey: ['asn-putaway', asnId] })]);
    } catch (err) {
      setError(messageOf(err));
      setOk(null);
    } finally {
      setBusy(false);
    }
  };
  const receive = () => run(async () => {
    if (!item) return;
    const lines = [{ sku_or_barcode: item, qty: Number(good || 0), damaged_qty: Number(damaged || 0) }];
    await post(`/api/v1/asns/${asnId}/receive`, { lines });
    setOk(`Received ${item}: ${lines[0]!.qty} good${lines[0]!.damaged_qty ? `, ${lines[0]!.damaged_qty} damaged` : ''}. Awaiting putaway.`);
    setItem(null);
  });
  const putAway = (bin: string) => run(async () => {
    if (!putSku || !a) return;
    await post('/api/v1/putaway', { warehouse_id: a.warehouse_id, sku: putSku, qty: Number(putQty), to_bin: bin });
    setOk(`Put ${putQty} × ${putSku} away in ${bin}.`);
    setPutSku(null);
  });

  if (asn.error) return <ScanError error={messageOf(asn.error)} />;
  if (!a) return null;
  const waiting = (plan.data?.items ?? []).filter((i) => i.unplaced_available > 0);
  const current = waiting.find((i) => i.sku === putSku);

  return (
    <Stack gap="xs" maw={560} data-testid="receive-screen">
      <Group justify="space-between">
        <Title order={2}>Receive {a.reference}</Title>
        <Badge size="lg">{label(a.status)}</Badge>
      </Group>
      <Anchor component={Link} to="/floor/receive" size="sm">← Another ASN</Anchor>
      <ScanError error={error} />
      <ScanOk>{ok}</ScanOk>
      {putSku ? (
        <Card withBorder padding="sm">
          <Text fw={600}>Put away {putSku}</Text>
          <TextInput label="Units" inputMode="numeric" value={putQty} onChange={(e) => setPutQty(e.currentTarget.value.replace(/\D/g, ''))} w={120} />
          <ScanField label="Scan the bin you put them in" onScan={(v) => void putAway(v)} disabled={busy || !putQty} focusKey={putSku} />
          <Button variant="default" mt="xs" onClick={() => setPutSku(null)}>Back</Button>
          {current?.suggestions.length === 0 && <Text c="orange" size="sm">No bin has room: {current.uncovered} unit(s) uncovered.</Text>}
        </Card>
      ) : item ? (
        <Card withBorder padding="sm">
          <Text fw={600} data-testid="receive-item">{item}</Text>
          <Group grow>
            <TextInput label="Good units" inputMode="numeric" autoFocus value={good} onChange={(e) => setGood(e.currentTarget.value.replace(/\D/g, ''))} onKeyDown={(e) => { if (e.key === 'Enter') void receive(); }} />
            <TextInput label="Damaged units" inputMode="numeric" value={damaged} onChange={(e) => setDamaged(e.currentTarget.value.replace(/\D/g, ''))} onKeyDown={(e) => { if (e.key === 'Enter') void receive(); }} />
          </Group>
          <Group grow mt="sm">
            <Button size="lg" onClick={() => void receive()} loading={busy} disabled={Number(good || 0) + Number(damaged || 0) < 1}>Receive</Button>
            <Button size="lg" variant="default" onClick={() => setItem(null)}>Cancel</Button>
          </Group>
        </Card>
      ) : (
        a.status !== 'closed' && a.status !== 'cancelled' && <ScanField label="Scan item" onScan={(v) => { setItem(v); setGood('1'); setDamaged('0'); setError(null); }} disabled={busy} />
      )}
      <Table data-testid="asn-lines" verticalSpacing={4}>
        <Table.Thead><Table.Tr><Table.Th>Item</Table.Th><Table.Th ta="right">Received</Table.Th><Table.Th ta="right">Damaged</Table.Th></Table.Tr></Table.Thead>
        <Table.Tbody>
          {a.lines.map((l) => (
            <Table.Tr key={l.line_no} data-sku={l.sku}>
              <Table.Td>{l.sku}{l.lot ? <Text span size="xs" c="dimmed"> lot {l.lot}</Text> : null}</Table.Td>
              <Table.Td ta="right">{l.received} / {l.expected}</Table.Td>
              <Table.Td ta="right">{l.damaged}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {waiting.length > 0 && (
        <Stack gap={4} data-testid="putaway">
          <Text fw={600}>Awaiting putaway</Text>
          {waiting.map((i) => (
            <Card key={i.sku} withBorder padding="xs">
              <Group justify="space-between">
                <Text>{i.sku}: {i.unplaced_available} unit(s)</Text>
                <Button size="xs" onClick={() => { setPutSku(i.sku); setPutQty(String(i.suggestions[0]?.qty ?? i.unplaced_available)); }} disabled={busy}>Put away</Button>
              </Group>
              <Text size="sm" data-testid="putaway-suggestion">
                {i.suggestions.length ? i.suggestions.map((s) => `${s.bin} × ${s.qty} (${REASONS[s.reason] ?? s.reason})`).join(', ') : 'No bin with room'}
              </Text>
            </Card>
          ))}
        </Stack>
      )}
    </Stack>
  );
}
