// The employee import's words: which files it takes, and how its refusals
// read (a whole file refused, or the reasons of one row).
import type { TFunction } from 'i18next';
import type { ApiError, FieldError } from '../api';
import { asApiError, fieldErrorText } from '../api/errors';

// What the file picker offers; the backend checks the content whatever the name.
export const IMPORT_ACCEPT = '.xlsx,.csv';
// Checked before reading the file (the backend refuses larger ones anyway).
export const IMPORT_MAX_MB = 20;

// The columns a row error can name, in the file's order.
export const IMPORT_COLUMNS = ['name', 'email', 'phone', 'role', 'maxDialogs'] as const;

// rowErrorText: "Email: Enter an email address like …" for one reason.
export function rowErrorText(t: TFunction, f: FieldError): string {
  const col = t(`exports.column.${f.field}`, { defaultValue: f.field });
  return `${col}: ${fieldErrorText(t, f)}`;
}

// sortRowErrors puts a row's reasons in the order of the file's columns.
export function sortRowErrors(fields: FieldError[]): FieldError[] {
  const order = (f: FieldError) => {
    const i = IMPORT_COLUMNS.indexOf(f.field as (typeof IMPORT_COLUMNS)[number]);
    return i < 0 ? IMPORT_COLUMNS.length : i;
  };
  return [...fields].sort((a, b) => order(a) - order(b));
}

// fileErrors splits an import error into the reasons about the file as a
// whole (field "file", codes import_*) and anything else.
export function fileErrors(e: unknown): { file: FieldError[]; other: ApiError | null } {
  const err = asApiError(e);
  const file = (err.body.fields ?? []).filter((f) => f.field === 'file');
  return { file, other: file.length ? null : err };
}
