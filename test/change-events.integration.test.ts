// Change events through the pipeline and the API: moves that follow levels (and say whether the
// band moved too), first ratings, and commitments that leave their publication and come back.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { reprocessSource } from "../src/pipeline/reprocess.ts";
import { api, makeAllDue, publish, runCron, seed, seedPage, seedUrl } from "./helpers.ts";

const HC_780 = "hsc-expert-panel-hc-780";
const GP_DATA = "hsc-expert-panel-hc-780--secure-public-and-professional-support-for-using-gp-data-for-b58930cb";
const GP_DATA_ROW = /<tr>\s*<td>Secure public and professional support[\s\S]*?<\/tr>/;

interface ChangeView {
  kind: string;
  scorecard_id: string;
  dimension: string | null;
  from: { label: string; band: string; score: number | null } | null;
  to: { label: string; band: string; score: number | null } | null;
  band_changed: boolean;
  changed_at: string;
}

async function changesOf(commitment: string): Promise<ChangeView[]> {
  const response = await api(`/v1/commitments/${commitment}`);
  expect(response.status).toBe(200);
  return (await response.json<{ changes: ChangeView[] }>()).changes;
}

async function scrape(page: string): Promise<void> {
  await publish(seedUrl(HC_780), page);
  await makeAllDue();
  await runCron();
}

async function allChanges() {
  const { results } = await env.DB.prepare(
    `SELECT kind, commitment_id, dimension, from_label, to_label, band_changed, changed_at, run_id FROM changes
     ORDER BY id`,
  ).all();
  return results;
}

describe("change events", () => {
  it("follow levels: Good → Outstanding is a move within the green band, and says so", async () => {
    await seed([HC_780]);
    await runCron();
    const page = seedPage(HC_780);
    expect(page).toContain("<td>Good</td>");
    await scrape(page.replace("<td>Good</td>", "<td>Outstanding</td>"));
    const { results } = await env.DB.prepare(
      `SELECT c.kind, c.from_label, c.to_label, c.band_changed, f.score AS from_score, t.score AS to_score
       FROM changes c JOIN observations f ON f.id = c.from_observation_id JOIN observations t ON t.id = c.to_observation_id
       WHERE c.kind = 'moved'`,
    ).all();
    expect(results).toEqual([
      { kind: "moved", from_label: "Good", to_label: "Outstanding", band_changed: 0, from_score: 67, to_score: 100 },
    ]);
    const run = await env.DB.prepare("SELECT changes_added FROM runs ORDER BY id DESC").first();
    expect(run).toEqual({ changes_added: 1 });
  });

  it("make a first rating of every rating a first run sees, and serve it with no 'from'", async () => {
    await seed([HC_780]);
    await runCron();
    const changes = await changesOf(GP_DATA);
    expect(changes).toEqual([
      {
        id: expect.any(Number),
        kind: "first-rating",
        scorecard_id: HC_780,
        dimension: "overall",
        from: null,
        to: { label: "Inadequate", band: "red", score: 0 },
        band_changed: true,
        changed_at: expect.any(String),
        effective_on: "2023-02-17", // the report's publication date
      },
    ]);
  });

  it("record a commitment that leaves its publication as removed, and as returned when it comes back", async () => {
    await seed([HC_780]);
    await runCron();
    await scrape(seedPage(HC_780).replace(GP_DATA_ROW, ""));
    const removedRun = await env.DB.prepare("SELECT id, changes_added FROM runs ORDER BY id DESC").first<{
      id: number;
      changes_added: number;
    }>();
    expect(removedRun!.changes_added).toBe(1);
    let changes = await changesOf(GP_DATA);
    expect(changes.map((c) => c.kind)).toEqual(["first-rating", "removed"]);
    expect(changes[1]).toMatchObject({ scorecard_id: HC_780, dimension: null, from: null, to: null });
    // The scorecard no longer lists it; its history stays.
    const scorecard = await (await api(`/v1/scorecards/${HC_780}`)).json<{ commitments: { id: string }[] }>();
    expect(scorecard.commitments.map((c) => c.id)).not.toContain(GP_DATA);

    // Running the same page again records nothing more.
    await scrape(seedPage(HC_780).replace(GP_DATA_ROW, "").replace("</body>", "<!-- edited --></body>"));
    expect((await changesOf(GP_DATA)).map((c) => c.kind)).toEqual(["first-rating", "removed"]);

    // It comes back, rated as before: returned, and nothing moved.
    await scrape(seedPage(HC_780));
    changes = await changesOf(GP_DATA);
    expect(changes.map((c) => c.kind)).toEqual(["first-rating", "removed", "returned"]);
    expect(changes[2]!.changed_at > changes[1]!.changed_at).toBe(true);
  });

  it("are rebuilt the same by a reprocess, removals and returns included", async () => {
    await seed([HC_780]);
    await runCron();
    await scrape(seedPage(HC_780).replace(GP_DATA_ROW, "").replace("<td>Good</td>", "<td>Outstanding</td>"));
    await scrape(seedPage(HC_780));
    const before = (await allChanges()).map(({ run_id: _, ...change }) => change);
    expect(before.map((c) => c.kind)).toEqual([
      ...Array(13).fill("first-rating"),
      "removed",
      "moved", // Good → Outstanding
      "returned",
      "moved", // Outstanding → Good
    ]);
    expect((await reprocessSource(env, HC_780)).outcome).toBe("ok");
    expect((await allChanges()).map(({ run_id: _, ...change }) => change)).toEqual(before);
  });
});
