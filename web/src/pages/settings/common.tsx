import { useCallback, useState } from 'react';
import { Alert, Button, Checkbox, Code, CopyButton, Group, List, Text } from '@mantine/core';
import { ApiError } from '../../api.js';
import { messageOf } from '../floor/scan.js';

export { messageOf };

/**
 * Runs one write at a time and keeps its outcome for an Alert: the API's sentence on failure (nothing changed),
 * our own sentence on success. `busy` disables the form meanwhile, so a double click does not send twice.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string; errors?: string[] } | null>(null);
  const run = useCallback(async <T,>(fn: () => Promise<T>, ok: (r: T) => string): Promise<T | undefined> => {
    setBusy(true);
    setMessage(null);
    try {
      const r = await fn();
      setMessage({ ok: true, text: ok(r) });
      return r;
    } catch (err) {
      // Validation problems list what was wrong (a CSV's rows, a body's fields): show the first ones.
      const errors = err instanceof ApiError ? err.problem.errors?.slice(0, 20).map((e) => `${e.path}: ${e.message}`) : undefined;
      setMessage({ ok: false, text: messageOf(err), errors });
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  const view = message && (
    <Alert color={message.ok ? 'green' : 'red'} role={message.ok ? 'status' : 'alert'} withCloseButton onClose={() => setMessage(null)} my="xs" data-testid={message.ok ? 'action-ok' : 'action-error'}>
      {message.text}
      {message.errors && message.errors.length > 0 && <List size="sm" mt={4}>{message.errors.map((e) => <List.Item key={e}>{e}</List.Item>)}</List>}
    </Alert>
  );
  return { busy, run, view, clear: () => setMessage(null) };
}

/** A value with a copy button (webhook URLs, ids). */
export function CopyValue({ value, label, testId }: { value: string; label: string; testId?: string }) {
  return (
    <Group gap="xs" wrap="nowrap">
      <Code data-testid={testId} style={{ wordBreak: 'break-all' }}>{value}</Code>
      <CopyButton value={value}>
        {({ copied, copy }) => (
          <Button size="compact-xs" variant="light" color={copied ? 'teal' : undefined} onClick={copy} aria-label={`Copy ${label}`}>
            {copied ? 'Copied' : 'Copy'}
          </Button>
        )}
      </CopyButton>
    </Group>
  );
}

/**
 * A secret the API returns only once (an API key's token, a webhook's signing secret, a channel secret just typed):
 * shown with a copy button until dismissed; it is kept in page memory only and never read back from the server.
 */
export function ShownOnce({ title, value, onDismiss, testId }: { title: string; value: string; onDismiss: () => void; testId: string }) {
  return (
    <Alert color="yellow" title={title} my="sm" role="status" data-testid={`${testId}-box`}>
      <Text size="sm" mb="xs">Copy it now: it is not shown again (the server keeps only a hash or a sealed copy).</Text>
      <CopyValue value={value} label={title} testId={testId} />
      <Button size="xs" variant="default" mt="sm" onClick={onDismiss}>I have copied it</Button>
    </Alert>
  );
}

/** Warehouse scope as the API stores it: null = every warehouse. */
export function scopeText(ids: string[] | null, code: (id: string) => string): string {
  return ids && ids.length > 0 ? ids.map(code).join(', ') : 'all warehouses';
}

/** Warehouse scope as checkboxes: none ticked = every warehouse (the API stores null). */
export function ScopePicker({ label, value, onChange, warehouses }: { label: string; value: string[]; onChange: (ids: string[]) => void; warehouses: { id: string; code: string }[] }) {
  return (
    <Checkbox.Group label={label} description="none = all warehouses" value={value} onChange={onChange}>
      <Group gap="sm" mt={4}>{warehouses.map((w) => <Checkbox key={w.id} value={w.id} label={w.code} />)}</Group>
    </Checkbox.Group>
  );
}
