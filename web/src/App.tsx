import { lazy, Suspense } from 'react';
import { AppShell, Badge, Burger, Button, Center, Group, Loader, NavLink, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Link, Navigate, Route, Routes, useLocation } from 'react-router';
import { can, useSession } from './session.js';
import { LoginPage } from './pages/LoginPage.js';
import { HomePage } from './pages/HomePage.js';
import { OrdersPage } from './pages/OrdersPage.js';
import { OrderPage } from './pages/OrderPage.js';
import { HoldsPage } from './pages/HoldsPage.js';
import { InventoryPage } from './pages/InventoryPage.js';

// Floor, shipping and returns screens load on first use: most users need only one or two of them.
const WavesPage = lazy(() => import('./pages/floor/WavesPage.js').then((m) => ({ default: m.WavesPage })));
const PickPage = lazy(() => import('./pages/floor/PickPage.js').then((m) => ({ default: m.PickPage })));
const PackPage = lazy(() => import('./pages/floor/PackPage.js').then((m) => ({ default: m.PackPage })));
const ReceivePage = lazy(() => import('./pages/floor/ReceivePage.js').then((m) => ({ default: m.ReceivePage })));
const ShippingPage = lazy(() => import('./pages/shipping/ShippingPage.js').then((m) => ({ default: m.ShippingPage })));
const ReturnsPage = lazy(() => import('./pages/returns/ReturnsPage.js').then((m) => ({ default: m.ReturnsPage })));
const SettingsPage = lazy(() => import('./pages/settings/SettingsPage.js').then((m) => ({ default: m.SettingsPage })));

export function App() {
  const { user, loading } = useSession();
  const location = useLocation();
  if (loading) {
    return (
      <Center h="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  }
  if (!user) {
    return (
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route path="*" element={<Navigate to="/login" replace state={{ from: location.pathname + location.search }} />} />
      </Routes>
    );
  }
  return (
    <Shell>
      <Routes>
        <Route path="/" element={<HomePage />} />
        <Route path="/login" element={<Navigate to="/" replace />} />
        <Route path="/orders" element={<OrdersPage />} />
        <Route path="/orders/:id" element={<OrderPage />} />
        {can.seeHolds(user.role) && <Route path="/holds" element={<HoldsPage />} />}
        <Route path="/inventory" element={<InventoryPage />} />
        {can.planWaves(user.role) && <Route path="/floor" element={<WavesPage />} />}
        {can.pick(user.role) && <Route path="/floor/pick" element={<PickPage />} />}
        {can.pack(user.role) && <Route path="/floor/pack" element={<PackPage />} />}
        {can.pack(user.role) && <Route path="/floor/pack/:id" element={<PackPage />} />}
        {can.receive(user.role) && <Route path="/floor/receive" element={<ReceivePage />} />}
        {can.receive(user.role) && <Route path="/floor/receive/:id" element={<ReceivePage />} />}
        {can.ship(user.role) && <Route path="/shipping" element={<ShippingPage />} />}
        {can.manageReturns(user.role) && <Route path="/shipping/returns" element={<ReturnsPage />} />}
        {can.manageReturns(user.role) && <Route path="/shipping/returns/:id" element={<ReturnsPage />} />}
        {can.seeSettings(user.role) && <Route path="/settings" element={<Navigate to="/settings/channels" replace />} />}
        {can.seeSettings(user.role) && <Route path="/settings/:section/:id?" element={<SettingsPage />} />}
        <Route path="*" element={<NotFound />} />
      </Routes>
    </Shell>
  );
}

function NotFound() {
  return (
    <Center h={200}>
      <Text>Nothing here, or not for your role.</Text>
    </Center>
  );
}

function Shell({ children }: { children: React.ReactNode }) {
  const { user, signOut } = useSession();
  const [opened, { toggle, close }] = useDisclosure();
  const { pathname } = useLocation();
  const role = user!.role;
  const links = [
    { to: '/', label: 'Home', show: true },
    { to: '/orders', label: 'Orders', show: true },
    { to: '/holds', label: 'Holds', show: can.seeHolds(role) },
    { to: '/inventory', label: 'Inventory', show: true },
    { to: '/floor', label: 'Waves', show: can.planWaves(role) },
    { to: '/floor/pick', label: 'Pick', show: can.pick(role) },
    { to: '/floor/pack', label: 'Pack', show: can.pack(role) },
    { to: '/floor/receive', label: 'Receive', show: can.receive(role) },
    { to: '/shipping', label: 'Shipping', show: can.ship(role) },
    { to: '/shipping/returns', label: 'Returns', show: can.manageReturns(role) },
    { to: '/settings', label: 'Settings', show: can.seeSettings(role) },
  ].filter((l) => l.show);
  // The longest matching link is the active one, so /floor/pick does not also light up Waves (/floor).
  const current = links.filter((l) => (l.to === '/' ? pathname === '/' : pathname === l.to || pathname.startsWith(`${l.to}/`))).sort((a, b) => b.to.length - a.to.length)[0]?.to;
  const active = (to: string) => to === current;
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 200, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="sm">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Menu" />
            <Title order={1} size="h4">Tandem</Title>
          </Group>
          <Group gap="sm">
            <Text size="sm" data-testid="signed-in-as" visibleFrom="sm">{user!.email}</Text>
            <Badge variant="light">{role}</Badge>
            {user!.warehouse_ids && <Badge variant="outline" color="gray" visibleFrom="sm">{user!.warehouse_ids.length} warehouse(s)</Badge>}
            <Button size="xs" variant="default" onClick={() => void signOut()}>Sign out</Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Sections">
        {links.map((l) => (
          <NavLink key={l.to} component={Link} to={l.to} label={l.label} active={active(l.to)} onClick={close} />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <Suspense fallback={<Loader aria-label="Loading" />}>{children}</Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
