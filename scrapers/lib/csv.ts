// CSV as published: RFC 4180 quoting (fields with commas, quotes and newlines), a UTF-8 byte
// order mark, and columns found by what their headers say rather than where they stand, in a
// table laid out either way round.
import Papa from "papaparse";
import { collapseWhitespace } from "../../domain/text.ts";
import { ExtractionError } from "./expect.ts";

/**
 * Every record, without the blank ones (a row whose cells are all whitespace), as papaparse reads
 * it with `skipEmptyLines: "greedy"`: the line ending and delimiter it guesses with that option
 * are learned from a 10-row preview and given to the full parse, and blank rows are dropped
 * here at their first non-blank cell, instead of papaparse joining every row to test it.
 */
export function parseCsv(text: string): string[][] {
  const input = text.replace(/^\uFEFF/, "");
  const { meta } = Papa.parse<string[]>(input, { skipEmptyLines: "greedy", preview: 10 });
  const { data, errors } = Papa.parse<string[]>(input, {
    delimiter: meta.delimiter,
    // papaparse guesses one of these three.
    newline: meta.linebreak as "\r" | "\n" | "\r\n",
  });
  const fatal = errors.find((error) => error.type === "Quotes");
  if (fatal) throw new ExtractionError(`the CSV is malformed at row ${fatal.row}: ${fatal.message}`, "csv");
  return data.filter((row) => !row.every((cell) => cell.trim() === ""));
}

export type ColumnPatterns<K extends string> = Record<K, { header: RegExp; required: boolean }>;

const matchesIn = (cells: string[], header: RegExp) =>
  cells.flatMap((text, index) => (header.test(text) ? [index] : []));

/**
 * Finds each named column by a pattern for its header. Any column that matches two headers
 * fails the extraction and names the column; so do the required columns that match no header,
 * all of them at once, with `hint` (what the table looks like instead) where given.
 */
export function findColumns<K extends string>(
  headers: string[],
  patterns: ColumnPatterns<K>,
  hint?: string,
): Record<K, number | null> {
  const normalised = headers.map((header) => collapseWhitespace(header));
  const found = {} as Record<K, number | null>;
  const missing: string[] = [];
  for (const [key, { header, required }] of Object.entries(patterns) as [K, { header: RegExp; required: boolean }][]) {
    const matches = matchesIn(normalised, header);
    if (matches.length > 1) {
      throw new ExtractionError(
        `column "${key}" matches ${matches.length} headers: ${matches.map((i) => JSON.stringify(normalised[i])).join(", ")}`,
        `csv column "${key}"`,
      );
    }
    if (matches.length === 0 && required) missing.push(key);
    found[key] = matches[0] ?? null;
  }
  if (missing.length > 0) {
    const names = missing.map((key) => `"${key}"`).join(", ");
    const described = missing.map((key) => `"${key}" (${patterns[key as K].header})`).join(", ");
    throw new ExtractionError(
      `no header matches ${missing.length === 1 ? "column" : `${missing.length} columns`}: ${described}${hint ? `; ${hint}` : ""}`,
      `csv ${missing.length === 1 ? "column" : "columns"} ${names}`,
    );
  }
  return found;
}

/** Rows become columns: a table laid out one field per row becomes one record per row. */
export function transpose(rows: string[][]): string[][] {
  const width = Math.max(0, ...rows.map((row) => row.length));
  return Array.from({ length: width }, (_, i) => rows.map((row) => row[i] ?? ""));
}

export interface Table<K extends string> {
  headers: string[];
  rows: string[][];
  column: Record<K, number | null>;
  /** The table was laid out with its fields down the first column, one record per column. */
  transposed: boolean;
}

/**
 * A table's headers, records and columns, in either layout: headers across the first row (one
 * record per row), or down the first column (one record per column), which is read by
 * transposing it. When neither finds every required column, the error names every missing
 * column and says what the table looks like.
 */
export function readTable<K extends string>(rows: string[][], patterns: ColumnPatterns<K>): Table<K> {
  const required = (Object.entries(patterns) as [K, { header: RegExp; required: boolean }][]).filter(
    ([, p]) => p.required,
  );
  const missingFrom = (cells: string[]) => {
    const normalised = cells.map((cell) => collapseWhitespace(cell));
    return required.filter(([, p]) => matchesIn(normalised, p.header).length === 0).length;
  };
  const across = rows[0] ?? [];
  const missingAcross = missingFrom(across);
  // Headers across the first row, as most tables have them: the first column need not be read.
  if (missingAcross === 0)
    return { headers: across, rows: rows.slice(1), column: findColumns(across, patterns), transposed: false };
  const missingDown = missingFrom(rows.map((row) => row[0] ?? ""));
  if (missingAcross > 0 && missingDown === 0) {
    const [headers = [], ...records] = transpose(rows).filter((row) => row.some((cell) => cell.trim() !== ""));
    return { headers, rows: records, column: findColumns(headers, patterns), transposed: true };
  }
  let hint: string | undefined;
  if (missingAcross > 0 && missingDown < missingAcross && 2 * (required.length - missingDown) >= required.length) {
    hint = `the table looks transposed (its first column names ${required.length - missingDown} of the ${required.length} required fields) but lacks some too`;
  } else if (missingAcross === required.length) {
    hint = `no required column is in the first row: the table has another layout (a title above its headers, or no headers)`;
  }
  return { headers: across, rows: rows.slice(1), column: findColumns(across, patterns, hint), transposed: false };
}
