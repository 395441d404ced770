import { useState } from 'react';
import { Badge, Button, Card, Group, Progress, Stack, Text, TextInput, Title } from '@mantine/core';
import { ApiError, post } from '../../api.js';
import { ScanError, ScanField, ScanOk, messageOf, useFloorWarehouse } from './scan.js';
import type { PickLine, PickResult, PickTask } from './types.js';

type Step = 'bin' | 'item' | 'qty';

/** Units still to pick of the same item at the same bin: one confirm fills them all (a batch cart's slots). */
function unitsAtBin(task: PickTask, line: PickLine): number {
  return task.items.filter((l) => l.status === 'open' && l.bin === line.bin && l.sku === line.sku).reduce((n, l) => n + l.qty_remaining, 0);
}

/**
 * The picker's scanner screen: claim a task, then for each line scan the bin, scan the item, give the quantity and
 * confirm. The server judges every scan (bin code, SKU or GTIN with its leading-zero rules, over-picks) and its
 * refusal sentence is shown as is; the screen does not duplicate those rules.
 */
export function PickPage() {
  const { warehouseId, picker } = useFloorWarehouse();
  const [task, setTask] = useState<PickTask | null>(null);
  const [step, setStep] = useState<Step>('bin');
  const [bin, setBin] = useState('');
  const [item, setItem] = useState('');
  const [qty, setQty] = useState('');
  const [shortOpen, setShortOpen] = useState(false);
  const [found, setFound] = useState('0');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [ok, setOk] = useState<string | null>(null);
  const line = task?.next_line ?? null;

  const restart = () => { setStep('bin'); setBin(''); setItem(''); setQty(''); setShortOpen(false); };

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(messageOf(err));
      setOk(null);
      if (err instanceof ApiError) {
        // Back to the scan that was refused: a wrong bin is scanned again, a wrong item too (the bin stands).
        if (err.code === 'wrong_bin') restart();
        else if (err.code === 'wrong_item') { setStep('item'); setItem(''); }
        else if (err.code === 'over_pick') setStep('qty');
      }
    } finally {
      setBusy(false);
    }
  };

  const claim = () => run(async () => {
    try {
      setTask(await post<PickTask>('/api/v1/pick-tasks/claim', { warehouse_id: warehouseId }));
      setOk(null);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'nothing_to_pick') { setTask(null); setOk('Nothing to pick right now.'); return; }
      throw err;
    }
    restart();
  });

  const confirm = (units: number) => run(async () => {
    if (!task || !line) return;
    const r = await post<PickResult>(`/api/v1/pick-tasks/${task.id}/confirm`, { bin, sku_or_barcode: item, qty: units });
    const slots = r.puts.filter((p) => p.slot !== null).map((p) => `tote ${p.slot}: ${p.qty}`).join(', ');
    setOk(`Picked ${units} × ${line.sku}${slots ? ` (${slots})` : ''}.`);
    setTask(r.task);
    restart();
  });

  const short = () => run(async () => {
    if (!task || !line) return;
    const n = Number(found);
    const r = await post<PickResult>(`/api/v1/pick-tasks/${task.id}/short`, { qty_found: n, line_id: line.id });
    setOk(`Short reported: ${n} of ${line.qty_remaining} × ${line.sku} found at ${line.bin}.`);
    setTask(r.task);
    restart();
  });

  const onScan = (v: string) => {
    setError(null);
    if (step === 'bin') { setBin(v); setStep('item'); return; }
    setItem(v);
    setStep('qty');
    setQty(String(task && line ? unitsAtBin(task, line) : 1));
  };

  const qtyValid = /^\d+$/.test(qty) && Number(qty) >= 1;

  return (
    <Stack gap="xs" maw={480} data-testid="pick-screen">
      <Title order={2}>Pick</Title>
      {picker}
      <ScanError error={error} />
      <ScanOk>{ok}</ScanOk>
      {!task || !line ? (
        <>
          {task && <Text data-testid="task-done" fw={600}>Task {task.seq} finished: {task.units_picked} picked, {task.units_short} short.</Text>}
          <Button size="xl" onClick={() => void claim()} loading={busy} disabled={!warehouseId}>Claim next task</Button>
        </>
      ) : (
        <>
          <Group justify="space-between">
            <Text size="sm">Task {task.seq}{task.zone ? ` · zone ${task.zone}` : ''}</Text>
            <Text size="sm" data-testid="task-progress">{task.units_picked + task.units_short} / {task.units} units</Text>
          </Group>
          <Progress value={task.units ? ((task.units_picked + task.units_short) / task.units) * 100 : 0} aria-label="Task progress" />
          <Card withBorder padding="sm">
            <Text size="sm" c="dimmed">Go to bin</Text>
            <Text fz={40} fw={800} lh={1.1} data-testid="pick-bin">{line.bin}</Text>
            <Text size="sm" c="dimmed" mt="xs">Pick</Text>
            <Text fz={24} fw={700} data-testid="pick-item">{line.sku}</Text>
            <Text>{line.name}</Text>
            <Group gap="xs" mt={4}>
              <Badge size="lg" data-testid="pick-qty">× {line.qty_remaining}</Badge>
              {line.slot !== null && <Badge size="lg" color="grape">Tote {line.slot}</Badge>}
              {line.lot && <Badge variant="outline">Lot {line.lot}</Badge>}
            </Group>
          </Card>
          <Group gap="xs">
            <Badge color={bin ? 'green' : 'gray'} variant={bin ? 'filled' : 'outline'}>Bin {bin || '…'}</Badge>
            <Badge color={item ? 'green' : 'gray'} variant={item ? 'filled' : 'outline'}>Item {item || '…'}</Badge>
          </Group>
          {step !== 'qty' ? (
            <ScanField label={step === 'bin' ? 'Scan bin' : 'Scan item'} onScan={onScan} disabled={busy || shortOpen} focusKey={`${task.id}:${line.id}:${step}`} />
          ) : (
            <TextInput
              label="Quantity"
              size="lg"
              inputMode="numeric"
              autoFocus
              value={qty}
              data-testid="pick-qty-input"
              onChange={(e) => setQty(e.currentTarget.value.replace(/\D/g, ''))}
              onKeyDown={(e) => { if (e.key === 'Enter' && qtyValid) { e.preventDefault(); void confirm(Number(qty)); } }}
            />
          )}
          <Group grow>
            <Button size="lg" onClick={() => void confirm(Number(qty))} disabled={step !== 'qty' || !qtyValid} loading={busy}>Confirm</Button>
            <Button size="lg" variant="default" onClick={restart} disabled={busy}>Start over</Button>
          </Group>
          {!shortOpen ? (
            <Button variant="light" color="orange" onClick={() => { setShortOpen(true); setFound('0'); }} disabled={busy}>Short…</Button>
          ) : (
            <Card withBorder padding="sm">
              <TextInput
                label={`Units of ${line.sku} found at ${line.bin} (of ${line.qty_remaining})`}
                inputMode="numeric"
                autoFocus
                value={found}
                onChange={(e) => setFound(e.currentTarget.value.replace(/\D/g, ''))}
              />
              <Group mt="sm" grow>
                <Button color="orange" onClick={() => void short()} loading={busy} disabled={found === '' || Number(found) >= line.qty_remaining}>Report short</Button>
                <Button variant="default" onClick={() => setShortOpen(false)}>Back</Button>
              </Group>
            </Card>
          )}
        </>
      )}
    </Stack>
  );
}
