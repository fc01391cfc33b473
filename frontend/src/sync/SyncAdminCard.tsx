import { Button, Group, Paper, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { isDesktop } from '../api';
import { IconSync } from '../components/icons';

// SyncAdminCard: the administrator's way to sync's review screens from the
// home page: conflicts everywhere, devices on the server's web page (a
// desktop has no device list of its own).
export function SyncAdminCard() {
  const { t } = useTranslation();
  const desktop = isDesktop();
  return (
    <Paper withBorder radius="md" p={{ base: 'md', sm: 'xl' }} shadow="xs" data-testid="home-sync">
      <Group justify="space-between" align="flex-start">
        <div style={{ flex: '1 1 16rem' }}>
          <Group gap="xs">
            <IconSync size={20} />
            <Title order={3} fw={600}>
              {t('syncAdmin.title')}
            </Title>
          </Group>
          <Text c="dimmed" size="sm" mt={4}>
            {desktop ? t('syncAdmin.introDesktop') : t('syncAdmin.introWeb')}
          </Text>
        </div>
        <Group gap="sm">
          {!desktop && (
            <Button component={Link} to="/sync/devices" variant="default" data-testid="home-sync-devices">
              {t('syncAdmin.devices')}
            </Button>
          )}
          <Button component={Link} to="/sync/conflicts" variant="default" data-testid="home-sync-conflicts">
            {t('syncAdmin.conflicts')}
          </Button>
        </Group>
      </Group>
    </Paper>
  );
}
