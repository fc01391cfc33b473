import { Anchor, Badge, Group, Modal, Stack, Table, Text, Title } from '@mantine/core';
import { useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { buildEnv, buildInfo, COMPONENTS, shortCommit } from './about';
import { Logo } from './icons';

interface AboutDialogProps {
  opened: boolean;
  onClose: () => void;
  version: string; // ClientConfig.version: what `gatehouse --version` prints
  desktop: boolean;
}

// AboutDialog: the app's name and what it is, the build it runs (version,
// release, commit, build date) and the licences of the main components it
// ships.
export function AboutDialog({ opened, onClose, version, desktop }: AboutDialogProps) {
  const { t, i18n } = useTranslation();
  const info = useMemo(() => buildInfo(version, buildEnv()), [version]);
  const rows: Array<[string, ReactNode, string]> = [
    [t('about.version'), info.version, 'about-dialog-version'],
  ];
  if (info.dev) {
    rows.push([t('about.release'), t('about.devBuild'), 'about-dialog-release']);
  } else {
    rows.push([t('about.release'), info.release ?? t('about.noRelease'), 'about-dialog-release']);
    if (info.release && info.commitsSince > 0) {
      rows.push([t('about.commitsSince'), String(info.commitsSince), 'about-dialog-commits-since']);
    }
  }
  if (info.commit) {
    rows.push([
      t('about.commit'),
      <Group gap="xs" component="span" key="commit">
        <Text span ff="monospace" size="sm" title={info.commit}>
          {shortCommit(info.commit)}
        </Text>
        {info.dirty && (
          <Badge size="sm" variant="light" color="orange">
            {t('about.localChanges')}
          </Badge>
        )}
      </Group>,
      'about-dialog-commit',
    ]);
  }
  if (info.builtAt) {
    rows.push([
      t('about.built'),
      info.builtAt.toLocaleString(i18n.language, { dateStyle: 'long', timeStyle: 'short' }),
      'about-dialog-built',
    ]);
  }
  rows.push([t('about.runsAs'), desktop ? t('about.desktop') : t('about.web'), 'about-dialog-mode']);

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      size="lg"
      padding="xl"
      title={
        <Title order={3} fw={600} component="span">
          {t('about.title')}
        </Title>
      }
      closeButtonProps={{ 'aria-label': t('common.close') }}
      data-testid="about-dialog"
    >
      <Stack gap="lg">
        <Group gap="md" wrap="nowrap">
          <Logo size={48} />
          <div>
            <Text fw={700} size="xl">
              {t('app.name')}
            </Text>
            <Text size="sm" c="dimmed">
              {t('app.tagline')}
            </Text>
          </div>
        </Group>
        <Text size="sm">{t('about.description')}</Text>
        <Table withRowBorders={false} verticalSpacing={4} layout="fixed">
          <Table.Tbody>
            {rows.map(([label, value, id]) => (
              <Table.Tr key={id}>
                <Table.Td w="35%" c="dimmed">
                  {label}
                </Table.Td>
                <Table.Td data-testid={id}>{value}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Stack gap="xs">
          <Text fw={600}>{t('about.components')}</Text>
          <Text size="xs" c="dimmed">
            {t('about.componentsNote')}
          </Text>
          <Table striped verticalSpacing={2} fz="xs" data-testid="about-dialog-components">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('about.component')}</Table.Th>
                <Table.Th>{t('about.licence')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {COMPONENTS.map((c) => (
                <Table.Tr key={c.name}>
                  <Table.Td>{c.name}</Table.Td>
                  <Table.Td>{c.licence}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      </Stack>
    </Modal>
  );
}

// AboutFooter: the version line under every signed-in page; it opens the
// About dialog.
export function AboutFooter({ version, desktop }: { version: string; desktop: boolean }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  return (
    <>
      <Text size="xs" ta="center" mt="xl">
        <Anchor
          component="button"
          type="button"
          size="xs"
          c="dimmed"
          onClick={() => setOpen(true)}
          title={t('about.open')}
          data-testid="about-version"
        >
          Gatehouse {version}
        </Anchor>
      </Text>
      <AboutDialog opened={open} onClose={() => setOpen(false)} version={version} desktop={desktop} />
    </>
  );
}
