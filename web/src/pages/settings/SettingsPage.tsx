import { Stack, Tabs, Text, Title } from '@mantine/core';
import { useNavigate, useParams } from 'react-router';
import { can, useSession } from '../../session.js';
import { ChannelsTab } from './ChannelsTab.js';
import { RoutingTab } from './RoutingTab.js';
import { WarehousesTab } from './WarehousesTab.js';
import { CarriersTab } from './CarriersTab.js';
import { WebhooksTab } from './WebhooksTab.js';
import { ApiKeysTab } from './ApiKeysTab.js';
import { UsersTab } from './UsersTab.js';
import { PurchaseLimitsTab } from './PurchaseLimitsTab.js';

/** The sections, in tab order; `admin` ones are refused to ops by the API, so they are not offered. */
const SECTIONS = [
  { key: 'channels', label: 'Channels', admin: false },
  { key: 'routing', label: 'Routing rules', admin: false },
  { key: 'warehouses', label: 'Warehouses and bins', admin: false },
  { key: 'carriers', label: 'Carriers', admin: false },
  { key: 'limits', label: 'Purchase limits', admin: false },
  { key: 'webhooks', label: 'Webhooks', admin: true },
  { key: 'api-keys', label: 'API keys', admin: true },
  { key: 'users', label: 'Users', admin: true },
] as const;

/** Channels and settings: /settings/{section}[/{id}], one tab per section, the section in the URL (deep links work). */
export function SettingsPage() {
  const role = useSession().user!.role;
  const { section = 'channels', id } = useParams();
  const navigate = useNavigate();
  const visible = SECTIONS.filter((s) => !s.admin || can.manageSettings(role));
  const current = visible.find((s) => s.key === section);
  return (
    <Stack gap="sm">
      <Title order={2}>Settings</Title>
      {!can.manageSettings(role) && <Text size="sm" c="dimmed">Read-only for your role, except simulating routing, adding listings and bins, and purchase limits; an admin makes the other changes.</Text>}
      <Tabs value={current?.key ?? null} onChange={(v) => v && void navigate(`/settings/${v}`)} keepMounted={false}>
        <Tabs.List aria-label="Settings sections">
          {visible.map((s) => <Tabs.Tab key={s.key} value={s.key}>{s.label}</Tabs.Tab>)}
        </Tabs.List>
        {current && (
          <Tabs.Panel value={current.key} pt="md">
            {current.key === 'channels' && <ChannelsTab channelId={id ?? null} />}
            {current.key === 'routing' && <RoutingTab />}
            {current.key === 'warehouses' && <WarehousesTab warehouseId={id ?? null} />}
            {current.key === 'carriers' && <CarriersTab carrierCode={id ?? null} />}
            {current.key === 'limits' && <PurchaseLimitsTab />}
            {current.key === 'webhooks' && <WebhooksTab subscriptionId={id ?? null} />}
            {current.key === 'api-keys' && <ApiKeysTab />}
            {current.key === 'users' && <UsersTab />}
          </Tabs.Panel>
        )}
      </Tabs>
      {!current && <Text data-testid="settings-refused">Nothing here, or not for your role.</Text>}
    </Stack>
  );
}
