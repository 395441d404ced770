import { useState } from 'react';
import { Anchor, Badge, Button, Group, NativeSelect, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import { get, post, qs } from '../../api.js';
import { dateTime } from '../../format.js';
import type { Page } from '../../types.js';
import { ShownOnce, messageOf, useAction } from './common.js';
import type { Delivery, Subscription } from './types.js';

const DELIVERY_COLOR: Record<string, string> = { pending: 'blue', delivered: 'green', dead: 'red' };

/** Outbound webhooks: subscriptions (signing secret shown once), pause/resume, and each one's delivery log with replay. */
export function WebhooksTab({ subscriptionId }: { subscriptionId: string | null }) {
  const client = useQueryClient();
  const list = useQuery({ queryKey: ['settings', 'webhooks'], queryFn: () => get<Page<Subscription>>('/api/v1/webhooks?limit=500') });
  const [secret, setSecret] = useState<{ id: string; secret: string } | null>(null);
  const action = useAction();
  const setStatus = (s: Subscription, to: 'enable' | 'disable') => action.run(async () => {
    const r = await post<Subscription>(`/api/v1/webhooks/${s.id}/${to}`);
    await client.invalidateQueries({ queryKey: ['settings', 'webhooks'] });
    return r;
  }, (r) => (r.status === 'active' ? `Deliveries to ${r.url} resumed.` : `Deliveries to ${r.url} paused; new ones wait until it is enabled.`));
  // A new signing secret, shown once; the old one keeps verifying for 24 h (both signatures on every delivery).
  const rotate = (s: Subscription) => action.run(async () => {
    const r = await post<Subscription & { secret: string; previous_secret_expires_at: string | null }>(`/api/v1/webhooks/${s.id}/rotate-secret`, { grace_hours: 24 });
    setSecret({ id: r.id, secret: r.secret });
    return r;
  }, (r) => `New signing secret for ${r.url}; the old one is accepted until ${r.previous_secret_expires_at ? dateTime(r.previous_secret_expires_at) : 'now'}.`);
  const rows = list.data?.data ?? [];
  const selected = rows.find((s) => s.id === subscriptionId) ?? null;
  return (
    <Stack gap="md">
      <NewSubscription onCreated={setSecret} />
      {secret && <ShownOnce title="Signing secret" value={secret.secret} onDismiss={() => setSecret(null)} testId="webhook-secret" />}
      {action.view}
      <Table striped data-testid="webhooks-table">
        <Table.Caption>Webhook subscriptions: events are POSTed to each URL, signed with its secret</Table.Caption>
        <Table.Thead>
          <Table.Tr><Table.Th scope="col">URL</Table.Th><Table.Th scope="col">Events</Table.Th><Table.Th scope="col">Description</Table.Th><Table.Th scope="col">Created</Table.Th><Table.Th scope="col">Status</Table.Th></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((s) => (
            <Table.Tr key={s.id} data-webhook-id={s.id}>
              <Table.Td><Anchor component={Link} to={`/settings/webhooks/${s.id}`} style={{ wordBreak: 'break-all' }}>{s.url}</Anchor></Table.Td>
              <Table.Td><Text ff="monospace" size="sm">{s.events.join(', ')}</Text></Table.Td>
              <Table.Td>{s.description ?? ''}</Table.Td>
              <Table.Td>{dateTime(s.created_at)}</Table.Td>
              <Table.Td>
                <Group gap="xs" wrap="nowrap">
                  <Badge variant="light" color={s.status === 'active' ? 'green' : 'gray'}>{s.status}</Badge>
                  <Button size="compact-xs" variant="light" color={s.status === 'active' ? 'red' : undefined} loading={action.busy} onClick={() => void setStatus(s, s.status === 'active' ? 'disable' : 'enable')}>
                    {s.status === 'active' ? 'Disable' : 'Enable'}
                  </Button>
                  <Button size="compact-xs" variant="default" loading={action.busy} onClick={() => void rotate(s)}>Rotate secret</Button>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {list.data && rows.length === 0 && <Text c="dimmed">No subscriptions yet.</Text>}
      {subscriptionId && list.data && !selected && <Text>Subscription {subscriptionId} was not found.</Text>}
      {selected && <Deliveries subscription={selected} />}
    </Stack>
  );
}

function NewSubscription({ onCreated }: { onCreated: (s: { id: string; secret: string }) => void }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const action = useAction();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState('order.*');
  const [description, setDescription] = useState('');
  const list = events.split(/[\s,]+/).filter(Boolean);
  const submit = async () => {
    const r = await action.run(
      () => post<Subscription & { secret: string }>('/api/v1/webhooks', { url: url.trim(), events: [...new Set(list)], ...(description.trim() ? { description: description.trim() } : {}) }),
      (s) => `Subscribed ${s.url} to ${s.events.join(', ')}.`,
    );
    if (!r) return;
    onCreated({ id: r.id, secret: r.secret });
    setUrl('');
    setDescription('');
    await client.invalidateQueries({ queryKey: ['settings', 'webhooks'] });
    void navigate(`/settings/webhooks/${r.id}`);
  };
  return (
    <Paper withBorder p="sm" component="form" aria-label="New webhook subscription" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
      <Title order={3} size="h5" mb="xs">New subscription</Title>
      <Group align="end" wrap="wrap">
        <TextInput label="URL" type="url" placeholder="https://example.com/tandem" value={url} onChange={(e) => setUrl(e.currentTarget.value)} required w={340} />
        <TextInput label="Events" description="types (stock.changed), families (order.*) or *, comma-separated" value={events} onChange={(e) => setEvents(e.currentTarget.value)} required w={300} />
        <TextInput label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} w={200} />
        <Button type="submit" loading={action.busy} disabled={!url.trim() || list.length === 0}>Subscribe</Button>
      </Group>
      <Text size="xs" c="dimmed" mt={4}>The URL must resolve to a public address unless its host is allow-listed (TANDEM_WEBHOOK_ALLOW_HOSTS); a signing secret is generated and shown once.</Text>
      {action.view}
    </Paper>
  );
}

function Deliveries({ subscription }: { subscription: Subscription }) {
  const client = useQueryClient();
  const [status, setStatus] = useState('');
  const action = useAction();
  const list = useInfiniteQuery({
    queryKey: ['settings', 'deliveries', subscription.id, status],
    initialPageParam: null as string | null,
    refetchInterval: 5_000,
    queryFn: ({ pageParam }) => get<Page<Delivery>>(`/api/v1/webhooks/${subscription.id}/deliveries${qs({ status, cursor: pageParam, limit: 50 })}`),
    getNextPageParam: (last) => last.next_cursor,
  });
  const rows = list.data?.pages.flatMap((p) => p.data) ?? [];
  const replay = (d: Delivery) => action.run(async () => {
    const r = await post<Delivery>(`/api/v1/webhook-deliveries/${d.id}/replay`);
    await client.invalidateQueries({ queryKey: ['settings', 'deliveries', subscription.id] });
    return r;
  }, () => `${d.event_type} queued for delivery again.`);
  return (
    <Paper withBorder p="md" data-testid="deliveries">
      <Group justify="space-between" align="end" mb="xs">
        <Title order={3} size="h5">Deliveries to {subscription.url}</Title>
        <NativeSelect label="Status" value={status} onChange={(e) => setStatus(e.currentTarget.value)} data={[{ value: '', label: 'All' }, { value: 'pending', label: 'pending' }, { value: 'delivered', label: 'delivered' }, { value: 'dead', label: 'dead' }]} w={150} />
      </Group>
      {action.view}
      {list.error && <Text c="red">{messageOf(list.error)}</Text>}
      <Table striped data-testid="deliveries-table">
        <Table.Caption>Delivery log, newest first; refreshes every 5 s</Table.Caption>
        <Table.Thead>
          <Table.Tr><Table.Th scope="col">Event</Table.Th><Table.Th scope="col">Status</Table.Th><Table.Th scope="col">Attempts</Table.Th><Table.Th scope="col">Last response</Table.Th><Table.Th scope="col">Last error</Table.Th><Table.Th scope="col">Last attempt</Table.Th><Table.Th scope="col">Next attempt</Table.Th><Table.Th /></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((d) => (
            <Table.Tr key={d.id} data-delivery-id={d.id} data-status={d.status}>
              <Table.Td><Text ff="monospace" size="sm">{d.event_type}</Text>{d.replay_of && <Text size="xs" c="dimmed">replay</Text>}</Table.Td>
              <Table.Td><Badge variant="light" color={DELIVERY_COLOR[d.status] ?? 'gray'}>{d.status}</Badge></Table.Td>
              <Table.Td>{d.attempts}</Table.Td>
              <Table.Td>{d.last_status_code ?? '—'}</Table.Td>
              <Table.Td><Text size="sm" c={d.last_error ? 'red' : undefined}>{d.last_error ?? ''}</Text></Table.Td>
              <Table.Td>{dateTime(d.last_attempt_at)}</Table.Td>
              <Table.Td>{dateTime(d.next_attempt_at)}</Table.Td>
              <Table.Td><Button size="compact-xs" variant="light" loading={action.busy} onClick={() => void replay(d)} aria-label={`Replay ${d.event_type} delivery ${d.id}`}>Replay</Button></Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {list.data && rows.length === 0 && <Text c="dimmed" size="sm">No deliveries yet: they appear once a matching event happens.</Text>}
      {list.hasNextPage && <Button variant="default" mt="sm" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>Load more</Button>}
    </Paper>
  );
}
