import { useEffect, useState } from 'react';
import { Alert, Badge, Button, Group, MultiSelect, Select, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { get, qs } from '../api.js';
import { STATUS_COLORS, dateTime, label, money } from '../format.js';
import { useReference } from '../reference.js';
import { can, useSession } from '../session.js';
import type { OrderRow, Page } from '../types.js';

export const ORDER_STATUSES = ['pending', 'on_hold', 'allocated', 'partially_allocated', 'backordered', 'in_fulfillment', 'partially_shipped', 'shipped', 'delivered', 'partially_returned', 'returned', 'cancelled', 'closed'];
export const HOLD_REASONS = ['unknown_sku', 'incomplete_address', 'undeliverable_postal_code', 'cod_over_limit', 'cod_blocked_phone', 'cod_blocked_postal_code', 'possible_duplicate', 'high_value', 'total_mismatch', 'purchase_limit', 'manual'];
const PAGE_SIZE = 50;

/** A day (YYYY-MM-DD, the viewer's time zone) as the instant it starts, for created_after / created_before. */
const dayStart = (day: string, plusDays = 0): string | undefined => {
  if (!day) return undefined;
  const d = new Date(`${day}T00:00:00`);
  d.setDate(d.getDate() + plusDays);
  return d.toISOString();
};

export function OrdersPage() {
  const { user } = useSession();
  const ref = useReference();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [search, setSearch] = useState(params.get('q') ?? '');
  const [q] = useDebouncedValue(search, 300);
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);

  const filters = {
    status: params.getAll('status'),
    channel_id: params.get('channel_id') ?? '',
    warehouse_id: params.get('warehouse_id') ?? '',
    hold_reason: params.get('hold_reason') ?? '',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
    sort: params.get('sort') ?? 'created',
  };
  const set = (key: string, value: string | string[] | null) => {
    const next = new URLSearchParams(params);
    next.delete(key);
    if (Array.isArray(value)) value.forEach((v) => next.append(key, v));
    else if (value) next.set(key, value);
    setParams(next, { replace: true });
  };
  useEffect(() => {
    if ((params.get('q') ?? '') !== q) set('q', q || null);
  }, [q]);
  const filterKey = params.toString();
  useEffect(() => setCursors([]), [filterKey]);

  const query = useQuery({
    queryKey: ['orders', filterKey, cursor],
    placeholderData: keepPreviousData,
    refetchInterval: 5_000, // new orders show up within seconds (docs/dashboard.md: polling, not SSE)
    queryFn: () =>
      get<Page<OrderRow>>(
        `/api/v1/orders${qs({
          limit: PAGE_SIZE, cursor, status: filters.status, channel_id: filters.channel_id, warehouse_id: filters.warehouse_id, hold_reason: filters.hold_reason,
          created_after: dayStart(filters.from), created_before: dayStart(filters.to, 1), q: params.get('q'), sort: filters.sort === 'created' ? undefined : filters.sort,
        })}`,
      ),
  });
  const showCustomer = can.seeCustomer(user!.role);
  const rows = query.data?.data ?? [];

  return (
    <>
      <Title order={2} mb="md">Orders</Title>
      <Group align="end" mb="md" gap="sm" wrap="wrap" role="search" aria-label="Order filters">
        <TextInput label="Search" placeholder="Number, customer, SKU" value={search} onChange={(e) => setSearch(e.currentTarget.value)} w={220} />
        <MultiSelect label="Status" data={ORDER_STATUSES.map((s) => ({ value: s, label: label(s) }))} value={filters.status} onChange={(v) => set('status', v)} clearable w={240} />
        {ref.channels.length > 0 && (
          <Select label="Channel" data={ref.channels.map((c) => ({ value: c.id, label: c.name }))} value={filters.channel_id || null} onChange={(v) => set('channel_id', v)} clearable w={160} />
        )}
        <Select label="Warehouse" data={ref.warehouses.map((w) => ({ value: w.id, label: w.code }))} value={filters.warehouse_id || null} onChange={(v) => set('warehouse_id', v)} clearable w={140} />
        <Select label="Hold reason" data={HOLD_REASONS.map((r) => ({ value: r, label: label(r) }))} value={filters.hold_reason || null} onChange={(v) => set('hold_reason', v)} clearable w={180} />
        <TextInput label="Created from" type="date" value={filters.from} onChange={(e) => set('from', e.currentTarget.value)} />
        <TextInput label="to" type="date" value={filters.to} onChange={(e) => set('to', e.currentTarget.value)} />
        <Select label="Order by" data={[{ value: 'created', label: 'Newest first' }, { value: 'dispatch_by', label: 'Dispatch by (SLA)' }]} value={filters.sort} onChange={(v) => set('sort', v === 'created' ? null : v)} w={170} allowDeselect={false} />
      </Group>
      {query.error && <Alert color="red" mb="md">{query.error.message}</Alert>}
      <Table.ScrollContainer minWidth={800}>
        <Table highlightOnHover striped aria-label="Orders" data-testid="orders-table" aria-busy={query.isFetching}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Order</Table.Th>
              <Table.Th>Created</Table.Th>
              {showCustomer && <Table.Th>Customer</Table.Th>}
              <Table.Th>Channel</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Priority</Table.Th>
              <Table.Th>Dispatch by</Table.Th>
              <Table.Th style={{ textAlign: 'right' }}>Total</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((o) => (
              <Table.Tr key={o.id} style={{ cursor: 'pointer' }} onClick={() => navigate(`/orders/${o.id}`)} data-order-id={o.id}>
                <Table.Td><Link to={`/orders/${o.id}`} onClick={(e) => e.stopPropagation()}>{o.number}</Link></Table.Td>
                <Table.Td>{dateTime(o.created_at)}</Table.Td>
                {showCustomer && <Table.Td>{o.customer.name}</Table.Td>}
                <Table.Td>{ref.channelName(o.channel_id)}</Table.Td>
                <Table.Td><Badge color={STATUS_COLORS[o.status] ?? 'gray'} variant="light">{label(o.status)}</Badge></Table.Td>
                <Table.Td>{o.priority}</Table.Td>
                <Table.Td>{dateTime(o.dispatch_by)}</Table.Td>
                <Table.Td style={{ textAlign: 'right' }}>{money(o.total_amount, o.currency)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {!query.isLoading && rows.length === 0 && <Text c="dimmed" mt="md">No orders match.</Text>}
      <Group mt="md" justify="space-between">
        <Text size="sm" c="dimmed">Page {cursors.length + 1} · {rows.length} order(s)</Text>
        <Group gap="xs">
          <Button variant="default" size="xs" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>Previous</Button>
          <Button variant="default" size="xs" disabled={!query.data?.next_cursor} onClick={() => setCursors((c) => [...c, query.data!.next_cursor!])}>Next</Button>
        </Group>
      </Group>
    </>
  );
}
