import { AppShell, Badge, Burger, Button, Container, Divider, Drawer, Group, Stack, Text, UnstyledButton } from '@mantine/core';
import { useDisclosure, useMediaQuery } from '@mantine/hooks';
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { isStaff } from '../account/fields';
import { AboutFooter } from './AboutDialog';
import { canSeeDashboard, canSeeKycQueue } from '../auth/routes';
import { useAccount } from '../auth/account';
import { useSession } from '../auth/session';
import { CompanyWindow } from './CompanyWindow';
import { useKycQueueCount } from '../kyc/events';
import { IconBuilding, IconChart, IconList, IconShield, Logo } from './icons';
import { LanguagePicker } from './LanguagePicker';
import { isDesktop } from '../api';
import { SyncIndicator } from '../sync/SyncIndicator';

interface AppLayoutProps {
  children: ReactNode;
  size?: 'sm' | 'md' | 'lg' | 'xl';
}

// AppLayout: the signed-in screens' header (navigation, who is signed in,
// language, sign out) and page body. For customers it also holds their
// company information window, opened from the header or on its own once
// per sign-in while the profile is incomplete.
export function AppLayout({ children, size = 'md' }: AppLayoutProps) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const { user, signOut, config } = useSession();
  const { mine, setAccount, companyOpen, openCompany, closeCompany, autoOpenCompany } = useAccount();
  const [leaving, setLeaving] = useState(false);
  // Narrow windows (the desktop's minimum is 1024 px) drop the nav icons;
  // below that (a phone, a narrow browser) everything but the logo moves
  // into a menu, so sign out and the language stay within reach.
  const wide = useMediaQuery('(min-width: 75em)', true, { getInitialValueInEffect: false });
  const compact = useMediaQuery('(max-width: 63.99em)', false, { getInitialValueInEffect: false });
  const [menuOpen, menu] = useDisclosure(false);
  const account = mine?.account ?? null;
  const queue = canSeeKycQueue(user?.role);
  const waiting = useKycQueueCount(queue);

  useEffect(() => {
    if (account && !account.complete) autoOpenCompany();
  }, [account, autoOpenCompany]);

  // Going somewhere from the menu closes it.
  const closeMenu = menu.close;
  useEffect(() => closeMenu(), [pathname, closeMenu]);

  if (!user) return null;

  const onSignOut = async () => {
    if (leaving) return;
    setLeaving(true);
    try {
      await signOut();
    } catch {
      /* signed out here either way */
    }
    navigate('/signin', { replace: true });
  };

  const staff = isStaff(user.role);
  const onAccounts = pathname.startsWith('/accounts');
  const onQueue = pathname === '/kyc-queue';
  const dashboard = canSeeDashboard(user.role);

  // In the menu the links stack, full width.
  const navProps = compact ? ({ fullWidth: true, justify: 'flex-start', size: 'md' } as const) : ({ size: 'sm' } as const);
  const nav = (
    <>
      {staff && (
        <Button
          component={Link}
          to="/accounts"
          variant={onAccounts ? 'light' : 'subtle'}
          {...navProps}
          leftSection={(wide || compact) && <IconList size={16} />}
          data-testid="nav-accounts"
        >
          {t('nav.accounts')}
        </Button>
      )}
      {queue && (
        <Button
          component={Link}
          to="/kyc-queue"
          variant={onQueue ? 'light' : 'subtle'}
          {...navProps}
          leftSection={(wide || compact) && <IconShield size={16} />}
          rightSection={
            waiting !== null && (
              <Badge
                size="sm"
                circle={waiting < 10}
                color={waiting > 0 ? 'orange' : 'gray'}
                variant={waiting > 0 ? 'filled' : 'light'}
                aria-label={t('nav.kycQueueCount', { count: waiting })}
                data-testid="kyc-queue-count"
                data-count={waiting}
              >
                {waiting}
              </Badge>
            )
          }
          data-testid="nav-kyc-queue"
        >
          {t('nav.kycQueue')}
        </Button>
      )}
      {dashboard && (
        <Button
          component={Link}
          to="/dashboard"
          variant={pathname === '/dashboard' ? 'light' : 'subtle'}
          {...navProps}
          leftSection={(wide || compact) && <IconChart size={16} />}
          data-testid="nav-dashboard"
        >
          {t('nav.dashboard')}
        </Button>
      )}
      {account && (
        <Button
          variant="subtle"
          {...navProps}
          leftSection={<IconBuilding size={16} />}
          onClick={() => {
            menu.close();
            openCompany();
          }}
          data-testid="company-open"
        >
          {t('nav.company')}
        </Button>
      )}
    </>
  );
  const who = (
    <Group gap={8} wrap="nowrap" style={{ minWidth: 0 }}>
      <Text size="sm" fw={500} data-testid="home-user-name" truncate maw={220}>
        {user.name}
      </Text>
      <Badge variant="light" style={{ flexShrink: 0 }} data-testid="home-user-role" data-role={user.role}>
        {t(`roles.${user.role}`, { defaultValue: user.role })}
      </Badge>
    </Group>
  );
  const signOutButton = (
    <Button variant="default" size="xs" onClick={onSignOut} loading={leaving} style={{ flexShrink: 0 }} data-testid="home-signout">
      {t('common.signOut')}
    </Button>
  );
  const home = (
    <UnstyledButton component={Link} to="/" mr="md" data-testid="nav-home" aria-label={t('nav.home')}>
      <Group gap="sm" wrap="nowrap">
        <Logo size={32} />
        <Text fw={700} size="lg">
          {t('app.name')}
        </Text>
      </Group>
    </UnstyledButton>
  );

  return (
    <AppShell header={{ height: 60 }} padding={compact ? 'sm' : 'lg'} bg="gray.0">
      <AppShell.Header px={compact ? 'sm' : 'lg'}>
        {compact ? (
          <Group h="100%" justify="space-between" wrap="nowrap">
            {home}
            <Group gap="sm" wrap="nowrap">
              {isDesktop() && <SyncIndicator showConflicts={isStaff(user.role)} />}
              <Burger opened={menuOpen} onClick={menu.toggle} aria-label={t('nav.menu')} data-testid="nav-menu" />
            </Group>
          </Group>
        ) : (
          <Group h="100%" justify="space-between" wrap="nowrap" gap="md">
            <Group gap={6} wrap="nowrap">
              {home}
              {nav}
            </Group>
            <Group gap="md" wrap="nowrap" style={{ minWidth: 0 }}>
              {who}
              {isDesktop() && <SyncIndicator showConflicts={isStaff(user.role)} />}
              <LanguagePicker />
              {signOutButton}
            </Group>
          </Group>
        )}
      </AppShell.Header>
      {compact && (
        <Drawer opened={menuOpen} onClose={menu.close} position="right" size="xs" title={who} data-testid="nav-drawer">
          <Stack gap="xs">
            {nav}
            <Divider my="xs" />
            <LanguagePicker />
            {signOutButton}
          </Stack>
        </Drawer>
      )}
      <AppShell.Main>
        <Container size={size} py="md" px={compact ? 0 : undefined}>
          {children}
          <AboutFooter version={config.version} desktop={config.desktop} />
        </Container>
      </AppShell.Main>
      {account && <CompanyWindow opened={companyOpen} onClose={closeCompany} account={account} onSaved={setAccount} />}
    </AppShell>
  );
}
