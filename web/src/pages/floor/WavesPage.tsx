import { useState } from 'react';
import { Alert, Anchor, Badge, Button, Card, Checkbox, Group, NativeSelect, Progress, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { get, post, qs } from '../../api.js';
import { dateTime, label } from '../../format.js';
import type { Page } from '../../types.js';
import { messageOf, useFloorWarehouse } from './scan.js';
import type { Wave } from './types.js';

const LIMITS = [
  { key: 'max_orders', label: 'Max orders' },
  { key: 'max_lines', label: 'Max lines' },
  { key: 'max_units', label: 'Max units' },
] as const;

/** Waves of a warehouse with their progress, and the form that releases the next one. */
export function WavesPage() {
  const { warehouseId, picker } = useFloorWarehouse();
  const waves = useQuery({
    queryKey: ['waves', warehouseId],
    enabled: !!warehouseId,
    refetchInterval: 15_000,
    queryFn: () => get<Page<Wave>>(`/api/v1/waves${qs({ warehouse_id: warehouseId, limit: 50 })}`),
  });
  return (
    <Stack gap="sm">
      <Title order={2}>Waves</Title>
      <Group align="end">{picker}</Group>
      {warehouseId && <CreateWave warehouseId={warehouseId} />}
      {waves.error && <Alert color="red">{messageOf(waves.error)}</Alert>}
      <Table data-testid="waves-table" striped>
        <Table.Thead>
          <Table.Tr><Table.Th>Created</Table.Th><Table.Th>Strategy</Table.Th><Table.Th>Status</Table.Th><Table.Th>Orders</Table.Th><Table.Th>Units</Table.Th><Table.Th>Tasks</Table.Th><Table.Th w={180}>Progress</Table.Th><Table.Th>Pick list</Table.Th></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(waves.data?.data ?? []).map((w) => (
            <Table.Tr key={w.id} data-wave-id={w.id}>
              <Table.Td>{dateTime(w.created_at)}</Table.Td>
              <Table.Td>{w.strategy}</Table.Td>
              <Table.Td><Badge variant="light">{label(w.status)}</Badge></Table.Td>
              <Table.Td>{w.orders}</Table.Td>
              <Table.Td>{w.units}</Table.Td>
              <Table.Td>{w.progress.tasks_done} / {w.progress.tasks}</Table.Td>
              <Table.Td>
                <Progress value={w.progress.percent} aria-label={`Wave progress ${w.progress.percent}%`} />
                <Text size="xs" data-testid="wave-progress">{w.progress.units_picked} picked · {w.progress.units_short} short · {w.progress.percent}%</Text>
              </Table.Td>
              <Table.Td><Anchor href={`/api/v1/waves/${w.id}/picklist.pdf`} target="_blank">PDF</Anchor></Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {waves.data?.data.length === 0 && <Text c="dimmed">No waves yet.</Text>}
    </Stack>
  );
}

function CreateWave({ warehouseId }: { warehouseId: string }) {
  const client = useQueryClient();
  const [strategy, setStrategy] = useState('single');
  const [limits, setLimits] = useState<Record<string, string>>({});
  const [perTask, setPerTask] = useState('');
  const [carrier, setCarrier] = useState('');
  const [zone, setZone] = useState('');
  const [singleLine, setSingleLine] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string; unreleased?: Wave['unreleased'] } | null>(null);

  const submit = async () => {
    setBusy(true);
    const body: Record<string, unknown> = { warehouse_id: warehouseId, strategy };
    for (const l of LIMITS) if (limits[l.key]) body[l.key] = Number(limits[l.key]);
    if (strategy === 'batch' && perTask) body.orders_per_task = Number(perTask);
    if (carrier.trim()) body.carrier = carrier.trim();
    if (zone.trim()) body.zone = zone.trim();
    if (singleLine) body.single_line_only = true;
    try {
      const w = await post<Wave>('/api/v1/waves', body);
      setResult({ ok: true, text: `Wave released: ${w.orders} order(s), ${w.units} unit(s) in ${w.tasks.length} task(s).`, unreleased: w.unreleased });
      await client.invalidateQueries({ queryKey: ['waves'] });
    } catch (err) {
      setResult({ ok: false, text: messageOf(err) });
    } finally {
      setBusy(false);
    }
  };
  const num = (v: string) => v.replace(/\D/g, '');

  return (
    <Card withBorder padding="sm">
      <Text fw={600} mb="xs">Release a wave</Text>
      <Group align="end" gap="sm" wrap="wrap">
        <NativeSelect label="Strategy" value={strategy} onChange={(e) => setStrategy(e.currentTarget.value)} data={[{ value: 'single', label: 'Single order per task' }, { value: 'batch', label: 'Batch (cart of orders)' }, { value: 'zone', label: 'Zone' }]} />
        {LIMITS.map((l) => (
          <TextInput key={l.key} label={l.label} inputMode="numeric" w={110} value={limits[l.key] ?? ''} onChange={(e) => { const v = num(e.currentTarget.value); setLimits((m) => ({ ...m, [l.key]: v })); }} />
        ))}
        {strategy === 'batch' && <TextInput label="Orders per cart" inputMode="numeric" w={130} value={perTask} onChange={(e) => setPerTask(num(e.currentTarget.value))} />}
        <TextInput label="Carrier" placeholder="any" w={120} value={carrier} onChange={(e) => setCarrier(e.currentTarget.value)} />
        <TextInput label="Zone" placeholder="all" w={90} value={zone} onChange={(e) => setZone(e.currentTarget.value)} />
        <Checkbox label="Single-line orders only" checked={singleLine} onChange={(e) => setSingleLine(e.currentTarget.checked)} mb={8} />
        <Button onClick={() => void submit()} loading={busy}>Release wave</Button>
      </Group>
      {result && (
        <Alert color={result.ok ? 'green' : 'red'} mt="sm" role="status" data-testid="wave-result" withCloseButton onClose={() => setResult(null)}>
          {result.text}
          {result.unreleased?.map((u) => <Text key={`${u.fulfillment_order_id}:${u.sku}`} size="sm">Not released: {u.message}</Text>)}
        </Alert>
      )}
    </Card>
  );
}
