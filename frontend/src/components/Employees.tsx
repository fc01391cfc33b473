import {
  ActionIcon,
  Badge,
  Box,
  Button,
  Center,
  Group,
  Loader,
  Menu,
  Modal,
  NumberInput,
  Paper,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, downloadURL, type Employee, type FieldError } from '../api';
import { asApiError, fieldErrorText, fieldsAsGeneral, splitErrors } from '../api/errors';
import { useSession } from '../auth/session';
import { useApiError } from '../hooks/useApiError';
import { useFieldErrors } from '../hooks/useFieldErrors';
import { useSaveFile } from '../hooks/useSaveFile';
import { formatNumber, phoneExample } from '../lib/intl';
import { wholeOrZero } from '../account/fields';
import { ErrorAlert } from './Alerts';
import { EmployeeImportModal } from './exports/EmployeeImport';
import { IconDots, IconDownload, IconPlus, IconSearch, IconUpload } from './icons';

type EmployeeRole = Employee['role'];
type Change = { role?: EmployeeRole; maxDialogs?: number; clearMaxDialogs?: boolean; active?: boolean };

// Dialogs opened from inside the company window sit above it.
const NESTED_Z = 250;

const STATUS_COLORS: Record<Employee['status'], string> = { invited: 'yellow', active: 'teal', deactivated: 'gray' };

interface EmployeesProps {
  accountId: string;
  canEdit: boolean;
  // canExport: the spreadsheet export (editors, and staff who may see the account).
  canExport?: boolean;
  // onDialog reports whether one of this block's dialogs is open, so the
  // window around it leaves Escape and focus to the dialog.
  onDialog?: (open: boolean) => void;
}

// Employees: the people who may sign in to the account. Changes here apply
// at once (they are not part of "Save company").
export function Employees({ accountId, canEdit, canExport = canEdit, onDialog }: EmployeesProps) {
  const { t } = useTranslation();
  const { setUser } = useSession();
  const [query, setQuery] = useState('');
  const [debounced] = useDebouncedValue(query.trim(), 300);
  const [items, setItems] = useState<Employee[] | null>(null);
  const [loading, setLoading] = useState(false);
  const [pending, setPending] = useState<string | null>(null);
  const [inviting, setInviting] = useState(false);
  const [limitFor, setLimitFor] = useState<Employee | null>(null);
  const [importing, setImporting] = useState(false);
  const failure = useApiError();
  const seq = useRef(0);
  const { save, busy: exporting } = useSaveFile();

  const setFailure = failure.set;
  const fail = useCallback(
    (e: unknown) => {
      if (asApiError(e).body.code === 'unauthorized') setUser(null);
      else setFailure(fieldsAsGeneral(e));
    },
    [setFailure, setUser],
  );

  const load = useCallback(async () => {
    const n = ++seq.current;
    setLoading(true);
    try {
      const res = await api.listEmployees({ accountId, query: debounced });
      if (seq.current !== n) return;
      setItems(res?.items ?? []);
      setFailure(null);
    } catch (e) {
      if (seq.current !== n) return;
      fail(e);
    } finally {
      if (seq.current === n) setLoading(false);
    }
  }, [accountId, debounced, fail, setFailure]);

  useEffect(() => {
    void load();
  }, [load]);

  useEffect(() => {
    onDialog?.(inviting || importing || limitFor !== null);
  }, [inviting, importing, limitFor, onDialog]);

  const replace = (next: Employee) => setItems((list) => (list ?? []).map((e) => (e.userId === next.userId ? next : e)));

  const update = async (emp: Employee, change: Change): Promise<boolean> => {
    setPending(emp.userId);
    failure.set(null);
    try {
      replace(await api.updateEmployee({ accountId, userId: emp.userId, ...change }));
      return true;
    } catch (e) {
      fail(e);
      return false;
    } finally {
      setPending(null);
    }
  };

  const invited = (emp: Employee) => {
    setInviting(false);
    setQuery('');
    setItems((list) => [emp, ...(list ?? []).filter((e) => e.userId !== emp.userId)]);
    notifications.show({ color: 'teal', message: t('employees.invitedNotice', { email: emp.email }) });
  };

  return (
    <Stack gap="sm" data-testid="employees">
      <div>
        <Group justify="space-between" align="center" gap="sm">
          <Title order={4} fw={600}>
            {t('employees.title')}
          </Title>
          {canEdit && (
            <Button
              variant="light"
              size="compact-md"
              leftSection={<IconPlus size={16} />}
              onClick={() => setInviting(true)}
              data-testid="emp-register"
            >
              {t('employees.register')}
            </Button>
          )}
        </Group>
        <Text size="sm" c="dimmed" mt={4}>
          {t('employees.hint')}
        </Text>
        {(canExport || canEdit) && (
          <Group gap="xs" mt="xs">
            {canExport && (
              <Button
                variant="default"
                size="compact-sm"
                leftSection={<IconDownload size={14} />}
                loading={exporting === 'employees'}
                onClick={() =>
                  void save('employees', {
                    desktop: () => api.saveEmployees({ accountId }),
                    web: () => downloadURL.employees(accountId),
                  })
                }
                data-testid="emp-export"
              >
                {t('exports.employeesXlsx')}
              </Button>
            )}
            {canEdit && (
              <Button
                variant="default"
                size="compact-sm"
                leftSection={<IconUpload size={14} />}
                onClick={() => setImporting(true)}
                data-testid="emp-import"
              >
                {t('exports.import')}
              </Button>
            )}
          </Group>
        )}
      </div>
      <TextInput
        placeholder={t('employees.search')}
        aria-label={t('employees.search')}
        leftSection={<IconSearch size={16} />}
        rightSection={loading && items !== null ? <Loader size={14} /> : null}
        value={query}
        onChange={(e) => setQuery(e.currentTarget.value)}
        data-testid="emp-search"
      />
      <ErrorAlert error={failure.error} secondsLeft={failure.secondsLeft} testid="emp-error" />
      {items === null ? (
        <Center py="md">{loading && <Loader size="sm" aria-label={t('common.loading')} />}</Center>
      ) : items.length === 0 ? (
        <Text size="sm" c="dimmed" py="xs" data-testid="emp-empty">
          {debounced ? t('employees.noMatch') : t('employees.empty')}
        </Text>
      ) : (
        <Stack gap={6}>
          {items.map((emp) => (
            <EmployeeRow
              key={emp.userId}
              emp={emp}
              canEdit={canEdit}
              busy={pending === emp.userId}
              onChange={(c) => void update(emp, c)}
              onLimit={() => setLimitFor(emp)}
            />
          ))}
        </Stack>
      )}
      {canEdit && <InviteModal opened={inviting} accountId={accountId} onClose={() => setInviting(false)} onInvited={invited} />}
      {canEdit && (
        <EmployeeImportModal
          opened={importing}
          accountId={accountId}
          zIndex={NESTED_Z}
          onClose={() => setImporting(false)}
          onImported={() => {
            setImporting(false);
            setQuery('');
            void load();
          }}
        />
      )}
      {canEdit && (
        <LimitModal
          emp={limitFor}
          onClose={() => setLimitFor(null)}
          onSave={async (maxDialogs) => {
            const emp = limitFor!;
            const next = await api.updateEmployee({ accountId, userId: emp.userId, maxDialogs });
            replace(next);
            setLimitFor(null);
          }}
        />
      )}
    </Stack>
  );
}

interface EmployeeRowProps {
  emp: Employee;
  canEdit: boolean;
  busy: boolean;
  onChange: (c: Change) => void;
  onLimit: () => void;
}

function EmployeeRow({ emp, canEdit, busy, onChange, onLimit }: EmployeeRowProps) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const operator = emp.role === 'operator';
  const inactive = emp.status === 'deactivated';
  return (
    <Paper withBorder radius="md" px="md" py="sm" data-testid={`emp-row-${emp.email}`} data-status={emp.status} data-role={emp.role}>
      <Group justify="space-between" wrap="nowrap" gap="sm" align="flex-start">
        <Box style={{ minWidth: 0, flex: 1 }}>
          <Text size="sm" fw={600} truncate c={inactive ? 'dimmed' : undefined}>
            {emp.name || emp.email}
          </Text>
          <Text size="xs" c="dimmed" truncate>
            {emp.email}
          </Text>
          <Group gap={6} mt={6} wrap="wrap">
            <Badge size="sm" variant="light" color={operator ? 'gray' : 'indigo'} data-testid={`emp-role-${emp.email}`}>
              {t(`employees.roles.${emp.role}`)}
            </Badge>
            <Badge size="sm" variant="dot" color={STATUS_COLORS[emp.status]} data-testid={`emp-status-${emp.email}`} data-status={emp.status}>
              {t(`employees.status.${emp.status}`)}
            </Badge>
            {operator && (
              <Text size="xs" c="dimmed" data-testid={`emp-limit-${emp.email}`}>
                {emp.maxDialogs === null || emp.maxDialogs === undefined
                  ? t('employees.limitDefault')
                  : t('employees.limit', { value: formatNumber(emp.maxDialogs, lang) })}
              </Text>
            )}
          </Group>
        </Box>
        {canEdit && (
          <Menu position="bottom-end" withinPortal shadow="md" width={240}>
            <Menu.Target>
              <ActionIcon
                variant="subtle"
                color="gray"
                loading={busy}
                aria-label={t('employees.actions', { name: emp.name || emp.email })}
                data-testid={`emp-menu-${emp.email}`}
              >
                <IconDots />
              </ActionIcon>
            </Menu.Target>
            <Menu.Dropdown>
              {operator ? (
                <Menu.Item onClick={() => onChange({ role: 'administrator' })} data-testid="emp-make-administrator">
                  {t('employees.makeAdministrator')}
                </Menu.Item>
              ) : (
                <Menu.Item onClick={() => onChange({ role: 'operator' })} data-testid="emp-make-operator">
                  {t('employees.makeOperator')}
                </Menu.Item>
              )}
              {operator && (
                <>
                  <Menu.Item onClick={onLimit} data-testid="emp-set-limit">
                    {t('employees.setLimit')}
                  </Menu.Item>
                  {emp.maxDialogs !== null && (
                    <Menu.Item onClick={() => onChange({ clearMaxDialogs: true })} data-testid="emp-clear-limit">
                      {t('employees.clearLimit')}
                    </Menu.Item>
                  )}
                </>
              )}
              <Menu.Divider />
              {inactive ? (
                <Menu.Item onClick={() => onChange({ active: true })} data-testid="emp-reactivate">
                  {t('employees.reactivate')}
                </Menu.Item>
              ) : (
                <Menu.Item color="red" onClick={() => onChange({ active: false })} data-testid="emp-deactivate">
                  {t('employees.deactivate')}
                </Menu.Item>
              )}
            </Menu.Dropdown>
          </Menu>
        )}
      </Group>
    </Paper>
  );
}

interface InviteModalProps {
  opened: boolean;
  accountId: string;
  onClose: () => void;
  onInvited: (e: Employee) => void;
}

const INVITE_FIELDS = ['name', 'email', 'phone', 'role'] as const;

function InviteModal({ opened, accountId, onClose, onInvited }: InviteModalProps) {
  const { t } = useTranslation();
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      size={460}
      zIndex={NESTED_Z}
      title={
        <Title order={4} fw={600} component="span">
          {t('employees.registerTitle')}
        </Title>
      }
      closeButtonProps={{ 'aria-label': t('common.cancel') }}
    >
      <InviteForm accountId={accountId} onCancel={onClose} onInvited={onInvited} />
    </Modal>
  );
}

function InviteForm({ accountId, onCancel, onInvited }: { accountId: string; onCancel: () => void; onInvited: (e: Employee) => void }) {
  const { t } = useTranslation();
  const { config } = useSession();
  const [busy, setBusy] = useState(false);
  const failure = useApiError();
  const form = useForm<{ name: string; email: string; phone: string; role: EmployeeRole }>({
    // Operator by default: administrator rights are given on purpose.
    initialValues: { name: '', email: '', phone: '', role: 'operator' },
  });
  const showErrors = useFieldErrors(form);

  const submit = form.onSubmit(async (values) => {
    if (busy || failure.blocked) return;
    setBusy(true);
    failure.set(null);
    try {
      const emp = await api.inviteEmployee({
        accountId,
        name: values.name.trim(),
        email: values.email.trim(),
        phone: values.phone.trim(),
        role: values.role,
      });
      onInvited(emp);
    } catch (e) {
      const { general } = showErrors(e, INVITE_FIELDS);
      failure.set(general && fieldsAsGeneral(general));
      setBusy(false);
    }
  });

  return (
    <form onSubmit={submit} noValidate data-testid="emp-form">
      <Stack gap="md">
        <Text size="sm" c="dimmed">
          {t('employees.registerIntro')}
        </Text>
        <ErrorAlert error={failure.error} secondsLeft={failure.secondsLeft} testid="emp-form-error" />
        <TextInput label={t('employees.name')} withAsterisk autoFocus data-testid="emp-name" {...form.getInputProps('name')} />
        <TextInput
          label={t('common.email')}
          description={t('employees.emailHint')}
          placeholder={t('common.emailPlaceholder')}
          type="email"
          withAsterisk
          data-testid="emp-email"
          {...form.getInputProps('email')}
        />
        <TextInput
          label={t('employees.phone')}
          placeholder={phoneExample(config.defaultRegion ?? '')}
          type="tel"
          withAsterisk
          data-testid="emp-phone"
          {...form.getInputProps('phone')}
        />
        <Select
          label={t('employees.role')}
          description={t(`employees.roleHint.${form.values.role}`)}
          data={(['administrator', 'operator'] as const).map((r) => ({ value: r, label: t(`employees.roles.${r}`) }))}
          searchable
          allowDeselect={false}
          data-testid="emp-role"
          {...form.getInputProps('role')}
          onChange={(v) => form.setFieldValue('role', (v ?? 'operator') as EmployeeRole)}
        />
        <Group justify="flex-end" gap="sm" mt="xs">
          <Button variant="default" onClick={onCancel} data-testid="emp-cancel">
            {t('common.cancel')}
          </Button>
          <Button type="submit" loading={busy} disabled={failure.blocked} data-testid="emp-submit">
            {t('employees.submit')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

interface LimitModalProps {
  emp: Employee | null;
  onClose: () => void;
  onSave: (maxDialogs: number) => Promise<void>;
}

function LimitModal({ emp, onClose, onSave }: LimitModalProps) {
  const { t } = useTranslation();
  return (
    <Modal
      opened={emp !== null}
      onClose={onClose}
      size={400}
      zIndex={NESTED_Z}
      title={
        <Title order={4} fw={600} component="span">
          {t('employees.limitTitle')}
        </Title>
      }
      closeButtonProps={{ 'aria-label': t('common.cancel') }}
    >
      {emp && <LimitForm emp={emp} onCancel={onClose} onSave={onSave} />}
    </Modal>
  );
}

function LimitForm({ emp, onCancel, onSave }: { emp: Employee; onCancel: () => void; onSave: (n: number) => Promise<void> }) {
  const { t } = useTranslation();
  const [value, setValue] = useState<number | string>(emp.maxDialogs ?? '');
  const [error, setError] = useState<FieldError | null>(null); // translated as shown
  const [busy, setBusy] = useState(false);
  const failure = useApiError();
  const { setUser } = useSession();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    failure.set(null);
    try {
      await onSave(wholeOrZero(value));
    } catch (err) {
      if (asApiError(err).body.code === 'unauthorized') {
        setUser(null);
        return;
      }
      const { general } = splitErrors(t, err, ['maxDialogs']);
      setError(asApiError(err).fieldErrors().maxDialogs ?? null);
      failure.set(general && fieldsAsGeneral(general));
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <Text size="sm">{t('employees.limitIntro', { name: emp.name || emp.email })}</Text>
        <ErrorAlert error={failure.error} secondsLeft={failure.secondsLeft} testid="emp-limit-error" />
        <NumberInput
          label={t('employees.limitLabel')}
          description={t('employees.limitHint')}
          min={1}
          max={10000}
          clampBehavior="none"
          autoFocus
          value={value}
          onChange={setValue}
          error={error && fieldErrorText(t, error)}
          data-testid="emp-max-dialogs"
        />
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onCancel}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" loading={busy} data-testid="emp-max-save">
            {t('common.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
