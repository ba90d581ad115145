// Ratings that vanish: a few are news (recorded as not rated); many at once are a layout change,
// and the run is drift with nothing applied.
import { env } from "cloudflare:workers";
import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import { parseCsv } from "../scrapers/lib/csv.ts";
import { reprocessSource } from "../src/pipeline/reprocess.ts";
import { api, count, makeAllDue, publish, runCron, seed, seeded, seedPage, seedUrl } from "./helpers.ts";

const HC_780 = "hsc-expert-panel-hc-780";

// HC 780 rates 13 cells: the evaluation's overall rating, two commitments' overall ratings, and
// two commitments on all five dimensions. The rule's maxDrop is 30%: more than 3.9 vanishing is drift.
const RECORDS_ROW = "a functionally single record</td>\n      <td></td><td></td><td></td><td></td><td>Inadequate</td>";
const GP_DATA_ROW = "secondary purposes</td>\n      <td></td><td></td><td></td><td></td><td>Inadequate</td>";

/** HC 780 with every rating in its table blanked: 12 of its 13 rated cells vanish. */
const blanked = () =>
  seedPage(HC_780).replace(/(<table[\s\S]*<\/table>)/, (table) =>
    table.replace(/<td>(?:Inadequate|Requires(?:&nbsp;| )improvement|Good)<\/td>/g, "<td></td>"),
  );

async function lastRun() {
  return env.DB.prepare("SELECT outcome, failed_check, error, observations_added FROM runs ORDER BY id DESC").first();
}

async function scorecard() {
  return (await api(`/v1/scorecards/${HC_780}`)).json();
}

describe("ratings that vanish en masse", () => {
  it("are drift: nothing is applied and the old data stays", async () => {
    await seed([HC_780]);
    await runCron();
    const before = { scorecard: await scorecard(), observations: await count("observations") };
    const page = blanked();
    expect(page).not.toBe(seedPage(HC_780));
    await publish(seedUrl(HC_780), page);
    await makeAllDue();
    await runCron();
    expect(await lastRun()).toEqual({
      outcome: "drift",
      failed_check: "ratings vanished",
      error:
        "12 of 13 ratings the last good run read are now blank, absent, not rated or unmapped, more than the rule's 30% threshold",
      observations_added: null,
    });
    expect(await scorecard()).toEqual(before.scorecard);
    expect(await count("observations")).toBe(before.observations);
    const source = await env.DB.prepare(
      "SELECT last_outcome, consecutive_failures, last_failed_check FROM sources",
    ).first();
    expect(source).toEqual({ last_outcome: "drift", consecutive_failures: 1, last_failed_check: "ratings vanished" });
  });

  it("count a commitment that left the page with its ratings", async () => {
    await seed([HC_780]);
    await runCron();
    // One row of six leaves (under the 30% commitment threshold) with its five ratings: 5 of 13.
    const page = seedPage(HC_780).replace(/<tr>\s*<td>Recruit, retain[\s\S]*?<\/tr>/, "");
    expect(page).not.toBe(seedPage(HC_780));
    await publish(seedUrl(HC_780), page);
    await makeAllDue();
    await runCron();
    expect(await lastRun()).toMatchObject({ outcome: "drift", failed_check: "ratings vanished" });
    expect((await lastRun())!.error).toMatch(/^5 of 13 /);
  });

  it("recover on the next good run, measured against the data that stayed", async () => {
    await seed([HC_780]);
    await runCron();
    await publish(seedUrl(HC_780), blanked());
    await makeAllDue();
    await runCron(); // drift
    // The page comes back with its ratings, and one of them moved.
    await publish(
      seedUrl(HC_780),
      seedPage(HC_780).replace(
        RECORDS_ROW,
        RECORDS_ROW.replace("<td>Inadequate</td>", "<td>Requires improvement</td>"),
      ),
    );
    await makeAllDue();
    await runCron();
    expect(await lastRun()).toMatchObject({ outcome: "ok", observations_added: 1 });
    expect(await env.DB.prepare("SELECT last_outcome, consecutive_failures FROM sources").first()).toEqual({
      last_outcome: "ok",
      consecutive_failures: 0,
    });
    const changes = await env.DB.prepare(
      "SELECT commitment_id, from_band, to_band FROM changes WHERE kind = 'moved'",
    ).all();
    expect(changes.results).toEqual([
      {
        commitment_id: expect.stringMatching(/^hsc-expert-panel-hc-780--roll-out-integrated/),
        from_band: "red",
        to_band: "amber",
      },
    ]);
  });

  it("are skipped by a reprocess, as the scrape refused them", async () => {
    await seed([HC_780]);
    await runCron();
    await publish(seedUrl(HC_780), blanked());
    await makeAllDue();
    await runCron(); // drift
    const before = { scorecard: await scorecard(), observations: await count("observations") };
    const summary = await reprocessSource(env, HC_780);
    expect(summary).toMatchObject({
      outcome: "ok",
      skipped: [{ error: expect.stringMatching(/^12 of 13 ratings the last good run read/) }],
    });
    expect(await count("observations")).toBe(before.observations);
    expect(await scorecard()).toEqual(before.scorecard);
  });
});

describe("a few ratings that vanish", () => {
  it("are applied, and recorded as not rated", async () => {
    await seed([HC_780]);
    await runCron();
    // 3 of 13: under the threshold.
    const page = seedPage(HC_780)
      .replace(RECORDS_ROW, RECORDS_ROW.replace("<td>Inadequate</td>", "<td></td>"))
      .replace(GP_DATA_ROW, GP_DATA_ROW.replace("<td>Inadequate</td>", "<td></td>"))
      .replace("<td>Good</td>", "<td></td>");
    await publish(seedUrl(HC_780), page);
    await makeAllDue();
    await runCron();
    expect(await lastRun()).toMatchObject({ outcome: "ok", observations_added: 3 });
    const { results } = await env.DB.prepare(
      "SELECT dimension, label, band FROM observations WHERE run_id = (SELECT max(id) FROM runs) ORDER BY id",
    ).all();
    expect(results).toEqual([
      { dimension: "overall", label: "", band: "not-rated" },
      { dimension: "overall", label: "", band: "not-rated" },
      { dimension: "appropriateness", label: "", band: "not-rated" },
    ]);
    expect(await count("changes WHERE kind != 'first-rating'")).toBe(0);
  });
});

describe("scorecards that share commitments (the GMPP years)", () => {
  it("are each compared with their own last good run, never with another year", async () => {
    await seed(["gmpp-2022-23"]);
    await runCron();
    // The 2024-25 file, cut to its first 60 projects: most of the projects 2022-23 rated are
    // absent from it, but this scorecard never rated them.
    const csv = "https://assets.publishing.service.gov.uk/media/reconstructed-sample/gmpp_2024_25.csv";
    const [header, ...rows] = parseCsv(seeded.archive[csv]!.body);
    await seed(["gmpp-2024-25"]);
    await publish(csv, Papa.unparse([header!, ...rows.slice(0, 60)]));
    await runCron();
    const outcomes = await env.DB.prepare(
      "SELECT source_id, outcome, failed_check FROM runs WHERE trigger != 'reprocess' ORDER BY id",
    ).all();
    expect(outcomes.results).toEqual([
      { source_id: "gmpp-2022-23", outcome: "ok", failed_check: null },
      { source_id: "gmpp-2024-25", outcome: "ok", failed_check: null },
    ]);
    // A reprocess of the shared history reads both years, each against its own last version.
    expect(await reprocessSource(env, "gmpp-2024-25")).toMatchObject({ outcome: "ok", skipped: [] });
  }, 20_000);
});
