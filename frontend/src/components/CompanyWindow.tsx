import {
  Box,
  Button,
  Checkbox,
  Divider,
  Fieldset,
  Grid,
  Group,
  Modal,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm, type UseFormReturnType } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMemo, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Account, type ClientConfig, type CompanyProfile, type User } from '../api';
import { fieldsAsGeneral } from '../api/errors';
import {
  ADDRESS_FIELDS,
  COUNTRIES,
  displayName,
  isStaff,
  normalizeProfile,
  profileForSave,
  PROFILE_FORM_FIELDS,
  requisiteLabel,
  requisitesFor,
  type RequisiteField,
} from '../account/fields';
import { useSession } from '../auth/session';
import { useApiError } from '../hooks/useApiError';
import { useFieldErrors } from '../hooks/useFieldErrors';
import { regionName, timeZoneFilter, timeZoneOptions } from '../lib/intl';
import { ErrorAlert, InfoAlert, SuccessAlert } from './Alerts';
import { Employees } from './Employees';
import { InvoicePdfButton } from './exports/InvoicePdfButton';
import { MissingAlert } from './MissingAlert';

interface CompanyWindowProps {
  opened: boolean;
  onClose: () => void;
  account: Account;
  onSaved: (a: Account) => void;
}

// CompanyWindow: the company information window. Left, the company itself
// and its employees; right, the invoice details and addresses. Read-only
// for those who may not change it (account.canEdit).
export function CompanyWindow({ opened, onClose, account, onSaved }: CompanyWindowProps) {
  const { t } = useTranslation();
  // While a dialog of the employees block is open, Escape belongs to it.
  const [childOpen, setChildOpen] = useState(false);
  // Closing with unsaved changes asks first: Escape or the cross must not
  // throw away what a person typed.
  const dirty = useRef<() => boolean>(() => false);
  const [confirming, setConfirming] = useState(false);
  const requestClose = () => (dirty.current() ? setConfirming(true) : onClose());
  return (
    <>
      <Modal
        opened={opened}
        onClose={requestClose}
        size={1100}
        padding="xl"
        closeOnEscape={!childOpen && !confirming}
        trapFocus={!childOpen && !confirming}
        closeOnClickOutside={false}
        title={
          <Title order={3} fw={600} component="span">
            {t('company.title')}
          </Title>
        }
        closeButtonProps={{ 'aria-label': t('company.close') }}
      >
        <CompanyForm account={account} onSaved={onSaved} onClose={requestClose} onDone={onClose} onDialog={setChildOpen} dirty={dirty} />
      </Modal>
      <Modal
        opened={confirming}
        onClose={() => setConfirming(false)}
        title={t('company.discardTitle')}
        size="sm"
        zIndex={400}
        data-testid="company-discard"
      >
        <Text size="sm">{t('company.discardText')}</Text>
        <Group justify="flex-end" mt="lg">
          <Button variant="default" onClick={() => setConfirming(false)} data-testid="company-discard-keep">
            {t('company.discardKeep')}
          </Button>
          <Button
            color="red"
            onClick={() => {
              setConfirming(false);
              onClose();
            }}
            data-testid="company-discard-confirm"
          >
            {t('company.discardConfirm')}
          </Button>
        </Group>
      </Modal>
    </>
  );
}

type ProfileForm = UseFormReturnType<CompanyProfile>;

// initialProfile: the saved profile; a profile never saved starts from what
// is already known (the account's name and phone, the user's email and zone).
function initialProfile(account: Account, user: User | null, config: ClientConfig): CompanyProfile {
  const p = normalizeProfile(account.profile);
  if (!account.canEdit) return p;
  const blank = !p.name && !p.email && !p.phone && !p.timeZone;
  if (blank) {
    p.name = displayName({ details: account.details, profile: p });
    p.phone = account.details.phone ?? '';
    if (user?.role === 'customer') p.email = user.email;
  }
  if (!p.timeZone && user?.timeZone && config.timeZones.includes(user.timeZone)) p.timeZone = user.timeZone;
  const region = (config.defaultRegion ?? '').toUpperCase();
  if (!p.requisites.country && COUNTRIES.includes(region)) p.requisites.country = region;
  if (!p.legalAddress.country) p.legalAddress.country = p.requisites.country;
  return p;
}

// fullWidth: the bank name and the IBAN (up to 34 characters) take a row;
// so does a code left alone at the end of the two-column grid.
const WIDE: readonly RequisiteField[] = ['bankName', 'iban'];
function fullWidth(fields: RequisiteField[], i: number): boolean {
  if (WIDE.includes(fields[i])) return true;
  const paired = fields.filter((f) => !WIDE.includes(f));
  return paired.length % 2 === 1 && fields[i] === paired[paired.length - 1];
}

function isBlank(account: Account): boolean {
  const p = normalizeProfile(account.profile);
  return !p.name && !p.email && !p.phone && !p.timeZone;
}

function SectionTitle({ children, hint }: { children: ReactNode; hint?: ReactNode }) {
  return (
    <div>
      <Title order={4} fw={600}>
        {children}
      </Title>
      {hint && (
        <Text size="sm" c="dimmed" mt={2}>
          {hint}
        </Text>
      )}
    </div>
  );
}

function useCountryOptions() {
  const { i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  return useMemo(() => {
    const [ru, ind, ...rest] = COUNTRIES;
    const label = (c: string) => ({ value: c, label: regionName(c, lang) });
    return [label(ru), label(ind), ...rest.map(label).sort((a, b) => a.label.localeCompare(b.label, lang))];
  }, [lang]);
}

interface CompanyFormProps {
  account: Account;
  onSaved: (a: Account) => void;
  onClose: () => void; // asks first if there are unsaved changes
  onDone: () => void; // closes at once (after a save)
  onDialog: (open: boolean) => void;
  dirty: { current: () => boolean };
}

function CompanyForm({ account, onSaved, onClose, onDone, onDialog, dirty }: CompanyFormProps) {
  const { t, i18n } = useTranslation();
  const { user, config } = useSession();
  const canEdit = account.canEdit;
  // The invoice-details PDF: staff, and the customer's own administrators.
  const canExport = isStaff(user?.role) || canEdit;
  const type = account.details.type;
  const form = useForm<CompanyProfile>({ initialValues: initialProfile(account, user, config) });
  const showErrors = useFieldErrors(form);
  dirty.current = () => canEdit && form.isDirty();
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const failure = useApiError();
  const rootRef = useRef<HTMLDivElement>(null);
  const zones = useMemo(() => timeZoneOptions(config.timeZones), [config.timeZones]);
  const lang = i18n.resolvedLanguage ?? 'en';
  const zoneFilter = useMemo(() => timeZoneFilter(lang), [lang]);
  const countries = useCountryOptions();

  const values = form.values;
  const fields = requisitesFor(values.requisites.country, type);
  const shown = PROFILE_FORM_FIELDS.filter((f) => {
    if (f.startsWith('requisites.') && f !== 'requisites.country') return fields.includes(f.slice(11) as RequisiteField);
    if (f.startsWith('postalAddress.')) return !values.postalSameAsLegal;
    return true;
  });

  const scrollTo = (selector: string) =>
    window.requestAnimationFrame(() => rootRef.current?.querySelector(selector)?.scrollIntoView({ block: 'center', behavior: 'smooth' }));

  const save = async () => {
    if (busy || failure.blocked || !canEdit) return;
    setBusy(true);
    setSaved(false);
    failure.set(null);
    form.clearErrors();
    try {
      const next = await api.saveCompany({ accountId: account.id, profile: profileForSave(form.values, type) });
      onSaved(next);
      form.setValues(normalizeProfile(next.profile));
      form.resetDirty(normalizeProfile(next.profile));
      if (next.complete) {
        notifications.show({
          color: 'teal',
          message: t('company.savedComplete'),
          // Lets the browser tests see the save even after the window closed.
          ...({ 'data-testid': 'company-saved' } as object),
        });
        onDone();
        return;
      }
      setSaved(true);
      scrollTo('[data-company-top]');
    } catch (e) {
      const split = showErrors(e, shown);
      failure.set(split.general && fieldsAsGeneral(split.general));
      scrollTo(split.general ? '[data-company-top]' : '[aria-invalid="true"]');
    } finally {
      setBusy(false);
    }
  };

  const pickCountry = (v: string | null) => {
    const c = v ?? '';
    form.setFieldValue('requisites.country', c);
    if (!form.values.legalAddress.country) form.setFieldValue('legalAddress.country', c);
  };

  const showMissing = account.missing.length > 0 && (saved || !canEdit || !isBlank(account));

  return (
    <Box ref={rootRef} data-testid="company-modal" data-readonly={canEdit ? undefined : 'true'}>
      <Stack gap="sm" data-company-top>
        <Text size="sm" c="dimmed">
          {t('company.intro', { name: displayName(account) })}
        </Text>
        {!canEdit && <InfoAlert testid="company-readonly">{t('company.readOnly')}</InfoAlert>}
        {canEdit && isBlank(account) && !saved && (
          <InfoAlert testid="company-intro">{t(user?.role === 'customer' ? 'company.firstTime' : 'company.firstTimeStaff')}</InfoAlert>
        )}
        {saved && <SuccessAlert testid="company-saved">{t('company.savedDraft')}</SuccessAlert>}
        {showMissing && <MissingAlert account={account} testid="company-missing" />}
        <ErrorAlert error={failure.error} secondsLeft={failure.secondsLeft} testid="company-error" />
      </Stack>

      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing={40} verticalSpacing="xl" mt="lg">
        <Stack gap="lg">
          <SectionTitle>{t('company.general')}</SectionTitle>
          <Fieldset variant="unstyled" disabled={!canEdit}>
            <Stack gap="md">
              <TextInput
                label={t('company.name')}
                description={t('company.nameHint')}
                data-testid="company-name"
                {...form.getInputProps('name')}
              />
              <TextInput
                label={t('company.email')}
                description={t('company.emailHint')}
                type="email"
                placeholder={t('common.emailPlaceholder')}
                data-testid="company-email"
                {...form.getInputProps('email')}
              />
              <TextInput
                label={t('company.phone')}
                description={t('company.phoneHint')}
                type="tel"
                data-testid="company-phone"
                {...form.getInputProps('phone')}
              />
              <Select
                label={t('company.timeZone')}
                description={t('company.timeZoneHint')}
                data={zones}
                filter={zoneFilter}
                searchable
                allowDeselect={false}
                nothingFoundMessage={t('register.timeZoneNothing')}
                maxDropdownHeight={260}
                data-testid="company-timezone"
                {...form.getInputProps('timeZone')}
                onChange={(v) => form.setFieldValue('timeZone', v ?? '')}
              />
              <NumberInput
                label={t('company.maxDialogs')}
                description={t('company.maxDialogsHint')}
                min={1}
                max={10000}
                clampBehavior="none"
                classNames={{ wrapper: 'gh-narrow-input' }}
                data-testid="company-max-dialogs"
                {...form.getInputProps('maxDialogs')}
              />
            </Stack>
          </Fieldset>
          <Divider />
          <Employees accountId={account.id} canEdit={canEdit} canExport={canExport} onDialog={onDialog} />
        </Stack>

        <Stack gap="lg">
          <SectionTitle hint={t('company.invoiceHint')}>{t('company.invoice')}</SectionTitle>
          <Fieldset variant="unstyled" disabled={!canEdit}>
            <Stack gap="md">
              <Select
                label={t('company.country')}
                description={t('company.countryHint')}
                placeholder={t('company.countryPlaceholder')}
                data={countries}
                searchable
                allowDeselect={false}
                nothingFoundMessage={t('company.countryNothing')}
                maxDropdownHeight={260}
                data-testid="company-req-country"
                {...form.getInputProps('requisites.country')}
                onChange={pickCountry}
              />
              {fields.length > 0 && (
                <Grid gutter="md">
                  {fields.map((f, i) => (
                    <Grid.Col key={f} span={{ base: 12, md: fullWidth(fields, i) ? 12 : 6 }}>
                      <TextInput
                        label={requisiteLabel(t, f, type)}
                        placeholder={t(`requisites.${f === 'ogrn' && type === 'individual' ? 'ogrnip' : f}Hint`)}
                        autoComplete="off"
                        spellCheck={false}
                        classNames={f === 'bankName' ? undefined : { input: 'gh-mono-input' }}
                        data-testid={`company-req-${f}`}
                        {...form.getInputProps(`requisites.${f}`)}
                      />
                    </Grid.Col>
                  ))}
                </Grid>
              )}
            </Stack>
          </Fieldset>

          <Divider />
          <SectionTitle>{t('company.legalAddress')}</SectionTitle>
          <Fieldset variant="unstyled" disabled={!canEdit}>
            <AddressFields form={form} which="legalAddress" countries={countries} />
          </Fieldset>

          <Divider />
          <SectionTitle>{t('company.postalAddress')}</SectionTitle>
          <Fieldset variant="unstyled" disabled={!canEdit}>
            <Stack gap="md">
              <Checkbox
                label={t('company.sameAsLegal')}
                data-testid="company-postal-same"
                {...form.getInputProps('postalSameAsLegal', { type: 'checkbox' })}
              />
              {!values.postalSameAsLegal && <AddressFields form={form} which="postalAddress" countries={countries} />}
            </Stack>
          </Fieldset>
        </Stack>
      </SimpleGrid>

      <Group justify="space-between" gap="sm" className="gh-modal-footer">
        <div>{canExport && <InvoicePdfButton accountId={account.id} unsaved={canEdit && form.isDirty()} />}</div>
        <Group gap="sm">
          <Button variant="default" onClick={onClose} data-testid="company-close">
            {t('company.close')}
          </Button>
          {canEdit && (
            <Button onClick={() => void save()} loading={busy} disabled={failure.blocked} data-testid="company-save">
              {t('company.save')}
            </Button>
          )}
        </Group>
      </Group>
    </Box>
  );
}

interface AddressFieldsProps {
  form: ProfileForm;
  which: 'legalAddress' | 'postalAddress';
  countries: { value: string; label: string }[];
}

function AddressFields({ form, which, countries }: AddressFieldsProps) {
  const { t } = useTranslation();
  const testid = (f: string) => `company-${which === 'legalAddress' ? 'legal' : 'postal'}-${f}`;
  const span: Record<(typeof ADDRESS_FIELDS)[number], number> = { country: 7, postcode: 5, region: 6, city: 6, line1: 12, line2: 12 };
  return (
    <Grid gutter="md">
      {ADDRESS_FIELDS.map((f) => (
        <Grid.Col key={f} span={{ base: 12, md: span[f] }}>
          {f === 'country' ? (
            <Select
              label={t('address.country')}
              placeholder={t('company.countryPlaceholder')}
              data={countries}
              searchable
              allowDeselect={false}
              nothingFoundMessage={t('company.countryNothing')}
              maxDropdownHeight={240}
              data-testid={testid(f)}
              {...form.getInputProps(`${which}.country`)}
              onChange={(v) => form.setFieldValue(`${which}.country`, v ?? '')}
            />
          ) : (
            <TextInput
              label={t(`address.${f}`)}
              placeholder={f === 'line2' ? t('address.line2Hint') : undefined}
              data-testid={testid(f)}
              {...form.getInputProps(`${which}.${f}`)}
            />
          )}
        </Grid.Col>
      ))}
    </Grid>
  );
}
