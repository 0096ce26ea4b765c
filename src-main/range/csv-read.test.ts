import { describe, expect, it } from 'vitest';
import { toCsv } from '../../src-shared/csv/csv';
import { CsvSyntaxError, readCsv } from './csv-read';

describe('CSV reader (RFC 4180)', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks; CRLF or LF; BOM', () => {
    const text = '\uFEFFname,note\r\n"Doe, Jane","says ""hi"""\r\n"multi\nline",x\nlast,\n';
    expect(readCsv(text)).toEqual([
      { line: 1, cells: ['name', 'note'] },
      { line: 2, cells: ['Doe, Jane', 'says "hi"'] },
      { line: 3, cells: ['multi\nline', 'x'] },
      { line: 5, cells: ['last', ''] },
    ]);
  });

  it('skips blank lines but keeps line numbers', () => {
    expect(readCsv('a\n\nb').map((r) => r.line)).toEqual([1, 3]);
  });

  it('round-trips what the writer neutralized', () => {
    const csv = toCsv(
      ['name', 'squad'],
      [
        ['=HYPERLINK("x")', '-1'],
        ['@SUM', 'A'],
      ],
    );
    expect(
      readCsv(csv)
        .slice(1)
        .map((r) => r.cells),
    ).toEqual([
      ['=HYPERLINK("x")', '-1'],
      ['@SUM', 'A'],
    ]);
  });

  it('reports an unterminated quote with its line', () => {
    expect(() => readCsv('a\n"open,x\n')).toThrow(CsvSyntaxError);
    expect(() => readCsv('a\n"b"c\n')).toThrow(/line 2/);
  });
});
