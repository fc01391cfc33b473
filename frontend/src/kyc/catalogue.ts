// What the KYC screens know about the catalogue and a case: names in the
// UI language, which documents answer which requirement, what can be
// submitted, and the checks made before a file leaves the machine. The
// backend is the authority on every rule; these only shape the screen.
import type {
  FieldError,
  KYCCase,
  KYCCatalogue,
  KYCDocument,
  KYCEntityType,
  KYCEvent,
  KYCRequirement,
  KYCState,
  Text,
} from '../api';

// The backend's limits (backend.MaxKYCFileSize, four files per document).
export const MAX_FILES = 4;
export const MAX_FILE_MB = 10;

// What the file pickers offer; the backend decides by content, not by name.
export const ACCEPT = '.pdf,.jpg,.jpeg,.png,.heic,.heif,application/pdf,image/jpeg,image/png,image/heic,image/heif';

export const KYC_STATES: readonly KYCState[] = ['draft', 'submitted', 'in_review', 'approved', 'changes_requested', 'rejected'];

export const STATE_COLORS: Record<KYCState, string> = {
  draft: 'gray',
  submitted: 'blue',
  in_review: 'indigo',
  approved: 'teal',
  changes_requested: 'yellow',
  rejected: 'red',
};

export const DOC_STATUS_COLORS: Record<KYCDocument['status'], string> = { pending: 'gray', approved: 'teal', rejected: 'red' };

// textIn picks a catalogue text in the UI language, then English, then any.
export function textIn(text: Text | undefined, lang: string): string {
  if (!text) return '';
  const base = lang.split('-')[0];
  return text[lang] || text[base] || text.en || Object.values(text)[0] || '';
}

export function countriesOf(cat: KYCCatalogue | null): string[] {
  return (cat?.countries ?? []).map((c) => c.country);
}

export function entityTypesFor(cat: KYCCatalogue | null, country: string): KYCEntityType[] {
  return cat?.countries.find((c) => c.country === country)?.entityTypes ?? [];
}

export function findEntityType(cat: KYCCatalogue | null, country: string, id: string): KYCEntityType | undefined {
  if (!id) return undefined;
  return entityTypesFor(cat, country).find((et) => et.id === id);
}

// allEntityTypes: every entity type once (the first country that has its id
// names it), for filters that do not know the country.
export function allEntityTypes(cat: KYCCatalogue | null): { country: string; type: KYCEntityType }[] {
  const seen = new Set<string>();
  const out: { country: string; type: KYCEntityType }[] = [];
  for (const c of cat?.countries ?? []) {
    for (const et of c.entityTypes) {
      if (seen.has(et.id)) continue;
      seen.add(et.id);
      out.push({ country: c.country, type: et });
    }
  }
  return out;
}

// entityTypeName names an entity type id, looking in country first.
export function entityTypeName(cat: KYCCatalogue | null, id: string, lang: string, country = ''): string {
  if (!id) return '';
  const et = findEntityType(cat, country, id) ?? allEntityTypes(cat).find((x) => x.type.id === id)?.type;
  return et ? textIn(et.name, lang) : id;
}

// kindName names a document kind of an entity type (any entity type of the
// catalogue when it is not one of et's); the id when nobody knows it.
export function kindName(cat: KYCCatalogue | null, et: KYCEntityType | undefined, kind: string, lang: string): string {
  if (!kind) return '';
  const search = (types: KYCEntityType[]) => {
    for (const t of types) for (const r of t.requirements) for (const d of r.documents) if (d.id === kind) return textIn(d.name, lang);
    return '';
  };
  return (et && search([et])) || search((cat?.countries ?? []).flatMap((c) => c.entityTypes)) || kind;
}

// requirementLabel: the requirement's own name ("Address proof").
export function requirementLabel(req: KYCRequirement, lang: string): string {
  return textIn(req.name, lang) || req.id;
}

// alternativesOf: the names of the documents that answer a requirement.
export function alternativesOf(req: KYCRequirement, lang: string): string[] {
  return req.documents.map((d) => textIn(d.name, lang));
}

// missingLabels reads the case's missing requirement ids as names.
export function missingLabels(et: KYCEntityType | undefined, missing: string[], lang: string): string[] {
  return missing.map((id) => {
    const req = et?.requirements.find((r) => r.id === id);
    return req ? requirementLabel(req, lang) : id;
  });
}

// documentsOf: the classified documents that answer a requirement.
export function documentsOf(c: KYCCase, requirementId: string): KYCDocument[] {
  return c.documents.filter((d) => d.kind !== '' && d.requirement === requirementId);
}

// unclassified: documents that came by email and nobody said what they are.
export function unclassified(c: KYCCase): KYCDocument[] {
  return c.documents.filter((d) => d.kind === '');
}

// strayDocuments: classified documents no requirement of et lists (left
// over from another entity type); shown so nothing is hidden.
export function strayDocuments(c: KYCCase, et: KYCEntityType | undefined): KYCDocument[] {
  const ids = new Set((et?.requirements ?? []).map((r) => r.id));
  return c.documents.filter((d) => d.kind !== '' && !ids.has(d.requirement));
}

// canSubmit mirrors the backend's rule: an editable case with an entity
// type and every mandatory requirement answered.
export function canSubmit(c: KYCCase): boolean {
  return c.canEdit && c.entityType !== '' && c.missing.length === 0;
}

// mayUpload: whether a requirement takes new files. Anything in a draft;
// after a review only what has no approved document: the customer replaces
// what was rejected (or adds what is still missing), not what was accepted.
export function mayUpload(c: KYCCase, requirementId: string): boolean {
  if (!c.canEdit) return false;
  if (c.state === 'draft') return true;
  if (c.state !== 'changes_requested') return false;
  return !documentsOf(c, requirementId).some((d) => d.status === 'approved');
}

// mayRemove: the same rule for taking a document away.
export function mayRemove(c: KYCCase, d: KYCDocument): boolean {
  if (!c.canEdit) return false;
  return c.state === 'draft' || (c.state === 'changes_requested' && d.status !== 'approved');
}

// isEditableState: states in which documents may change.
export const isEditableState = (s: KYCState): boolean => s === 'draft' || s === 'changes_requested';

// isWaiting: states in which the case is with the reviewers.
export const isWaiting = (s: KYCState): boolean => s === 'submitted' || s === 'in_review';

// defaultKind: the kind the upload area offers first: the one already
// uploaded for this requirement, else its first document.
export function defaultKind(req: KYCRequirement, docs: KYCDocument[]): string {
  const existing = docs.find((d) => req.documents.some((k) => k.id === d.kind));
  return existing?.kind ?? req.documents[0]?.id ?? '';
}

// replacedBy: documents an upload of this kind sets aside (the same
// kind, and a rejected one of the same requirement), as the backend does.
export function replacedBy(c: KYCCase, req: KYCRequirement, kind: string): KYCDocument[] {
  return c.documents.filter((d) => d.kind === kind || (d.requirement === req.id && d.status === 'rejected' && d.kind !== ''));
}

// waitingDays: whole days since the case was submitted (0 the same day).
export function waitingDays(submittedAt: string, now = Date.now()): number {
  const at = Date.parse(submittedAt);
  if (Number.isNaN(at) || at <= 0) return 0;
  return Math.max(0, Math.floor((now - at) / 86_400_000));
}

// checkUploads refuses, before reading a byte, what the backend would
// refuse anyway: too many files, empty or oversized ones.
export function checkUploads(files: { name: string; size: number }[], max = MAX_FILES, maxMB = MAX_FILE_MB): FieldError[] {
  if (files.length > max) {
    return [{ field: 'files', code: 'too_many_files', message: `Attach at most ${max} files to one document.`, params: { max } }];
  }
  const out: FieldError[] = [];
  for (const f of files) {
    if (f.size === 0) out.push({ field: 'files', code: 'file_empty', message: `${f.name} is empty.`, params: { name: f.name } });
    else if (f.size > maxMB * 1024 * 1024) {
      out.push({
        field: 'files',
        code: 'file_too_large',
        message: `${f.name} is larger than ${maxMB} MB.`,
        params: { name: f.name, maxMB },
      });
    }
  }
  return out;
}

export type Choice = 'approve' | 'reject';

// decisionsOf turns the reviewer's choices into api.kycDecide's decisions,
// for the documents that have one, in the case's order.
export function decisionsOf(
  c: KYCCase,
  choices: Record<string, Choice | undefined>,
  reasons: Record<string, string | undefined>,
): { documentId: string; approve: boolean; reason: string }[] {
  return c.documents
    .filter((d) => choices[d.id])
    .map((d) => ({
      documentId: d.id,
      approve: choices[d.id] === 'approve',
      reason: choices[d.id] === 'reject' ? (reasons[d.id] ?? '').trim() : '',
    }));
}

// reviewable: the documents a reviewer decides on (an unclassified emailed
// document is not one of them until the customer says what it is).
export function reviewable(c: KYCCase): KYCDocument[] {
  return c.documents.filter((d) => d.kind !== '');
}

export type EventDetail =
  | { type: 'none' }
  | { type: 'document'; kind: string; reason: string }
  | { type: 'entityType'; text: string }
  | { type: 'sender'; text: string }
  | { type: 'reason'; text: string };

// eventDetail reads what a history entry is about: the document it names
// (with the reviewer's words, if any), or its reason column, whose meaning
// depends on the action: the entity type chosen, the sender of an email,
// or a reviewer's words.
export function eventDetail(ev: KYCEvent, cat: KYCCatalogue | null, country: string, lang: string, entityType = ''): EventDetail {
  const r = ev.reason ?? '';
  if (ev.kind) return { type: 'document', kind: kindName(cat, findEntityType(cat, country, entityType), ev.kind, lang), reason: r };
  if (!r) return { type: 'none' };
  switch (ev.action) {
    case 'entity_type':
      return { type: 'entityType', text: entityTypeName(cat, r, lang, country) };
    case 'emailed':
      return { type: 'sender', text: r };
    default:
      return { type: 'reason', text: r };
  }
}

// lastRejection: the reason the whole case was rejected, if it was.
export function lastRejection(c: KYCCase): string {
  for (let i = c.history.length - 1; i >= 0; i--) if (c.history[i].action === 'rejected') return c.history[i].reason;
  return '';
}
