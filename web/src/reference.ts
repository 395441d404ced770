import { useQuery } from '@tanstack/react-query';
import { get } from './api.js';
import { useSession } from './session.js';
import type { Channel, Page, Warehouse } from './types.js';

/** Warehouses and channels, for filters and for showing codes instead of ids. Rarely change: cached for 5 minutes. */
export function useReference() {
  const role = useSession().user?.role;
  // Channels are listed for staff only (the API refuses the others).
  const staff = role === 'admin' || role === 'ops';
  const warehouses = useQuery({ queryKey: ['warehouses'], queryFn: () => get<Page<Warehouse>>('/api/v1/warehouses'), staleTime: 300_000 });
  const channels = useQuery({ queryKey: ['channels'], queryFn: () => get<Page<Channel>>('/api/v1/channels'), staleTime: 300_000, retry: false, enabled: staff });
  const wh = new Map((warehouses.data?.data ?? []).map((w) => [w.id, w]));
  const ch = new Map((channels.data?.data ?? []).map((c) => [c.id, c]));
  return {
    warehouses: warehouses.data?.data ?? [],
    channels: channels.data?.data ?? [],
    warehouseCode: (id: string) => wh.get(id)?.code ?? id,
    channelName: (id: string) => ch.get(id)?.name ?? id,
  };
}
