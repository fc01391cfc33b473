import { describe, expect, it } from 'vitest';
import { fileNameFrom } from './files';

describe('fileNameFrom', () => {
  it.each([
    ['the server’s UTF-8 name', "attachment; filename*=UTF-8''%D0%A1%D1%87%D1%91%D1%82%20%D0%A0%D0%BE%D0%BC%D0%B0%D1%88%D0%BA%D0%B0.pdf", 'Счёт Ромашка.pdf'],
    ['a quoted plain name', 'attachment; filename="invoice-details.zip"', 'invoice-details.zip'],
    ['a bare plain name', 'attachment; filename=report.xlsx', 'report.xlsx'],
    ['the UTF-8 name before the plain one', 'attachment; filename="plain.pdf"; filename*=UTF-8\'\'r%C3%A9sum%C3%A9.pdf', 'résumé.pdf'],
    ['escaped quotes', 'attachment; filename="a \\"b\\".pdf"', 'a "b".pdf'],
    ['no folders', 'attachment; filename="../../etc/passwd"', 'passwd'],
    ['no folders in the UTF-8 name', "attachment; filename*=UTF-8''..%2F..%2Fx.pdf", 'x.pdf'],
    ['a malformed escape falls back to the plain name', "attachment; filename*=UTF-8''%E0%A4%A; filename=\"ok.pdf\"", 'ok.pdf'],
    ['no name', 'attachment', ''],
    ['no header', null, ''],
  ])('%s', (_, header, want) => {
    expect(fileNameFrom(header)).toBe(want);
  });
});
