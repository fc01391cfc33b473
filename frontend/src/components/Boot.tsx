import { Button, Center, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useScreen } from '../hooks/useScreen';
import { errorText } from '../api/errors';
import { Logo } from './icons';

export function BootLoading() {
  const { t } = useTranslation();
  return (
    <Center mih="100vh" data-testid="boot-loading">
      <Stack align="center" gap="sm">
        <Logo size={44} />
        <Loader size="sm" aria-label={t('common.loading')} />
      </Stack>
    </Center>
  );
}

export function BootError({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  const { t } = useTranslation();
  useScreen('boot-error');
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" maw={440} w="100%" data-testid="boot-error">
        <Stack>
          <Logo size={40} />
          <Title order={3}>{t('boot.title')}</Title>
          <Text c="dimmed" size="sm">
            {t('boot.error')}
          </Text>
          <Text size="sm" c="red.7">
            {errorText(t, error)}
          </Text>
          <Button onClick={onRetry} data-testid="boot-retry">
            {t('common.retry')}
          </Button>
        </Stack>
      </Paper>
    </Center>
  );
}
