import { useState } from 'react';
import { Anchor, Badge, Button, FileInput, Group, Paper, SegmentedControl, Stack, Table, Text, Textarea, Title } from '@mantine/core';
import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, get, qs } from '../../api.js';
import { money } from '../../format.js';
import { can, useSession } from '../../session.js';
import type { Page } from '../../types.js';
import { messageOf, useAction } from './common.js';
import type { Carrier, RateCardPage, RateCardTable } from './types.js';

/** The columns of each rate-card table, as the CSV import takes them (src/modules/shipping/rate-card.import.ts). */
const COLUMNS: Record<RateCardTable, string[]> = {
  zones: ['zone', 'max_km', 'dest_prefix', 'origin_prefix'],
  rates: ['service', 'zone', 'transit_days', 'up_to_g', 'amount', 'extra_every_g', 'extra_amount'],
  serviceability: ['postal_code', 'match', 'prepaid', 'cod'],
};
const TABLE_LABEL: Record<RateCardTable, string> = { zones: 'Zones', rates: 'Rates', serviceability: 'Serviceable postal codes' };

/** Carrier accounts (enable/disable) and, for rate-card carriers, their zones, rates and serviceability with CSV import. */
export function CarriersTab({ carrierCode }: { carrierCode: string | null }) {
  const role = useSession().user!.role;
  const admin = can.manageSettings(role);
  const client = useQueryClient();
  const list = useQuery({ queryKey: ['settings', 'carriers'], queryFn: () => get<Page<Carrier>>('/api/v1/carriers') });
  const action = useAction();
  const setActive = (c: Carrier, active: boolean) => action.run(async () => {
    const r = await api<Carrier>('PATCH', `/api/v1/carriers/${c.code}`, { active });
    await client.invalidateQueries({ queryKey: ['settings', 'carriers'] });
    await client.invalidateQueries({ queryKey: ['carriers'] });
    return r;
  }, (r) => `${r.name} ${r.active ? 'enabled: it is rated for new shipments' : 'disabled: it is no longer offered for new shipments'}.`);
  const rows = list.data?.data ?? [];
  const selected = rows.find((c) => c.code === carrierCode) ?? null;
  return (
    <Stack gap="md">
      {action.view}
      <Table striped data-testid="carriers-table">
        <Table.Caption>Carrier accounts; credentials are write-only, so only which ones are set is shown</Table.Caption>
        <Table.Thead>
          <Table.Tr><Table.Th scope="col">Code</Table.Th><Table.Th scope="col">Name</Table.Th><Table.Th scope="col">Kind</Table.Th><Table.Th scope="col">COD</Table.Th><Table.Th scope="col">Credentials</Table.Th><Table.Th scope="col">Status</Table.Th></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((c) => (
            <Table.Tr key={c.code} data-carrier={c.code}>
              <Table.Td>{c.kind === 'rate_card' ? <Anchor component={Link} to={`/settings/carriers/${c.code}`}>{c.code}</Anchor> : c.code}</Table.Td>
              <Table.Td>{c.name}</Table.Td>
              <Table.Td>{c.kind.replace('_', ' ')}</Table.Td>
              <Table.Td>{c.cod_capable ? 'yes' : 'no'}</Table.Td>
              <Table.Td>{c.credentials_set.length ? c.credentials_set.join(', ') : 'none'}</Table.Td>
              <Table.Td>
                <Group gap="xs">
                  <Badge variant="light" color={c.active ? 'green' : 'gray'}>{c.active ? 'enabled' : 'disabled'}</Badge>
                  {admin && c.kind !== 'external' && (
                    <Button size="compact-xs" variant="light" color={c.active ? 'red' : undefined} loading={action.busy} onClick={() => void setActive(c, !c.active)}>
                      {c.active ? 'Disable' : 'Enable'}
                    </Button>
                  )}
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {list.data && rows.length === 0 && <Text c="dimmed">No carriers yet (add them with POST /api/v1/carriers).</Text>}
      {carrierCode && list.data && !selected && <Text>Carrier {carrierCode} was not found.</Text>}
      {selected && selected.kind === 'rate_card' && <RateCard carrier={selected} />}
    </Stack>
  );
}

function RateCard({ carrier }: { carrier: Carrier }) {
  const admin = can.manageSettings(useSession().user!.role);
  const [table, setTable] = useState<RateCardTable>('rates');
  const data = useInfiniteQuery({
    queryKey: ['settings', 'rate-card', carrier.code, table],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => get<RateCardPage>(`/api/v1/carriers/${carrier.code}/rate-card/${table}${qs({ limit: 100, cursor: pageParam })}`),
    getNextPageParam: (last) => last.next_cursor,
  });
  const rows = data.data?.pages.flatMap((p) => p.data) ?? [];
  const currency = data.data?.pages[0]?.currency ?? 'INR';
  const cell = (col: string, v: string | number | boolean | null | undefined) => {
    if (v === null || v === undefined) return '—';
    if ((col === 'amount' || col === 'extra_amount') && typeof v === 'number') return money(v, currency);
    if (typeof v === 'boolean') return v ? 'yes' : 'no';
    return String(v);
  };
  return (
    <Paper withBorder p="md" data-testid="rate-card">
      <Group justify="space-between" mb="sm">
        <Title order={3} size="h5">Rate card of {carrier.name}</Title>
        <SegmentedControl aria-label="Rate card table" value={table} onChange={(v) => setTable(v as RateCardTable)} data={(Object.keys(COLUMNS) as RateCardTable[]).map((t) => ({ value: t, label: TABLE_LABEL[t] }))} />
      </Group>
      {data.error && <Text c="red">{messageOf(data.error)}</Text>}
      <Table striped data-testid="rate-card-table">
        <Table.Caption>{TABLE_LABEL[table]}: {rows.length}{data.hasNextPage ? '+' : ''} row(s){table === 'rates' ? `, amounts in ${currency}` : ''}</Table.Caption>
        <Table.Thead><Table.Tr>{COLUMNS[table].map((c) => <Table.Th key={c} scope="col">{c.replace(/_/g, ' ')}</Table.Th>)}</Table.Tr></Table.Thead>
        <Table.Tbody>
          {rows.map((r, i) => <Table.Tr key={i}>{COLUMNS[table].map((c) => <Table.Td key={c}>{cell(c, r[c])}</Table.Td>)}</Table.Tr>)}
        </Table.Tbody>
      </Table>
      {data.data && rows.length === 0 && <Text c="dimmed" size="sm">Nothing imported yet.</Text>}
      {data.hasNextPage && <Button variant="default" mt="sm" onClick={() => void data.fetchNextPage()} loading={data.isFetchingNextPage}>Load more</Button>}
      {admin && <ImportCsv carrier={carrier.code} table={table} />}
    </Paper>
  );
}

function ImportCsv({ carrier, table }: { carrier: string; table: RateCardTable }) {
  const client = useQueryClient();
  const action = useAction();
  const [text, setText] = useState('');
  const submit = async () => {
    const r = await action.run(
      () => api<{ rows: number; imported: number }>('POST', `/api/v1/carriers/${carrier}/rate-card/${table}`, text, { contentType: 'text/csv' }),
      (x) => `Imported ${x.imported} ${TABLE_LABEL[table].toLowerCase()} row(s); the previous ${table} were replaced.`,
    );
    if (!r) return;
    setText('');
    await client.invalidateQueries({ queryKey: ['settings', 'rate-card', carrier] });
  };
  return (
    <form aria-label={`Import ${TABLE_LABEL[table]}`} onSubmit={(e) => { e.preventDefault(); void submit(); }}>
      <Stack gap="xs" mt="md">
        <Title order={4} size="h6">Replace {TABLE_LABEL[table].toLowerCase()} from CSV</Title>
        <Text size="xs" c="dimmed">Columns: {COLUMNS[table].join(', ')} (header row required). All or nothing: a file with any wrong row changes nothing and the errors are listed.</Text>
        <FileInput label="CSV file" accept=".csv,text/csv" clearable onChange={(f) => void f?.text().then(setText)} w={320} />
        <Textarea label="or paste CSV" autosize minRows={3} maxRows={12} value={text} onChange={(e) => setText(e.currentTarget.value)} styles={{ input: { fontFamily: 'monospace' } }} />
        <Group><Button type="submit" disabled={!text.trim()} loading={action.busy}>Import {TABLE_LABEL[table].toLowerCase()}</Button></Group>
        {action.view}
      </Stack>
    </form>
  );
}
