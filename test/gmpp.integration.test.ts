// The gmpp rule through the pipeline: the Content API item to its CSV, years in order, drift.
import { env } from "cloudflare:workers";
import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import gmpp from "../scrapers/gmpp.ts";
import { parseCsv } from "../scrapers/lib/csv.ts";
import { api, count, makeAllDue, publish, runCron, seed } from "./helpers.ts";
import {
  ALL_YEARS,
  csvText,
  csvUrl,
  rawBand,
  rawFirstRatings,
  rawMoves,
  rawText,
  rawYear,
  rfc4180,
  YEARS,
} from "./support/gmpp-files.ts";

async function ingestInOrder(sources = YEARS.map((y) => y.source)) {
  for (const source of sources) {
    await seed([source]);
    await runCron();
  }
}

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

  it("ingesting 2022-23, 2024-25 then 2025-26 records one change event per rating that moved or was first given, and nothing else", async () => {
    await ingestInOrder();
    expect(await count("commitments")).toBe(311); // 309 IDs, and 2 rows without one
    const { results } = await env.DB.prepare(
      "SELECT kind, dimension, count(*) AS n FROM changes GROUP BY kind, dimension ORDER BY kind, dimension",
    ).all();
    // Moves: ipa and sro as counted for issue 3; dca (the one rating of each year) counted from the
    // raw files. On the IPA's scales every level has its own band, so every move changes band.
    // First ratings: each project's first rated cell of each dimension, counted from the raw files.
    const raw = rawMoves(YEARS.map((y) => y.file));
    const first = rawFirstRatings(YEARS.map((y) => y.file));
    expect(raw).toMatchObject({ ipa: 39, sro: 42 });
    expect(results).toEqual([
      { kind: "first-rating", dimension: "dca", n: first.dca },
      { kind: "first-rating", dimension: "ipa", n: first.ipa },
      { kind: "first-rating", dimension: "sro", n: first.sro },
      { kind: "moved", dimension: "dca", n: raw.dca },
      { kind: "moved", dimension: "ipa", n: 39 },
      { kind: "moved", dimension: "sro", n: 42 },
    ]);
    const moved = await env.DB.prepare(
      "SELECT count(DISTINCT commitment_id) AS n FROM changes WHERE kind = 'moved' AND dimension != 'dca'",
    ).first<{ n: number }>();
    expect(moved!.n).toBe(69);
    // Every move is between two ratings, and changes band; a move into or out of "exempt" or "not rated" is not one.
    const states = await env.DB.prepare(
      `SELECT count(*) AS n FROM changes WHERE kind = 'moved'
         AND (from_band NOT IN ('green','amber','red') OR to_band NOT IN ('green','amber','red') OR band_changed = 0)`,
    ).first<{ n: number }>();
    expect(states!.n).toBe(0);
    // A first rating comes from nothing, or from a state.
    const firsts = await env.DB.prepare(
      "SELECT count(*) AS n FROM changes WHERE kind = 'first-rating' AND from_band IN ('green','amber','red')",
    ).first<{ n: number }>();
    expect(firsts!.n).toBe(0);
    // No project left a publication: each year is its own scorecard, read once.
    expect(await count("changes WHERE kind IN ('removed', 'returned')")).toBe(0);
  });

  it("follows one project's ratings across the three years", async () => {
    await ingestInOrder();
    const project = await (
      await api("/v1/commitments/gmpp--dhsc-0067-2021-q3")
    ).json<{
      scorecards: { id: string }[];
      history: { dimension: string; label: string; band: string; assessed_by?: string }[];
      changes: { kind: string; dimension: string; from: { label: string } | null; to: { label: string } }[];
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
    expect(project.changes.map((c) => `${c.kind} ${c.dimension} ${c.from?.label ?? "—"} → ${c.to.label}`)).toEqual([
      "first-rating sro — → Amber",
      "first-rating dca — → Amber",
      "first-rating ipa NA → AMBER",
      "moved ipa AMBER → GREEN",
      "moved dca AMBER → GREEN",
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

describe("gmpp: five years through the pipeline", () => {
  it(
    "follows each project's one rating across every year and scale, whoever gave it",
    { timeout: 30_000 },
    async () => {
      await ingestInOrder(ALL_YEARS.map((y) => y.source));
      const raw = rawMoves(ALL_YEARS.map((y) => y.file));
      const first = rawFirstRatings(ALL_YEARS.map((y) => y.file));
      const { results } = await env.DB.prepare(
        "SELECT kind, dimension, count(*) AS n FROM changes GROUP BY kind, dimension ORDER BY kind, dimension",
      ).all();
      expect(results).toEqual([
        { kind: "first-rating", dimension: "dca", n: first.dca },
        { kind: "first-rating", dimension: "ipa", n: first.ipa },
        { kind: "first-rating", dimension: "sro", n: first.sro },
        { kind: "moved", dimension: "dca", n: raw.dca },
        { kind: "moved", dimension: "ipa", n: raw.ipa },
        { kind: "moved", dimension: "sro", n: raw.sro },
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
