import { describe, expect, it } from 'vitest';
import i18n from '../i18n';
import { en } from '../i18n/en';
import { ru } from '../i18n/ru';
import { ApiError } from './index';
import { errorText, fieldsAsGeneral, retryDeadline, splitErrors } from './errors';

const t = i18n.getFixedT('en');
const tr = i18n.getFixedT('ru');

describe('errorText', () => {
  it('translates the key', () => {
    const e = new ApiError({ code: 'unauthorized', message: 'Wrong email or password.', key: 'errors.credentials' });
    expect(errorText(tr, e)).toBe(ru.errors.credentials);
  });
  it('counts down rate limits with plurals', () => {
    const e = new ApiError({ code: 'rate_limited', message: 'Too many', retryAfterSeconds: 30 });
    expect(errorText(t, e)).toBe('Too many attempts. Try again in 30 seconds.');
    expect(errorText(t, e, 1)).toBe('Too many attempts. Try again in 1 second.');
    expect(errorText(tr, e, 5)).toBe('Слишком много попыток. Повторите через 5 секунд.');
    expect(errorText(tr, e, 2)).toBe('Слишком много попыток. Повторите через 2 секунды.');
  });
  it('falls back to the backend message', () => {
    const e = new ApiError({ code: 'conflict', message: 'Already there.' });
    expect(errorText(t, e)).toBe('Already there.');
    expect(errorText(t, new Error('boom'))).toBe(en.errors.internal);
  });
});

describe('splitErrors', () => {
  const e = new ApiError({
    code: 'invalid',
    message: 'Invalid input.',
    fields: [
      { field: 'password', code: 'password_too_short', message: 'short', params: { min: 8 } },
      { field: 'password', code: 'password_no_digit', message: 'digit' },
      { field: 'phone', code: 'brand_new_code', message: 'Backend text.' },
      { field: 'captcha', code: 'required', message: 'Required.' },
    ],
  });
  it('puts field errors next to known fields, translated with params', () => {
    const { fields, general } = splitErrors(tr, e, ['password', 'phone']);
    expect(fields).toEqual({ password: 'Используйте не менее 8 символов.', phone: 'Backend text.' });
    expect(general?.body.fields?.map((f) => f.field)).toEqual(['captcha']);
    expect(errorText(t, general)).toBe(en.errors.required);
  });
  it('leaves errors without fields for the alert', () => {
    const link = new ApiError({ code: 'invalid', message: 'x', key: 'errors.link_invalid' });
    expect(splitErrors(t, link, ['password'])).toEqual({ fields: {}, general: link });
  });
});

describe('fieldsAsGeneral', () => {
  it('reads a refusal no form field shows as its reason', () => {
    const e = new ApiError({
      code: 'invalid',
      message: 'Please correct the highlighted fields.',
      key: 'errors.form',
      fields: [{ field: 'role', code: 'last_administrator', message: 'Needs an admin.' }],
    });
    expect(errorText(t, e)).toBe(en.errors.form);
    expect(errorText(t, fieldsAsGeneral(e))).toBe(en.errors.last_administrator);
    const plain = new ApiError({ code: 'rate_limited', message: 'x', retryAfterSeconds: 3 });
    expect(fieldsAsGeneral(plain)).toBe(plain);
  });
});

describe('retryDeadline', () => {
  it('is set only for rate limits', () => {
    expect(retryDeadline(new ApiError({ code: 'rate_limited', message: '', retryAfterSeconds: 3 }), 1000)).toBe(4000);
    expect(retryDeadline(new ApiError({ code: 'invalid', message: '' }), 1000)).toBeNull();
  });
});

describe('translations', () => {
  const keys = (o: object, prefix = ''): string[] =>
    Object.entries(o).flatMap(([k, v]) => (typeof v === 'string' ? [prefix + k] : keys(v, `${prefix}${k}.`)));
  it('ru has every en key, each non-empty', () => {
    expect(keys(ru).sort()).toEqual(keys(en).sort());
    for (const k of keys(ru)) expect(i18n.getResource('ru', 'translation', k)).not.toBe('');
  });
  it('has every backend error code', () => {
    const codes = `required too_long invisible_chars email_invalid email_mixed_script email_local_ascii
      password_too_short password_too_long password_no_upper password_no_lower password_no_digit
      password_no_special password_common password_repetitive password_contains_personal password_mismatch phone_invalid
      timezone_invalid consent_required code_format code_invalid credentials rate_limited link_invalid
      unauthorized forbidden internal network
      phone_not_verified email_taken sector_invalid account_type_invalid phone_type_invalid max_dialogs_range
      country_invalid inn_length inn_length_company inn_length_individual inn_digits inn_checksum kpp_format ogrn_length ogrn_checksum bik_format
      account_format account_key gstin_format gstin_state gstin_checksum gstin_pan_mismatch pan_format
      pan_entity ifsc_format bank_account_format iban_country iban_length iban_checksum swift_format
      vat_format bank_name role_invalid last_administrator postcode_format postcode_chars`.split(/\s+/);
    for (const c of codes) {
      expect(en.errors).toHaveProperty(c);
      expect(ru.errors).toHaveProperty(c);
    }
  });
});
