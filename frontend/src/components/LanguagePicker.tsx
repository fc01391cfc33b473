import { Group, NativeSelect, Text } from '@mantine/core';
import { useId } from '@mantine/hooks';
import { useTranslation } from 'react-i18next';
import { LANGUAGES } from '../i18n';

export function LanguagePicker() {
  const { t, i18n } = useTranslation();
  const id = useId();
  const current = LANGUAGES.some((l) => l.value === i18n.resolvedLanguage) ? i18n.resolvedLanguage : 'en';
  // The word "Language" shows only on wide screens: at 1280 px the staff
  // header needs the room for the user's name (the select keeps its label).
  return (
    <Group gap={8} wrap="nowrap" style={{ flexShrink: 0 }}>
      <Text component="label" htmlFor={id} size="sm" c="dimmed" visibleFrom="xl">
        {t('common.language')}
      </Text>
      <NativeSelect
        id={id}
        size="xs"
        w={110}
        data={LANGUAGES.map((l) => ({ value: l.value, label: l.label }))}
        value={current}
        aria-label={t('common.language')}
        onChange={(e) => void i18n.changeLanguage(e.currentTarget.value)}
        data-testid="language-select"
      />
    </Group>
  );
}
