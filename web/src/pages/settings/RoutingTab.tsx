import { useEffect, useMemo, useState } from 'react';
import { ActionIcon, Alert, Anchor, Badge, Button, Checkbox, Grid, Group, NativeSelect, NumberInput, Paper, SegmentedControl, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, get, post, qs } from '../../api.js';
import { dateTime } from '../../format.js';
import { useReference } from '../../reference.js';
import { can, useSession } from '../../session.js';
import { messageOf, useAction } from './common.js';
import type { Band, RoutingRule, RoutingRules, RuleName, RulePriority, SimReport, SimTotals, StoredRules } from './types.js';

/** What each rule does, in the planner's words (docs/routing.md). */
const RULES: Record<RuleName, { title: string; help: string; weighted: boolean; repeatable?: boolean }> = {
  allowed_warehouses: { title: 'Allowed warehouses', help: 'Only these warehouses may ship the channel\'s orders (a filter, not a score).', weighted: false },
  fewest_shipments: { title: 'Fewest shipments', help: 'Prefer the warehouse that can ship the whole order; split only when none can.', weighted: true },
  meets_promise: { title: 'Meets the promise', help: 'Cut-off on the warehouse clock plus transit days by distance, against the promised dates.', weighted: true },
  nearest: { title: 'Nearest', help: 'Distance from the warehouse to the destination postal code.', weighted: true },
  lowest_cost: { title: 'Lowest cost', help: 'Estimated shipping cost: by distance band, or the cheapest rate-card price of the lane for the order\'s parcel.', weighted: true },
  warehouse_priority: { title: 'Warehouse priority', help: 'Each warehouse\'s routing priority (lower first; set under Warehouses).', weighted: true },
  keep_reserve: { title: 'Keep a reserve', help: 'Leave the last N units of each SKU for other orders (optionally only for some order priorities).', weighted: false, repeatable: true },
  max_splits: { title: 'At most N splits', help: 'Never split an order into more than N + 1 shipments.', weighted: false },
};
const PRIORITIES: RulePriority[] = ['low', 'normal', 'high', 'urgent'];

function defaultRule(name: RuleName, warehouseIds: string[]): RoutingRule {
  switch (name) {
    case 'allowed_warehouses': return { rule: name, warehouse_ids: warehouseIds };
    case 'keep_reserve': return { rule: name, units: 1 };
    case 'max_splits': return { rule: name, max: 1 };
    case 'lowest_cost': return { rule: name };
    case 'fewest_shipments': return { rule: name };
    default: return { rule: name };
  }
}

/** The body the API takes: the rules without the stored-row fields. */
const toBody = (r: RoutingRules): RoutingRules => ({ mode: r.mode, rules: r.rules, allow_backorder: r.allow_backorder ?? true });
const localInput = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

/** The routing rules of the default or of one channel, edited as an ordered list, with a what-if replay beside them. */
export function RoutingTab() {
  const role = useSession().user!.role;
  const admin = can.manageSettings(role);
  const ref = useReference();
  const client = useQueryClient();
  const [channelId, setChannelId] = useState('');
  const stored = useQuery({ queryKey: ['settings', 'routing-rules', channelId || null], queryFn: () => get<StoredRules>(`/api/v1/routing/rules${qs({ channel_id: channelId })}`) });
  const [draft, setDraft] = useState<RoutingRules | null>(null);
  useEffect(() => {
    if (stored.data) setDraft(toBody(structuredClone(stored.data)));
  }, [stored.data]);
  const dirty = useMemo(() => !!draft && !!stored.data && JSON.stringify(toBody(stored.data)) !== JSON.stringify(toBody(draft)), [draft, stored.data]);
  const save = useAction();
  const [sim, setSim] = useState<SimReport | null>(null);

  const onSave = () => draft && save.run(async () => {
    const r = await api<StoredRules>('PUT', `/api/v1/routing/rules${qs({ channel_id: channelId })}`, toBody(draft));
    client.setQueryData(['settings', 'routing-rules', channelId || null], r);
    return r;
  }, (r) => `Saved ${r.rules.length} rule(s) for ${channelId ? ref.channelName(channelId) : 'the default'}; orders routed from now on use them.`);

  return (
    <Stack gap="sm">
      <Group align="end">
        <NativeSelect
          label="Rules of"
          value={channelId}
          onChange={(e) => { setChannelId(e.currentTarget.value); setSim(null); }}
          data={[{ value: '', label: 'Default (every channel without its own)' }, ...ref.channels.map((c) => ({ value: c.id, label: c.name }))]}
          w={320}
        />
        {stored.data && (
          <Text size="sm" c="dimmed" pb={6}>
            {stored.data.source === 'channel' ? 'The channel\'s own rules' : stored.data.source === 'default' ? 'The stored default' : 'The built-in default (never saved)'}
            {stored.data.updated_at ? `, saved ${dateTime(stored.data.updated_at)}` : ''}
          </Text>
        )}
      </Group>
      {stored.error && <Alert color="red">{messageOf(stored.error)}</Alert>}
      {draft && (
        <Grid gap="lg">
          <Grid.Col span={{ base: 12, lg: 6 }}>
            <Paper withBorder p="sm" data-testid="routing-editor">
              <Group justify="space-between" mb="xs">
                <Title order={3} size="h5">Rules {dirty && <Badge color="orange" variant="light" ml="xs">edited, not saved</Badge>}</Title>
                <Group gap="xs">
                  <Button size="xs" variant="default" disabled={!dirty} onClick={() => stored.data && setDraft(toBody(structuredClone(stored.data)))}>Discard changes</Button>
                  {admin && <Button size="xs" onClick={() => void onSave()} loading={save.busy} disabled={!dirty}>Save rules</Button>}
                </Group>
              </Group>
              {save.view}
              <RulesEditor value={draft} onChange={setDraft} />
            </Paper>
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 6 }}>
            <Simulation rules={draft} channelId={channelId} report={sim} onReport={setSim} />
          </Grid.Col>
        </Grid>
      )}
    </Stack>
  );
}

function RulesEditor({ value, onChange }: { value: RoutingRules; onChange: (r: RoutingRules) => void }) {
  const ref = useReference();
  const present = new Set(value.rules.map((r) => r.rule));
  const addable = (Object.keys(RULES) as RuleName[]).filter((n) => RULES[n].repeatable || !present.has(n));
  const [adding, setAdding] = useState<RuleName | ''>('');
  const set = (i: number, r: RoutingRule) => onChange({ ...value, rules: value.rules.map((x, j) => (j === i ? r : x)) });
  const move = (i: number, d: -1 | 1) => {
    const rules = [...value.rules];
    [rules[i], rules[i + d]] = [rules[i + d]!, rules[i]!];
    onChange({ ...value, rules });
  };
  return (
    <Stack gap="sm">
      <Group align="end">
        <div>
          <Text size="sm" fw={500} id="routing-mode-label">Mode</Text>
          <SegmentedControl
            aria-labelledby="routing-mode-label"
            value={value.mode}
            onChange={(m) => onChange({ ...value, mode: m as 'strict' | 'weighted' })}
            data={[{ value: 'strict', label: 'Strict (in order)' }, { value: 'weighted', label: 'Weighted (sum of weights)' }]}
          />
        </div>
        <Checkbox label="Allow backorders (ship what is in stock)" checked={value.allow_backorder ?? true} onChange={(e) => onChange({ ...value, allow_backorder: e.currentTarget.checked })} />
      </Group>
      <Text size="xs" c="dimmed">
        {value.mode === 'strict'
          ? 'Candidates are compared rule by rule in this order; a later rule only breaks ties of the earlier ones.'
          : 'Each candidate scores the sum of weight × factor; filters (allowed warehouses, reserve, splits) apply first.'}
      </Text>
      <ol style={{ margin: 0, paddingLeft: 0, listStyle: 'none' }} aria-label="Routing rules in order">
        {value.rules.map((r, i) => (
          <li key={`${r.rule}-${i}`}>
            <Paper withBorder p="xs" mb="xs" data-rule={r.rule}>
              <Group justify="space-between" wrap="nowrap" align="start">
                <div style={{ flex: 1 }}>
                  <Text fw={600} size="sm">{i + 1}. {RULES[r.rule].title} <Text span ff="monospace" size="xs" c="dimmed">{r.rule}</Text></Text>
                  <Text size="xs" c="dimmed">{RULES[r.rule].help}</Text>
                  <RuleParams rule={r} mode={value.mode} onChange={(x) => set(i, x)} warehouses={ref.warehouses} />
                </div>
                <Group gap={4} wrap="nowrap">
                  <ActionIcon variant="default" aria-label={`Move ${RULES[r.rule].title} up`} disabled={i === 0} onClick={() => move(i, -1)}>↑</ActionIcon>
                  <ActionIcon variant="default" aria-label={`Move ${RULES[r.rule].title} down`} disabled={i === value.rules.length - 1} onClick={() => move(i, 1)}>↓</ActionIcon>
                  <ActionIcon variant="light" color="red" aria-label={`Remove ${RULES[r.rule].title}`} onClick={() => onChange({ ...value, rules: value.rules.filter((_, j) => j !== i) })}>×</ActionIcon>
                </Group>
              </Group>
            </Paper>
          </li>
        ))}
      </ol>
      {value.rules.length === 0 && <Text size="sm" c="dimmed">No rules: any warehouse that has the stock, by code.</Text>}
      <Group align="end">
        <NativeSelect label="Add a rule" value={adding} onChange={(e) => setAdding(e.currentTarget.value as RuleName | '')} data={[{ value: '', label: 'Choose…' }, ...addable.map((n) => ({ value: n, label: RULES[n].title }))]} w={240} />
        <Button variant="light" disabled={!adding} onClick={() => {
          if (!adding) return;
          onChange({ ...value, rules: [...value.rules, defaultRule(adding, ref.warehouses.map((w) => w.id))] });
          setAdding('');
        }}>Add rule</Button>
      </Group>
    </Stack>
  );
}

const num = (v: string | number, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);

function RuleParams({ rule, mode, onChange, warehouses }: { rule: RoutingRule; mode: RoutingRules['mode']; onChange: (r: RoutingRule) => void; warehouses: { id: string; code: string; name: string }[] }) {
  // Weights matter in weighted mode only; in strict mode a stored weight is kept but not offered for editing.
  const weight = RULES[rule.rule].weighted && mode === 'weighted' ? (
    <NumberInput
      label="Weight"
      size="xs"
      w={110}
      min={0}
      max={1000}
      step={0.5}
      value={(rule as { weight?: number }).weight ?? 1}
      onChange={(v) => onChange({ ...rule, weight: num(v, 1) } as RoutingRule)}
    />
  ) : null;
  switch (rule.rule) {
    case 'allowed_warehouses':
      return (
        <Checkbox.Group label="Warehouses" size="xs" mt={4} value={rule.warehouse_ids} onChange={(ids) => onChange({ ...rule, warehouse_ids: ids })}>
          <Group gap="sm" mt={4}>{warehouses.map((w) => <Checkbox key={w.id} value={w.id} label={w.code} />)}</Group>
        </Checkbox.Group>
      );
    case 'fewest_shipments':
      return (
        <Group align="end" mt={4}>
          <Checkbox size="xs" label="Allow a split even when one warehouse has everything" checked={rule.allow_split ?? false} onChange={(e) => onChange({ ...rule, allow_split: e.currentTarget.checked })} />
          {weight}
        </Group>
      );
    case 'keep_reserve':
      return (
        <Group align="end" mt={4}>
          <NumberInput label="Units" size="xs" w={110} min={1} allowDecimal={false} value={rule.units} onChange={(v) => onChange({ ...rule, units: num(v, 1) })} />
          <Checkbox.Group label="Only for orders of priority (none = all)" size="xs" value={rule.priorities ?? []} onChange={(p) => onChange({ ...rule, priorities: p.length ? (p as RulePriority[]) : undefined })}>
            <Group gap="xs" mt={4}>{PRIORITIES.map((p) => <Checkbox key={p} value={p} label={p} />)}</Group>
          </Checkbox.Group>
        </Group>
      );
    case 'max_splits':
      return <NumberInput label="Most splits" size="xs" w={110} mt={4} min={0} max={20} allowDecimal={false} value={rule.max} onChange={(v) => onChange({ ...rule, max: num(v, 0) })} />;
    case 'lowest_cost':
      return (
        <Stack gap={4} mt={4}>
          {weight}
          <NativeSelect
            label="Cost from"
            size="xs"
            w={260}
            value={rule.source ?? 'bands'}
            data={[{ value: 'bands', label: 'Distance bands' }, { value: 'rate_cards', label: 'Rate cards (cheapest lane price)' }]}
            onChange={(e) => onChange({ ...rule, source: e.currentTarget.value === 'rate_cards' ? 'rate_cards' : undefined })}
          />
          {rule.source !== 'rate_cards' && <BandsEditor bands={rule.bands} onChange={(bands) => onChange({ ...rule, bands })} />}
        </Stack>
      );
    default:
      return weight ? <Group mt={4}>{weight}</Group> : null;
  }
}

function BandsEditor({ bands, onChange }: { bands: Band[] | undefined; onChange: (b: Band[] | undefined) => void }) {
  if (!bands) {
    return <Group gap="xs"><Text size="xs">Cost bands: built-in.</Text><Button size="compact-xs" variant="subtle" onClick={() => onChange([{ max_km: 100, transit_days: 1, cost: 50 }])}>Set own bands</Button></Group>;
  }
  const set = (i: number, b: Band) => onChange(bands.map((x, j) => (j === i ? b : x)));
  return (
    <Table withTableBorder verticalSpacing={2} fz="xs">
      <Table.Caption>Cost bands by distance (the first band whose max km covers the distance)</Table.Caption>
      <Table.Thead><Table.Tr><Table.Th scope="col">Up to km</Table.Th><Table.Th scope="col">Transit days</Table.Th><Table.Th scope="col">Cost</Table.Th><Table.Th /></Table.Tr></Table.Thead>
      <Table.Tbody>
        {bands.map((b, i) => (
          <Table.Tr key={i}>
            <Table.Td><NumberInput size="xs" aria-label={`Band ${i + 1} up to km`} min={1} value={b.max_km} onChange={(v) => set(i, { ...b, max_km: num(v, 1) })} /></Table.Td>
            <Table.Td><NumberInput size="xs" aria-label={`Band ${i + 1} transit days`} min={0} max={60} allowDecimal={false} value={b.transit_days} onChange={(v) => set(i, { ...b, transit_days: num(v, 0) })} /></Table.Td>
            <Table.Td><NumberInput size="xs" aria-label={`Band ${i + 1} cost`} min={0} value={b.cost} onChange={(v) => set(i, { ...b, cost: num(v, 0) })} /></Table.Td>
            <Table.Td><ActionIcon size="sm" variant="subtle" color="red" aria-label={`Remove band ${i + 1}`} onClick={() => onChange(bands.length > 1 ? bands.filter((_, j) => j !== i) : undefined)}>×</ActionIcon></Table.Td>
          </Table.Tr>
        ))}
        <Table.Tr><Table.Td colSpan={4}><Button size="compact-xs" variant="subtle" onClick={() => onChange([...bands, { max_km: (bands.at(-1)?.max_km ?? 0) * 2 || 100, transit_days: (bands.at(-1)?.transit_days ?? 0) + 1, cost: bands.at(-1)?.cost ?? 50 }])}>Add band</Button></Table.Td></Table.Tr>
      </Table.Tbody>
    </Table>
  );
}

function Simulation({ rules, channelId, report, onReport }: { rules: RoutingRules; channelId: string; report: SimReport | null; onReport: (r: SimReport | null) => void }) {
  const [from, setFrom] = useState(() => localInput(new Date(Date.now() - 7 * 86_400_000)));
  const [to, setTo] = useState(() => localInput(new Date(Date.now() + 60_000)));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      onReport(await post<SimReport>('/api/v1/routing/simulate', { rules: toBody(rules), ...(channelId ? { channel_id: channelId } : {}), from: new Date(from).toISOString(), to: new Date(to).toISOString() }));
    } catch (err) {
      onReport(null);
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Paper withBorder p="sm" data-testid="routing-simulation">
      <Title order={3} size="h5" mb="xs">Simulate</Title>
      <Text size="xs" c="dimmed" mb="xs">Replays the window's orders{channelId ? ' of this channel' : ''} under their live rules and under the rules on the left, over the same stock. Changes nothing.</Text>
      <form aria-label="Simulation window" onSubmit={(e) => { e.preventDefault(); void run(); }}>
        <Group align="end">
          <TextInput type="datetime-local" label="Orders created from" value={from} onChange={(e) => setFrom(e.currentTarget.value)} required />
          <TextInput type="datetime-local" label="to" value={to} onChange={(e) => setTo(e.currentTarget.value)} required />
          <Button type="submit" loading={busy}>Simulate</Button>
        </Group>
      </form>
      {error && <Alert color="red" role="alert" mt="sm">{error}</Alert>}
      {report && <SimResults report={report} />}
    </Paper>
  );
}

/** The simulation's estimated costs are in major units of the order's currency (the bands' `cost`), not minor units. */
const major = (v: number, currency: string) => {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(v);
  } catch {
    return `${v.toFixed(2)} ${currency}`;
  }
};
const pct = (n: number, d: number) => (d > 0 ? `${((100 * n) / d).toFixed(1)}%` : '—');
const avgKm = (t: SimTotals) => {
  const n = t.shipments - t.shipments_without_distance;
  return n > 0 ? t.distance_km / n : null;
};

function SimResults({ report }: { report: SimReport }) {
  const { live, proposed } = report;
  const currencies = [...new Set([...Object.keys(live.est_cost), ...Object.keys(proposed.est_cost)])].sort();
  // Keyed by warehouse code (the planner's reasons carry codes), as are the examples.
  const warehouses = [...new Set([...Object.keys(live.shipments_by_warehouse), ...Object.keys(proposed.shipments_by_warehouse)])].sort();
  const diff = (a: number | null, b: number | null, digits = 0) => {
    if (a === null || b === null) return '';
    const d = b - a;
    if (Math.abs(d) < 10 ** -digits / 2) return '=';
    return `${d > 0 ? '+' : '−'}${Math.abs(d).toFixed(digits)}`;
  };
  type Row = { key: string; label: string; live: string; proposed: string; change: string };
  const rows: Row[] = [
    { key: 'orders', label: 'Orders replayed', live: String(live.orders), proposed: String(proposed.orders), change: '' },
    { key: 'fully_served', label: 'Fully served orders', live: String(live.orders_fully_served), proposed: String(proposed.orders_fully_served), change: diff(live.orders_fully_served, proposed.orders_fully_served) },
    { key: 'shipments', label: 'Shipments', live: String(live.shipments), proposed: String(proposed.shipments), change: diff(live.shipments, proposed.shipments) },
    { key: 'split_orders', label: 'Split orders', live: String(live.split_orders), proposed: String(proposed.split_orders), change: diff(live.split_orders, proposed.split_orders) },
    { key: 'split_rate', label: 'Split rate', live: pct(live.split_orders, live.orders), proposed: pct(proposed.split_orders, proposed.orders), change: '' },
    { key: 'backordered_orders', label: 'Backordered orders', live: String(live.backordered_orders), proposed: String(proposed.backordered_orders), change: diff(live.backordered_orders, proposed.backordered_orders) },
    { key: 'backordered_units', label: 'Backordered units', live: String(live.backordered_units), proposed: String(proposed.backordered_units), change: diff(live.backordered_units, proposed.backordered_units) },
    { key: 'avg_km', label: 'Average distance per shipment', live: avgKm(live)?.toFixed(1).concat(' km') ?? '—', proposed: avgKm(proposed)?.toFixed(1).concat(' km') ?? '—', change: diff(avgKm(live), avgKm(proposed), 1) },
    { key: 'distance_km', label: 'Total distance', live: `${live.distance_km.toFixed(0)} km`, proposed: `${proposed.distance_km.toFixed(0)} km`, change: diff(live.distance_km, proposed.distance_km) },
    ...currencies.map((c) => ({
      key: `cost_${c}`, label: `Estimated shipping cost (${c})`,
      live: major(live.est_cost[c] ?? 0, c), proposed: major(proposed.est_cost[c] ?? 0, c),
      change: diff(live.est_cost[c] ?? 0, proposed.est_cost[c] ?? 0, 2) === '=' ? '=' : `${(proposed.est_cost[c] ?? 0) > (live.est_cost[c] ?? 0) ? '+' : ''}${major((proposed.est_cost[c] ?? 0) - (live.est_cost[c] ?? 0), c)}`,
    })),
    ...warehouses.map((w) => {
      const a = live.shipments_by_warehouse[w] ?? 0;
      const b = proposed.shipments_by_warehouse[w] ?? 0;
      return { key: `wh_${w}`, label: `Shipments from ${w}`, live: `${a} (${pct(a, live.shipments)})`, proposed: `${b} (${pct(b, proposed.shipments)})`, change: diff(a, b) };
    }),
  ];
  return (
    <Stack gap="xs" mt="sm">
      <Table striped withTableBorder fz="sm" verticalSpacing={4} horizontalSpacing="xs" data-testid="sim-results">
        <Table.Caption>
          {report.orders_replayed} order(s) created {dateTime(report.window.from)} – {dateTime(report.window.to)}: live rules vs the rules being edited
        </Table.Caption>
        <Table.Thead>
          <Table.Tr><Table.Th scope="col">Measure</Table.Th><Table.Th scope="col">Live rules</Table.Th><Table.Th scope="col">Proposed</Table.Th><Table.Th scope="col">Change</Table.Th></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={r.key} data-metric={r.key}>
              <Table.Th scope="row" fw={400}>{r.label}</Table.Th>
              <Table.Td data-col="live">{r.live}</Table.Td>
              <Table.Td data-col="proposed">{r.proposed}</Table.Td>
              <Table.Td data-col="change">{r.change}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Text size="sm" data-testid="sim-changed"><b>{report.orders_changed}</b> order(s) would ship from different warehouses.</Text>
      {report.examples.length > 0 && (
        <Table fz="xs" verticalSpacing={2}>
          <Table.Caption>Examples of orders that would ship differently</Table.Caption>
          <Table.Thead><Table.Tr><Table.Th scope="col">Order</Table.Th><Table.Th scope="col">Live</Table.Th><Table.Th scope="col">Proposed</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {report.examples.map((e) => (
              <Table.Tr key={e.order_id}>
                <Table.Td><Anchor component={Link} to={`/orders/${e.order_id}`} size="xs">{e.order_id}</Anchor></Table.Td>
                <Table.Td>{e.live.join(' + ') || 'backordered'}</Table.Td>
                <Table.Td>{e.proposed.join(' + ') || 'backordered'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Text size="xs" c="dimmed">{report.stock_basis}</Text>
    </Stack>
  );
}
