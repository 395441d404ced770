import { useState } from 'react';
import { Alert, Anchor, Badge, Button, Card, Grid, Group, Modal, Stack, Table, Text, Textarea, Timeline, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { ApiError, get, post } from '../api.js';
import { STATUS_COLORS, dateTime, label, money } from '../format.js';
import { useReference } from '../reference.js';
import { can, useSession } from '../session.js';
import type { Address, OrderView } from '../types.js';

function AddressBlock({ title, a }: { title: string; a: Address | null }) {
  return (
    <Card withBorder>
      <Title order={3} size="h5" mb="xs">{title}</Title>
      {a ? (
        <Text size="sm" style={{ whiteSpace: 'pre-line' }}>
          {[a.name, a.company, a.line1, a.line2, `${a.city}${a.state ? `, ${a.state}` : ''} ${a.postal_code}`, a.country, a.phone].filter(Boolean).join('\n')}
        </Text>
      ) : <Text size="sm" c="dimmed">None</Text>}
    </Card>
  );
}

export function OrderPage() {
  const { id = '' } = useParams();
  const { user } = useSession();
  const ref = useReference();
  const client = useQueryClient();
  const [cancelOpen, setCancelOpen] = useState(false);
  const [reason, setReason] = useState('');
  const order = useQuery({ queryKey: ['order', id], queryFn: () => get<OrderView>(`/api/v1/orders/${encodeURIComponent(id)}`) });
  const onDone = (o: OrderView) => {
    client.setQueryData(['order', id], o);
    void client.invalidateQueries({ queryKey: ['orders'] });
    void client.invalidateQueries({ queryKey: ['holds'] });
    void client.invalidateQueries({ queryKey: ['kpis'] });
  };
  const release = useMutation({ mutationFn: (holdId: string) => post<OrderView>(`/api/v1/orders/${id}/holds/${holdId}/release`), onSuccess: onDone });
  const cancel = useMutation({
    mutationFn: (why: string) => post<OrderView>(`/api/v1/orders/${id}/cancel`, { reason: why }),
    onSuccess: (o) => {
      onDone(o);
      setCancelOpen(false);
    },
  });
  const failure = (release.error ?? cancel.error) as ApiError | null;

  if (order.error) return <Alert color="red">{order.error instanceof ApiError && order.error.status === 404 ? 'This order was not found.' : order.error.message}</Alert>;
  const o = order.data;
  if (!o) return <Text>Loading…</Text>;
  const role = user!.role;
  const openHolds = o.holds.filter((h) => h.status === 'open');
  const cancellable = can.cancelOrders(role) && !['shipped', 'delivered', 'cancelled', 'closed', 'returned', 'partially_returned'].includes(o.status);
  const lineOf = new Map(o.lines.map((l) => [l.id, l]));

  return (
    <Stack>
      <Anchor component={Link} to="/orders" size="sm">← Orders</Anchor>
      <Group justify="space-between">
        <Group>
          <Title order={2}>Order {o.number}</Title>
          <Badge size="lg" color={STATUS_COLORS[o.status] ?? 'gray'} data-testid="order-status">{label(o.status)}</Badge>
          <Badge variant="outline">{o.priority}</Badge>
        </Group>
        {cancellable && <Button color="red" variant="light" onClick={() => setCancelOpen(true)}>Cancel order</Button>}
      </Group>
      <Text size="sm" c="dimmed">
        {ref.channelName(o.channel_id)} · external {o.external_id} · placed {dateTime(o.placed_at)} · {o.payment_method}
        {o.dispatch_by && ` · dispatch by ${dateTime(o.dispatch_by)}`}
        {o.cancel_reason && ` · cancelled: ${o.cancel_reason}`}
      </Text>
      {failure && <Alert color="red" role="alert">{failure.message}</Alert>}

      {o.holds.length > 0 && (
        <Card withBorder aria-labelledby="holds-title" data-testid="holds">
          <Title order={3} size="h5" mb="xs" id="holds-title">Holds</Title>
          <Table>
            <Table.Tbody>
              {o.holds.map((h) => (
                <Table.Tr key={h.id}>
                  <Table.Td><Badge color={h.status === 'open' ? 'orange' : 'gray'} variant="light">{label(h.reason)}</Badge></Table.Td>
                  <Table.Td>{h.detail}</Table.Td>
                  <Table.Td>{h.status === 'open' ? `since ${dateTime(h.created_at)}` : `${h.status} ${dateTime(h.resolved_at)}${h.resolved_by ? ` by ${h.resolved_by}` : ''}`}</Table.Td>
                  <Table.Td>
                    {h.status === 'open' && can.releaseHolds(role) && (
                      <Button size="xs" onClick={() => release.mutate(h.id)} loading={release.isPending && release.variables === h.id} aria-label={`Release hold ${label(h.reason)}`}>Release</Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {openHolds.length > 0 && !can.releaseHolds(role) && <Text size="sm" c="dimmed">Ops can release these holds.</Text>}
        </Card>
      )}

      <Card withBorder>
        <Title order={3} size="h5" mb="xs">Lines</Title>
        <Table.ScrollContainer minWidth={600}>
          <Table>
            <Table.Thead>
              <Table.Tr><Table.Th>#</Table.Th><Table.Th>SKU</Table.Th><Table.Th>Title</Table.Th><Table.Th>Qty</Table.Th><Table.Th>Cancelled</Table.Th><Table.Th>Shipped</Table.Th><Table.Th style={{ textAlign: 'right' }}>Unit price</Table.Th><Table.Th style={{ textAlign: 'right' }}>Line total</Table.Th></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {o.lines.map((l) => (
                <Table.Tr key={l.id}>
                  <Table.Td>{l.line_no}</Table.Td>
                  <Table.Td>{l.sku ?? l.channel_sku ?? '—'}</Table.Td>
                  <Table.Td>{l.title ?? ''}</Table.Td>
                  <Table.Td>{l.qty}</Table.Td>
                  <Table.Td>{l.qty_cancelled || ''}</Table.Td>
                  <Table.Td>{l.qty_shipped || ''}</Table.Td>
                  <Table.Td style={{ textAlign: 'right' }}>{money(l.unit_price_amount, o.currency)}</Table.Td>
                  <Table.Td style={{ textAlign: 'right' }}>{money(l.unit_price_amount * l.qty - l.discount_amount, o.currency)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <Stack gap={2} align="flex-end" mt="sm" data-testid="totals">
          <Text size="sm">Subtotal {money(o.subtotal_amount, o.currency)}</Text>
          {o.discount_amount > 0 && <Text size="sm">Discount −{money(o.discount_amount, o.currency)}</Text>}
          <Text size="sm">Shipping {money(o.shipping_amount, o.currency)}</Text>
          <Text size="sm">Tax {money(o.tax_amount, o.currency)}</Text>
          <Text fw={700}>Total {money(o.total_amount, o.currency)}</Text>
        </Stack>
      </Card>

      <Grid>
        {can.seeCustomer(role) && (
          <Grid.Col span={{ base: 12, md: 4 }}>
            <Card withBorder h="100%">
              <Title order={3} size="h5" mb="xs">Customer</Title>
              <Text size="sm">{o.customer.name}</Text>
              {o.customer.email && <Text size="sm">{o.customer.email}</Text>}
              {o.customer.phone && <Text size="sm">{o.customer.phone}</Text>}
            </Card>
          </Grid.Col>
        )}
        <Grid.Col span={{ base: 12, md: 4 }}><AddressBlock title="Ship to" a={o.shipping_address} /></Grid.Col>
        {can.seeCustomer(role) && <Grid.Col span={{ base: 12, md: 4 }}><AddressBlock title="Bill to" a={o.billing_address} /></Grid.Col>}
      </Grid>

      <Card withBorder data-testid="routing">
        <Title order={3} size="h5" mb="xs">Routing</Title>
        {o.routing ? (
          <>
            <Text size="sm" c="dimmed" mb="xs">Decided {dateTime(o.routing.decided_at)} by the {o.routing.strategy} planner</Text>
            <Table>
              <Table.Thead><Table.Tr><Table.Th>Rank</Table.Th><Table.Th>Warehouse</Table.Th><Table.Th>Lines</Table.Th><Table.Th>Why</Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>
                {o.routing.reasons.map((r) => (
                  <Table.Tr key={r.warehouse_id} fw={r.chosen ? 600 : undefined}>
                    <Table.Td>{r.rank}</Table.Td>
                    <Table.Td>{r.code} {r.chosen && <Badge size="xs" color="green">chosen</Badge>}</Table.Td>
                    <Table.Td>{r.lines_complete}/{r.lines_total}</Table.Td>
                    <Table.Td data-testid="routing-reason">{r.summary}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            {o.routing.notes.length > 0 && <Text size="xs" c="dimmed" mt="xs">{o.routing.notes.join(' · ')}</Text>}
          </>
        ) : <Text size="sm" c="dimmed">Not routed yet{openHolds.length > 0 ? ': the order waits on its holds' : ''}.</Text>}
        {o.backordered.length > 0 && (
          <Alert color="red" mt="sm">Backordered: {o.backordered.map((b) => `${lineOf.get(b.line_id)?.sku ?? b.line_id} × ${b.qty}`).join(', ')}</Alert>
        )}
      </Card>

      {o.fulfillment_orders.length > 0 && (
        <Card withBorder>
          <Title order={3} size="h5" mb="xs">Fulfillment orders</Title>
          <Table>
            <Table.Thead><Table.Tr><Table.Th>Id</Table.Th><Table.Th>Warehouse</Table.Th><Table.Th>Status</Table.Th><Table.Th>Dispatch by</Table.Th><Table.Th>Lines</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {o.fulfillment_orders.map((f) => (
                <Table.Tr key={f.id}>
                  <Table.Td>{f.id}</Table.Td>
                  <Table.Td>{ref.warehouseCode(f.warehouse_id)}</Table.Td>
                  <Table.Td><Badge variant="light">{label(f.status)}</Badge></Table.Td>
                  <Table.Td>{dateTime(f.dispatch_by)}</Table.Td>
                  <Table.Td>{f.lines.map((l) => `${lineOf.get(l.order_line_id)?.sku ?? l.sku_id} × ${l.qty - l.qty_cancelled}`).join(', ')}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}

      {o.shipments && o.shipments.length > 0 && (
        <Card withBorder>
          <Title order={3} size="h5" mb="xs">Shipments</Title>
          <Table>
            <Table.Tbody>
              {o.shipments.map((s) => (
                <Table.Tr key={s.id}>
                  <Table.Td>{s.id}</Table.Td>
                  <Table.Td>{s.carrier ?? ''}</Table.Td>
                  <Table.Td><Badge variant="light">{label(s.status)}</Badge></Table.Td>
                  <Table.Td>{s.tracking_url ? <Anchor href={s.tracking_url} target="_blank" rel="noreferrer">{s.tracking_number}</Anchor> : s.tracking_number}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}

      <Card withBorder>
        <Title order={3} size="h5" mb="sm">Timeline</Title>
        <Timeline bulletSize={12} lineWidth={2} data-testid="timeline">
          {[...o.timeline].reverse().map((e, i) => (
            <Timeline.Item key={i} title={e.message}>
              <Text size="xs" c="dimmed">{dateTime(e.at)} · {e.type}{e.actor ? ` · ${e.actor}` : ''}</Text>
            </Timeline.Item>
          ))}
        </Timeline>
      </Card>

      <Modal opened={cancelOpen} onClose={() => setCancelOpen(false)} title={`Cancel order ${o.number}`}>
        <Stack>
          <Textarea label="Reason" required value={reason} onChange={(e) => setReason(e.currentTarget.value)} autosize minRows={2} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setCancelOpen(false)}>Keep order</Button>
            <Button color="red" disabled={!reason.trim()} loading={cancel.isPending} onClick={() => cancel.mutate(reason.trim())}>Cancel order</Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
