import { useState } from 'react';
import { Badge, Button, Group, Modal, NativeSelect, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { get, post } from '../../api.js';
import { dateTime } from '../../format.js';
import { useReference } from '../../reference.js';
import type { Page, Role } from '../../types.js';
import { ScopePicker, ShownOnce, scopeText, useAction } from './common.js';
import { ROLES, type ApiKey } from './types.js';

/** API keys for integrations: create (the token shown once), list, revoke after a confirmation. */
export function ApiKeysTab() {
  const client = useQueryClient();
  const ref = useReference();
  const list = useQuery({ queryKey: ['settings', 'api-keys'], queryFn: () => get<Page<ApiKey>>('/api/v1/api-keys') });
  const [token, setToken] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<ApiKey | null>(null);
  const action = useAction();
  const revoke = (k: ApiKey) => action.run(async () => {
    const r = await post<ApiKey>(`/api/v1/api-keys/${k.id}/revoke`);
    await client.invalidateQueries({ queryKey: ['settings', 'api-keys'] });
    return r;
  }, (r) => `Key ${r.name} revoked: it stops working on the next request.`);
  const rows = list.data?.data ?? [];
  return (
    <Stack gap="md">
      <NewKey onCreated={setToken} />
      {token && <ShownOnce title="API key" value={token} onDismiss={() => setToken(null)} testId="api-key-token" />}
      {action.view}
      <Table striped data-testid="api-keys-table">
        <Table.Caption>API keys: only a hash of each token is stored; send it as Authorization: Bearer</Table.Caption>
        <Table.Thead>
          <Table.Tr><Table.Th scope="col">Name</Table.Th><Table.Th scope="col">Id</Table.Th><Table.Th scope="col">Role</Table.Th><Table.Th scope="col">Warehouse scope</Table.Th><Table.Th scope="col">Created</Table.Th><Table.Th scope="col">Last used</Table.Th><Table.Th scope="col">Status</Table.Th></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((k) => (
            <Table.Tr key={k.id} data-key-name={k.name}>
              <Table.Td>{k.name}</Table.Td>
              <Table.Td><Text ff="monospace" size="sm">{k.id}</Text></Table.Td>
              <Table.Td>{k.role}</Table.Td>
              <Table.Td>{scopeText(k.warehouse_ids, ref.warehouseCode)}</Table.Td>
              <Table.Td>{dateTime(k.created_at)}</Table.Td>
              <Table.Td>{dateTime(k.last_used_at)}</Table.Td>
              <Table.Td>
                {k.revoked_at
                  ? <Badge variant="light" color="gray" title={dateTime(k.revoked_at)}>revoked</Badge>
                  : <Group gap="xs" wrap="nowrap"><Badge variant="light" color="green">active</Badge><Button size="compact-xs" variant="light" color="red" onClick={() => setConfirm(k)}>Revoke</Button></Group>}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Modal opened={!!confirm} onClose={() => setConfirm(null)} title={`Revoke ${confirm?.name ?? ''}?`}>
        <Text size="sm">Every integration using this key is refused from its next request. This cannot be undone; a new key has a new token.</Text>
        <Group justify="end" mt="md">
          <Button variant="default" onClick={() => setConfirm(null)}>Keep it</Button>
          <Button color="red" onClick={() => { const k = confirm!; setConfirm(null); void revoke(k); }}>Revoke key</Button>
        </Group>
      </Modal>
    </Stack>
  );
}

function NewKey({ onCreated }: { onCreated: (token: string) => void }) {
  const client = useQueryClient();
  const ref = useReference();
  const action = useAction();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('integration');
  const [scope, setScope] = useState<string[]>([]);
  const submit = async () => {
    const r = await action.run(
      () => post<ApiKey & { token: string }>('/api/v1/api-keys', { name: name.trim(), role, ...(scope.length ? { warehouse_ids: scope } : {}) }),
      (k) => `Key ${k.name} created with role ${k.role}.`,
    );
    if (!r) return;
    onCreated(r.token);
    setName('');
    setScope([]);
    await client.invalidateQueries({ queryKey: ['settings', 'api-keys'] });
  };
  return (
    <Paper withBorder p="sm" component="form" aria-label="New API key" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
      <Title order={3} size="h5" mb="xs">New API key</Title>
      <Stack gap="xs">
        <Group align="end">
          <TextInput label="Key name" value={name} onChange={(e) => setName(e.currentTarget.value)} required w={260} />
          <NativeSelect label="Role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)} data={ROLES} w={160} />
        </Group>
        <ScopePicker label="Warehouse scope" value={scope} onChange={setScope} warehouses={ref.warehouses} />
        <Group><Button type="submit" loading={action.busy} disabled={!name.trim()}>Create key</Button></Group>
      </Stack>
      {action.view}
    </Paper>
  );
}
