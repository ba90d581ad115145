// CSV as published: RFC 4180 quoting (fields with commas, quotes and newlines), a UTF-8 byte
// order mark, and columns found by what their headers say rather than where they stand.
import Papa from "papaparse";
import { collapseWhitespace } from "../../src/vocabularies.ts";
import { ExtractionError } from "./rule.ts";

export function parseCsv(text: string): string[][] {
  const { data, errors } = Papa.parse<string[]>(text.replace(/^\uFEFF/, ""), { skipEmptyLines: "greedy" });
  const fatal = errors.find((error) => error.type === "Quotes");
  if (fatal) throw new ExtractionError(`the CSV is malformed at row ${fatal.row}: ${fatal.message}`, "csv");
  return data;
}

/**
 * Finds each named column by a pattern for its header. A required column that matches no
 * header, or any column that matches two, fails the extraction and names the column.
 */
export function findColumns<K extends string>(
  headers: string[],
  patterns: Record<K, { header: RegExp; required: boolean }>,
): Record<K, number | null> {
  const normalised = headers.map((header) => collapseWhitespace(header));
  const found = {} as Record<K, number | null>;
  for (const [key, { header, required }] of Object.entries(patterns) as [K, { header: RegExp; required: boolean }][]) {
    const matches = normalised.flatMap((text, index) => (header.test(text) ? [index] : []));
    if (matches.length > 1) {
      throw new ExtractionError(
        `column "${key}" matches ${matches.length} headers: ${matches.map((i) => JSON.stringify(normalised[i])).join(", ")}`,
        `csv column "${key}"`,
      );
    }
    if (matches.length === 0 && required) {
      throw new ExtractionError(`no header matches column "${key}" (${header})`, `csv column "${key}"`);
    }
    found[key] = matches[0] ?? null;
  }
  return found;
}
