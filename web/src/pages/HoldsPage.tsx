import { useState } from 'react';
import { Alert, Badge, Button, Checkbox, Group, Modal, Stack, Table, Text, Textarea, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { get, post } from '../api.js';
import { dateTime, label } from '../format.js';
import type { HeldOrder, Page } from '../types.js';

interface Outcome {
  ok: number;
  failed: { number: string; message: string }[];
}

/** Runs one action per order, one at a time (each is its own transaction on the server), and counts the outcomes. */
async function runEach(orders: HeldOrder[], act: (o: HeldOrder) => Promise<unknown>): Promise<Outcome> {
  const out: Outcome = { ok: 0, failed: [] };
  for (const o of orders) {
    try {
      await act(o);
      out.ok++;
    } catch (err) {
      out.failed.push({ number: o.number, message: err instanceof Error ? err.message : String(err) });
    }
  }
  return out;
}

export function HoldsPage() {
  const client = useQueryClient();
  const holds = useQuery({ queryKey: ['holds'], queryFn: () => get<Page<HeldOrder>>('/api/v1/holds?limit=500'), refetchInterval: 15_000 });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<(Outcome & { action: string }) | null>(null);
  const [cancelOpen, setCancelOpen] = useState(false);
  const [reason, setReason] = useState('');
  const rows = holds.data?.data ?? [];
  const chosen = rows.filter((r) => selected.has(r.order_id));
  const toggle = (id: string) => setSelected((s) => { const n = new Set(s); if (n.has(id)) n.delete(id); else n.add(id); return n; });
  const allChecked = rows.length > 0 && chosen.length === rows.length;

  const bulk = async (action: string, act: (o: HeldOrder) => Promise<unknown>) => {
    setBusy(true);
    const r = await runEach(chosen, act);
    setOutcome({ ...r, action });
    setSelected(new Set());
    setBusy(false);
    await Promise.all([client.invalidateQueries({ queryKey: ['holds'] }), client.invalidateQueries({ queryKey: ['orders'] }), client.invalidateQueries({ queryKey: ['kpis'] })]);
  };
  const releaseAll = () => bulk('released', async (o) => { for (const h of o.holds) await post(`/api/v1/orders/${o.order_id}/holds/${h.id}/release`); });
  const cancelAll = () => { setCancelOpen(false); void bulk('cancelled', (o) => post(`/api/v1/orders/${o.order_id}/cancel`, { reason: reason.trim() })); };

  return (
    <>
      <Title order={2} mb="md">Holds queue</Title>
      <Text size="sm" c="dimmed" mb="md">Orders waiting for a decision, oldest first. Releasing the last hold routes and reserves the order.</Text>
      {holds.error && <Alert color="red">{holds.error.message}</Alert>}
      {outcome && (
        <Alert color={outcome.failed.length ? 'yellow' : 'green'} mb="md" withCloseButton onClose={() => setOutcome(null)} role="status">
          {outcome.ok} order(s) {outcome.action}.{outcome.failed.map((f) => ` ${f.number}: ${f.message}.`).join('')}
        </Alert>
      )}
      <Group mb="sm">
        <Button disabled={chosen.length === 0} loading={busy} onClick={() => void releaseAll()}>Release {chosen.length || ''} selected</Button>
        <Button color="red" variant="light" disabled={chosen.length === 0 || busy} onClick={() => setCancelOpen(true)}>Cancel {chosen.length || ''} selected</Button>
      </Group>
      <Table striped aria-label="Orders on hold" data-testid="holds-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={40}><Checkbox aria-label="Select all" checked={allChecked} indeterminate={chosen.length > 0 && !allChecked} onChange={() => setSelected(allChecked ? new Set() : new Set(rows.map((r) => r.order_id)))} /></Table.Th>
            <Table.Th>Order</Table.Th>
            <Table.Th>Waiting since</Table.Th>
            <Table.Th>Holds</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((o) => (
            <Table.Tr key={o.order_id} data-order-id={o.order_id}>
              <Table.Td><Checkbox aria-label={`Select ${o.number}`} checked={selected.has(o.order_id)} onChange={() => toggle(o.order_id)} /></Table.Td>
              <Table.Td><Link to={`/orders/${o.order_id}`}>{o.number}</Link></Table.Td>
              <Table.Td>{dateTime(o.created_at)}</Table.Td>
              <Table.Td>
                <Stack gap={2}>
                  {o.holds.map((h) => <Text size="sm" key={h.id}><Badge size="sm" color="orange" variant="light" mr={6}>{label(h.reason)}</Badge>{h.detail}</Text>)}
                </Stack>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {!holds.isLoading && rows.length === 0 && <Text c="dimmed" mt="md">Nothing is waiting.</Text>}
      <Modal opened={cancelOpen} onClose={() => setCancelOpen(false)} title={`Cancel ${chosen.length} order(s)`}>
        <Stack>
          <Textarea label="Reason" required value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setCancelOpen(false)}>Back</Button>
            <Button color="red" disabled={!reason.trim()} onClick={cancelAll}>Cancel orders</Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
