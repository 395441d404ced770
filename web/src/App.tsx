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
  ].filter((l) => l.show);
  const active = (to: string) => (to === '/' ? pathname === '/' : pathname.startsWith(to));
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 200, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="sm">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Menu" />
            <Title order={1} size="h4">Tandem</Title>
          </Group>
          <Group gap="sm">
            <Text size="sm" data-testid="signed-in-as">{user!.email}</Text>
            <Badge variant="light">{role}</Badge>
            {user!.warehouse_ids && <Badge variant="outline" color="gray">{user!.warehouse_ids.length} warehouse(s)</Badge>}
            <Button size="xs" variant="default" onClick={() => void signOut()}>Sign out</Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Sections">
        {links.map((l) => (
          <NavLink key={l.to} component={Link} to={l.to} label={l.label} active={active(l.to)} onClick={close} />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}
