import { useState } from 'react';
import { Alert, Anchor, Badge, Button, Group, NativeSelect, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { get, post, qs } from '../../api.js';
import { dateTime, label } from '../../format.js';
import { can, useSession } from '../../session.js';
import type { Page } from '../../types.js';
import { messageOf, useFloorWarehouse } from '../floor/scan.js';
import type { Shipment } from '../floor/types.js';

const STATUSES = ['label_created', 'in_transit', 'out_for_delivery', 'delivered', 'exception', 'rto_initiated', 'rto_delivered', 'cancelled'];
const STATUS_COLOR: Record<string, string> = { label_created: 'gray', in_transit: 'blue', out_for_delivery: 'cyan', delivered: 'green', exception: 'red', rto_initiated: 'orange', rto_delivered: 'grape', cancelled: 'dark' };

interface Manifest { id: string; warehouse_id: string; carrier: string; number: string; status: 'open' | 'closed'; opened_at: string; closed_at: string | null; shipment_count: number; total_weight_g: number }

/** Shipments by status with tracking and label reprints; carrier manifests opened, closed and handed over. */
export function ShippingPage() {
  const { warehouseId, picker } = useFloorWarehouse();
  return (
    <Stack gap="sm">
      <Title order={2}>Shipping</Title>
      <Group align="end">{picker}</Group>
      {warehouseId && (
        <Tabs defaultValue="shipments" keepMounted={false}>
          <Tabs.List>
            <Tabs.Tab value="shipments">Shipments</Tabs.Tab>
            <Tabs.Tab value="manifests">Manifests</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="shipments" pt="sm"><Shipments warehouseId={warehouseId} /></Tabs.Panel>
          <Tabs.Panel value="manifests" pt="sm"><Manifests warehouseId={warehouseId} /></Tabs.Panel>
        </Tabs>
      )}
    </Stack>
  );
}

function Shipments({ warehouseId }: { warehouseId: string }) {
  const [status, setStatus] = useState('label_created');
  const list = useInfiniteQuery({
    queryKey: ['shipments', warehouseId, status],
    initialPageParam: null as string | null,
    refetchInterval: 30_000,
    queryFn: ({ pageParam }) => get<Page<Shipment>>(`/api/v1/shipments${qs({ warehouse_id: warehouseId, status: status || undefined, cursor: pageParam, limit: 100 })}`),
    getNextPageParam: (last) => last.next_cursor,
  });
  const rows = list.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <>
      <NativeSelect label="Status" value={status} onChange={(e) => setStatus(e.currentTarget.value)} data={[{ value: '', label: 'All' }, ...STATUSES.map((s) => ({ value: s, label: label(s) }))]} w={220} mb="sm" />
      {list.error && <Alert color="red">{messageOf(list.error)}</Alert>}
      <Table data-testid="shipments-table" striped>
        <Table.Thead>
          <Table.Tr><Table.Th>Shipped</Table.Th><Table.Th>Order</Table.Th><Table.Th>Carrier</Table.Th><Table.Th>Tracking</Table.Th><Table.Th>Status</Table.Th><Table.Th>Est. delivery</Table.Th><Table.Th>Label</Table.Th></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((s) => (
            <Table.Tr key={s.id} data-shipment-id={s.id}>
              <Table.Td>{dateTime(s.created_at)}</Table.Td>
              <Table.Td><Anchor component={Link} to={`/orders/${s.order_id}`}>{s.order_number}</Anchor></Table.Td>
              <Table.Td>{s.carrier} · {s.service}</Table.Td>
              <Table.Td><Text ff="monospace" size="sm">{s.tracking_number}</Text></Table.Td>
              <Table.Td><Badge color={STATUS_COLOR[s.status] ?? 'gray'} variant="light">{label(s.status)}</Badge></Table.Td>
              <Table.Td>{s.estimated_delivery ?? '—'}</Table.Td>
              <Table.Td>
                <Group gap="xs">
                  <Anchor href={`/api/v1/shipments/${s.id}/label?format=pdf`} target="_blank">PDF</Anchor>
                  <Anchor href={`/api/v1/shipments/${s.id}/label?format=zpl`} target="_blank">ZPL</Anchor>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {rows.length === 0 && !list.isLoading && <Text c="dimmed">No shipments{status ? ` with status ${label(status)}` : ''}.</Text>}
      {list.hasNextPage && <Button variant="default" mt="sm" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>Load more</Button>}
    </>
  );
}

function Manifests({ warehouseId }: { warehouseId: string }) {
  const client = useQueryClient();
  const role = useSession().user!.role;
  const staff = role === 'admin' || role === 'ops';
  const [carrier, setCarrier] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const list = useQuery({ queryKey: ['manifests', warehouseId], refetchInterval: 30_000, queryFn: () => get<Page<Manifest>>(`/api/v1/manifests${qs({ warehouse_id: warehouseId, limit: 100 })}`) });
  // Carrier accounts are listed to admin and ops only; a packer picks from the carriers already manifested here.
  const carriers = useQuery({ queryKey: ['carriers'], enabled: staff, staleTime: 300_000, queryFn: () => get<Page<{ code: string; name: string; active: boolean }> | { code: string; name: string; active: boolean }[]>('/api/v1/carriers').then((r) => (Array.isArray(r) ? r : r.data)) });
  const codes = [...new Set([...(carriers.data ?? []).filter((c) => c.active).map((c) => c.code), ...(list.data?.data ?? []).map((m) => m.carrier)])];

  const act = async (fn: () => Promise<string>) => {
    setBusy(true);
    try {
      setMessage({ ok: true, text: await fn() });
      await client.invalidateQueries({ queryKey: ['manifests'] });
    } catch (err) {
      setMessage({ ok: false, text: messageOf(err) });
    } finally {
      setBusy(false);
    }
  };
  const open = () => act(async () => {
    const m = await post<Manifest>('/api/v1/manifests', { warehouse_id: warehouseId, carrier });
    return `Manifest ${m.number} is open for ${m.carrier}.`;
  });
  const close = (m: Manifest) => act(async () => {
    const r = await post<Manifest>(`/api/v1/manifests/${m.id}/close`);
    return `Manifest ${r.number} closed with ${r.shipment_count} shipment(s); print the handover sheet.`;
  });

  return (
    <>
      {can.ship(role) && (
        <Group align="end" mb="sm">
          <NativeSelect label="Carrier" value={carrier} onChange={(e) => setCarrier(e.currentTarget.value)} data={[{ value: '', label: 'Choose…' }, ...codes.map((c) => ({ value: c, label: c }))]} w={200} />
          <Button onClick={() => void open()} disabled={!carrier} loading={busy}>Open manifest</Button>
        </Group>
      )}
      {message && <Alert color={message.ok ? 'green' : 'red'} mb="sm" role="status" withCloseButton onClose={() => setMessage(null)}>{message.text}</Alert>}
      <Table data-testid="manifests-table" striped>
        <Table.Thead>
          <Table.Tr><Table.Th>Manifest</Table.Th><Table.Th>Carrier</Table.Th><Table.Th>Status</Table.Th><Table.Th>Shipments</Table.Th><Table.Th>Weight</Table.Th><Table.Th>Opened</Table.Th><Table.Th>Closed</Table.Th><Table.Th /></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(list.data?.data ?? []).map((m) => (
            <Table.Tr key={m.id} data-manifest-id={m.id}>
              <Table.Td>{m.number}</Table.Td>
              <Table.Td>{m.carrier}</Table.Td>
              <Table.Td><Badge variant="light" color={m.status === 'open' ? 'blue' : 'gray'}>{m.status}</Badge></Table.Td>
              <Table.Td>{m.shipment_count}</Table.Td>
              <Table.Td>{(m.total_weight_g / 1000).toFixed(1)} kg</Table.Td>
              <Table.Td>{dateTime(m.opened_at)}</Table.Td>
              <Table.Td>{dateTime(m.closed_at)}</Table.Td>
              <Table.Td>
                {m.status === 'open'
                  ? can.ship(role) && <Button size="xs" variant="light" onClick={() => void close(m)} loading={busy}>Close for handover</Button>
                  : <Anchor href={`/api/v1/manifests/${m.id}/handover.pdf`} target="_blank">Handover PDF</Anchor>}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {list.data?.data.length === 0 && <Text c="dimmed">No manifests yet.</Text>}
    </>
  );
}
