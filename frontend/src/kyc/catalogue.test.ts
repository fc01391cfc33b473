import { describe, expect, it } from 'vitest';
import type { KYCCase, KYCCatalogue, KYCDocument } from '../api';
import i18n from '../i18n';
import { en } from '../i18n/en';
import { ru } from '../i18n/ru';
import {
  allEntityTypes,
  alternativesOf,
  canSubmit,
  checkUploads,
  decisionsOf,
  defaultKind,
  documentsOf,
  entityTypeName,
  eventDetail,
  findEntityType,
  kindName,
  lastRejection,
  mayRemove,
  mayUpload,
  missingLabels,
  requirementLabel,
  strayDocuments,
  textIn,
  unclassified,
  waitingDays,
} from './catalogue';

const cat: KYCCatalogue = {
  countries: [
    {
      country: 'IN',
      entityTypes: [
        {
          id: 'individual',
          name: { en: 'Individual', ru: 'Физическое лицо' },
          requirements: [
            { id: 'pan', name: { en: 'PAN', ru: 'PAN' }, mandatory: true, documents: [{ id: 'pan_card', name: { en: 'PAN card', ru: 'Карточка PAN' } }] },
            {
              id: 'address_proof',
              name: { en: 'Address proof', ru: 'Подтверждение адреса' },
              mandatory: true,
              documents: [
                { id: 'aadhaar', name: { en: 'Aadhaar card', ru: 'Карта Aadhaar' } },
                { id: 'passport', name: { en: 'Passport', ru: 'Паспорт' } },
              ],
            },
            { id: 'gst', name: { en: 'GST' }, mandatory: false, documents: [{ id: 'gst_certificate', name: { en: 'GST certificate' } }] },
          ],
        },
      ],
    },
    {
      country: 'RU',
      entityTypes: [
        { id: 'company', name: { en: 'Company', ru: 'Организация' }, requirements: [] },
        { id: 'individual', name: { en: 'Person (RU)' }, requirements: [] },
      ],
    },
  ],
};

const doc = (over: Partial<KYCDocument>): KYCDocument => ({
  id: 'd1',
  kind: 'pan_card',
  requirement: 'pan',
  status: 'pending',
  reason: '',
  files: [{ sha256: 'a'.repeat(64), size: 10, type: 'image/png', name: 'pan.png' }],
  source: 'upload',
  createdAt: '2024-03-01T10:00:00Z',
  ...over,
});

const kase = (over: Partial<KYCCase> = {}): KYCCase => ({
  id: 'c1',
  reference: 'KYC-ABCDEF',
  accountId: 'a1',
  accountName: 'Ann',
  country: 'IN',
  entityType: 'individual',
  state: 'draft',
  documents: [],
  history: [],
  missing: [],
  canEdit: true,
  canReview: false,
  submittedAt: '',
  updatedAt: '',
  ...over,
});

describe('catalogue names', () => {
  it('picks the UI language, then English', () => {
    expect(textIn({ en: 'PAN card', ru: 'Карточка PAN' }, 'ru')).toBe('Карточка PAN');
    expect(textIn({ en: 'GST certificate' }, 'ru')).toBe('GST certificate');
    expect(textIn({ en: 'x', ru: 'у' }, 'ru-RU')).toBe('у');
    expect(textIn(undefined, 'en')).toBe('');
  });
  it('names entity types and kinds, the country first', () => {
    expect(entityTypeName(cat, 'individual', 'en', 'RU')).toBe('Person (RU)');
    expect(entityTypeName(cat, 'individual', 'en', 'IN')).toBe('Individual');
    expect(entityTypeName(cat, 'company', 'ru')).toBe('Организация');
    expect(entityTypeName(cat, 'gone', 'en')).toBe('gone');
    const et = findEntityType(cat, 'IN', 'individual');
    expect(kindName(cat, et, 'passport', 'ru')).toBe('Паспорт');
    expect(kindName(cat, undefined, 'aadhaar', 'en')).toBe('Aadhaar card');
    expect(kindName(cat, et, 'unknown', 'en')).toBe('unknown');
  });
  it('lists each entity type id once for the queue filter', () => {
    expect(allEntityTypes(cat).map((x) => `${x.country}:${x.type.id}`)).toEqual(['IN:individual', 'RU:company']);
  });
  it('reads requirements and missing ids as names', () => {
    const et = findEntityType(cat, 'IN', 'individual')!;
    expect(requirementLabel(et.requirements[1], 'ru')).toBe('Подтверждение адреса');
    expect(requirementLabel(et.requirements[2], 'ru')).toBe('GST');
    expect(alternativesOf(et.requirements[1], 'en')).toEqual(['Aadhaar card', 'Passport']);
    expect(missingLabels(et, ['pan', 'address_proof', 'other'], 'en')).toEqual(['PAN', 'Address proof', 'other']);
  });
});

describe('case helpers', () => {
  it('sorts documents by requirement, emailed ones apart', () => {
    const c = kase({
      documents: [doc({ id: 'a' }), doc({ id: 'b', kind: '', requirement: '', source: 'email' }), doc({ id: 'c', kind: 'egrul_extract', requirement: 'egrul' })],
    });
    expect(documentsOf(c, 'pan').map((d) => d.id)).toEqual(['a']);
    expect(unclassified(c).map((d) => d.id)).toEqual(['b']);
    expect(strayDocuments(c, findEntityType(cat, 'IN', 'individual')).map((d) => d.id)).toEqual(['c']);
  });
  it('offers the uploaded kind first', () => {
    const req = findEntityType(cat, 'IN', 'individual')!.requirements[1];
    expect(defaultKind(req, [])).toBe('aadhaar');
    expect(defaultKind(req, [doc({ kind: 'passport', requirement: 'address_proof' })])).toBe('passport');
  });
  it('lets the customer replace only what was not approved after a review', () => {
    const approved = doc({ id: 'a', status: 'approved' });
    const rejected = doc({ id: 'b', kind: 'aadhaar', requirement: 'address_proof', status: 'rejected' });
    const draft = kase({ documents: [doc({ id: 'a' })] });
    expect(mayUpload(draft, 'pan')).toBe(true);
    expect(mayRemove(draft, draft.documents[0])).toBe(true);
    const back = kase({ state: 'changes_requested', documents: [approved, rejected], missing: ['address_proof'] });
    expect(mayUpload(back, 'pan')).toBe(false);
    expect(mayUpload(back, 'address_proof')).toBe(true);
    expect(mayUpload(back, 'gst')).toBe(true);
    expect(mayRemove(back, approved)).toBe(false);
    expect(mayRemove(back, rejected)).toBe(true);
    const locked = kase({ state: 'submitted', canEdit: false, documents: [rejected] });
    expect(mayUpload(locked, 'address_proof')).toBe(false);
    expect(mayRemove(locked, rejected)).toBe(false);
  });
  it('submits only an editable, typed, complete case', () => {
    expect(canSubmit(kase())).toBe(true);
    expect(canSubmit(kase({ missing: ['pan'] }))).toBe(false);
    expect(canSubmit(kase({ entityType: '' }))).toBe(false);
    expect(canSubmit(kase({ canEdit: false }))).toBe(false);
  });
  it('finds why the case was rejected', () => {
    const ev = (action: string, reason = '') => ({ at: '', actor: 'R', action, kind: '', from: '', to: '', reason });
    expect(lastRejection(kase({ history: [ev('submitted'), ev('rejected', 'Forged'), ev('emailed', 'x@y')] }))).toBe('Forged');
    expect(lastRejection(kase())).toBe('');
  });
  it('counts whole days of waiting', () => {
    const now = Date.parse('2024-03-10T12:00:00Z');
    expect(waitingDays('2024-03-10T08:00:00Z', now)).toBe(0);
    expect(waitingDays('2024-03-08T11:00:00Z', now)).toBe(2);
    expect(waitingDays('', now)).toBe(0);
    expect(waitingDays('2024-03-11T00:00:00Z', now)).toBe(0);
  });
});

describe('checkUploads', () => {
  it('refuses too many, empty and oversized files before reading them', () => {
    const five = Array.from({ length: 5 }, (_, i) => ({ name: `${i}.png`, size: 1 }));
    expect(checkUploads(five)).toMatchObject([{ code: 'too_many_files', params: { max: 4 } }]);
    expect(checkUploads([{ name: 'a.pdf', size: 0 }, { name: 'b.pdf', size: 11 * 1024 * 1024 }, { name: 'c.pdf', size: 5 }])).toMatchObject([
      { code: 'file_empty', params: { name: 'a.pdf' } },
      { code: 'file_too_large', params: { name: 'b.pdf', maxMB: 10 } },
    ]);
    expect(checkUploads([{ name: 'ok.png', size: 10 * 1024 * 1024 }])).toEqual([]);
  });
});

describe('decisionsOf', () => {
  it('sends the documents that have a choice, reasons only for rejections', () => {
    const c = kase({ documents: [doc({ id: 'a' }), doc({ id: 'b' }), doc({ id: 'c' })] });
    expect(decisionsOf(c, { a: 'approve', c: 'reject' }, { a: 'fine', c: '  blurry  ' })).toEqual([
      { documentId: 'a', approve: true, reason: '' },
      { documentId: 'c', approve: false, reason: 'blurry' },
    ]);
    expect(decisionsOf(c, { b: undefined }, {})).toEqual([]);
  });
});

describe('eventDetail', () => {
  const ev = (action: string, reason: string, kind = '') => ({ at: '2024-03-01T10:00:00Z', actor: 'Ann', action, kind, from: 'draft', to: 'draft', reason });
  it('names the document of a per-document entry', () => {
    expect(eventDetail(ev('document_rejected', 'Blurry photo', 'pan_card'), cat, 'IN', 'ru', 'individual')).toEqual({
      type: 'document',
      kind: 'Карточка PAN',
      reason: 'Blurry photo',
    });
    expect(eventDetail(ev('document_added', '', 'passport'), cat, 'IN', 'en')).toEqual({ type: 'document', kind: 'Passport', reason: '' });
    const t = i18n.getFixedT('en');
    expect(t('kyc.documentActions.document_rejected', { kind: 'PAN card' })).toBe('Rejected: PAN card');
  });
  it('reads the reason column by action', () => {
    expect(eventDetail(ev('entity_type', 'individual'), cat, 'IN', 'ru')).toEqual({ type: 'entityType', text: 'Физическое лицо' });
    expect(eventDetail(ev('emailed', 'ann@example.com'), cat, 'IN', 'en')).toEqual({ type: 'sender', text: 'ann@example.com' });
    expect(eventDetail(ev('document_rejected', 'Blurry'), cat, 'IN', 'en')).toEqual({ type: 'reason', text: 'Blurry' });
    expect(eventDetail(ev('submitted', ''), cat, 'IN', 'en')).toEqual({ type: 'none' });
  });
});

describe('KYC strings', () => {
  it('name every state, status and history action in both languages', () => {
    for (const s of ['draft', 'submitted', 'in_review', 'approved', 'changes_requested', 'rejected'] as const) {
      expect(en.kyc.states[s]).toBeTruthy();
      expect(ru.kyc.states[s]).toBeTruthy();
    }
    const actions = ['created', 'entity_type', 'document_added', 'document_removed', 'document_classified', 'submitted', 'review_started',
      'document_approved', 'document_rejected', 'changes_requested', 'approved', 'rejected', 'emailed'] as const;
    for (const a of actions) expect(ru.kyc.actions[a]).not.toBe(en.kyc.actions[a]);
    const docActions = ['document_added', 'document_replaced', 'document_removed', 'document_classified', 'document_approved', 'document_rejected'] as const;
    for (const a of docActions) {
      expect(en.kyc.documentActions[a]).toContain('{{kind}}');
      expect(ru.kyc.documentActions[a]).toContain('{{kind}}');
    }
  });
  it('translate the upload errors with their parameters', () => {
    const t = i18n.getFixedT('ru');
    expect(t('errors.file_type_mismatch', { name: 'a.pdf', claimed: 'PDF', actual: 'PNG' })).toBe('Файл a.pdf назван как PDF, но внутри PNG.');
    expect(t('errors.too_many_files', { max: 4 })).toContain('4');
    expect(i18n.getFixedT('en')('errors.case_locked')).toBe(en.errors.case_locked);
  });
  it('count waiting days with Russian plurals', () => {
    const t = i18n.getFixedT('ru');
    expect(t('kycQueue.days', { count: 1 })).toBe('1 день');
    expect(t('kycQueue.days', { count: 3 })).toBe('3 дня');
    expect(t('kycQueue.days', { count: 5 })).toBe('5 дней');
    expect(i18n.getFixedT('en')('kycQueue.days', { count: 1 })).toBe('1 day');
  });
});

describe('formatBytes', () => {
  it('reads sizes in kilobytes and up', async () => {
    const { formatBytes } = await import('../lib/intl');
    expect(formatBytes(563, 'en')).toBe('0.5 kB');
    expect(formatBytes(44_480, 'en')).toBe('43 kB');
    expect(formatBytes(1.5 * 1024 * 1024, 'en')).toBe('1.5 MB');
    expect(formatBytes(0, 'en')).toBe('0 kB');
  });
});
