import { describe, expect, it } from 'vitest';
import { csvCell, csvRow, FORMULA_TRIGGERS, neutralizeFormula, toCsv, UTF8_BOM } from './csv';

describe('csvCell', () => {
  it('writes plain text as is', () => {
    expect(csvCell('hello')).toBe('hello');
    expect(csvCell('')).toBe('');
    expect(csvCell(' spaced ')).toBe(' spaced ');
  });

  it('quotes fields with a comma, quote, CR or LF, doubling quotes', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('"')).toBe('""""');
    expect(csvCell('line1\nline2')).toBe('"line1\nline2"');
    expect(csvCell('line1\r\nline2')).toBe('"line1\r\nline2"');
    expect(csvCell('a\rb')).toBe('"a\rb"');
  });

  it('neutralizes every formula trigger in strings', () => {
    expect(FORMULA_TRIGGERS).toEqual(['=', '+', '-', '@', '\t', '\r']);
    expect(csvCell('=SUM(A1:A2)')).toBe("'=SUM(A1:A2)");
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-3')).toBe("'-3");
    expect(csvCell('@cmd')).toBe("'@cmd");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('\rx')).toBe('"\'\rx"'); // neutralized, then quoted for the CR
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
    expect(csvCell('=1,2')).toBe('"\'=1,2"');
    expect(csvCell('a=b')).toBe('a=b'); // only the first character matters
    expect(neutralizeFormula('')).toBe('');
  });

  it('writes numbers as numbers, never neutralized', () => {
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(0)).toBe('0');
    expect(csvCell(-0)).toBe('0');
    expect(csvCell(12345)).toBe('12345');
    expect(csvCell(3.25)).toBe('3.25');
    expect(csvCell(Number.NaN)).toBe('');
    expect(csvCell(Number.POSITIVE_INFINITY)).toBe('');
  });

  it('writes booleans, and null/undefined as empty', () => {
    expect(csvCell(true)).toBe('true');
    expect(csvCell(false)).toBe('false');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
  });

  it('passes unicode through', () => {
    expect(csvCell('Zoë Ångström')).toBe('Zoë Ångström');
    expect(csvCell('東京, 日本')).toBe('"東京, 日本"');
    expect(csvCell('🎯 hit')).toBe('🎯 hit');
  });
});

describe('csvRow / toCsv', () => {
  it('ends every record with CRLF', () => {
    expect(csvRow(['a', 1, null, true])).toBe('a,1,,true\r\n');
    expect(csvRow([])).toBe('\r\n');
  });

  it('builds a document from a header and rows', () => {
    const csv = toCsv(
      ['shooter', 'time_ms', 'note'],
      [
        ['Zoë', 12345, 'echo after stop, "overridden"'],
        ['=cmd|calc', -3, undefined],
        ['multi\nline', null, '@x'],
      ],
    );
    expect(csv).toBe(
      'shooter,time_ms,note\r\n' +
        'Zoë,12345,"echo after stop, ""overridden"""\r\n' +
        "'=cmd|calc,-3,\r\n" +
        '"multi\nline",,\'@x\r\n',
    );
  });

  it('neutralizes the header too, and can start with a BOM', () => {
    expect(toCsv(['=a', 'b'], [])).toBe("'=a,b\r\n");
    expect(toCsv(['a'], [['b']], { bom: true })).toBe(`${UTF8_BOM}a\r\nb\r\n`);
  });

  it('concatenated rows equal the document (streaming)', () => {
    const header = ['x', 'y'];
    const rows = [
      ['1', 2],
      ['-', '+'],
    ];
    expect(csvRow(header) + rows.map((r) => csvRow(r)).join('')).toBe(toCsv(header, rows));
  });
});

/** A strict RFC 4180 reader, for round-trip checks only. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quote');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i];
        i++;
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r') {
        if (text[i] === '"' || text[i] === '\n') throw new Error(`bare ${JSON.stringify(text[i])} at ${i}`);
        field += text[i];
        i++;
      }
    }
    row.push(field);
    if (text[i] === ',') {
      i++;
    } else if (text.startsWith('\r\n', i)) {
      rows.push(row);
      row = [];
      i += 2;
    } else {
      throw new Error(`unexpected ${JSON.stringify(text[i])} at ${i}`);
    }
  }
  return rows;
}

describe('round trip', () => {
  it('a strict RFC 4180 reader gets every string back (neutralized) over random cells', () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const alphabet = ['a', 'Z', ' ', ',', '"', '\r', '\n', '\t', '=', '+', '-', '@', "'", 'é', '🎯', '東'];
    for (let k = 0; k < 300; k++) {
      const cols = 1 + rnd(5);
      const rows: string[][] = [];
      for (let r = 0; r < 1 + rnd(4); r++) {
        const row: string[] = [];
        for (let c = 0; c < cols; c++) {
          let s = '';
          for (let q = rnd(8); q > 0; q--) s += alphabet[rnd(alphabet.length)];
          row.push(s);
        }
        rows.push(row);
      }
      const header = Array.from({ length: cols }, (_, c) => `c${c}`);
      const parsed = parseCsv(toCsv(header, rows));
      expect(parsed).toEqual([header, ...rows.map((r) => r.map(neutralizeFormula))]);
      for (const r of parsed.slice(1)) {
        for (const cell of r) expect(FORMULA_TRIGGERS.includes(cell[0] ?? '')).toBe(false);
      }
    }
  });
});
