// Turning ApiError into words: every screen shows backend errors the same
// way, translated through i18next with the backend's English as fallback.
import type { TFunction } from 'i18next';
import { ApiError, type FieldError } from './index';

export function asApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  return new ApiError({ code: 'internal', message: 'Internal error.', key: 'errors.internal' });
}

// fieldErrorText translates one field error: errors.<code> with its params.
export function fieldErrorText(t: TFunction, f: FieldError): string {
  return t(`errors.${f.code}`, { ...(f.params ?? {}), defaultValue: f.message });
}

// errorText is the one-line message for an error shown in an Alert.
// secondsLeft overrides retryAfterSeconds so a countdown can tick.
export function errorText(t: TFunction, e: unknown, secondsLeft?: number): string {
  const { body } = asApiError(e);
  if (body.code === 'rate_limited') {
    const seconds = Math.max(0, Math.ceil(secondsLeft ?? body.retryAfterSeconds ?? 0));
    return t('errors.rate_limited', { seconds, count: seconds, defaultValue: body.message });
  }
  if (body.key) return t(body.key, { defaultValue: body.message });
  const first = body.fields?.[0];
  if (first) return fieldErrorText(t, first);
  if (body.code === 'unauthorized' || body.code === 'forbidden' || body.code === 'internal') {
    return t(`errors.${body.code}`, { defaultValue: body.message });
  }
  return body.message || t('errors.internal');
}

export interface SplitErrors {
  // fields: translated messages for fields the form shows, for form.setErrors.
  fields: Record<string, string>;
  // general: what is left for an Alert (null when every reason has a field).
  general: ApiError | null;
}

// splitErrors puts each field error next to its field when the form has that
// field; anything else (no fields, or fields the form does not show) is general.
export function splitErrors(t: TFunction, e: unknown, formFields: readonly string[]): SplitErrors {
  const err = asApiError(e);
  const fields: Record<string, string> = {};
  const leftover: FieldError[] = [];
  for (const [name, f] of Object.entries(err.fieldErrors())) {
    if (formFields.includes(name)) fields[name] = fieldErrorText(t, f);
    else leftover.push(f);
  }
  if (Object.keys(fields).length === 0) return { fields, general: err };
  if (leftover.length === 0) return { fields, general: null };
  return { fields, general: new ApiError({ ...err.body, key: undefined, fields: leftover }) };
}

// retryDeadline is when a rate-limited action may be tried again (ms epoch).
export function retryDeadline(e: unknown, now = Date.now()): number | null {
  const { body } = asApiError(e);
  if (body.code !== 'rate_limited' || !body.retryAfterSeconds) return null;
  return now + body.retryAfterSeconds * 1000;
}

// fieldsAsGeneral: an error whose field reasons no form shows (a rule about
// the whole record, say "last_administrator" on "role") reads as its first
// reason rather than "Please correct the highlighted fields.".
export function fieldsAsGeneral(e: unknown): ApiError {
  const err = asApiError(e);
  if (!err.body.fields?.length || err.body.key !== 'errors.form') return err;
  return new ApiError({ ...err.body, key: undefined });
}
