import { useMemo } from 'react';
import { Alert, Anchor, Card, Group, SimpleGrid, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { get, qs } from '../api.js';
import { HourlyChart, type Series } from '../components/HourlyChart.js';
import { useReference } from '../reference.js';
import { can, useSession } from '../session.js';
import type { Kpis } from '../types.js';

function startOfToday(): string {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d.toISOString();
}

function Kpi({ label, value, to, tone }: { label: string; value: number | string; to?: string; tone?: string }) {
  const body = (
    <Card withBorder padding="md" data-testid={`kpi-${label.toLowerCase().replace(/\W+/g, '-')}`}>
      <Text size="sm" c="dimmed">{label}</Text>
      <Text size="xl" fw={700} c={tone}>{value}</Text>
    </Card>
  );
  return to ? <Anchor component={Link} to={to} underline="never" c="inherit">{body}</Anchor> : body;
}

export function HomePage() {
  const { user } = useSession();
  const ref = useReference();
  const since = useMemo(startOfToday, []);
  const kpis = useQuery({
    queryKey: ['kpis', since],
    queryFn: () => get<Kpis>(`/api/v1/dashboard/kpis${qs({ since })}`),
    refetchInterval: 15_000,
    enabled: can.seeKpis(user!.role),
  });

  const chart = useMemo(() => {
    const rows = kpis.data?.by_hour ?? [];
    const hours = [...new Set(rows.map((r) => Date.parse(r.hour) / 1000))].sort((a, b) => a - b);
    const channels = [...new Set(rows.map((r) => r.channel_id))];
    const series: Series[] = channels.map((c) => ({
      label: ref.channelName(c),
      values: hours.map((h) => rows.find((r) => r.channel_id === c && Date.parse(r.hour) / 1000 === h)?.orders ?? 0),
    }));
    return { hours, series };
  }, [kpis.data, ref]);

  if (!can.seeKpis(user!.role)) return <Text>Welcome. Use the menu to find orders and stock.</Text>;
  const k = kpis.data;
  return (
    <>
      <Title order={2} mb="md">Today</Title>
      {kpis.error && <Alert color="red">{String(kpis.error.message)}</Alert>}
      <SimpleGrid cols={{ base: 2, md: 4 }} mb="lg" aria-live="polite">
        <Kpi label="Orders today" value={k?.orders_today ?? '…'} to="/orders" />
        <Kpi label="On hold" value={k?.on_hold ?? '…'} to={can.seeHolds(user!.role) ? '/holds' : '/orders?status=on_hold'} tone={k && k.on_hold > 0 ? 'orange' : undefined} />
        <Kpi label="Backordered" value={k?.backordered ?? '…'} to="/orders?status=backordered&status=partially_allocated" tone={k && k.backordered > 0 ? 'red' : undefined} />
        <Kpi label="Low stock (available ≤ 5)" value={k ? `${k.low_stock}${k.low_stock_capped ? '+' : ''}` : '…'} to="/inventory?tab=low" tone={k && k.low_stock > 0 ? 'yellow.8' : undefined} />
      </SimpleGrid>
      <Card withBorder>
        <Group justify="space-between" mb="xs">
          <Title order={3} size="h5">Orders per hour by channel, last 24 hours</Title>
        </Group>
        {chart.hours.length === 0 ? <Text c="dimmed">No orders in the last 24 hours.</Text> : <HourlyChart hours={chart.hours} series={chart.series} />}
        <VisuallyHidden>
          <Table>
            <caption>Orders per hour by channel</caption>
            <thead><tr><th>Hour</th>{chart.series.map((s) => <th key={s.label}>{s.label}</th>)}</tr></thead>
            <tbody>
              {chart.hours.map((h, i) => (
                <tr key={h}><td>{new Date(h * 1000).toLocaleString()}</td>{chart.series.map((s) => <td key={s.label}>{s.values[i]}</td>)}</tr>
              ))}
            </tbody>
          </Table>
        </VisuallyHidden>
      </Card>
    </>
  );
}
