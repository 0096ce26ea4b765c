/**
 * CSV writer — RFC 4180 with spreadsheet-formula neutralization (product.md, capability 13).
 *
 * - Records end with CRLF, the last one included (RFC 4180 allows either; a trailing CRLF lets
 *   rows be appended/streamed with {@link csvRow} and concatenated).
 * - A field containing `,`, `"`, CR or LF is enclosed in double quotes, inner quotes doubled.
 * - Output is a JS string; write it as UTF-8. Excel only detects UTF-8 with a byte-order mark:
 *   pass `{ bom: true }` to {@link toCsv} (or prepend {@link UTF8_BOM} before the first row).
 * - Formula injection: a STRING cell starting with `=`, `+`, `-`, `@`, TAB or CR is neutralized
 *   by prefixing a single quote `'` (then quoted if it needs quoting). Decision: numbers are
 *   written as numbers and never neutralized — a number cannot be a formula, and `-3` must stay
 *   numeric for the spreadsheet. A numeric-looking STRING such as `"-3"` IS neutralized (it could
 *   be anything): pass numbers as numbers.
 * - `null`/`undefined` → empty field; booleans → `true`/`false`; non-finite numbers (NaN,
 *   ±Infinity) → empty field; `-0` → `0`.
 */

export type CsvValue = string | number | boolean | null | undefined;

export const CSV_EOL = '\r\n';
export const UTF8_BOM = '\uFEFF';

/** Characters that make a spreadsheet read a cell as a formula when they come first. */
export const FORMULA_TRIGGERS: readonly string[] = ['=', '+', '-', '@', '\t', '\r'];

const NEEDS_QUOTES = /[",\r\n]/;

/** Prefixes `'` to a string that a spreadsheet would take for a formula. */
export function neutralizeFormula(text: string): string {
  return text.length > 0 && FORMULA_TRIGGERS.includes(text[0] as string) ? `'${text}` : text;
}

/** Quotes a field if it contains `,` `"` CR or LF (RFC 4180). No neutralization. */
export function quoteField(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One field, formatted, neutralized and quoted as the module comment describes. */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return '';
    return Object.is(value, -0) ? '0' : String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return quoteField(neutralizeFormula(value));
}

/** One record, CRLF-terminated: streaming-friendly (write the header row, then each row). */
export function csvRow(cells: readonly CsvValue[]): string {
  return cells.map(csvCell).join(',') + CSV_EOL;
}

export interface ToCsvOptions {
  /** Start with a UTF-8 byte-order mark (for Excel). Default false. */
  bom?: boolean;
}

/** A whole document: header row then rows, every record CRLF-terminated. */
export function toCsv(
  header: readonly string[],
  rows: readonly (readonly CsvValue[])[],
  options: ToCsvOptions = {},
): string {
  let out = options.bom ? UTF8_BOM : '';
  out += csvRow(header);
  for (const r of rows) out += csvRow(r);
  return out;
}
