import { useState } from 'react';
import { Badge, Button, Group, NativeSelect, NumberInput, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, get } from '../../api.js';
import { dateTime } from '../../format.js';
import { useReference } from '../../reference.js';
import type { Page } from '../../types.js';
import { useAction } from './common.js';

interface PurchaseLimit {
  id: string;
  sku: string;
  channel_id: string | null;
  max_units_per_order: number | null;
  max_units_per_customer: number | null;
  window_hours: number | null;
  active_from: string | null;
  active_until: string | null;
  action: 'reject' | 'hold';
  note: string | null;
}

const num = (v: string | number): number | null => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null);
/** A `datetime-local` value (the viewer's clock) as an ISO instant, or null when empty. */
const instant = (local: string): string | null => (local ? new Date(local).toISOString() : null);

/**
 * Purchase limits for hot items (docs/purchase-limits.md): units per order and per customer (in a window, or over the
 * whole sale), for one channel or all; over a limit an API order is refused or held, a channel's order is always
 * held. Admin and ops set and delete them; setting a SKU × channel again replaces its limit and keeps its counters.
 */
export function PurchaseLimitsTab() {
  const ref = useReference();
  const client = useQueryClient();
  const action = useAction();
  const list = useQuery({ queryKey: ['settings', 'purchase-limits'], queryFn: () => get<Page<PurchaseLimit>>('/api/v1/purchase-limits?limit=500') });
  const [form, setForm] = useState({ sku: '', channel: '', perOrder: '' as string | number, perCustomer: '' as string | number, windowHours: '' as string | number, from: '', until: '', action: 'reject', note: '' });
  const set = (patch: Partial<typeof form>) => setForm((f) => ({ ...f, ...patch }));
  const refresh = () => client.invalidateQueries({ queryKey: ['settings', 'purchase-limits'] });
  const save = async () => {
    const r = await action.run(
      () => api<PurchaseLimit>('PUT', '/api/v1/purchase-limits', {
        sku: form.sku.trim(), channel_id: form.channel || null, max_units_per_order: num(form.perOrder), max_units_per_customer: num(form.perCustomer),
        window_hours: num(form.windowHours), active_from: instant(form.from), active_until: instant(form.until), action: form.action, note: form.note.trim() || null,
      }),
      (l) => `Limit on ${l.sku} saved.`,
    );
    if (r) {
      set({ sku: '', perOrder: '', perCustomer: '', windowHours: '', note: '' });
      await refresh();
    }
  };
  const remove = (l: PurchaseLimit) => action.run(async () => {
    await api<void>('DELETE', `/api/v1/purchase-limits/${l.id}`);
    await refresh();
    return l;
  }, (x) => `Limit on ${x.sku} deleted; orders it held stay held.`);
  const rows = list.data?.data ?? [];
  return (
    <Stack gap="md">
      <Paper withBorder p="md" component="section" aria-labelledby="new-limit-title">
        <Title order={3} size="h4" id="new-limit-title" mb="xs">Set a purchase limit</Title>
        <form aria-label="Purchase limit" onSubmit={(e) => { e.preventDefault(); void save(); }}>
          <Group align="end" wrap="wrap" gap="sm">
            <TextInput label="SKU" required value={form.sku} onChange={(e) => set({ sku: e.currentTarget.value })} w={160} />
            <NativeSelect label="Channel" value={form.channel} onChange={(e) => set({ channel: e.currentTarget.value })} data={[{ value: '', label: 'Every channel' }, ...ref.channels.map((c) => ({ value: c.id, label: c.name }))]} w={180} />
            <NumberInput label="Units per order" min={1} allowDecimal={false} value={form.perOrder} onChange={(v) => set({ perOrder: v })} w={130} />
            <NumberInput label="Units per customer" min={1} allowDecimal={false} value={form.perCustomer} onChange={(v) => set({ perCustomer: v })} w={150} />
            <NumberInput label="Window (hours)" description="empty: the whole sale" min={1} allowDecimal={false} value={form.windowHours} onChange={(v) => set({ windowHours: v })} w={150} />
            <TextInput type="datetime-local" label="Active from" value={form.from} onChange={(e) => set({ from: e.currentTarget.value })} w={210} />
            <TextInput type="datetime-local" label="Active until" value={form.until} onChange={(e) => set({ until: e.currentTarget.value })} w={210} />
            <NativeSelect label="Over the limit" value={form.action} onChange={(e) => set({ action: e.currentTarget.value })} data={[{ value: 'reject', label: 'Refuse API orders (hold channel orders)' }, { value: 'hold', label: 'Hold for review' }]} w={280} />
            <TextInput label="Note" value={form.note} onChange={(e) => set({ note: e.currentTarget.value })} w={220} />
            <Button type="submit" loading={action.busy} disabled={!form.sku.trim() || (num(form.perOrder) === null && num(form.perCustomer) === null)}>Save limit</Button>
          </Group>
        </form>
      </Paper>
      {action.view}
      <Table striped data-testid="limits-table">
        <Table.Caption>Purchase limits: a SKU × channel has one limit; a SKU with an every-channel and a channel limit is held to both</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">SKU</Table.Th><Table.Th scope="col">Channel</Table.Th><Table.Th scope="col">Per order</Table.Th><Table.Th scope="col">Per customer</Table.Th>
            <Table.Th scope="col">Window</Table.Th><Table.Th scope="col">Active</Table.Th><Table.Th scope="col">Over the limit</Table.Th><Table.Th scope="col">Note</Table.Th><Table.Th scope="col" />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((l) => (
            <Table.Tr key={l.id} data-limit-sku={l.sku}>
              <Table.Td>{l.sku}</Table.Td>
              <Table.Td>{l.channel_id ? ref.channelName(l.channel_id) : 'every channel'}</Table.Td>
              <Table.Td>{l.max_units_per_order ?? '—'}</Table.Td>
              <Table.Td>{l.max_units_per_customer ?? '—'}</Table.Td>
              <Table.Td>{l.max_units_per_customer === null ? '—' : l.window_hours ? `${l.window_hours} h` : 'whole sale'}</Table.Td>
              <Table.Td>{l.active_from || l.active_until ? `${l.active_from ? dateTime(l.active_from) : '…'} – ${l.active_until ? dateTime(l.active_until) : '…'}` : 'always'}</Table.Td>
              <Table.Td><Badge variant="light" color={l.action === 'reject' ? 'red' : 'yellow'}>{l.action}</Badge></Table.Td>
              <Table.Td>{l.note ?? ''}</Table.Td>
              <Table.Td><Button size="compact-xs" variant="subtle" color="red" onClick={() => void remove(l)} aria-label={`Delete the limit on ${l.sku}`}>Delete</Button></Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {list.data && rows.length === 0 && <Text c="gray.7" size="sm">No purchase limits.</Text>}
    </Stack>
  );
}
