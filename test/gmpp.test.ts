import { env } from "cloudflare:test";
import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import gmpp from "../scrapers/gmpp.ts";
import { parseCsv } from "../scrapers/lib/csv.ts";
import { defineRule } from "../scrapers/lib/rule.ts";
import { extractStep } from "../scrapers/lib/steps.ts";
import { ExtractionError } from "../scrapers/lib/expect.ts";
import { validateExtraction } from "../scrapers/lib/validate.ts";
import { decodeBody } from "../src/pipeline/fetch/decode.ts";
import { seedBody } from "../src/seeds.ts";
import { collapseWhitespace } from "../domain/text.ts";
import { mapLabel } from "../domain/vocabularies.ts";
import { api, count, makeAllDue, publish, runCron, seed, seeded } from "./helpers.ts";

// Expected figures were counted from the raw CSVs independently of this code (see the note on
// issue 3): projects per year, bands per year, and rating moves between consecutive years.
const YEARS = [
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

const csvUrl = (file: string) => `https://assets.publishing.service.gov.uk/media/reconstructed-sample/${file}`;
const csvText = (file: string) => {
  const document = seeded.archive[csvUrl(file)]!;
  return document.base64 ? decodeBody(seedBody(document) as Uint8Array, null) : document.body;
};
const extract = (file: string, csv = csvText(file)) =>
  validateExtraction(gmpp, extractStep(gmpp).extract(csv, { url: csvUrl(file), carried: {} }));

function tally(labels: string[]) {
  const bands: Record<string, number> = {};
  for (const label of labels) {
    const { band } = mapLabel("ipa-dca-3", label);
    bands[band] = (bands[band] ?? 0) + 1;
  }
  return bands;
}

async function ingestInOrder(sources = YEARS.map((y) => y.source)) {
  for (const source of sources) {
    await seed([source]);
    await runCron();
  }
}

// Every published year, oldest first. `projects` was counted with Python's csv module, apart
// from this code; every other figure below is counted in this file from the raw bytes, through
// a reader of its own (not the rule's Papa Parse), never taken from the rule's output.
const ALL_YEARS = [
  { source: "gmpp-2020-21", file: "gmpp_2020_21.csv", projects: 184, scale: "ipa-dca-5" },
  { source: "gmpp-2021-22", file: "gmpp_2021_22.csv", projects: 235, scale: "ipa-dca-3" },
  { source: "gmpp-2022-23", file: "gmpp_2022_23.csv", projects: 244, scale: "ipa-dca-3" },
  { source: "gmpp-2024-25", file: "gmpp_2024_25.csv", projects: 213, scale: "ipa-dca-3" },
  { source: "gmpp-2025-26", file: "gmpp_2025_26.csv", projects: 189, scale: "ipa-dca-3" },
];

/** An RFC 4180 reader written for these tests, independent of the rule's. */
function rfc4180(text: string): string[][] {
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
function rawText(file: string): string {
  const document = seeded.archive[csvUrl(file)]!;
  if (!document.base64) return document.body.replace(/^\uFEFF/, "");
  return new TextDecoder("windows-1252").decode(Uint8Array.from(atob(document.body), (c) => c.charCodeAt(0)));
}

const RAW_BANDS: Record<string, string> = {
  green: "green",
  amber: "amber",
  red: "red",
  "amber/red": "amber-red",
  "amber/green": "amber-green",
};
const rawBand = (cell: string | undefined) => RAW_BANDS[(cell ?? "").replace(/\s+/g, " ").trim().toLowerCase()];

/** Each project of a raw file: its ID, name and both assessment cells as published (no SRO cell where no column). */
function rawYear(file: string) {
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
function rawMoves(files: string[]): Record<string, number> {
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

describe("gmpp on the real CSVs", () => {
  it.each(YEARS)("reads $source: every project and both assessments", ({ file, projects, ipa, sro }) => {
    const { commitments } = extract(file);
    expect(commitments).toHaveLength(projects);
    expect(tally(commitments.map((c) => c.ratings.ipa!))).toEqual(ipa);
    expect(tally(commitments.map((c) => c.ratings.sro!))).toEqual(sro);
  });

  it("finds the ID column by its header in each year (first, last, renamed)", () => {
    expect(extract("gmpp_2022_23.csv").commitments[0]).toMatchObject({ key: "CO_0024_2021-Q2", policy_area: "CO" });
    expect(extract("gmpp_2024_25.csv").commitments[0]!.key).toBe("CO_0133_2223-Q1");
    expect(extract("gmpp_2025_26.csv").commitments[0]!.key).toBe("CO_0176_2223-Q3");
  });

  it("keeps exemption texts verbatim and reads blank and NA as not rated", () => {
    const byKey = (file: string) => new Map(extract(file).commitments.map((c) => [c.key, c]));
    const labels = extract("gmpp_2024_25.csv").commitments.map((c) => c.ratings.ipa!);
    expect(labels).toContain("Section 24 - National security");
    expect(mapLabel("ipa-dca-3", "Section 24 - National security")).toMatchObject({
      band: "exempt",
      label: "Section 24 - National security",
    });
    expect(mapLabel("ipa-dca-3", "")).toMatchObject({ band: "not-rated" });
    expect(byKey("gmpp_2022_23.csv").get("DHSC_0067_2021-Q3")!.ratings).toEqual({
      ipa: "NA",
      sro: "Amber",
      dca: "Amber",
    });
    expect(byKey("gmpp_2025_26.csv").get("DHSC_0067_2021-Q3")!.ratings).toEqual({
      ipa: "GREEN",
      sro: "",
      dca: "GREEN",
    });
  });

  it("parses quoted fields with newlines and the byte order mark", () => {
    const csv = csvText("gmpp_2022_23.csv");
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    const early = extract("gmpp_2022_23.csv").commitments.find((c) => c.ratings.ipa!.startsWith("Early planning"))!;
    expect(early.ratings.ipa).toBe(
      "Early planning GMPP project \r\n\r\n(The project has not yet passed SOC, or its programme equivalent)",
    );
    expect(mapLabel("ipa-dca-3", early.ratings.ipa!).band).toBe("not-rated");
  });

  it("keeps end dates verbatim as a schedule, never as a target date", () => {
    const commitments = extract("gmpp_2024_25.csv").commitments;
    expect(commitments.every((c) => c.target_date === null)).toBe(true);
    expect(commitments.slice(0, 3).map((c) => c.details!.end_date)).toEqual([
      "31/03/2030",
      "27/12/2030",
      "Low: 31/03/2025, Mid: 30/04/2025, High: 31/05/2025",
    ]);
    expect(extract("gmpp_2022_23.csv").commitments[0]!.details!.end_date).toBe("2024-09-30");
  });

  it("keys the rows that have no ID by their name, so none is lost", () => {
    const unnumbered = extract("gmpp_2025_26.csv").commitments.filter((c) => c.key.startsWith("unnumbered-"));
    expect(unnumbered.map((c) => c.key)).toEqual([
      "unnumbered-defra-flood-and-coastal-risk-management-fcrm-investment",
      "unnumbered-dfe-children-s-homes-capital-programme",
    ]);
  });
});

describe("gmpp through the pipeline", () => {
  it("follows the publication's Content API item to its CSV attachment", async () => {
    await seed(["gmpp-2024-25"]);
    await runCron();
    const { data } = await (
      await api("/v1/scorecards")
    ).json<{ data: { id: string; title: string; url: string; commitment_count: number; overall: unknown }[] }>();
    expect(data).toEqual([
      expect.objectContaining({
        id: "gmpp-nista-annual-report-2024-2025",
        title: "NISTA annual report 2024-2025",
        url: "https://www.gov.uk/government/publications/nista-annual-report-2024-2025",
        commitment_count: 213,
        overall: null,
      }),
    ]);
    const { results } = await env.DB.prepare("SELECT step, url, http_status FROM snapshots ORDER BY id").all();
    expect(results).toEqual([
      {
        step: "publication",
        url: "https://www.gov.uk/api/content/government/publications/nista-annual-report-2024-2025",
        http_status: 200,
      },
      { step: "projects", url: csvUrl("gmpp_2024_25.csv"), http_status: 200 },
    ]);
  });

  it("ingesting 2022-23, 2024-25 then 2025-26 records one change event per rating that moved, and nothing else", async () => {
    await ingestInOrder();
    expect(await count("commitments")).toBe(311); // 309 IDs, and 2 rows without one
    const { results } = await env.DB.prepare(
      "SELECT dimension, count(*) AS n FROM changes GROUP BY dimension ORDER BY dimension",
    ).all();
    // ipa and sro as counted for issue 3; dca (the one rating of each year) counted from the raw files.
    const raw = rawMoves(YEARS.map((y) => y.file));
    expect(raw).toMatchObject({ ipa: 39, sro: 42 });
    expect(results).toEqual([
      { dimension: "dca", n: raw.dca },
      { dimension: "ipa", n: 39 },
      { dimension: "sro", n: 42 },
    ]);
    const moved = await env.DB.prepare(
      "SELECT count(DISTINCT commitment_id) AS n FROM changes WHERE dimension != 'dca'",
    ).first<{ n: number }>();
    expect(moved!.n).toBe(69);
    // Every change is between two ratings; a move into or out of "exempt" or "not rated" is not one.
    const states = await env.DB.prepare(
      "SELECT count(*) AS n FROM changes WHERE from_band NOT IN ('green','amber','red') OR to_band NOT IN ('green','amber','red')",
    ).first<{ n: number }>();
    expect(states!.n).toBe(0);
  });

  it("follows one project's ratings across the three years", async () => {
    await ingestInOrder();
    const project = await (
      await api("/v1/commitments/gmpp--dhsc-0067-2021-q3")
    ).json<{
      scorecards: { id: string }[];
      history: { dimension: string; label: string; band: string; assessed_by?: string }[];
      changes: { dimension: string; from: { label: string }; to: { label: string } }[];
    }>();
    expect(project.scorecards.map((s) => s.id)).toEqual([
      "gmpp-infrastructure-and-projects-authority-annual-report-2022-23",
      "gmpp-nista-annual-report-2024-2025",
      "gmpp-nista-major-projects-annual-report-2025-26",
    ]);
    expect(project.history.filter((o) => o.dimension === "ipa").map((o) => `${o.label}:${o.band}`)).toEqual([
      "NA:not-rated",
      "AMBER:amber",
      "GREEN:green",
    ]);
    expect(project.history.filter((o) => o.dimension === "sro").map((o) => `${o.label}:${o.band}`)).toEqual([
      "Amber:amber",
      ":not-rated",
      ":not-rated",
    ]);
    // Its one rating of each year: the SRO's in 2022-23, the IPA's after.
    expect(
      project.history.filter((o) => o.dimension === "dca").map((o) => `${o.label}:${o.band}:${o.assessed_by}`),
    ).toEqual(["Amber:amber:sro", "AMBER:amber:ipa", "GREEN:green:ipa"]);
    expect(project.changes.map((c) => `${c.dimension} ${c.from.label} → ${c.to.label}`)).toEqual([
      "ipa AMBER → GREEN",
      "dca AMBER → GREEN",
    ]);
  });

  it("running again over the same files adds nothing", async () => {
    await ingestInOrder();
    const before = [await count("observations"), await count("changes")];
    await makeAllDue();
    await runCron();
    expect([await count("observations"), await count("changes")]).toEqual(before);
    const { results } = await env.DB.prepare("SELECT outcome FROM runs ORDER BY id DESC LIMIT 3").all();
    expect(results.map((r) => r.outcome)).toEqual(["unchanged", "unchanged", "unchanged"]);
  });
});

describe("gmpp drift", () => {
  it("a file that lost half its rows is drift, and the old data survives", async () => {
    await seed(["gmpp-2024-25"]);
    await runCron();
    const before = await (await api("/v1/scorecards/gmpp-nista-annual-report-2024-2025")).json();
    const [header, ...rows] = parseCsv(csvText("gmpp_2024_25.csv"));
    await publish(csvUrl("gmpp_2024_25.csv"), Papa.unparse([header!, ...rows.slice(0, Math.floor(rows.length / 2))]));
    await makeAllDue();
    await runCron();
    const run = await env.DB.prepare("SELECT outcome, failed_check, error FROM runs ORDER BY id DESC LIMIT 1").first();
    expect(run).toMatchObject({
      outcome: "drift",
      failed_check: "drop threshold",
      error: expect.stringMatching(/dropped from 213 to \d+/),
    });
    expect(await (await api("/v1/scorecards/gmpp-nista-annual-report-2024-2025")).json()).toEqual(before);
    const source = await env.DB.prepare(
      "SELECT consecutive_failures, last_failed_check FROM sources WHERE id = 'gmpp-2024-25'",
    ).first();
    expect(source).toEqual({ consecutive_failures: 1, last_failed_check: "drop threshold" });
  });

  it("a file whose rows fail validation is drift", async () => {
    await seed(["gmpp-2024-25"]);
    const [header, ...rows] = parseCsv(csvText("gmpp_2024_25.csv"));
    const nameColumn = header!.indexOf("Project Name");
    await publish(csvUrl("gmpp_2024_25.csv"), Papa.unparse([header!, ...rows.map((row) => row.with(nameColumn, ""))]));
    await runCron();
    const run = await env.DB.prepare("SELECT outcome, failed_check, error FROM runs ORDER BY id DESC LIMIT 1").first();
    expect(run).toMatchObject({
      outcome: "drift",
      failed_check: "validation",
      error: expect.stringMatching(/commitments\.0\.text/),
    });
    expect(await count("observations")).toBe(0);
  });

  it("a file whose assessment column was renamed is drift, naming the column", async () => {
    await seed(["gmpp-2024-25"]);
    await publish(
      csvUrl("gmpp_2024_25.csv"),
      csvText("gmpp_2024_25.csv").replace("IPA Delivery Confidence Assessment", "IPA View"),
    );
    await runCron();
    const run = await env.DB.prepare("SELECT outcome, failed_check FROM runs ORDER BY id DESC LIMIT 1").first();
    expect(run).toEqual({ outcome: "drift", failed_check: 'csv column "ipa"' });
    expect(await count("observations")).toBe(0);
  });
});

describe("gmpp: every year, every scale", () => {
  it.each(ALL_YEARS)("reads $file exactly: every project, its ID and the cells as published", ({ file, projects }) => {
    const raw = rawYear(file);
    const { commitments } = extract(file);
    expect(raw).toHaveLength(projects);
    expect(commitments).toHaveLength(projects);
    commitments.forEach((c, i) => {
      const published = raw[i]!;
      if (published.id) expect(c.key).toBe(published.id);
      else expect(c.key).toMatch(/^unnumbered-/);
      expect(c.text).toBe(published.name);
      expect(c.target_date).toBeNull();
      // `ipa` and `sro` exactly as published; no `sro` at all in a year without the column.
      const expected: Record<string, string> = { ipa: published.ipa };
      if (published.sro !== undefined) expected.sro = published.sro;
      const { dca, ...asPublished } = c.ratings;
      expect(asPublished).toEqual(expected);
      // `dca`: the one rated cell, and whose it is; else the state both columns give.
      const rated = (["ipa", "sro"] as const).filter((d) => rawBand(published[d]));
      expect(rated.length).toBeLessThanOrEqual(1);
      if (rated.length === 1) {
        expect(dca).toBe(published[rated[0]!]);
        expect(c.assessed_by).toEqual({ dca: rated[0] });
      } else {
        expect(c.assessed_by).toBeUndefined();
        expect([published.ipa, published.sro]).toContain(dca);
      }
    });
    const ids = raw.map((p) => p.id).filter(Boolean);
    expect(new Set(commitments.map((c) => c.key).filter((k) => !k.startsWith("unnumbered-")))).toEqual(new Set(ids));
  });

  it.each(ALL_YEARS)("rates $file on the scale its labels show, and maps every rating label", ({ file, scale }) => {
    const raw = rawYear(file);
    const labels = raw.flatMap((p) => [p.ipa, p.sro]).filter((cell): cell is string => rawBand(cell) !== undefined);
    const fivePoint = labels.some((cell) => /^amber\s*\/\s*(?:red|green)$/i.test(cell));
    expect(fivePoint ? "ipa-dca-5" : "ipa-dca-3").toBe(scale);
    const extraction = extract(file);
    expect(extraction.scorecard.vocabulary).toBe(scale);
    // Per band, as many ratings as the raw file has rating labels.
    const rawTally: Record<string, number> = {};
    for (const cell of labels) rawTally[rawBand(cell)!] = (rawTally[rawBand(cell)!] ?? 0) + 1;
    const tally: Record<string, number> = {};
    for (const c of extraction.commitments)
      for (const d of ["ipa", "sro"]) {
        const label = c.ratings[d];
        if (label === undefined) continue;
        const { band } = mapLabel(scale as "ipa-dca-3" | "ipa-dca-5", label);
        if (band !== "not-rated" && band !== "exempt" && band !== "unmapped" && band !== "withheld")
          tally[band] = (tally[band] ?? 0) + 1;
      }
    expect(tally).toEqual(rawTally);
  });

  it("each year rates each project once: by the IPA or by its SRO, never both, never neither", () => {
    for (const { file } of ALL_YEARS) {
      for (const project of rawYear(file)) {
        const rated = [project.ipa, project.sro].filter((cell) => rawBand(cell));
        expect(rated.length, `${file} ${project.id}`).toBeLessThanOrEqual(1);
        if (rated.length === 0) {
          // No rating: one state (an exemption, early planning) in one column, or the same in both.
          const said = [project.ipa, project.sro].filter(
            (cell) => cell !== undefined && !/^(?:|na|not applicable)$/i.test(cell),
          );
          expect(new Set(said.map((cell) => collapseWhitespace(cell!))).size, `${file} ${project.id}`).toBe(1);
        }
      }
    }
  });

  it("refuses a year that rates a project twice, naming it", () => {
    const [header, ...rows] = rfc4180(rawText("gmpp_2024_25.csv"));
    const sro = header!.indexOf("SRO Delivery Confidence Assessment");
    const ipa = header!.indexOf("IPA Delivery Confidence Assessment");
    const first = rows.findIndex((row) => row[ipa] === "" && rawBand(row[sro]));
    const csv = Papa.unparse([header!, ...rows.map((row, i) => (i === first ? row.with(ipa, "RED") : row))]);
    expect(() => extract("gmpp_2024_25.csv", csv)).toThrow(/rated by both the IPA \("RED"\) and its SRO/);
  });

  it("decodes 2020-21 from windows-1252 and reads it without an SRO column, on the five-point scale", () => {
    const document = seeded.archive[csvUrl("gmpp_2020_21.csv")]!;
    expect(document.base64).toBe(true);
    const bytes = seedBody(document) as Uint8Array;
    expect(() => new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes)).toThrow();
    const text = decodeBody(bytes, null);
    expect(text).toBe(new TextDecoder("windows-1252").decode(bytes));
    expect(text).toContain("£m");
    const { commitments } = extract("gmpp_2020_21.csv");
    expect(commitments.every((c) => !("sro" in c.ratings))).toBe(true);
    expect(commitments[0]!.details).toMatchObject({
      whole_life_cost: "£2,013.02",
      whole_life_cost_unit: "£m, including Non-Government Costs",
    });
    expect(mapLabel("ipa-dca-5", "Amber/red")).toMatchObject({ band: "amber-red", score: 25 });
    // Cells that explain why there is no assessment are states, never ratings.
    const explained = commitments.filter((c) => /^(?:The project is not|Legal sensitivity)/.test(c.ratings.ipa!));
    expect(explained.map((c) => mapLabel("ipa-dca-5", c.ratings.ipa!).band)).toEqual(["withheld", "not-rated"]);
  });

  it("decodes a body by its charset, else as UTF-8 (without its byte order mark), else windows-1252", () => {
    const utf8 = new TextEncoder().encode("\uFEFFProject – £5m");
    expect(decodeBody(utf8, null)).toBe("Project – £5m");
    expect(decodeBody(utf8, "text/csv; charset=utf-8")).toBe("Project – £5m");
    const cp1252 = new Uint8Array([0x96, 0x20, 0xa3, 0x35]);
    expect(decodeBody(cp1252, null)).toBe("– £5");
    expect(decodeBody(cp1252, "text/csv")).toBe("– £5");
    expect(decodeBody(cp1252, "text/csv; charset=x-unknown")).toBe("– £5");
    expect(decodeBody(new Uint8Array([0xe9]), "text/plain; charset=iso-8859-1")).toBe("é");
  });

  it("reads a transposed table (fields down the first column, one project per column) as the same projects", () => {
    const table = rfc4180(rawText("gmpp_2021_22.csv"));
    const transposed = table[0]!.map((_, column) => table.map((row) => row[column] ?? ""));
    const read = extract("gmpp_2021_22.csv", Papa.unparse(transposed));
    expect(read).toEqual(extract("gmpp_2021_22.csv"));
    expect(read.commitments).toHaveLength(235);
    // "Not Applicable", as some years publish a missing rating, is not rated: the year reads the same.
    const notApplicable = transposed.map((row) =>
      /^(?:IPA|SRO) Delivery/.test(row[0]!) ? row.map((cell) => cell || "Not Applicable") : row,
    );
    const withNa = extract("gmpp_2021_22.csv", Papa.unparse(notApplicable));
    const oneRating = (e: typeof read) => e.commitments.map((c) => [c.ratings.dca, c.assessed_by]);
    expect(oneRating(withNa)).toEqual(oneRating(read));
    const sro = withNa.commitments.find((c) => c.assessed_by?.dca === "ipa")!.ratings.sro!;
    expect(sro).toBe("Not Applicable");
    expect(mapLabel("ipa-dca-3", sro).band).toBe("not-rated");
  });

  it("names every missing column at once, and says when the table looks transposed or of another layout", () => {
    const renamed = csvText("gmpp_2024_25.csv")
      .replace("IPA Delivery Confidence Assessment", "IPA View")
      .replace("Project Name", "Name");
    const error = (() => {
      try {
        extract("gmpp_2024_25.csv", renamed);
      } catch (e) {
        return e as ExtractionError;
      }
    })();
    expect(error).toBeInstanceOf(ExtractionError);
    expect(error!.message).toMatch(/no header matches 2 columns: "name" .*, "ipa" /);
    expect(error!.check).toBe('csv columns "name", "ipa"');

    const table = rfc4180(rawText("gmpp_2024_25.csv"));
    const transposed = table[0]!.map((_, column) => table.map((row) => row[column] ?? ""));
    const broken = Papa.unparse(transposed.filter((row) => row[0] !== "Start Date"));
    expect(() => extract("gmpp_2024_25.csv", broken)).toThrow(/"start".*the table looks transposed/);
    const titled = `Government Major Projects Portfolio data\n${csvText("gmpp_2024_25.csv").replace(/^\uFEFF/, "")}`;
    expect(() => extract("gmpp_2024_25.csv", titled)).toThrow(/another layout/);
  });

  it("keeps each year's department, category, description, dates and cost, and normalises departments", () => {
    const codes = new Map<string, Set<string>>();
    for (const { file } of ALL_YEARS) {
      for (const c of extract(file).commitments) {
        const d = c.details!;
        expect(d.department).toBe(c.policy_area);
        expect(d.department_code, `${file}: ${d.department}`).not.toBeNull();
        expect(d.department_name).not.toBeNull();
        expect(d.department_code).toBe(d.department!.toUpperCase());
        codes.set(d.department_code!, (codes.get(d.department_code!) ?? new Set()).add(d.department!));
        expect(d.category).not.toBeNull();
        expect(d.description).not.toBeNull();
      }
    }
    expect(codes.get("MOD")).toEqual(new Set(["MOD", "MoD"]));
    expect(codes.get("DFT")).toEqual(new Set(["DFT", "DfT"]));
    const units = ALL_YEARS.map(({ file }) => extract(file).commitments[0]!.details!.whole_life_cost_unit);
    expect(units).toEqual([
      "£m, including Non-Government Costs",
      "£m, including Non-Government Costs",
      "£m, including Non-Government Costs",
      "£m",
      "£m, Presented in 2024/25 Real Prices",
    ]);
  });

  it("refuses a scorecard vocabulary its rule does not declare, and a declaration without its default", () => {
    const extraction = extract("gmpp_2024_25.csv");
    expect(() =>
      validateExtraction(gmpp, { ...extraction, scorecard: { ...extraction.scorecard, vocabulary: "cqc" } }),
    ).toThrow(/vocabulary must be one the rule declares: ipa-dca-3, ipa-dca-5/);
    expect(() => defineRule({ ...gmpp, vocabularies: ["ipa-dca-5"] })).toThrow(/must include the default vocabulary/);
    const first = extraction.commitments[0]!;
    expect(() =>
      validateExtraction(gmpp, { ...extraction, commitments: [{ ...first, assessed_by: { overall: "ipa" } }] }),
    ).toThrow(/assessed_by may only name dimensions/);
  });
});

describe("gmpp: five years through the pipeline", () => {
  it(
    "follows each project's one rating across every year and scale, whoever gave it",
    { timeout: 30_000 },
    async () => {
      await ingestInOrder(ALL_YEARS.map((y) => y.source));
      const raw = rawMoves(ALL_YEARS.map((y) => y.file));
      const { results } = await env.DB.prepare(
        "SELECT dimension, count(*) AS n FROM changes GROUP BY dimension ORDER BY dimension",
      ).all();
      expect(results).toEqual([
        { dimension: "dca", n: raw.dca },
        { dimension: "ipa", n: raw.ipa },
        { dimension: "sro", n: raw.sro },
      ]);
      const keys = new Set(ALL_YEARS.flatMap(({ file }) => rawYear(file).map((p) => p.id || `unnumbered ${p.name}`)));
      expect(await count("commitments")).toBe(keys.size);
      // 2020-21: the five-point scale, and no SRO observation at all.
      const y2020 = "gmpp-infrastructure-and-projects-authority-annual-report-2021";
      const scales = await env.DB.prepare(
        "SELECT vocabulary, count(*) AS n FROM observations WHERE scorecard_id = ? GROUP BY vocabulary",
      )
        .bind(y2020)
        .all();
      expect(scales.results).toEqual([{ vocabulary: "ipa-dca-5", n: 2 * 184 }]);
      expect(
        await env.DB.prepare("SELECT count(*) AS n FROM observations WHERE scorecard_id = ? AND dimension = 'sro'")
          .bind(y2020)
          .first("n"),
      ).toBe(0);
      // A move from the five-point scale to the three-point one compares on the common scale.
      const crossScale = await env.DB.prepare(
        "SELECT count(*) AS n FROM changes WHERE from_band IN ('amber-red', 'amber-green') AND dimension = 'dca'",
      ).first<{ n: number }>();
      expect(crossScale!.n).toBeGreaterThan(0);
      // Every dca rating names its assessor; a state names none.
      const unnamed = await env.DB.prepare(
        "SELECT count(*) AS n FROM observations WHERE dimension = 'dca' AND (band IN ('green','amber-green','amber','amber-red','red')) = (assessed_by IS NULL)",
      ).first<{ n: number }>();
      expect(unnamed!.n).toBe(0);
    },
  );

  it("serves assessed_by and each year's details on a commitment and on its scorecards", async () => {
    await ingestInOrder(["gmpp-2024-25", "gmpp-2025-26"]);
    const project = await (
      await api("/v1/commitments/gmpp--dhsc-0067-2021-q3")
    ).json<{
      target_date: string | null;
      scorecards: { id: string; details: Record<string, string | null> }[];
      history: { dimension: string; assessed_by?: string }[];
    }>();
    expect(project.target_date).toBeNull();
    expect(project.scorecards.map((s) => s.details.end_date)).toEqual(
      ["gmpp_2024_25.csv", "gmpp_2025_26.csv"].map((file) => rawDetail(file, "DHSC_0067_2021-Q3", /^End Date$/)),
    );
    expect(project.scorecards[0]!.details).toMatchObject({
      department: "DHSC",
      department_name: "Department of Health and Social Care",
    });
    expect(project.history.filter((o) => o.dimension === "dca").map((o) => o.assessed_by)).toEqual(["ipa", "ipa"]);
    expect(project.history.filter((o) => o.dimension === "ipa").every((o) => !("assessed_by" in o))).toBe(true);
    const scorecard = await (
      await api("/v1/scorecards/gmpp-nista-annual-report-2024-2025")
    ).json<{
      vocabulary: string;
      dimensions: { key: string }[];
      commitments: {
        key: string;
        details: Record<string, string | null>;
        ratings: Record<string, { assessed_by?: string }>;
      }[];
    }>();
    expect(scorecard.vocabulary).toBe("ipa-dca-3");
    expect(scorecard.dimensions.map((d) => d.key)).toEqual(["ipa", "sro", "dca"]);
    const falcon = scorecard.commitments.find((c) => c.key === "CO_0133_2223-Q1")!;
    expect(falcon.details.description).toBe(rawDetail("gmpp_2024_25.csv", "CO_0133_2223-Q1", /^Project Description$/));
    expect(falcon.ratings.dca!.assessed_by).toBe(
      rawBand(rawDetail("gmpp_2024_25.csv", "CO_0133_2223-Q1", /^IPA Delivery/)) ? "ipa" : "sro",
    );
  });
});

/** One raw cell of a project, by a pattern for its column's header. */
function rawDetail(file: string, id: string, header: RegExp): string {
  const [headers, ...rows] = rfc4180(rawText(file));
  const column = headers!.findIndex((h) => header.test(h.replace(/\s+/g, " ").trim()));
  const idColumn = headers!.findIndex((h) => /^(?:GMPP ID|Major Projects ID)/i.test(h));
  return rows.find((row) => row[idColumn]!.trim() === id)![column]!.trim();
}
