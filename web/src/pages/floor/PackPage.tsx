import { useRef, useState } from 'react';
import { Anchor, Badge, Button, Card, Group, NativeSelect, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { get, post, qs } from '../../api.js';
import { dateTime, label } from '../../format.js';
import type { OrderRow, Page } from '../../types.js';
import { ScanError, ScanField, ScanOk, messageOf, useFloorWarehouse } from './scan.js';
import type { Carton, CartonPreview, FulfillmentOrderRow, PackResult, PackState, Shipment } from './types.js';

/**
 * Finds the fulfillment order behind a scan at the pack station: a `fo_…` id as is, otherwise an order number (the
 * packing slip's barcode) whose fulfillment order at this warehouse is picked or being packed.
 */
async function resolveScan(scan: string, warehouseId: string | null): Promise<string> {
  if (scan.startsWith('fo_')) return scan;
  const orders = await get<Page<OrderRow>>(`/api/v1/orders${qs({ q: scan, limit: 5 })}`);
  const order = orders.data.find((o) => o.number.toLowerCase() === scan.toLowerCase());
  if (!order) throw new Error(`No order ${scan} was found.`);
  const fos = await get<Page<FulfillmentOrderRow>>(`/api/v1/fulfillment-orders${qs({ order_id: order.id, warehouse_id: warehouseId })}`);
  const ready = fos.data.find((f) => f.status === 'picked' || f.status === 'packing');
  if (!ready) throw new Error(`Order ${order.number} has nothing ready to pack here (${fos.data.map((f) => label(f.status)).join(', ') || 'no work at this warehouse'}).`);
  return ready.id;
}

export function PackPage() {
  const { id } = useParams();
  return id ? <PackStation foId={id} /> : <PackQueue />;
}

function PackQueue() {
  const { warehouseId, picker } = useFloorWarehouse();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ready = useQuery({
    queryKey: ['pack-queue', warehouseId],
    enabled: !!warehouseId,
    refetchInterval: 15_000,
    queryFn: async () => {
      const [picked, packing] = await Promise.all(['picked', 'packing'].map((s) => get<Page<FulfillmentOrderRow>>(`/api/v1/fulfillment-orders${qs({ warehouse_id: warehouseId, status: s, limit: 50 })}`)));
      return [...packing!.data, ...picked!.data];
    },
  });
  const open = async (scan: string) => {
    setBusy(true);
    setError(null);
    try {
      navigate(`/floor/pack/${await resolveScan(scan, warehouseId)}`);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack gap="xs" maw={560}>
      <Title order={2}>Pack</Title>
      {picker}
      <ScanError error={error} />
      <ScanField label="Scan order number or fulfillment order" onScan={(v) => void open(v)} disabled={busy} />
      <Text fw={600} mt="sm">Ready to pack</Text>
      {ready.data?.length === 0 && <Text c="dimmed">Nothing picked and waiting.</Text>}
      <Stack gap={4} data-testid="pack-queue">
        {(ready.data ?? []).map((f) => (
          <Anchor key={f.id} component={Link} to={`/floor/pack/${f.id}`}>
            {f.id} · {label(f.status)} · {f.lines.reduce((n, l) => n + l.qty - l.qty_cancelled, 0)} unit(s){f.dispatch_by ? ` · by ${dateTime(f.dispatch_by)}` : ''}
          </Anchor>
        ))}
      </Stack>
    </Stack>
  );
}

function PackStation({ foId }: { foId: string }) {
  const client = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const [ok, setOk] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [carton, setCarton] = useState('');
  const [weight, setWeight] = useState('');
  const [packed, setPacked] = useState<PackResult | null>(null);
  const [shipments, setShipments] = useState<Record<string, Shipment>>({});
  const key = ['pack', foId];
  const state = useQuery({ queryKey: key, queryFn: () => get<PackState>(`/api/v1/fulfillment-orders/${foId}/pack`) });
  const s = state.data;
  const toPack = (s?.lines ?? []).filter((l) => l.expected > 0);
  const packable = !!s && s.complete && (s.status === 'packing' || s.status === 'picked');
  const cartons = useQuery({
    queryKey: ['cartons', s?.warehouse_id],
    enabled: !!s,
    staleTime: 300_000,
    queryFn: () => get<Page<Carton> | Carton[]>(`/api/v1/warehouses/${s!.warehouse_id}/cartons`).then((r) => (Array.isArray(r) ? r : r.data)),
  });
  const suggestion = useQuery({
    queryKey: ['cartonize', s?.warehouse_id, toPack.map((l) => `${l.sku}:${l.expected}`).join(',')],
    enabled: packable && toPack.length > 0,
    retry: false,
    queryFn: () => post<CartonPreview>(`/api/v1/warehouses/${s!.warehouse_id}/cartonize`, { items: toPack.map((l) => ({ sku: l.sku, qty: l.expected })) }),
  });

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(messageOf(err));
      setOk(null);
    } finally {
      setBusy(false);
    }
  };
  // A scanner does not wait for the server: scans typed while one is in flight queue up and go in order.
  const queue = useRef<Promise<void>>(Promise.resolve());
  const scan = (barcode: string) => { queue.current = queue.current.then(() => scanOne(barcode)); };
  const scanOne = (barcode: string) => run(async () => {
    const r = await post<PackState & { scanned: { sku: string; name: string; scanned: number; expected: number } }>(`/api/v1/fulfillment-orders/${foId}/pack-scans`, { barcode });
    client.setQueryData(key, r);
    setOk(`${r.scanned.sku} ${r.scanned.name}: ${r.scanned.scanned} of ${r.scanned.expected}`);
  });
  const pack = () => run(async () => {
    const body: Record<string, unknown> = {};
    if (carton) body.carton = carton;
    if (weight) body.weight_g = Number(weight);
    const r = await post<PackResult>(`/api/v1/fulfillment-orders/${foId}/pack`, body);
    setPacked(r);
    setOk(`Packed into ${r.packages.length} package(s).`);
    await client.invalidateQueries({ queryKey: key });
  });
  const ship = (pkgId: string) => run(async () => {
    const r = await post<Shipment>(`/api/v1/packages/${pkgId}/ship`, {});
    setShipments((m) => ({ ...m, [pkgId]: r }));
    setOk(`Shipped with ${r.carrier} ${r.service}: tracking ${r.tracking_number}.`);
  });

  if (state.error) return <ScanError error={messageOf(state.error)} />;
  if (!s) return null;
  const suggested = suggestion.data?.packages;
  const packages = packed?.packages ?? s.packages.filter((p) => p.status !== 'cancelled');

  return (
    <Stack gap="xs" maw={560} data-testid="pack-screen">
      <Group justify="space-between">
        <Title order={2}>Pack order {s.order_number}</Title>
        <Badge size="lg" data-testid="pack-status">{label(s.status)}</Badge>
      </Group>
      <Anchor component={Link} to="/floor/pack" size="sm">← Another order</Anchor>
      <ScanError error={error} />
      <ScanOk>{ok}</ScanOk>
      {!s.complete && <ScanField label="Scan item" onScan={scan} focusKey={s.status} />}
      <Table data-testid="pack-lines" verticalSpacing={4}>
        <Table.Thead><Table.Tr><Table.Th>Item</Table.Th><Table.Th ta="right">Scanned</Table.Th></Table.Tr></Table.Thead>
        <Table.Tbody>
          {toPack.map((l) => (
            <Table.Tr key={l.sku_id} data-sku={l.sku} bg={l.remaining === 0 ? 'var(--mantine-color-green-light)' : undefined}>
              <Table.Td><Text fw={600}>{l.sku}</Text><Text size="sm">{l.name}</Text></Table.Td>
              <Table.Td ta="right"><Text fz="xl" fw={700} data-testid="pack-count">{l.scanned} / {l.expected}</Text></Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {packable && !packed && (
        <Card withBorder padding="sm">
          <Text size="sm" data-testid="carton-suggestion">
            {suggested?.length
              ? `Suggested: ${suggested.map((p) => `${p.carton.code} (${Math.round(p.fill_ratio * 100)}% full)`).join(' + ')}`
              : suggestion.error ? `No suggestion: ${messageOf(suggestion.error)}` : 'Working out a carton…'}
          </Text>
          <NativeSelect
            label="Carton"
            value={carton}
            onChange={(e) => setCarton(e.currentTarget.value)}
            data={[{ value: '', label: 'Automatic (the suggestion)' }, ...(cartons.data ?? []).filter((c) => c.active).map((c) => ({ value: c.code, label: `${c.code} · ${c.length_mm}×${c.width_mm}×${c.height_mm} mm` }))]}
            mt="xs"
          />
          <TextInput
            label="Weight (g) from the scale"
            description="Leave empty to use the catalog weight (flagged as estimated)"
            inputMode="numeric"
            value={weight}
            onChange={(e) => setWeight(e.currentTarget.value.replace(/\D/g, ''))}
            onKeyDown={(e) => { if (e.key === 'Enter') { e.preventDefault(); void pack(); } }}
            mt="xs"
          />
          <Button size="xl" mt="sm" fullWidth onClick={() => void pack()} loading={busy}>Pack</Button>
        </Card>
      )}
      {packages.length > 0 && (
        <Stack gap={4} data-testid="packages">
          <Text fw={600}>Packages</Text>
          {packages.map((p) => {
            const sh = shipments[p.id];
            return (
              <Card key={p.id} withBorder padding="xs" data-package-id={p.id}>
                <Group justify="space-between">
                  <Text>#{p.seq} · {p.carton_code ?? 'no carton'} · {p.weight_g} g{p.weight_estimated ? ' (estimated)' : ''}</Text>
                  <Badge>{label(sh?.status ?? p.status)}</Badge>
                </Group>
                {sh ? (
                  <Group gap="sm" mt={4}>
                    <Text size="sm">{sh.carrier} · {sh.tracking_number}</Text>
                    <Anchor href={`/api/v1/shipments/${sh.id}/label?format=pdf`} target="_blank">Label PDF</Anchor>
                    <Anchor href={`/api/v1/shipments/${sh.id}/label?format=zpl`} target="_blank">ZPL</Anchor>
                  </Group>
                ) : p.status === 'packed' && (
                  <Button size="xs" mt={4} variant="light" onClick={() => void ship(p.id)} loading={busy}>Ship and print label</Button>
                )}
              </Card>
            );
          })}
          <Anchor href={`/api/v1/fulfillment-orders/${foId}/packing-slip.pdf`} target="_blank">Packing slip (PDF)</Anchor>
        </Stack>
      )}
      {packed?.notes.map((n) => <Text key={n} size="sm" c="dimmed">{n}</Text>)}
    </Stack>
  );
}
