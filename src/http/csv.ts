// CSV as spreadsheets take it: RFC 4180 (CRLF, quotes doubled), UTF-8 with a byte-order mark so
// that Excel reads it as UTF-8, and every text cell neutralised against formula injection.

export type CsvValue = string | number | boolean | null | undefined;

/** OWASP's rule: a cell starting with one of these is read as a formula by spreadsheets. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One cell. Text that a spreadsheet would run as a formula gets a leading apostrophe, which
 * spreadsheets show as text; numbers are ours, not scraped, and stay numbers.
 */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  let text = typeof value === "number" ? String(value) : typeof value === "boolean" ? String(value) : value;
  if (typeof value === "string" && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || FORMULA_START.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A whole document: the header row, then one row per record, with a BOM and CRLF line ends. */
export function toCsv(header: string[], rows: CsvValue[][]): string {
  const lines = [header.map(csvCell).join(","), ...rows.map((row) => row.map(csvCell).join(","))];
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}

export const CSV_TYPE = "text/csv; charset=utf-8; header=present";
