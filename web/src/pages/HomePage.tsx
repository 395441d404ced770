import { useMemo } from 'react';
import { Alert, Anchor, Badge, Card, SimpleGrid, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { get, qs } from '../api.js';
import { BarChart, ChartTable, PALETTE, hourSlots, localDays, type BarSeries } from '../components/BarChart.js';
import { dateTime, label } from '../format.js';
import { useReference } from '../reference.js';
import { can, useSession } from '../session.js';
import type { BackorderKpis, Kpis, PickRate, SlaKpis, StockOuts, SyncLag } from '../types.js';

/** The strip and the orders chart follow new orders within seconds; the slower-moving charts every half minute. */
const LIVE_MS = 5_000;
const CHART_MS = 30_000;
const TREND_DAYS = 7;
// Text colours with ≥ 4.5:1 contrast on white (Mantine's "dimmed" gray is 3.3:1, too light for small text).
const MUTED = 'gray.7';
const GOOD = '#2b8a3e';
const BAD = '#c92a2a';

function startOfToday(): Date {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d;
}

function Kpi({ label: name, value, to, tone, testId, hint }: { label: string; value: number | string; to?: string; tone?: string; testId?: string; hint?: string }) {
  const body = (
    <Card withBorder padding="md" data-testid={testId ?? `kpi-${name.toLowerCase().replace(/\W+/g, '-')}`}>
      <Text size="sm" c={MUTED}>{name}</Text>
      <Text size="xl" fw={700} c={tone}>{value}</Text>
      {hint && <Text size="xs" c={MUTED}>{hint}</Text>}
    </Card>
  );
  return to ? <Anchor component={Link} to={to} underline="never" c="inherit">{body}</Anchor> : body;
}

function Section({ title, children, testId }: { title: string; children: React.ReactNode; testId: string }) {
  const id = `${testId}-title`;
  return (
    <Card withBorder component="section" aria-labelledby={id} data-testid={testId}>
      <Title order={3} size="h5" mb="xs" id={id}>{title}</Title>
      {children}
    </Card>
  );
}

/** Milliseconds as people read them: 850 ms, 4.2 s, 3 min, 2.5 h. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

const Loading = ({ q }: { q: { error: Error | null; isPending: boolean } }) =>
  q.error ? <Alert color="red">{q.error.message}</Alert> : q.isPending ? <Text c={MUTED}>Loading…</Text> : null;

export function HomePage() {
  const { user } = useSession();
  const role = user!.role;
  const staff = role === 'admin' || role === 'ops';
  const ref = useReference();
  const since = useMemo(() => startOfToday().toISOString(), []);
  const trendSince = useMemo(() => {
    const d = startOfToday();
    d.setDate(d.getDate() - (TREND_DAYS - 1));
    return d;
  }, []);
  const tz = useMemo(() => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC', []);
  const enabled = can.seeKpis(role);
  const trendQs = qs({ since: trendSince.toISOString(), tz });

  const kpis = useQuery({ queryKey: ['kpis', since], queryFn: () => get<Kpis>(`/api/v1/dashboard/kpis${qs({ since })}`), refetchInterval: LIVE_MS, enabled });
  const sla = useQuery({ queryKey: ['kpis', 'sla', trendQs], queryFn: () => get<SlaKpis>(`/api/v1/dashboard/kpis/sla${trendQs}`), refetchInterval: CHART_MS, enabled });
  const backorders = useQuery({ queryKey: ['kpis', 'backorders', trendQs], queryFn: () => get<BackorderKpis>(`/api/v1/dashboard/kpis/backorders${trendQs}`), refetchInterval: CHART_MS, enabled });
  const stockOuts = useQuery({ queryKey: ['kpis', 'stock-outs'], queryFn: () => get<StockOuts>('/api/v1/dashboard/kpis/stock-outs?limit=10'), refetchInterval: CHART_MS, enabled });
  const pickRate = useQuery({ queryKey: ['kpis', 'pick-rate'], queryFn: () => get<PickRate>('/api/v1/dashboard/kpis/pick-rate'), refetchInterval: CHART_MS, enabled: enabled && staff });
  const syncLag = useQuery({ queryKey: ['kpis', 'sync-lag'], queryFn: () => get<SyncLag>('/api/v1/dashboard/kpis/sync-lag'), refetchInterval: CHART_MS, enabled: enabled && staff });

  const hourly = useMemo(() => {
    const rows = kpis.data?.by_hour ?? [];
    const x = rows.length === 0 ? [] : hourSlots(24);
    const channels = [...new Set(rows.map((r) => r.channel_id))];
    const series: BarSeries[] = channels.map((c, i) => ({
      label: ref.channelName(c),
      color: PALETTE[i % PALETTE.length]!,
      values: x.map((h) => rows.find((r) => r.channel_id === c && Date.parse(r.hour) / 1000 === h)?.orders ?? 0),
    }));
    return { x, series };
  }, [kpis.data, ref]);

  const days = useMemo(() => localDays(trendSince), [trendSince]);
  const slaChart = useMemo(() => {
    const by = new Map((sla.data?.shipped_by_day ?? []).map((d) => [d.day, d]));
    return [
      { label: 'On time', color: GOOD, values: days.keys.map((k) => by.get(k)?.on_time ?? 0) },
      { label: 'Late', color: BAD, values: days.keys.map((k) => by.get(k)?.late ?? 0) },
    ];
  }, [sla.data, days]);
  const backorderChart = useMemo(() => {
    const by = new Map((backorders.data?.by_day ?? []).map((d) => [d.day, d]));
    return [
      { label: 'Started waiting', color: BAD, values: days.keys.map((k) => by.get(k)?.new_orders ?? 0) },
      { label: 'Stopped waiting', color: PALETTE[0]!, values: days.keys.map((k) => by.get(k)?.resolved_orders ?? 0) },
    ];
  }, [backorders.data, days]);
  const pickChart = useMemo(() => {
    const rows = pickRate.data?.by_hour ?? [];
    const x = rows.length === 0 ? [] : hourSlots(pickRate.data!.hours);
    const names = new Map((pickRate.data?.pickers ?? []).map((p) => [p.picker, p.name ?? p.picker]));
    const series: BarSeries[] = [...new Set(rows.map((r) => r.picker))].map((p, i) => ({
      label: names.get(p) ?? p,
      color: PALETTE[i % PALETTE.length]!,
      values: x.map((h) => rows.find((r) => r.picker === p && Date.parse(r.hour) / 1000 === h)?.units ?? 0),
    }));
    return { x, series };
  }, [pickRate.data]);

  if (!enabled) return <Text>Welcome. Use the menu to find orders and stock.</Text>;
  const k = kpis.data;
  const s = sla.data;
  const b = backorders.data;
  return (
    <>
      <Title order={2} mb="md">Today</Title>
      {kpis.error && <Alert color="red">{String(kpis.error.message)}</Alert>}
      <SimpleGrid cols={{ base: 2, md: 4 }} mb="lg" aria-live="polite">
        <Kpi label="Orders today" value={k?.orders_today ?? '…'} to="/orders" />
        <Kpi label="On hold" value={k?.on_hold ?? '…'} to={can.seeHolds(role) ? '/holds' : '/orders?status=on_hold'} tone={k && k.on_hold > 0 ? 'orange.9' : undefined} />
        <Kpi label="Backordered" value={k?.backordered ?? '…'} to="/orders?status=backordered&status=partially_allocated" tone={k && k.backordered > 0 ? 'red.9' : undefined} />
        <Kpi label="Low stock (available ≤ 5)" value={k ? `${k.low_stock}${k.low_stock_capped ? '+' : ''}` : '…'} to="/inventory?tab=low" tone={k && k.low_stock > 0 ? 'orange.9' : undefined} />
      </SimpleGrid>

      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
        <Section title="Orders per hour by channel, last 24 hours" testId="chart-orders-per-hour">
          {hourly.x.length === 0 ? <Text c={MUTED}>No orders in the last 24 hours.</Text> : <BarChart x={hourly.x} series={hourly.series} unit="hour" height={300} />}
          <ChartTable caption="Orders per hour by channel" x={hourly.x} series={hourly.series} unit="hour" />
        </Section>

        <Section title={`Fulfillment SLA, last ${TREND_DAYS} days`} testId="sla">
          <Loading q={sla} />
          {s && (
            <>
              <SimpleGrid cols={{ base: 2, sm: 3 }} mb="sm" spacing="xs">
                <Kpi testId="sla-on-time" label="Shipped on time" value={s.on_time_percent === null ? '—' : `${s.on_time_percent} %`} hint={`${s.shipped.on_time} of ${s.shipped.on_time + s.shipped.late}`} />
                <Kpi testId="sla-late" label="Shipped late" value={s.shipped.late} tone={s.shipped.late > 0 ? 'red.9' : undefined} />
                <Kpi testId="sla-overdue" label="Open, past dispatch-by" value={s.open.overdue} tone={s.open.overdue > 0 ? 'red.9' : undefined} to="/orders?sort=dispatch_by" />
                <Kpi testId="sla-at-risk" label={`At risk (≤ ${s.at_risk_minutes / 60} h)`} value={s.open.at_risk} tone={s.open.at_risk > 0 ? 'orange.9' : undefined} to="/orders?sort=dispatch_by" />
                <Kpi testId="sla-on-track" label="On track" value={s.open.on_track} hint={s.open.no_deadline > 0 ? `${s.open.no_deadline} without a deadline` : undefined} />
              </SimpleGrid>
              <BarChart x={days.x} series={slaChart} unit="day" height={140} />
              <ChartTable caption="Orders shipped on time and late per day" x={days.x} series={slaChart} unit="day" testId="sla-table" />
              {s.most_urgent.length > 0 && (
                <Table mt="sm" fz="sm" aria-label="Most urgent open orders" data-testid="sla-urgent">
                  <Table.Thead><Table.Tr><Table.Th>Order</Table.Th><Table.Th>Dispatch by</Table.Th><Table.Th>Status</Table.Th></Table.Tr></Table.Thead>
                  <Table.Tbody>
                    {s.most_urgent.map((o) => (
                      <Table.Tr key={o.id}>
                        <Table.Td><Anchor component={Link} to={`/orders/${o.id}`}>{o.number}</Anchor></Table.Td>
                        <Table.Td c={Date.parse(o.dispatch_by) < Date.now() ? 'red.9' : undefined}>{dateTime(o.dispatch_by)}</Table.Td>
                        <Table.Td>{label(o.status)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
            </>
          )}
        </Section>

        <Section title="Backorders" testId="backorders">
          <Loading q={backorders} />
          {b && (
            <>
              <SimpleGrid cols={2} mb="sm" spacing="xs">
                <Kpi testId="backorders-orders" label="Orders waiting for stock" value={b.orders} tone={b.orders > 0 ? 'red.9' : undefined} to="/orders?status=backordered&status=partially_allocated" />
                <Kpi testId="backorders-units" label="Units waiting" value={b.units} />
              </SimpleGrid>
              <BarChart x={days.x} series={backorderChart} unit="day" height={140} />
              <ChartTable caption="Orders that started and stopped waiting for stock per day" x={days.x} series={backorderChart} unit="day" testId="backorders-table" />
            </>
          )}
        </Section>

        <Section title="Stock-outs with demand" testId="stock-outs">
          <Loading q={stockOuts} />
          {stockOuts.data && (stockOuts.data.total === 0 ? (
            <Text c={MUTED}>No SKU is out of stock where it was wanted in the last 30 days.</Text>
          ) : (
            <>
              <Text size="sm" c={MUTED} mb="xs">{stockOuts.data.total} SKU × warehouse at zero available that had orders in the last 30 days or has orders waiting.</Text>
              <Table fz="sm" aria-label="Stock-outs" striped>
                <Table.Thead><Table.Tr><Table.Th>SKU</Table.Th><Table.Th>Warehouse</Table.Th><Table.Th ta="right">Available</Table.Th><Table.Th ta="right">Reserved, 30 days</Table.Th><Table.Th ta="right">Orders waiting</Table.Th></Table.Tr></Table.Thead>
                <Table.Tbody>
                  {stockOuts.data.data.map((r) => (
                    <Table.Tr key={`${r.sku_id}-${r.warehouse_id}`} data-testid="stock-out-row">
                      <Table.Td><Anchor component={Link} to={`/orders?q=${encodeURIComponent(r.sku)}`} aria-label={`Orders with ${r.sku}`} style={{ whiteSpace: 'nowrap' }}>{r.sku}</Anchor><Text size="xs" c={MUTED}>{r.name}</Text></Table.Td>
                      <Table.Td>{ref.warehouseCode(r.warehouse_id)}</Table.Td>
                      <Table.Td ta="right">{r.available}</Table.Td>
                      <Table.Td ta="right">{r.reserved_since}</Table.Td>
                      <Table.Td ta="right">{r.waiting_orders}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </>
          ))}
        </Section>

        {staff && (
          <Section title={`Pick rate, last ${pickRate.data?.hours ?? 8} hours`} testId="pick-rate">
            <Loading q={pickRate} />
            {pickRate.data && (pickRate.data.pickers.length === 0 ? (
              <Text c={MUTED}>No picks confirmed in this shift.</Text>
            ) : (
              <>
                <Table fz="sm" aria-label="Pick rate per picker" mb="sm">
                  <Table.Thead><Table.Tr><Table.Th>Picker</Table.Th><Table.Th ta="right">Confirms</Table.Th><Table.Th ta="right">Units</Table.Th><Table.Th ta="right">Units / hour</Table.Th><Table.Th>Last pick</Table.Th></Table.Tr></Table.Thead>
                  <Table.Tbody>
                    {pickRate.data.pickers.map((p) => (
                      <Table.Tr key={p.picker} data-testid="picker-row">
                        <Table.Td style={{ whiteSpace: 'nowrap' }}>{p.name ?? p.picker}</Table.Td>
                        <Table.Td ta="right">{p.confirms}</Table.Td>
                        <Table.Td ta="right">{p.units}</Table.Td>
                        <Table.Td ta="right">{p.units_per_hour}</Table.Td>
                        <Table.Td style={{ whiteSpace: 'nowrap' }}>{new Date(p.last_at).toLocaleTimeString(undefined, { timeStyle: 'short' })}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
                <Text size="xs" c={MUTED} mb="xs">Units per hour counts the hours in which the picker confirmed a pick.</Text>
                <BarChart x={pickChart.x} series={pickChart.series} unit="hour" height={140} />
                <ChartTable caption="Units picked per hour by picker" x={pickChart.x} series={pickChart.series} unit="hour" />
              </>
            ))}
          </Section>
        )}

        {staff && (
          <Section title="Channel stock sync" testId="sync-lag">
            <Loading q={syncLag} />
            {syncLag.data && (syncLag.data.data.length === 0 ? (
              <Text c={MUTED}>No channel syncs stock yet.</Text>
            ) : (
              <Table fz="sm" aria-label="Stock sync lag per channel">
                <Table.Thead><Table.Tr><Table.Th>Channel</Table.Th><Table.Th ta="right">Listings</Table.Th><Table.Th ta="right">Lag p50</Table.Th><Table.Th ta="right">Lag p99</Table.Th><Table.Th>Pending</Table.Th><Table.Th>Errors</Table.Th></Table.Tr></Table.Thead>
                <Table.Tbody>
                  {syncLag.data.data.map((c) => (
                    <Table.Tr key={c.channel_id} data-testid="sync-row">
                      <Table.Td>{c.name} <Text span size="xs" c={MUTED}>{c.type}</Text></Table.Td>
                      <Table.Td ta="right">{c.listings}</Table.Td>
                      <Table.Td ta="right">{duration(c.lag_ms.p50)}</Table.Td>
                      <Table.Td ta="right">{duration(c.lag_ms.p99)}</Table.Td>
                      <Table.Td>{c.pending === 0 ? 'none' : `${c.pending}, oldest ${duration(c.pending_for_ms)}`}</Table.Td>
                      <Table.Td>{c.errors > 0 ? <Badge color="red.9">{c.errors}</Badge> : '0'}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            ))}
          </Section>
        )}
      </SimpleGrid>
    </>
  );
}
