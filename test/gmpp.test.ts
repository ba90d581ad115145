import { env } from "cloudflare:test";
import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import gmpp from "../scrapers/gmpp.ts";
import { parseCsv } from "../scrapers/lib/csv.ts";
import { extractStep, validateExtraction } from "../scrapers/lib/rule.ts";
import { mapLabel } from "../src/vocabularies.ts";
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
const csvText = (file: string) => seeded.archive[csvUrl(file)]!.body;
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

async function ingestInOrder() {
  for (const { source } of YEARS) {
    await seed([source]);
    await runCron();
  }
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
    expect(byKey("gmpp_2022_23.csv").get("DHSC_0067_2021-Q3")!.ratings).toEqual({ ipa: "NA", sro: "Amber" });
    expect(byKey("gmpp_2025_26.csv").get("DHSC_0067_2021-Q3")!.ratings).toEqual({ ipa: "GREEN", sro: "" });
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

  it("reads target dates in both published formats, and no single date from a range", () => {
    const dates = extract("gmpp_2024_25.csv").commitments.map((c) => c.target_date);
    expect(dates.slice(0, 5)).toEqual(["2030-03-31", "2030-12-27", null, "2024-06-30", "2027-09-30"]);
    expect(extract("gmpp_2022_23.csv").commitments[0]!.target_date).toBe("2024-09-30");
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
    expect(results).toEqual([
      { dimension: "ipa", n: 39 },
      { dimension: "sro", n: 42 },
    ]);
    const moved = await env.DB.prepare("SELECT count(DISTINCT commitment_id) AS n FROM changes").first<{ n: number }>();
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
      history: { dimension: string; label: string; band: string }[];
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
    expect(project.changes.map((c) => `${c.dimension} ${c.from.label} → ${c.to.label}`)).toEqual(["ipa AMBER → GREEN"]);
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
