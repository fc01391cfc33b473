import {
  Alert,
  Anchor,
  Badge,
  Box,
  Button,
  Center,
  CopyButton,
  Group,
  Loader,
  Modal,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useCallback, useEffect, useMemo, useState, type ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { api, ApiError, type KYCCase, type KYCCatalogue, type KYCDocument, type KYCEntityType, type KYCFile, type KYCRequirement } from '../../api';
import { asApiError, fieldErrorText, fieldsAsGeneral } from '../../api/errors';
import { useSession } from '../../auth/session';
import {
  alternativesOf,
  canSubmit,
  countriesOf,
  decisionsOf,
  defaultKind,
  documentsOf,
  entityTypesFor,
  findEntityType,
  isEditableState,
  kindName,
  lastRejection,
  mayRemove,
  mayUpload,
  missingLabels,
  requirementLabel,
  STATE_COLORS,
  strayDocuments,
  textIn,
  unclassified,
  type Choice,
} from '../../kyc/catalogue';
import { kycChanged } from '../../kyc/events';
import { useApiError } from '../../hooks/useApiError';
import { regionName } from '../../lib/intl';
import { ErrorAlert, InfoAlert, SuccessAlert } from '../Alerts';
import { IconAlert, IconArrowLeft, IconCheck, IconMail, IconX } from '../icons';
import { KycDocumentCard } from './KycDocumentCard';
import { PreviewModal } from './KycFiles';
import { KycHistory } from './KycHistory';
import { KycUpload } from './KycUpload';

interface Props {
  accountId: string;
  backTo: string;
  backLabel: string;
}

// KycScreen: an account's KYC case, for its customer (choose the entity
// type, upload, submit), the staff who onboard it (the same, on the
// customer's behalf) and the reviewers (decide on each document). What each
// may do comes from the case (canEdit, canReview); the backend checks again.
export function KycScreen({ accountId, backTo, backLabel }: Props) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const { setUser } = useSession();
  const [c, setCase] = useState<KYCCase | null>(null);
  const [cat, setCat] = useState<KYCCatalogue | null>(null);
  const [loading, setLoading] = useState(true);
  const [busy, setBusy] = useState<string | null>(null);
  const [countryPick, setCountryPick] = useState<string | null>(null);
  const [typeError, setTypeError] = useState<string | null>(null);
  const [pendingType, setPendingType] = useState<{ country: string; entityType: string; drop: string[] } | null>(null);
  const [classifyErrors, setClassifyErrors] = useState<Record<string, string>>({});
  const [preview, setPreview] = useState<KYCFile | null>(null);
  const [choices, setChoices] = useState<Record<string, Choice | undefined>>({});
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const [reasonErrors, setReasonErrors] = useState<Record<string, string>>({});
  const [rejectOpen, setRejectOpen] = useState(false);
  const failure = useApiError();
  const setFailure = failure.set;

  const load = useCallback(
    async (quiet = false) => {
      if (!quiet) {
        setLoading(true);
        setFailure(null);
      }
      try {
        const [kc, catalogue] = await Promise.all([api.kycCase({ accountId }), api.kycCatalogue()]);
        setCase(kc);
        setCat(catalogue);
      } catch (e) {
        if (asApiError(e).body.code === 'unauthorized') setUser(null);
        else if (!quiet) setFailure(e);
      } finally {
        if (!quiet) setLoading(false);
      }
    },
    [accountId, setFailure, setUser],
  );

  useEffect(() => {
    void load();
  }, [load]);

  const et = c ? findEntityType(cat, c.country, c.entityType) : undefined;

  // act runs one change of the case; onFields may place field errors at
  // their fields (returning true when it did), the rest go to the alert.
  const act = async (key: string, fn: () => Promise<KYCCase>, onFields?: (e: ApiError) => boolean): Promise<boolean> => {
    if (busy) return false;
    setBusy(key);
    setFailure(null);
    try {
      setCase(await fn());
      kycChanged();
      return true;
    } catch (e) {
      const err = asApiError(e);
      if (err.body.code === 'unauthorized') {
        setUser(null);
        return false;
      }
      if (!onFields?.(err)) setFailure(fieldsAsGeneral(err));
      // Someone else moved the case (a reviewer, another tab): show where it is now.
      if (err.body.code === 'conflict' || err.body.code === 'not_found') void load(true);
      return false;
    } finally {
      setBusy(null);
    }
  };

  if (loading && !c) {
    return (
      <Center py="xl">
        <Loader size="sm" aria-label={t('common.loading')} />
      </Center>
    );
  }
  if (!c) {
    return (
      <Stack gap="lg">
        <BackLink to={backTo} label={backLabel} />
        <ErrorAlert error={failure.error} secondsLeft={failure.secondsLeft} testid="kyc-error" />
      </Stack>
    );
  }

  const countries = countriesOf(cat);
  const country = countryPick ?? (countries.includes(c.country) ? c.country : '');
  const types = entityTypesFor(cat, country);
  const typeValue = country === c.country && c.entityType ? c.entityType : null;
  const reviewing = c.canReview && c.state === 'in_review';
  const large = c.canReview;
  const emailed = unclassified(c);
  const stray = et ? strayDocuments(c, et) : [];

  const setType = (toCountry: string, entityType: string) =>
    act('type', () => api.kycSetEntityType({ accountId, country: toCountry, entityType }), (err) => {
      const f = err.fieldErrors();
      const field = f.entityType ?? f.country;
      if (!field) return false;
      setTypeError(fieldErrorText(t, field));
      return true;
    }).then((ok) => {
      if (ok) setCountryPick(null);
    });

  const chooseType = (id: string | null) => {
    if (!id || !c.canEdit) return;
    setTypeError(null);
    const next = findEntityType(cat, country, id);
    if (!next) return;
    const kinds = new Set(next.requirements.flatMap((r) => r.documents.map((d) => d.id)));
    const drop = c.documents.filter((d) => d.kind !== '' && !kinds.has(d.kind)).map((d) => kindName(cat, et, d.kind, lang));
    if (drop.length > 0) setPendingType({ country, entityType: id, drop });
    else void setType(country, id);
  };

  const remove = (doc: KYCDocument) => act(`remove:${doc.id}`, () => api.kycRemoveDocument({ accountId, documentId: doc.id }));

  const classify = (doc: KYCDocument, kind: string) => {
    setClassifyErrors((m) => ({ ...m, [doc.id]: '' }));
    return act(`classify:${doc.id}`, () => api.kycClassify({ accountId, documentId: doc.id, kind }), (err) => {
      const f = err.fieldErrors().kind;
      if (!f) return false;
      setClassifyErrors((m) => ({ ...m, [doc.id]: fieldErrorText(t, f) }));
      return true;
    });
  };

  const submit = async () => {
    if (await act('submit', () => api.kycSubmit({ accountId }))) {
      notifications.show({ color: 'teal', message: t('kyc.submittedNotice') });
    }
  };

  const startReview = () => act('start', () => api.kycStartReview({ caseId: c.id }));

  const decisions = decisionsOf(c, choices, reasons);
  const decide = async () => {
    setReasonErrors({});
    const ok = await act('decide', () => api.kycDecide({ caseId: c.id, decisions }), (err) => {
      const mine: Record<string, string> = {};
      let rest = 0;
      for (const f of err.body.fields ?? []) {
        if (f.field.startsWith('reason.')) mine[f.field.slice('reason.'.length)] = fieldErrorText(t, f);
        else rest++;
      }
      setReasonErrors(mine);
      return Object.keys(mine).length > 0 && rest === 0;
    });
    if (ok) {
      setChoices({});
      setReasons({});
      notifications.show({ color: 'teal', message: t('kyc.review.decided') });
    }
  };

  const reviewFor = (doc: KYCDocument) =>
    reviewing && doc.kind !== ''
      ? {
          choice: choices[doc.id],
          reason: reasons[doc.id] ?? '',
          error: reasonErrors[doc.id] || null,
          busy: busy !== null,
          onChoice: (v: Choice | undefined) => {
            setChoices((m) => ({ ...m, [doc.id]: v }));
            setReasonErrors((m) => ({ ...m, [doc.id]: '' }));
          },
          onReason: (v: string) => {
            setReasons((m) => ({ ...m, [doc.id]: v }));
            setReasonErrors((m) => ({ ...m, [doc.id]: '' }));
          },
        }
      : undefined;

  const card = (doc: KYCDocument, title: string, classifyData?: KYCEntityType) => (
    <KycDocumentCard
      key={doc.id}
      caseId={c.id}
      doc={doc}
      title={title}
      large={large}
      onOpen={setPreview}
      onRemove={mayRemove(c, doc) ? () => void remove(doc) : undefined}
      removing={busy === `remove:${doc.id}`}
      review={reviewFor(doc)}
      classify={
        c.canEdit && doc.kind === ''
          ? {
              data: kindOptions(classifyData, lang),
              error: classifyErrors[doc.id] || null,
              busy: busy === `classify:${doc.id}`,
              disabled: !classifyData,
              onClassify: (kind) => void classify(doc, kind),
            }
          : undefined
      }
    />
  );

  const rejection = c.state === 'rejected' ? lastRejection(c) : '';
  const showActions = (c.canEdit && c.entityType !== '') || c.canReview || failure.error !== null;

  return (
    <Stack gap="lg" data-testid="kyc" data-state={c.state} data-case-id={c.id} data-account-id={c.accountId}>
      <BackLink to={backTo} label={backLabel} />

      <Paper withBorder radius="md" p={{ base: 'md', sm: 'xl' }} shadow="xs">
        <Group justify="space-between" align="flex-start" wrap="nowrap">
          <div>
            <Title order={2} fw={600}>
              {t('kyc.title')}
            </Title>
            <Text c="dimmed" mt={4} data-testid="kyc-account-name">
              {c.accountName}
            </Text>
          </div>
          <Badge size="lg" variant="light" color={STATE_COLORS[c.state]} data-testid="kyc-state" data-state={c.state} style={{ flexShrink: 0 }}>
            {t(`kyc.states.${c.state}`)}
          </Badge>
        </Group>

        <Box mt="lg">
          <Text size="xs" c="dimmed" tt="uppercase" fw={600} style={{ letterSpacing: '0.04em' }}>
            {t('kyc.reference')}
          </Text>
          <Group gap="xs" mt={4}>
            <Text ff="monospace" fw={600} size="lg" data-testid="kyc-reference" data-reference={c.reference}>
              {c.reference || '—'}
            </Text>
            {c.reference && (
              <CopyButton value={c.reference}>
                {({ copied, copy }) => (
                  <Button variant="subtle" size="compact-xs" color={copied ? 'teal' : 'gray'} onClick={copy} data-testid="kyc-reference-copy">
                    {copied ? t('kyc.copied') : t('kyc.copy')}
                  </Button>
                )}
              </CopyButton>
            )}
          </Group>
          <Group gap={6} mt={4} wrap="nowrap" align="flex-start">
            <Box c="dimmed" mt={2} style={{ flexShrink: 0 }}>
              <IconMail size={14} />
            </Box>
            <Text size="sm" c="dimmed" data-testid="kyc-reference-hint">
              {c.reference ? t('kyc.referenceHint') : t('kyc.referencePending')}
            </Text>
          </Group>
        </Box>

        <StateAlert c={c} rejection={rejection} />

        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md" mt="lg" data-readonly={c.canEdit ? undefined : ''}>
          <Select
            label={t('kyc.country')}
            description={t('kyc.countryHint')}
            data={countries.map((code) => ({ value: code, label: regionName(code, lang) }))}
            value={country || null}
            onChange={(v) => {
              setTypeError(null);
              setCountryPick(v ?? '');
            }}
            allowDeselect={false}
            searchable
            nothingFoundMessage={t('kyc.countryNothing')}
            disabled={!c.canEdit || busy !== null}
            data-testid="kyc-country"
          />
          <Select
            label={t('kyc.entityType')}
            description={t('kyc.entityTypeHint')}
            placeholder={t('kyc.entityTypePlaceholder')}
            data={types.map((x) => ({ value: x.id, label: textIn(x.name, lang) }))}
            value={typeValue}
            onChange={chooseType}
            allowDeselect={false}
            disabled={!c.canEdit || busy !== null || !country}
            rightSection={busy === 'type' ? <Loader size={14} /> : undefined}
            error={typeError}
            data-testid="kyc-entity-type"
            data-value={c.entityType}
          />
        </SimpleGrid>
        {c.canEdit && !country && (
          <Text size="sm" c="dimmed" mt="sm" data-testid="kyc-no-country">
            {t('kyc.noCountryList', { country: regionName(c.country, lang) || c.country })}
          </Text>
        )}
      </Paper>

      {c.canReview && (
        <Paper withBorder radius="md" p={{ base: 'md', sm: 'xl' }} shadow="xs" data-testid="kyc-review" style={{ borderColor: 'var(--mantine-color-indigo-3)' }}>
          <Group justify="space-between" align="center" wrap="nowrap" gap="md">
            <div>
              <Title order={4} fw={600}>
                {t('kyc.review.title')}
              </Title>
              <Text size="sm" c="dimmed" mt={4}>
                {c.state === 'submitted' ? t('kyc.review.introSubmitted') : t('kyc.review.introInReview')}
              </Text>
              {emailed.length > 0 && (
                <Text size="sm" c="dimmed" mt={4}>
                  {t('kyc.review.unclassified')}
                </Text>
              )}
            </div>
            {c.state === 'submitted' && (
              <Button onClick={() => void startReview()} loading={busy === 'start'} disabled={busy !== null && busy !== 'start'} data-testid="kyc-start-review" style={{ flexShrink: 0 }}>
                {t('kyc.review.start')}
              </Button>
            )}
          </Group>
        </Paper>
      )}

      {!et && c.canEdit && (
        <Text c="dimmed" ta="center" py="md" data-testid="kyc-choose-type">
          {t('kyc.chooseType')}
        </Text>
      )}

      {et?.requirements.map((req) => (
        <RequirementBlock
          key={`${c.entityType}-${req.id}`}
          c={c}
          req={req}
          lang={lang}
          card={(doc) => card(doc, kindName(cat, et, doc.kind, lang), et)}
          onCase={(next) => {
            setCase(next);
            kycChanged();
          }}
          disabled={busy !== null}
        />
      ))}

      {emailed.length > 0 && (
        <Paper withBorder radius="md" p={{ base: 'md', sm: 'xl' }} shadow="xs" data-testid="kyc-emailed">
          <Group gap="xs">
            <IconMail size={18} />
            <Title order={4} fw={600}>
              {t('kyc.emailed')}
            </Title>
          </Group>
          {c.canEdit && (
            <Text size="sm" c="dimmed" mt={4}>
              {et ? t('kyc.emailedHint') : t('kyc.emailedNeedType')}
            </Text>
          )}
          <Stack gap="sm" mt="md">
            {emailed.map((doc) => card(doc, doc.files.map((f) => f.name).join(', ') || t('kyc.byEmail'), et))}
          </Stack>
        </Paper>
      )}

      {stray.length > 0 && (
        <Paper withBorder radius="md" p={{ base: 'md', sm: 'xl' }} shadow="xs" data-testid="kyc-stray">
          <Title order={4} fw={600}>
            {t('kyc.stray')}
          </Title>
          <Text size="sm" c="dimmed" mt={4}>
            {t('kyc.strayHint')}
          </Text>
          <Stack gap="sm" mt="md">
            {stray.map((doc) => card(doc, kindName(cat, et, doc.kind, lang)))}
          </Stack>
        </Paper>
      )}

      {showActions && (
        <Paper withBorder radius="md" p={{ base: 'md', sm: 'xl' }} shadow="xs" data-testid="kyc-actions">
          <Stack gap="md">
            {c.canEdit && c.entityType !== '' && c.missing.length > 0 && (
              <Alert color="gray" variant="light" icon={<IconAlert />} role="status" data-testid="kyc-missing" data-missing={c.missing.join(' ')}>
                {t('kyc.missing', { list: missingLabels(et, c.missing, lang).join('; ') })}
              </Alert>
            )}
            {c.canEdit && canSubmit(c) && (
              <SuccessAlert testid="kyc-complete">{t('kyc.complete')}</SuccessAlert>
            )}
            <ErrorAlert error={failure.error} secondsLeft={failure.secondsLeft} testid="kyc-error" />
            <Group justify="flex-end" gap="sm">
              {c.canReview && (
                <Button
                  variant="default"
                  color="red"
                  leftSection={<IconX size={16} />}
                  onClick={() => setRejectOpen(true)}
                  disabled={busy !== null}
                  data-testid="kyc-reject-case"
                >
                  {t('kyc.review.rejectCase')}
                </Button>
              )}
              {reviewing && (
                <Button
                  leftSection={<IconCheck size={16} />}
                  onClick={() => void decide()}
                  loading={busy === 'decide'}
                  disabled={decisions.length === 0 || (busy !== null && busy !== 'decide')}
                  data-testid="kyc-decide"
                  data-count={decisions.length}
                >
                  {decisions.length > 0 ? t('kyc.review.decideCount', { count: decisions.length }) : t('kyc.review.decide')}
                </Button>
              )}
              {isEditableState(c.state) && c.canEdit && (
                <Button
                  onClick={() => void submit()}
                  loading={busy === 'submit'}
                  disabled={!canSubmit(c) || (busy !== null && busy !== 'submit')}
                  data-testid="kyc-submit"
                >
                  {t('kyc.submit')}
                </Button>
              )}
            </Group>
          </Stack>
        </Paper>
      )}

      <KycHistory c={c} catalogue={cat} />

      <PreviewModal caseId={c.id} file={preview} onClose={() => setPreview(null)} />
      <ChangeTypeModal
        pending={pendingType}
        onCancel={() => setPendingType(null)}
        onConfirm={() => {
          const p = pendingType;
          setPendingType(null);
          if (p) void setType(p.country, p.entityType);
        }}
      />
      <RejectCaseModal
        opened={rejectOpen}
        caseId={c.id}
        onClose={() => setRejectOpen(false)}
        onRejected={(next) => {
          setRejectOpen(false);
          setCase(next);
          setChoices({});
          setReasons({});
          kycChanged();
        }}
      />
    </Stack>
  );
}

function kindOptions(et: KYCEntityType | undefined, lang: string) {
  if (!et) return [];
  const seen = new Set<string>();
  return et.requirements
    .map((r) => ({
      group: requirementLabel(r, lang),
      items: r.documents
        .filter((d) => !seen.has(d.id) && seen.add(d.id))
        .map((d) => ({ value: d.id, label: textIn(d.name, lang) })),
    }))
    .filter((g) => g.items.length > 0)
    .map((g) => (g.items.length === 1 ? g.items[0] : g));
}

function BackLink({ to, label }: { to: string; label: string }) {
  return (
    <Anchor component={Link} to={to} size="sm" data-testid="kyc-back">
      <Group gap={6} wrap="nowrap">
        <IconArrowLeft size={16} />
        {label}
      </Group>
    </Anchor>
  );
}

function StateAlert({ c, rejection }: { c: KYCCase; rejection: string }) {
  const { t } = useTranslation();
  switch (c.state) {
    case 'submitted':
    case 'in_review':
      return (
        <InfoAlert testid="kyc-submitted" mt="lg" data-state={c.state}>
          {c.state === 'submitted' ? t('kyc.submitted') : t('kyc.inReview')}
        </InfoAlert>
      );
    case 'approved':
      return (
        <SuccessAlert testid="kyc-approved" mt="lg">
          {t('kyc.approved')}
        </SuccessAlert>
      );
    case 'rejected':
      return (
        <Alert color="red" variant="light" icon={<IconX />} mt="lg" data-testid="kyc-rejected" role="status">
          <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
            {rejection ? t('kyc.rejectedReason', { reason: rejection }) : t('kyc.rejected')}
          </Text>
        </Alert>
      );
    case 'changes_requested':
      return c.canEdit ? (
        <Alert color="yellow" variant="light" icon={<IconAlert />} mt="lg" data-testid="kyc-changes-requested" role="status">
          {t('kyc.changesRequested')}
        </Alert>
      ) : (
        <InfoAlert testid="kyc-readonly" mt="lg">
          {t('kyc.readOnly')}
        </InfoAlert>
      );
    default:
      return c.canEdit ? (
        <Text size="sm" c="dimmed" mt="lg" data-testid="kyc-intro">
          {t('kyc.intro')}
        </Text>
      ) : (
        <InfoAlert testid="kyc-readonly" mt="lg">
          {t('kyc.readOnly')}
        </InfoAlert>
      );
  }
}

interface RequirementProps {
  c: KYCCase;
  req: KYCRequirement;
  lang: string;
  card: (doc: KYCDocument) => ReactElement;
  onCase: (c: KYCCase) => void;
  disabled: boolean;
}

// RequirementBlock: one thing to prove: what is accepted, what is uploaded
// for it, and where to upload (while the case may change).
function RequirementBlock({ c, req, lang, card, onCase, disabled }: RequirementProps) {
  const { t } = useTranslation();
  const docs = documentsOf(c, req.id);
  const [kind, setKind] = useState(() => defaultKind(req, docs));
  const kinds = useMemo(() => req.documents.map((d) => ({ value: d.id, label: textIn(d.name, lang) })), [req, lang]);
  const missing = c.missing.includes(req.id);
  const single = req.documents.length === 1;
  const names = alternativesOf(req, lang);
  return (
    <Paper
      withBorder
      radius="md"
      p="xl"
      shadow="xs"
      data-testid={`kyc-req-${req.id}`}
      data-mandatory={req.mandatory}
      data-missing={missing}
      data-count={docs.length}
    >
      <Group justify="space-between" align="flex-start" wrap="nowrap" gap="md">
        <div>
          <Title order={4} fw={600} data-testid={`kyc-req-name-${req.id}`}>
            {requirementLabel(req, lang)}
          </Title>
          <Text size="sm" c="dimmed" mt={2}>
            {single ? names[0] : t('kyc.oneOf', { list: names.join(', ') })}
          </Text>
        </div>
        <Group gap={6} wrap="nowrap" style={{ flexShrink: 0 }}>
          <Badge variant="light" color={req.mandatory ? 'indigo' : 'gray'} data-testid={`kyc-req-badge-${req.id}`}>
            {req.mandatory ? t('kyc.mandatory') : t('kyc.optional')}
          </Badge>
        </Group>
      </Group>

      {docs.length > 0 && (
        <Stack gap="sm" mt="md">
          {docs.map(card)}
        </Stack>
      )}

      {mayUpload(c, req.id) && (
        <Stack gap="sm" mt="md">
          {!single && (
            <Select
              maw={420}
              label={t('kyc.kind')}
              description={t('kyc.kindHint')}
              data={kinds}
              value={kind}
              onChange={(v) => v && setKind(v)}
              allowDeselect={false}
              disabled={disabled}
              data-testid={`kyc-kind-${req.id}`}
            />
          )}
          <KycUpload
            accountId={c.accountId}
            requirementId={req.id}
            kind={kind}
            replace={docs.length > 0}
            disabled={disabled}
            onCase={onCase}
          />
        </Stack>
      )}
      {!c.canEdit && docs.length === 0 && (
        <Text size="sm" c="dimmed" mt="sm">
          —
        </Text>
      )}
    </Paper>
  );
}

function ChangeTypeModal({ pending, onCancel, onConfirm }: { pending: { drop: string[] } | null; onCancel: () => void; onConfirm: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal
      opened={pending !== null}
      onClose={onCancel}
      size={460}
      title={
        <Title order={4} fw={600} component="span">
          {t('kyc.changeTypeTitle')}
        </Title>
      }
      closeButtonProps={{ 'aria-label': t('common.cancel') }}
    >
      <Text size="sm">{t('kyc.changeTypeBody', { list: pending?.drop.join(', ') ?? '' })}</Text>
      <Group justify="flex-end" gap="sm" mt="lg">
        <Button variant="default" onClick={onCancel} data-testid="kyc-type-cancel">
          {t('common.cancel')}
        </Button>
        <Button color="red" onClick={onConfirm} data-testid="kyc-type-confirm">
          {t('kyc.changeTypeConfirm')}
        </Button>
      </Group>
    </Modal>
  );
}

interface RejectCaseProps {
  opened: boolean;
  caseId: string;
  onClose: () => void;
  onRejected: (c: KYCCase) => void;
}

function RejectCaseModal({ opened, caseId, onClose, onRejected }: RejectCaseProps) {
  const { t } = useTranslation();
  const { setUser } = useSession();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const failure = useApiError();

  useEffect(() => {
    if (!opened) return;
    setReason('');
    setError(null);
    failure.set(null);
  }, [opened, failure.set]);

  const confirm = async () => {
    if (busy) return;
    setBusy(true);
    setError(null);
    failure.set(null);
    try {
      onRejected(await api.kycRejectCase({ caseId, reason: reason.trim() }));
    } catch (e) {
      const err = asApiError(e);
      if (err.body.code === 'unauthorized') {
        setUser(null);
        return;
      }
      const f = err.fieldErrors().reason;
      if (f) setError(fieldErrorText(t, f));
      else failure.set(fieldsAsGeneral(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      size={500}
      title={
        <Title order={4} fw={600} component="span">
          {t('kyc.review.rejectCaseTitle')}
        </Title>
      }
      closeButtonProps={{ 'aria-label': t('common.cancel') }}
    >
      <Stack gap="md">
        <Text size="sm" c="dimmed">
          {t('kyc.review.rejectCaseIntro')}
        </Text>
        <ErrorAlert error={failure.error} secondsLeft={failure.secondsLeft} testid="kyc-reject-case-error" />
        <Textarea
          label={t('kyc.review.rejectCaseReason')}
          withAsterisk
          autosize
          minRows={3}
          maxRows={8}
          maxLength={500}
          value={reason}
          onChange={(e) => {
            setReason(e.currentTarget.value);
            setError(null);
          }}
          error={error}
          data-autofocus
          data-testid="kyc-reject-case-reason"
        />
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose} data-testid="kyc-reject-case-cancel">
            {t('common.cancel')}
          </Button>
          <Button color="red" onClick={() => void confirm()} loading={busy} data-testid="kyc-reject-case-confirm">
            {t('kyc.review.rejectCaseConfirm')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
