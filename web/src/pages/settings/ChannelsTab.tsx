import { useEffect, useState } from 'react';
import { Anchor, Badge, Button, Checkbox, Grid, Group, NativeSelect, NumberInput, Paper, PasswordInput, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import { api, get, post } from '../../api.js';
import { dateTime, label } from '../../format.js';
import { useReference } from '../../reference.js';
import { can, useSession } from '../../session.js';
import type { Page } from '../../types.js';
import { CopyValue, ShownOnce, messageOf, useAction } from './common.js';
import { CHANNEL_TYPES, type ChannelFull, type ChannelType, type Listing, type StockPolicy, type StoredRules, type SyncStatus } from './types.js';

const SYNC_COLOR: Record<string, string> = { in_sync: 'green', pending: 'blue', retrying: 'orange', error: 'red', never_pushed: 'gray' };
const ms = (v: number | null) => (v === null ? '—' : v < 1000 ? `${v} ms` : `${(v / 1000).toFixed(1)} s`);

/** Sales channels: the list, a new channel (its secret shown once), and the selected channel's details. */
export function ChannelsTab({ channelId }: { channelId: string | null }) {
  const role = useSession().user!.role;
  const list = useQuery({ queryKey: ['settings', 'channels'], queryFn: () => get<Page<ChannelFull>>('/api/v1/channels') });
  const [created, setCreated] = useState<{ id: string; secret: string | null } | null>(null);
  const channels = list.data?.data ?? [];
  const selected = channels.find((c) => c.id === channelId) ?? null;
  return (
    <Stack gap="md">
      <Table striped highlightOnHover data-testid="channels-table">
        <Table.Caption>Sales channels: orders come in through each one; secrets are never shown after they are saved.</Table.Caption>
        <Table.Thead>
          <Table.Tr><Table.Th scope="col">Name</Table.Th><Table.Th scope="col">Type</Table.Th><Table.Th scope="col">Id</Table.Th><Table.Th scope="col">Secret</Table.Th><Table.Th scope="col">Active</Table.Th><Table.Th scope="col">Created</Table.Th></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {channels.map((c) => (
            <Table.Tr key={c.id} data-channel-id={c.id} aria-selected={c.id === channelId}>
              <Table.Td><Anchor component={Link} to={`/settings/channels/${c.id}`}>{c.name}</Anchor></Table.Td>
              <Table.Td>{c.type}</Table.Td>
              <Table.Td><Text ff="monospace" size="sm">{c.id}</Text></Table.Td>
              <Table.Td>{c.has_secret ? <Badge variant="light" color="green">set</Badge> : <Badge variant="light" color="gray">not set</Badge>}</Table.Td>
              <Table.Td>{c.active ? 'yes' : 'no'}</Table.Td>
              <Table.Td>{dateTime(c.created_at)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {list.data && channels.length === 0 && <Text c="dimmed">No channels yet.</Text>}
      {can.manageSettings(role) && <NewChannel onCreated={setCreated} />}
      {created?.secret && created.id === channelId && (
        <ShownOnce title="Channel secret" value={created.secret} onDismiss={() => setCreated(null)} testId="channel-secret" />
      )}
      {channelId && !selected && list.data && <Text>Channel {channelId} was not found.</Text>}
      {selected && <ChannelDetail channel={selected} />}
    </Stack>
  );
}

function NewChannel({ onCreated }: { onCreated: (c: { id: string; secret: string | null }) => void }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const action = useAction();
  const [type, setType] = useState<ChannelType>('shopify');
  const [name, setName] = useState('');
  const [secret, setSecret] = useState('');
  const submit = async () => {
    const c = await action.run(
      () => post<ChannelFull>('/api/v1/channels', { type, name: name.trim(), ...(secret ? { secret } : {}) }),
      (r) => `Channel ${r.name} created.`,
    );
    if (!c) return;
    onCreated({ id: c.id, secret: secret || null });
    setName('');
    setSecret('');
    await client.invalidateQueries({ queryKey: ['settings', 'channels'] });
    await client.invalidateQueries({ queryKey: ['channels'] });
    void navigate(`/settings/channels/${c.id}`);
  };
  return (
    <Paper withBorder p="sm" component="form" aria-label="New channel" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
      <Title order={3} size="h5" mb="xs">New channel</Title>
      <Group align="end" wrap="wrap">
        <NativeSelect label="Type" value={type} onChange={(e) => setType(e.currentTarget.value as ChannelType)} data={CHANNEL_TYPES.map((t) => ({ value: t, label: t }))} w={150} />
        <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} required w={220} />
        <PasswordInput
          label="Secret"
          description="Webhook signing key or marketplace credentials; 8+ characters, optional"
          value={secret}
          onChange={(e) => setSecret(e.currentTarget.value)}
          autoComplete="new-password"
          w={300}
        />
        <Button type="submit" loading={action.busy} disabled={!name.trim() || (secret !== '' && secret.length < 8)}>Create channel</Button>
      </Group>
      {action.view}
    </Paper>
  );
}

/** How orders reach Tandem for this channel type. */
function Intake({ channel }: { channel: ChannelFull }) {
  const action = useAction();
  if (channel.type === 'shopify' || channel.type === 'woocommerce') {
    const url = `${window.location.origin}/hooks/${channel.type}/${channel.id}`;
    return (
      <Stack gap={4}>
        <Text size="sm" fw={600}>Inbound webhook URL</Text>
        <CopyValue value={url} label="webhook URL" testId="channel-webhook-url" />
        <Text size="xs" c="dimmed">
          {channel.type === 'shopify'
            ? 'Register it for orders/create, orders/updated, orders/cancelled and refunds/create; Shopify signs with the app secret, which must be this channel\'s secret.'
            : 'Register it for order.created and order.updated; WooCommerce signs with the webhook secret, which must be this channel\'s secret.'}
          {!channel.has_secret && ' This channel has no secret yet, so signed deliveries cannot be verified.'}
        </Text>
      </Stack>
    );
  }
  if (channel.type === 'amazon' || channel.type === 'flipkart') {
    return (
      <Stack gap={4}>
        <Text size="sm">Orders are polled from the marketplace by <Text span ff="monospace">tandem work</Text>; the channel secret holds the API credentials.</Text>
        <Group>
          <Button size="xs" variant="light" loading={action.busy} onClick={() => void action.run(
            () => post<{ fetched: number; created: number; updated: number }>(`/api/v1/channels/${channel.id}/poll`),
            (r) => `Polled: ${r.fetched} fetched, ${r.created} new, ${r.updated} updated.`,
          )}>Poll now</Button>
        </Group>
        {action.view}
      </Stack>
    );
  }
  return (
    <Text size="sm">
      {channel.type === 'api'
        ? <>Orders are sent to <Text span ff="monospace">POST /api/v1/orders</Text> with <Text span ff="monospace">channel_id: {channel.id}</Text>.</>
        : <>Orders are imported as CSV with <Text span ff="monospace">POST /api/v1/orders/import?channel_id={channel.id}</Text>.</>}
    </Text>
  );
}

/**
 * Replaces the channel's signing secret (admin). The secret is never shown back; inbound webhooks verify against the
 * new one from the moment it is saved, so save it right after the channel starts signing with it.
 */
function ReplaceSecret({ channel }: { channel: ChannelFull }) {
  const { user } = useSession();
  const client = useQueryClient();
  const action = useAction();
  const [secret, setSecret] = useState('');
  if (!can.manageSettings(user!.role)) {
    return <Text size="xs" c="dimmed" mb="sm">The secret is never shown; an admin can replace it.</Text>;
  }
  const save = async () => {
    const r = await action.run(
      () => api<ChannelFull>('PATCH', `/api/v1/channels/${channel.id}`, { secret }),
      () => 'Secret replaced: webhooks now verify against the new one.',
    );
    if (r) {
      setSecret('');
      await client.invalidateQueries({ queryKey: ['settings', 'channels'] });
    }
  };
  return (
    <Stack gap={4} mb="sm">
      <Group align="flex-end" gap="sm">
        <PasswordInput
          label="Replace signing secret"
          description="Never shown back. Webhooks verify against the new secret as soon as it is saved."
          value={secret}
          onChange={(e) => setSecret(e.currentTarget.value)}
          w={360}
          data-testid="channel-new-secret"
        />
        <Button variant="default" disabled={secret.length < 8} loading={action.busy} onClick={() => void save()}>Replace secret</Button>
      </Group>
      {action.view}
    </Stack>
  );
}

function ChannelDetail({ channel }: { channel: ChannelFull }) {
  return (
    <Paper withBorder p="md" data-testid="channel-detail">
      <Group justify="space-between" mb="sm">
        <Title order={3} size="h4">{channel.name}</Title>
        <Group gap="xs">
          <Badge variant="light">{channel.type}</Badge>
          <Badge variant="outline" color={channel.has_secret ? 'green' : 'gray'} data-testid="channel-secret-state">secret {channel.has_secret ? 'set' : 'not set'}</Badge>
        </Group>
      </Group>
      <ReplaceSecret channel={channel} />
      <Intake channel={channel} />
      <Grid mt="md" gap="lg">
        <Grid.Col span={{ base: 12, md: 6 }}><StockPolicyPanel channel={channel} /></Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}><SyncPanel channelId={channel.id} /></Grid.Col>
      </Grid>
      <Listings channelId={channel.id} />
    </Paper>
  );
}

function StockPolicyPanel({ channel }: { channel: ChannelFull }) {
  const role = useSession().user!.role;
  const admin = can.manageSettings(role);
  const client = useQueryClient();
  const ref = useReference();
  const action = useAction();
  const policy = useQuery({ queryKey: ['settings', 'stock-policy', channel.id], queryFn: () => get<StockPolicy>(`/api/v1/channels/${channel.id}/stock-policy`) });
  // The warehouses whose stock is offered: the channel's allowed_warehouses routing rule, else every active one.
  const rules = useQuery({ queryKey: ['settings', 'routing-rules', channel.id], queryFn: () => get<StoredRules>(`/api/v1/routing/rules?channel_id=${encodeURIComponent(channel.id)}`) });
  const allowed = rules.data?.rules.find((r) => r.rule === 'allowed_warehouses');
  const [form, setForm] = useState<{ sync: boolean; kind: 'units' | 'percent'; value: number; cap: number | ''; endpoint: string; location: string } | null>(null);
  useEffect(() => {
    const p = policy.data;
    if (p) setForm({ sync: p.sync_enabled, kind: p.buffer.kind, value: p.buffer.value, cap: p.max_units ?? '', endpoint: p.endpoint ?? '', location: p.location_id ?? '' });
  }, [policy.data]);
  const save = () => form && action.run(async () => {
    const body = {
      sync_enabled: form.sync, buffer: { kind: form.kind, value: form.value }, max_units: form.cap === '' ? null : form.cap,
      endpoint: form.endpoint.trim() || null, location_id: form.location.trim() || null,
    };
    const r = await api<StockPolicy>('PUT', `/api/v1/channels/${channel.id}/stock-policy`, body);
    await client.invalidateQueries({ queryKey: ['settings', 'stock-policy', channel.id] });
    await client.invalidateQueries({ queryKey: ['settings', 'sync', channel.id] });
    return r;
  }, () => 'Stock policy saved; listings will be pushed again.');
  return (
    <Stack gap="xs" data-testid="stock-policy">
      <Title order={4} size="h5">Stock policy</Title>
      <Text size="sm">
        Warehouses offered: {allowed && allowed.rule === 'allowed_warehouses'
          ? allowed.warehouse_ids.map(ref.warehouseCode).join(', ')
          : 'every active warehouse'} <Text span size="xs" c="dimmed">(the channel's allowed_warehouses routing rule)</Text>
      </Text>
      {policy.error && <Text c="red" size="sm">{messageOf(policy.error)}</Text>}
      {form && (
        <form onSubmit={(e) => { e.preventDefault(); void save(); }} aria-label="Stock policy">
          <fieldset disabled={!admin} style={{ border: 0, padding: 0, margin: 0 }}>
            <Stack gap="xs">
              <Checkbox label="Push available-to-sell to the channel" checked={form.sync} onChange={(e) => setForm({ ...form, sync: e.currentTarget.checked })} />
              <Group align="end" grow>
                <NativeSelect label="Buffer" value={form.kind} onChange={(e) => setForm({ ...form, kind: e.currentTarget.value as 'units' | 'percent' })} data={[{ value: 'units', label: 'units held back' }, { value: 'percent', label: 'percent held back' }]} />
                <NumberInput label="Buffer value" min={0} max={form.kind === 'percent' ? 100 : 1_000_000_000} allowDecimal={false} value={form.value} onChange={(v) => setForm({ ...form, value: typeof v === 'number' ? v : 0 })} />
                <NumberInput label="Cap (max units)" description="empty = no cap" min={0} allowDecimal={false} value={form.cap} onChange={(v) => setForm({ ...form, cap: typeof v === 'number' ? v : '' })} />
              </Group>
              <Group grow>
                <TextInput label="Endpoint" description="the channel's API base URL" value={form.endpoint} onChange={(e) => setForm({ ...form, endpoint: e.currentTarget.value })} />
                <TextInput label="Location id" value={form.location} onChange={(e) => setForm({ ...form, location: e.currentTarget.value })} />
              </Group>
              <Text size="xs" c="dimmed">API credentials: {policy.data?.has_credentials ? 'set' : 'not set'} (write-only; set them with PUT /api/v1/channels/{'{id}'}/stock-policy).</Text>
              {admin && <Group><Button type="submit" size="xs" loading={action.busy}>Save stock policy</Button></Group>}
            </Stack>
          </fieldset>
        </form>
      )}
      {action.view}
    </Stack>
  );
}

function SyncPanel({ channelId }: { channelId: string }) {
  const sync = useQuery({ queryKey: ['settings', 'sync', channelId], refetchInterval: 30_000, queryFn: () => get<SyncStatus>(`/api/v1/channels/${channelId}/sync-status?limit=1`) });
  const s = sync.data?.summary;
  return (
    <Stack gap="xs" data-testid="sync-status">
      <Title order={4} size="h5">Stock sync</Title>
      {sync.error && <Text c="red" size="sm">{messageOf(sync.error)}</Text>}
      {sync.data && s && (
        <SimpleGrid cols={2} spacing={4} verticalSpacing={2}>
          <Text size="sm">Sync</Text><Text size="sm" fw={600}>{sync.data.sync_enabled ? 'on' : 'off'}</Text>
          <Text size="sm">Listings</Text><Text size="sm">{s.listings}</Text>
          <Text size="sm">Waiting to push</Text><Text size="sm">{s.pending}{s.oldest_pending_since ? ` (since ${dateTime(s.oldest_pending_since)})` : ''}</Text>
          <Text size="sm">Errors</Text><Text size="sm" c={s.errors > 0 ? 'red' : undefined}>{s.errors}</Text>
          <Text size="sm">Lag p50 / p99 / max</Text><Text size="sm">{ms(s.lag_ms.p50)} / {ms(s.lag_ms.p99)} / {ms(s.lag_ms.max)}</Text>
          <Text size="sm">Last acknowledged</Text><Text size="sm">{dateTime(s.last_acknowledged_at)}</Text>
          <Text size="sm">Pushes / changes</Text><Text size="sm">{s.pushes} / {s.changes}</Text>
        </SimpleGrid>
      )}
    </Stack>
  );
}

function Listings({ channelId }: { channelId: string }) {
  const client = useQueryClient();
  const action = useAction();
  const listings = useQuery({ queryKey: ['settings', 'listings', channelId], queryFn: () => get<Page<Listing>>(`/api/v1/channels/${channelId}/listings`) });
  const sync = useQuery({ queryKey: ['settings', 'sync-rows', channelId], refetchInterval: 30_000, queryFn: () => get<SyncStatus>(`/api/v1/channels/${channelId}/sync-status?limit=500`) });
  const state = new Map((sync.data?.data ?? []).map((r) => [r.listing_id, r]));
  const [channelSku, setChannelSku] = useState('');
  const [sku, setSku] = useState('');
  const add = async () => {
    const r = await action.run(
      () => post<Listing>(`/api/v1/channels/${channelId}/listings`, { channel_sku: channelSku.trim(), sku: sku.trim() }),
      (l) => `${l.channel_sku} now maps to ${l.sku}.`,
    );
    if (!r) return;
    setChannelSku('');
    setSku('');
    await client.invalidateQueries({ queryKey: ['settings', 'listings', channelId] });
    await client.invalidateQueries({ queryKey: ['settings', 'sync-rows', channelId] });
  };
  const rows = listings.data?.data ?? [];
  return (
    <Stack gap="xs" mt="lg">
      <Title order={4} size="h5">Listings</Title>
      <form aria-label="Add listing" onSubmit={(e) => { e.preventDefault(); void add(); }}>
        <Group align="end">
          <TextInput label="Channel SKU" value={channelSku} onChange={(e) => setChannelSku(e.currentTarget.value)} required w={200} />
          <TextInput label="Our SKU" value={sku} onChange={(e) => setSku(e.currentTarget.value)} required w={200} />
          <Button type="submit" loading={action.busy} disabled={!channelSku.trim() || !sku.trim()}>Add listing</Button>
        </Group>
      </form>
      {action.view}
      <Table striped data-testid="listings-table">
        <Table.Caption>Channel SKU to SKU mappings, with each listing's stock sync state</Table.Caption>
        <Table.Thead>
          <Table.Tr><Table.Th scope="col">Channel SKU</Table.Th><Table.Th scope="col">SKU</Table.Th><Table.Th scope="col">Sync</Table.Th><Table.Th scope="col">Last pushed</Table.Th><Table.Th scope="col">Error</Table.Th><Table.Th scope="col">Added</Table.Th></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((l) => {
            const s = state.get(l.id);
            return (
              <Table.Tr key={l.id} data-listing={l.channel_sku}>
                <Table.Td>{l.channel_sku}</Table.Td>
                <Table.Td>{l.sku}</Table.Td>
                <Table.Td>{s ? <Badge variant="light" color={SYNC_COLOR[s.state] ?? 'gray'}>{label(s.state)}</Badge> : '—'}</Table.Td>
                <Table.Td>{s?.last_pushed != null ? `${s.last_pushed} at ${dateTime(s.last_pushed_at)}` : '—'}</Table.Td>
                <Table.Td>{s?.error ? `${s.error.code}${s.error.message ? `: ${s.error.message}` : ''}` : ''}</Table.Td>
                <Table.Td>{dateTime(l.created_at)}</Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      {listings.data && rows.length === 0 && <Text c="dimmed" size="sm">No listings yet: orders with unmapped channel SKUs are held until one is added.</Text>}
    </Stack>
  );
}
