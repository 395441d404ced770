import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Alert, NativeSelect, Text, TextInput } from '@mantine/core';
import { ApiError } from '../../api.js';
import { useReference } from '../../reference.js';
import { useSession } from '../../session.js';

/**
 * The scanner's input. A hardware scanner is a keyboard that types the barcode and presses Enter, so the field must
 * hold the focus between scans: it takes it when it appears or `focusKey` changes (a new step), and takes it back
 * when it is lost to nothing focusable (a tap on the page). Focus moving to another control (a quantity, a button)
 * is left alone. The value is cleared on every submit so the next scan never appends to the last.
 */
export function ScanField({ label, onScan, disabled, focusKey, placeholder, testId = 'scan-input' }: {
  label: string;
  onScan: (value: string) => void;
  disabled?: boolean;
  focusKey?: unknown;
  placeholder?: string;
  testId?: string;
}) {
  const ref = useRef<HTMLInputElement>(null);
  const [value, setValue] = useState('');
  useEffect(() => {
    if (!disabled) ref.current?.focus();
  }, [disabled, focusKey, label]);
  return (
    <TextInput
      ref={ref}
      label={label}
      placeholder={placeholder ?? 'Scan or type, then Enter'}
      size="lg"
      value={value}
      disabled={disabled}
      data-testid={testId}
      autoComplete="off"
      autoCorrect="off"
      autoCapitalize="off"
      spellCheck={false}
      enterKeyHint="go"
      onChange={(e) => setValue(e.currentTarget.value)}
      onBlur={(e) => {
        if (!e.relatedTarget) setTimeout(() => ref.current?.focus(), 0);
      }}
      onKeyDown={(e) => {
        if (e.key !== 'Enter') return;
        e.preventDefault();
        const v = value.trim();
        setValue('');
        if (v) onScan(v);
      }}
    />
  );
}

/** A refusal from the API, large enough to read at arm's length; the API's own sentence says what to do. */
export function ScanError({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <Alert color="red" variant="filled" role="alert" data-testid="scan-error" my="sm">
      <Text fw={700} size="lg">{error}</Text>
    </Alert>
  );
}

export function ScanOk({ children }: { children: ReactNode }) {
  if (!children) return null;
  return (
    <Alert color="green" variant="light" role="status" data-testid="scan-ok" my="sm">
      <Text fw={600}>{children}</Text>
    </Alert>
  );
}

/** The message to show for a failed call: the API's sentence for a problem, else the error's text. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.problem.detail || err.message;
  return err instanceof Error ? err.message : String(err);
}

const WH_KEY = 'tandem.floor.warehouse';

/**
 * The warehouse a floor screen works in: the only one the user may see, else the last one chosen on this device
 * (a handheld stays in one building), else none until chosen. Only the id is remembered — not a secret.
 */
export function useFloorWarehouse(): { warehouseId: string | null; picker: ReactNode } {
  const { user } = useSession();
  const ref = useReference();
  const [chosen, setChosen] = useState<string | null>(() => localStorage.getItem(WH_KEY));
  const visible = ref.warehouses.filter((w) => !user?.warehouse_ids || user.warehouse_ids.includes(w.id));
  const only = visible.length === 1 ? visible[0]!.id : null;
  const warehouseId = only ?? (chosen && visible.some((w) => w.id === chosen) ? chosen : null);
  const picker = only ? null : (
    <NativeSelect
      label="Warehouse"
      value={warehouseId ?? ''}
      onChange={(e) => {
        const v = e.currentTarget.value || null;
        setChosen(v);
        if (v) localStorage.setItem(WH_KEY, v);
        else localStorage.removeItem(WH_KEY);
      }}
      data={[{ value: '', label: 'Choose…' }, ...visible.map((w) => ({ value: w.id, label: `${w.code} · ${w.name}` }))]}
      mb="sm"
    />
  );
  return { warehouseId, picker };
}
