// The GMPP's published CSVs as the tests read them: the seeded files, the figures counted from
// them apart from the rule, and a reader of the raw bytes of the tests' own.
import gmpp from "../../scrapers/gmpp.ts";
import { extractStep } from "../../scrapers/lib/steps.ts";
import { validateExtraction } from "../../scrapers/lib/validate.ts";
import { mapLabel } from "../../domain/vocabularies.ts";
import { decodeBody } from "../../src/pipeline/fetch/decode.ts";
import { seedBody } from "../../src/seeds.ts";
import { seeded } from "../helpers.ts";

// Expected figures were counted from the raw CSVs independently of this code (see the note on
// issue 3): projects per year, bands per year, and rating moves between consecutive years.
export const YEARS = [
  {
    source: "gmpp-2022-23",
    file: "gmpp_2022_23.csv",
    projects: 244,
    ipa: { "not-rated": 122, amber: 88, red: 18, exempt: 11, green: 5 },
    sro: { amber: 95, "not-rated": 113, green: 21, exempt: 10, red: 5 },
  },
  {
    source: "gmpp-2024-25",
    file: "gmpp_2024_25.csv",
    projects: 213,
    ipa: { "not-rated": 113, amber: 61, red: 20, exempt: 14, green: 5 },
    sro: { amber: 74, "not-rated": 89, red: 11, green: 25, exempt: 14 },
  },
  {
    source: "gmpp-2025-26",
    file: "gmpp_2025_26.csv",
    projects: 189,
    ipa: { "not-rated": 92, amber: 51, exempt: 16, red: 24, green: 6 },
    sro: { amber: 58, "not-rated": 82, exempt: 16, green: 23, red: 10 },
  },
];

export const csvUrl = (file: string) => `https://assets.publishing.service.gov.uk/media/reconstructed-sample/${file}`;
export const csvText = (file: string) => {
  const document = seeded.archive[csvUrl(file)]!;
  return document.base64 ? decodeBody(seedBody(document) as Uint8Array, null) : document.body;
};
export const extract = (file: string, csv = csvText(file)) =>
  validateExtraction(gmpp, extractStep(gmpp).extract(csv, { url: csvUrl(file), carried: {} }));

export function tally(labels: string[]) {
  const bands: Record<string, number> = {};
  for (const label of labels) {
    const { band } = mapLabel("ipa-dca-3", label);
    bands[band] = (bands[band] ?? 0) + 1;
  }
  return bands;
}

// Every published year, oldest first. `projects` was counted with Python's csv module, apart
// from this code; every other figure below is counted in this file from the raw bytes, through
// a reader of its own (not the rule's Papa Parse), never taken from the rule's output.
export const ALL_YEARS = [
  { source: "gmpp-2020-21", file: "gmpp_2020_21.csv", projects: 184, scale: "ipa-dca-5" },
  { source: "gmpp-2021-22", file: "gmpp_2021_22.csv", projects: 235, scale: "ipa-dca-3" },
  { source: "gmpp-2022-23", file: "gmpp_2022_23.csv", projects: 244, scale: "ipa-dca-3" },
  { source: "gmpp-2024-25", file: "gmpp_2024_25.csv", projects: 213, scale: "ipa-dca-3" },
  { source: "gmpp-2025-26", file: "gmpp_2025_26.csv", projects: 189, scale: "ipa-dca-3" },
];

/** An RFC 4180 reader written for these tests, independent of the rule's. */
export function rfc4180(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch !== '"') field += ch;
      else if (text[i + 1] === '"') ((field += '"'), i++);
      else quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") (row.push(field), (field = ""));
    else if (ch === "\r" || ch === "\n") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      (row.push(field), rows.push(row), (row = []), (field = ""));
    } else field += ch;
  }
  if (field !== "" || row.length > 0) (row.push(field), rows.push(row));
  return rows.filter((r) => r.some((cell) => cell.trim() !== ""));
}

/** The file's text: UTF-8 without its byte order mark, or 2020-21's windows-1252, decoded here. */
export function rawText(file: string): string {
  const document = seeded.archive[csvUrl(file)]!;
  if (!document.base64) return document.body.replace(/^\uFEFF/, "");
  return new TextDecoder("windows-1252").decode(Uint8Array.from(atob(document.body), (c) => c.charCodeAt(0)));
}

export const RAW_BANDS: Record<string, string> = {
  green: "green",
  amber: "amber",
  red: "red",
  "amber/red": "amber-red",
  "amber/green": "amber-green",
};
export const rawBand = (cell: string | undefined) => RAW_BANDS[(cell ?? "").replace(/\s+/g, " ").trim().toLowerCase()];

/** Each project of a raw file: its ID, name and both assessment cells as published (no SRO cell where no column). */
export function rawYear(file: string) {
  const [header, ...rows] = rfc4180(rawText(file));
  const find = (pattern: RegExp) => header!.findIndex((h) => pattern.test(h.replace(/\s+/g, " ").trim()));
  const [id, name, ipa, sro] = [
    /^(?:GMPP ID|Major Projects ID)/i,
    /^Project Name$/i,
    /^IPA Delivery/i,
    /^SRO Delivery/i,
  ].map(find);
  return rows.map((row) => ({
    id: row[id!]!.trim(),
    name: row[name!]!.trim(),
    ipa: row[ipa!]!.trim(),
    sro: sro! < 0 ? undefined : row[sro!]!.trim(),
  }));
}

/** Band moves per dimension across these files in order, counted from the raw cells: the one rated cell is `dca`. */
export function rawMoves(files: string[]): Record<string, number> {
  const last = new Map<string, string>();
  const moves: Record<string, number> = {};
  for (const file of files) {
    for (const project of rawYear(file)) {
      const key = project.id || `unnumbered ${project.name}`;
      const rated = [project.ipa, project.sro].find((cell) => rawBand(cell));
      for (const [dimension, cell] of [
        ["ipa", project.ipa],
        ["sro", project.sro],
        ["dca", rated],
      ] as const) {
        const band = rawBand(cell);
        if (!band) continue;
        const before = last.get(`${key} ${dimension}`);
        if (before !== undefined && before !== band) moves[dimension] = (moves[dimension] ?? 0) + 1;
        last.set(`${key} ${dimension}`, band);
      }
    }
  }
  return moves;
}

/** First ratings per dimension across these files, counted from the raw cells: a project's first rated cell of each. */
export function rawFirstRatings(files: string[]): Record<string, number> {
  const seen = new Set<string>();
  const first: Record<string, number> = {};
  for (const file of files) {
    for (const project of rawYear(file)) {
      const key = project.id || `unnumbered ${project.name}`;
      const rated = [project.ipa, project.sro].find((cell) => rawBand(cell));
      for (const [dimension, cell] of [
        ["ipa", project.ipa],
        ["sro", project.sro],
        ["dca", rated],
      ] as const) {
        if (!rawBand(cell) || seen.has(`${key} ${dimension}`)) continue;
        seen.add(`${key} ${dimension}`);
        first[dimension] = (first[dimension] ?? 0) + 1;
      }
    }
  }
  return first;
}
