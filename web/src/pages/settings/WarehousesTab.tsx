import { useEffect, useState } from 'react';
import { Anchor, Badge, Button, Checkbox, Group, Modal, NumberInput, Pagination, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, get, post, qs } from '../../api.js';
import { can, useSession } from '../../session.js';
import type { Page } from '../../types.js';
import { messageOf, useAction } from './common.js';
import type { Bin, WarehouseFull } from './types.js';

const BINS_PER_PAGE = 50;

/** Warehouses (routing priority, enable/disable) and the bins of the selected one. */
export function WarehousesTab({ warehouseId }: { warehouseId: string | null }) {
  const role = useSession().user!.role;
  const admin = can.manageSettings(role);
  const client = useQueryClient();
  const list = useQuery({ queryKey: ['settings', 'warehouses'], queryFn: () => get<Page<WarehouseFull>>('/api/v1/warehouses') });
  const action = useAction();
  const [confirm, setConfirm] = useState<WarehouseFull | null>(null);
  const patch = (w: WarehouseFull, body: Partial<Pick<WarehouseFull, 'routing_priority' | 'active'>>, what: string) => action.run(async () => {
    const r = await api<WarehouseFull & { rerouted: { orders: number; units_released: number } | null }>('PATCH', `/api/v1/warehouses/${w.id}`, body);
    await client.invalidateQueries({ queryKey: ['settings', 'warehouses'] });
    await client.invalidateQueries({ queryKey: ['warehouses'] });
    return r;
  }, (r) => `${w.code}: ${what}.${r.rerouted ? ` ${r.rerouted.orders} order(s) with unreleased work there were routed again (${r.rerouted.units_released} unit(s) released).` : ''}`);
  const rows = list.data?.data ?? [];
  const selected = rows.find((w) => w.id === warehouseId) ?? null;
  return (
    <Stack gap="md">
      {action.view}
      <Table striped data-testid="warehouses-table">
        <Table.Caption>Warehouses: a lower routing priority is preferred by the warehouse_priority rule; a disabled warehouse gets no new orders</Table.Caption>
        <Table.Thead>
          <Table.Tr><Table.Th scope="col">Code</Table.Th><Table.Th scope="col">Name</Table.Th><Table.Th scope="col">Type</Table.Th><Table.Th scope="col">Time zone</Table.Th><Table.Th scope="col">Cut-off</Table.Th><Table.Th scope="col">Routing priority</Table.Th><Table.Th scope="col">Status</Table.Th></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((w) => (
            <Table.Tr key={w.id} data-warehouse={w.code}>
              <Table.Td><Anchor component={Link} to={`/settings/warehouses/${w.id}`}>{w.code}</Anchor></Table.Td>
              <Table.Td>{w.name}</Table.Td>
              <Table.Td>{w.type}</Table.Td>
              <Table.Td>{w.timezone}</Table.Td>
              <Table.Td>{w.cutoff_time ?? '—'}</Table.Td>
              <Table.Td>{admin ? <PriorityEditor warehouse={w} busy={action.busy} onSave={(p) => void patch(w, { routing_priority: p }, `routing priority ${p}`)} /> : w.routing_priority}</Table.Td>
              <Table.Td>
                <Group gap="xs">
                  <Badge variant="light" color={w.active ? 'green' : 'gray'}>{w.active ? 'enabled' : 'disabled'}</Badge>
                  {admin && (w.active
                    ? <Button size="compact-xs" variant="light" color="red" onClick={() => setConfirm(w)}>Disable</Button>
                    : <Button size="compact-xs" variant="light" onClick={() => void patch(w, { active: true }, 'enabled')}>Enable</Button>)}
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Modal opened={!!confirm} onClose={() => setConfirm(null)} title={`Disable ${confirm?.code ?? ''}?`}>
        <Text size="sm">No new orders will be routed to it, and its unreleased work (fulfillment orders not yet in a wave) is routed again to the other warehouses. Work already in a wave stays.</Text>
        <Group justify="end" mt="md">
          <Button variant="default" onClick={() => setConfirm(null)}>Keep it</Button>
          <Button color="red" onClick={() => { const w = confirm!; setConfirm(null); void patch(w, { active: false }, 'disabled'); }}>Disable</Button>
        </Group>
      </Modal>
      {warehouseId && list.data && !selected && <Text>Warehouse {warehouseId} was not found.</Text>}
      {selected ? <Bins warehouse={selected} /> : <Text size="sm" c="dimmed">Choose a warehouse to see its bins.</Text>}
    </Stack>
  );
}

function PriorityEditor({ warehouse, busy, onSave }: { warehouse: WarehouseFull; busy: boolean; onSave: (p: number) => void }) {
  const [value, setValue] = useState<number | string>(warehouse.routing_priority);
  useEffect(() => setValue(warehouse.routing_priority), [warehouse.routing_priority]);
  const changed = typeof value === 'number' && value !== warehouse.routing_priority;
  return (
    <Group gap={4} wrap="nowrap">
      <NumberInput size="xs" w={90} min={0} max={1_000_000} allowDecimal={false} aria-label={`Routing priority of ${warehouse.code}`} value={value} onChange={setValue} />
      <Button size="compact-xs" variant="light" disabled={!changed || busy} onClick={() => typeof value === 'number' && onSave(value)}>Save</Button>
    </Group>
  );
}

function Bins({ warehouse }: { warehouse: WarehouseFull }) {
  const client = useQueryClient();
  const [zone, setZone] = useState('');
  const [zoneFilter, setZoneFilter] = useState('');
  const [page, setPage] = useState(1);
  // The API answers a warehouse's bins in walk order in one list; the screen pages them.
  const bins = useQuery({ queryKey: ['settings', 'bins', warehouse.id, zoneFilter], queryFn: () => get<Page<Bin>>(`/api/v1/warehouses/${warehouse.id}/bins${qs({ zone: zoneFilter })}`) });
  const all = bins.data?.data ?? [];
  const pages = Math.max(1, Math.ceil(all.length / BINS_PER_PAGE));
  const shown = all.slice((page - 1) * BINS_PER_PAGE, page * BINS_PER_PAGE);
  useEffect(() => setPage(1), [warehouse.id, zoneFilter]);
  const action = useAction();
  const [form, setForm] = useState({ code: '', zone: '', walk: '' as number | string, capacity: '' as number | string, pickable: true });
  const add = async () => {
    const body = {
      code: form.code.trim(),
      ...(form.zone.trim() ? { zone: form.zone.trim() } : {}),
      ...(typeof form.walk === 'number' ? { walk_sequence: form.walk } : {}),
      ...(typeof form.capacity === 'number' ? { capacity_units: form.capacity } : {}),
      pickable: form.pickable,
    };
    const r = await action.run(() => post<Bin>(`/api/v1/warehouses/${warehouse.id}/bins`, body), (b) => `Bin ${b.code} added to ${warehouse.code}.`);
    if (!r) return;
    setForm({ ...form, code: '' });
    await client.invalidateQueries({ queryKey: ['settings', 'bins', warehouse.id] });
  };
  return (
    <Paper withBorder p="md" data-testid="bins">
      <Title order={3} size="h5" mb="xs">Bins of {warehouse.code}</Title>
      <form aria-label="Add bin" onSubmit={(e) => { e.preventDefault(); void add(); }}>
        <Group align="end" wrap="wrap">
          <TextInput label="Bin code" value={form.code} onChange={(e) => setForm({ ...form, code: e.currentTarget.value })} required w={140} />
          <TextInput label="Zone" value={form.zone} onChange={(e) => setForm({ ...form, zone: e.currentTarget.value })} w={100} />
          <NumberInput label="Walk sequence" min={0} allowDecimal={false} value={form.walk} onChange={(v) => setForm({ ...form, walk: v })} w={130} />
          <NumberInput label="Capacity (units)" min={1} allowDecimal={false} value={form.capacity} onChange={(v) => setForm({ ...form, capacity: v })} w={140} />
          <Checkbox label="Pickable" checked={form.pickable} onChange={(e) => setForm({ ...form, pickable: e.currentTarget.checked })} mb={8} />
          <Button type="submit" loading={action.busy} disabled={!form.code.trim()}>Add bin</Button>
        </Group>
      </form>
      {action.view}
      <Group align="end" mt="sm">
        <TextInput label="Filter by zone" value={zone} onChange={(e) => setZone(e.currentTarget.value)} onKeyDown={(e) => e.key === 'Enter' && setZoneFilter(zone.trim())} w={160} />
        <Button variant="default" onClick={() => setZoneFilter(zone.trim())}>Filter</Button>
      </Group>
      {bins.error && <Text c="red">{messageOf(bins.error)}</Text>}
      <Table striped mt="sm" data-testid="bins-table">
        <Table.Caption>{all.length} bin(s){zoneFilter ? ` in zone ${zoneFilter}` : ''}, in walk order{pages > 1 ? `; page ${page} of ${pages}` : ''}</Table.Caption>
        <Table.Thead>
          <Table.Tr><Table.Th scope="col">Code</Table.Th><Table.Th scope="col">Zone</Table.Th><Table.Th scope="col">Walk sequence</Table.Th><Table.Th scope="col">Capacity</Table.Th><Table.Th scope="col">Pickable</Table.Th><Table.Th scope="col">Aisle / position</Table.Th></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {shown.map((b) => (
            <Table.Tr key={b.id} data-bin={b.code}>
              <Table.Td>{b.code}</Table.Td>
              <Table.Td>{b.zone ?? '—'}</Table.Td>
              <Table.Td>{b.walk_sequence}</Table.Td>
              <Table.Td>{b.capacity_units ?? '—'}</Table.Td>
              <Table.Td>{b.pickable ? 'yes' : 'no'}</Table.Td>
              <Table.Td>{b.aisle != null ? `${b.aisle} / ${b.position ?? '—'}` : '—'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {pages > 1 && <Pagination mt="sm" total={pages} value={page} onChange={setPage} getControlProps={(c) => ({ 'aria-label': `${c} page` })} />}
    </Paper>
  );
}
