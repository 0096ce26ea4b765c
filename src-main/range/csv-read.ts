/**
 * CSV reader for roster imports: RFC 4180 (quoted fields, doubled quotes, CRLF or LF, a UTF-8 BOM)
 * plus the inverse of the writer's formula neutralization (`'=…` → `=…`), so an exported roster
 * imports back unchanged. Returns records with the line number each one starts on.
 */
import { FORMULA_TRIGGERS } from '../../src-shared/csv/csv';

export interface CsvRecord {
  /** 1-based line where the record starts. */
  line: number;
  cells: string[];
}

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

export function readCsv(text: string): CsvRecord[] {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const out: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  const n = src.length;
  while (i < n) {
    const start = line;
    const cells: string[] = [];
    for (;;) {
      let cell = '';
      if (src[i] === '"') {
        i++;
        for (;;) {
          if (i >= n) throw new CsvSyntaxError(start, 'unterminated quoted field');
          const c = src[i]!;
          if (c === '"') {
            if (src[i + 1] === '"') {
              cell += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          cell += c;
          i++;
        }
        if (i < n && src[i] !== ',' && src[i] !== '\r' && src[i] !== '\n') {
          throw new CsvSyntaxError(line, 'text after a closing quote');
        }
      } else {
        while (i < n && src[i] !== ',' && src[i] !== '\r' && src[i] !== '\n') cell += src[i++];
      }
      cells.push(unneutralize(cell));
      if (i < n && src[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    if (src[i] === '\r') i++;
    if (src[i] === '\n') i++;
    line++;
    // Blank lines are not records.
    if (!(cells.length === 1 && cells[0] === '')) out.push({ line: start, cells });
  }
  return out;
}

/** `'=SUM(…)` as the writer neutralized it → `=SUM(…)`. */
function unneutralize(cell: string): string {
  return cell.length > 1 && cell[0] === "'" && FORMULA_TRIGGERS.includes(cell[1]!) ? cell.slice(1) : cell;
}
