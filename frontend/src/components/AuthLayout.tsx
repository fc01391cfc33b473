import { Box, Group, Paper, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguagePicker } from './LanguagePicker';
import { Logo } from './icons';

interface AuthLayoutProps {
  title: string;
  subtitle?: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
  testid?: string;
  // width of the card; forms with more fields get a wider one.
  width?: number;
}

// AuthLayout: the centered card every signed-out (and verification) screen uses.
export function AuthLayout({ title, subtitle, children, footer, testid, width = 440 }: AuthLayoutProps) {
  const { t } = useTranslation();
  return (
    <Box
      mih="100vh"
      style={{
        display: 'flex',
        flexDirection: 'column',
        background: 'linear-gradient(180deg, var(--mantine-color-indigo-0) 0%, var(--mantine-color-gray-0) 45%)',
      }}
    >
      <Group justify="flex-end" px="lg" py="sm">
        <LanguagePicker />
      </Group>
      <Box style={{ flex: 1, display: 'flex', justifyContent: 'center', alignItems: 'flex-start' }} px="md" pb={48}>
        <Stack w="100%" maw={width} gap="lg" mt={{ base: 0, md: 'xl' }}>
          <Group gap="sm" justify="center" wrap="nowrap">
            <Logo size={40} />
            <div>
              <Title order={2} lh={1.1}>
                {t('app.name')}
              </Title>
              <Text size="sm" c="dimmed">
                {t('app.tagline')}
              </Text>
            </div>
          </Group>
          <Paper withBorder shadow="sm" radius="md" p="xl" data-testid={testid}>
            <Title order={3} fw={600}>
              {title}
            </Title>
            {subtitle && (
              <Text size="sm" c="dimmed" mt={4}>
                {subtitle}
              </Text>
            )}
            <Stack mt="lg" gap="md">
              {children}
            </Stack>
          </Paper>
          {footer && (
            <Text ta="center" size="sm" c="dimmed">
              {footer}
            </Text>
          )}
        </Stack>
      </Box>
    </Box>
  );
}
