import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import i18n from '../i18n';
import { en } from '../i18n/en';
import { ru } from '../i18n/ru';
import { fileErrors, rowErrorText, sortRowErrors } from '../lib/imports';
import { base64ToBytes } from '../lib/files';
import { ApiError, api, cancelExportJob, exportJobStatus, type FieldError } from './index';
import { errorText, fieldErrorText } from './errors';

type Call = { url: string; init: RequestInit };

describe('web requests', () => {
  let calls: Call[];
  let answer: () => Response;
  beforeEach(() => {
    calls = [];
    answer = () => new Response(JSON.stringify({ ok: true }), { status: 200 });
    vi.stubGlobal('window', {});
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return answer();
    });
  });
  afterEach(async () => {
    vi.unstubAllGlobals();
    await i18n.changeLanguage('en');
  });

  const lang = (c: Call) => (c.init.headers as Record<string, string>)['X-Gatehouse-Lang'];

  it('sends the UI language on every call', async () => {
    await i18n.changeLanguage('ru');
    await api.monthlyReport({ year: 2025, month: 3, timeZone: 'Europe/Moscow' });
    await i18n.changeLanguage('en');
    await api.me();
    await exportJobStatus('j1');
    await cancelExportJob('j1');
    expect(calls.map(lang)).toEqual(['ru', 'en', 'en', 'en']);
    expect(calls[0].url).toBe('/api/monthlyReport');
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ year: 2025, month: 3, timeZone: 'Europe/Moscow' });
    expect(calls[2].url).toBe('/api/exportJobs/j1');
    expect(calls[3]).toMatchObject({ url: '/api/exportJobs/j1/cancel', init: { method: 'POST' } });
  });

  it('turns job errors into ApiError, keyed', async () => {
    answer = () =>
      new Response(JSON.stringify({ error: { code: 'not_found', message: 'No such export.', key: 'errors.export_not_found' } }), {
        status: 404,
      });
    const err = await exportJobStatus('gone').catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(errorText(i18n.getFixedT('ru'), err)).toBe(ru.errors.export_not_found);
    answer = () => new Response('<html>bad gateway</html>', { status: 502 });
    const err2 = await cancelExportJob('x').catch((e) => e);
    expect(err2).toBeInstanceOf(ApiError);
    expect(err2.body.code).toBe('internal');
  });

  it('does not tell a browser backend the language (the header does)', async () => {
    await api.setLanguage({ lang: 'ru' });
    expect(calls).toHaveLength(0);
  });
});

describe('export and import errors', () => {
  const codes: [string, Record<string, string | number>][] = [
    ['import_not_spreadsheet', {}],
    ['import_encrypted', {}],
    ['import_xls', {}],
    ['import_csv_encoding', {}],
    ['import_csv_malformed', { line: 7 }],
    ['import_too_large', { maxMB: 20 }],
    ['import_missing_header', { header: 'Email' }],
    ['import_duplicate_header', { header: 'Name' }],
    ['import_formula', { cell: 'C4' }],
    ['import_too_many_rows', { max: 200000 }],
    ['import_empty', {}],
    ['import_duplicate_email', { line: 3 }],
    ['email_taken', {}],
    ['batch_size', { max: 10000 }],
    ['month_invalid', {}],
  ];
  it('has every backend code in both languages, with its placeholders filled', () => {
    for (const lng of ['en', 'ru']) {
      const t = i18n.getFixedT(lng);
      for (const [code, params] of codes) {
        const text = fieldErrorText(t, { field: 'file', code, message: 'fallback', params });
        expect(text, `${lng} ${code}`).not.toBe('fallback');
        expect(text, `${lng} ${code}`).not.toMatch(/\{\{/);
        for (const v of Object.values(params)) expect(text, `${lng} ${code}`).toContain(String(v));
      }
      for (const key of ['cancelled', 'export_not_ready', 'export_not_found'] as const) {
        expect(t(`errors.${key}`)).toBe((lng === 'en' ? en : ru).errors[key]);
      }
    }
  });

  it('reads a row error with its column, in the file order', () => {
    const t = i18n.getFixedT('en');
    const fields: FieldError[] = [
      { field: 'phone', code: 'phone_invalid', message: '' },
      { field: 'email', code: 'import_duplicate_email', message: '', params: { line: 2 } },
    ];
    expect(sortRowErrors(fields).map((f) => f.field)).toEqual(['email', 'phone']);
    expect(rowErrorText(t, fields[1])).toBe('Email: This email is already on line 2 of the file.');
  });

  it('tells file-level refusals from the rest', () => {
    const file = new ApiError({
      code: 'invalid',
      message: 'x',
      key: 'errors.form',
      fields: [{ field: 'file', code: 'import_formula', message: '', params: { cell: 'B2' } }],
    });
    expect(fileErrors(file).file.map((f) => f.code)).toEqual(['import_formula']);
    expect(fileErrors(file).other).toBeNull();
    const other = new ApiError({ code: 'forbidden', message: 'no' });
    expect(fileErrors(other)).toEqual({ file: [], other });
  });

  it('decodes base64 and data URLs', () => {
    expect([...base64ToBytes('UEsDBA==')]).toEqual([0x50, 0x4b, 3, 4]);
    expect([...base64ToBytes('data:application/zip;base64,UEsDBA==')]).toEqual([0x50, 0x4b, 3, 4]);
  });
});
