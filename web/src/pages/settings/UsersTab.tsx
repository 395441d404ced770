import { useState } from 'react';
import { Badge, Button, Group, NativeSelect, Paper, PasswordInput, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, get, post } from '../../api.js';
import { dateTime } from '../../format.js';
import { useReference } from '../../reference.js';
import { useSession } from '../../session.js';
import type { Page, Role } from '../../types.js';
import { ScopePicker, scopeText, useAction } from './common.js';
import { ROLES, type User } from './types.js';

/** Dashboard users: create, change role or warehouse scope (ends their sessions), disable and enable. */
export function UsersTab() {
  const me = useSession().user!;
  const client = useQueryClient();
  const ref = useReference();
  const list = useQuery({ queryKey: ['settings', 'users'], queryFn: () => get<Page<User>>('/api/v1/users') });
  const [editing, setEditing] = useState<string | null>(null);
  const action = useAction();
  const patch = (u: User, body: Record<string, unknown>, what: string) => action.run(async () => {
    const r = await api<User>('PATCH', `/api/v1/users/${u.id}`, body);
    await client.invalidateQueries({ queryKey: ['settings', 'users'] });
    return r;
  }, () => `${u.email}: ${what}.`);
  const rows = list.data?.data ?? [];
  return (
    <Stack gap="md">
      <NewUser />
      {action.view}
      <Table striped data-testid="users-table">
        <Table.Caption>Dashboard users; a change of role or scope, or disabling, signs the user out everywhere</Table.Caption>
        <Table.Thead>
          <Table.Tr><Table.Th scope="col">E-mail</Table.Th><Table.Th scope="col">Name</Table.Th><Table.Th scope="col">Role</Table.Th><Table.Th scope="col">Warehouse scope</Table.Th><Table.Th scope="col">Last sign-in</Table.Th><Table.Th scope="col">Status</Table.Th><Table.Th /></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((u) => (
            <Table.Tr key={u.id} data-user={u.email}>
              <Table.Td>{u.email}</Table.Td>
              <Table.Td>{u.name}</Table.Td>
              <Table.Td>{u.role}</Table.Td>
              <Table.Td>{scopeText(u.warehouse_ids, ref.warehouseCode)}</Table.Td>
              <Table.Td>{dateTime(u.last_login_at)}</Table.Td>
              <Table.Td><Badge variant="light" color={u.disabled_at ? 'gray' : 'green'}>{u.disabled_at ? 'disabled' : 'active'}</Badge></Table.Td>
              <Table.Td>
                <Group gap="xs" wrap="nowrap">
                  <Button size="compact-xs" variant="light" onClick={() => setEditing(editing === u.id ? null : u.id)} aria-expanded={editing === u.id}>Change role or scope</Button>
                  {u.id !== me.id && (
                    <Button size="compact-xs" variant="light" color={u.disabled_at ? undefined : 'red'} loading={action.busy} onClick={() => void patch(u, { disabled: !u.disabled_at }, u.disabled_at ? 'enabled' : 'disabled and signed out')}>
                      {u.disabled_at ? 'Enable' : 'Disable'}
                    </Button>
                  )}
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {editing && rows.find((u) => u.id === editing) && (
        <EditUser key={editing} user={rows.find((u) => u.id === editing)!} busy={action.busy} onSave={async (body) => {
          const r = await patch(rows.find((u) => u.id === editing)!, body, 'role and scope changed; their sessions were ended');
          if (r) setEditing(null);
        }} onCancel={() => setEditing(null)} />
      )}
    </Stack>
  );
}

function EditUser({ user, busy, onSave, onCancel }: { user: User; busy: boolean; onSave: (b: { role: Role; warehouse_ids: string[] | null }) => Promise<void>; onCancel: () => void }) {
  const ref = useReference();
  const [role, setRole] = useState<Role>(user.role);
  const [scope, setScope] = useState<string[]>(user.warehouse_ids ?? []);
  return (
    <Paper withBorder p="sm" component="form" aria-label={`Change ${user.email}`} onSubmit={(e) => { e.preventDefault(); void onSave({ role, warehouse_ids: scope.length ? scope : null }); }}>
      <Title order={3} size="h5" mb="xs">Change {user.email}</Title>
      <Stack gap="xs">
        <NativeSelect label="Role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)} data={ROLES} w={160} />
        <ScopePicker label="Warehouse scope" value={scope} onChange={setScope} warehouses={ref.warehouses} />
        <Group>
          <Button type="submit" loading={busy}>Save</Button>
          <Button variant="default" onClick={onCancel}>Cancel</Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function NewUser() {
  const client = useQueryClient();
  const ref = useReference();
  const action = useAction();
  const [form, setForm] = useState({ email: '', name: '', role: 'ops' as Role, password: '' });
  const [scope, setScope] = useState<string[]>([]);
  const submit = async () => {
    const r = await action.run(
      () => post<User>('/api/v1/users', { email: form.email.trim(), ...(form.name.trim() ? { name: form.name.trim() } : {}), role: form.role, password: form.password, warehouse_ids: scope.length ? scope : null }),
      (u) => `User ${u.email} created; give them the password through a safe channel.`,
    );
    if (!r) return;
    setForm({ email: '', name: '', role: form.role, password: '' });
    setScope([]);
    await client.invalidateQueries({ queryKey: ['settings', 'users'] });
  };
  return (
    <Paper withBorder p="sm" component="form" aria-label="New user" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
      <Title order={3} size="h5" mb="xs">New user</Title>
      <Stack gap="xs">
        <Group align="end" wrap="wrap">
          <TextInput label="E-mail" type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.currentTarget.value })} required w={240} autoComplete="off" />
          <TextInput label="Name" value={form.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} w={180} />
          <NativeSelect label="Role" value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value as Role })} data={ROLES} w={150} />
          <PasswordInput label="Password" description="12 characters or more" value={form.password} onChange={(e) => setForm({ ...form, password: e.currentTarget.value })} required w={220} autoComplete="new-password" />
        </Group>
        <ScopePicker label="Warehouse scope" value={scope} onChange={setScope} warehouses={ref.warehouses} />
        <Text size="xs" c="dimmed">Hashing the password takes about half a second.</Text>
        <Group><Button type="submit" loading={action.busy} disabled={!form.email.trim() || form.password.length < 12}>Create user</Button></Group>
      </Stack>
      {action.view}
    </Paper>
  );
}
