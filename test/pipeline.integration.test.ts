import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { upsertSources } from "../src/db/sources.ts";
import { api, count, HSC_SOURCES, makeAllDue, publish, runCron, seed, seedPage, seedUrl } from "./helpers.ts";

const HC_780 = "hsc-expert-panel-hc-780";

async function runs() {
  const { results } = await env.DB.prepare(
    "SELECT source_id, outcome, error, observations_added, changes_added FROM runs ORDER BY id",
  ).all<{
    source_id: string;
    outcome: string;
    error: string | null;
    observations_added: number | null;
    changes_added: number | null;
  }>();
  return results;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("a scheduled run", () => {
  it("scrapes every due source into D1, and the API serves it", async () => {
    await seed(HSC_SOURCES);
    await runCron();

    expect((await runs()).map((r) => r.outcome)).toEqual(Array(6).fill("ok"));
    expect(await count("scorecards")).toBe(6);
    expect(await count("snapshots")).toBe(6);
    // The evaluations' 6 overall ratings, then per report: 4 + 4 + 0 + 1 + 12 + 4 commitment ratings.
    expect(await count("observations")).toBe(31);
    // Every one of them is a rating seen for the first time: a first-rating event each, and no move.
    const kinds = await env.DB.prepare("SELECT kind, count(*) AS n FROM changes GROUP BY kind").all();
    expect(kinds.results).toEqual([{ kind: "first-rating", n: 31 }]);

    const list = await api("/v1/scorecards");
    expect(list.status).toBe(200);
    const { data, meta } = await list.json<{
      data: { id: string; overall: { label: string; band: string } }[];
      meta: { total: number };
    }>();
    expect(meta.total).toBe(6);
    expect(Object.fromEntries(data.map((s) => [s.id, `${s.overall.label} (${s.overall.band})`]))).toEqual({
      "hsc-expert-panel-hc-18": "Requires improvement (amber)",
      "hsc-expert-panel-hc-612": "Requires improvement (amber)",
      "hsc-expert-panel-hc-1025": "Inadequate (red)",
      "hsc-expert-panel-hc-112": "Inadequate (red)",
      "hsc-expert-panel-hc-780": "Inadequate (red)",
      "hsc-expert-panel-hc-1310": "Requires improvement (amber)",
    });
    expect(data.map((s) => s.id)[0]).toBe("hsc-expert-panel-hc-1310"); // newest first
  });

  it("serves a scorecard's commitments with their current rating on every dimension", async () => {
    await seed([HC_780]);
    await runCron();
    const response = await api(`/v1/scorecards/${HC_780}`);
    expect(response.status).toBe(200);
    const scorecard = await response.json<{
      published_on: string;
      dimensions: { key: string }[];
      commitments: {
        id: string;
        policy_area: string;
        target_date: string | null;
        ratings: Record<string, { label: string; band: string; score: number }>;
      }[];
    }>();
    expect(scorecard.published_on).toBe("2023-02-17");
    expect(scorecard.dimensions.map((d) => d.key)).toEqual(["met", "funding", "impact", "appropriateness", "overall"]);
    expect(scorecard.commitments).toHaveLength(6);
    const strategy = scorecard.commitments[4]!;
    expect(strategy.policy_area).toBe("Workforce digital literacy and the digital workforce");
    expect(
      Object.fromEntries(Object.entries(strategy.ratings).map(([k, r]) => [k, [r.label, r.band, r.score]])),
    ).toEqual({
      met: ["Inadequate", "red", 0],
      funding: ["Requires improvement", "amber", 33],
      impact: ["Inadequate", "red", 0],
      appropriateness: ["Good", "green", 67],
      overall: ["Inadequate", "red", 0],
    });
    // Ratings that were never published stay absent.
    expect(scorecard.commitments[0]!.ratings).toEqual({});
    expect(scorecard.commitments[0]!.target_date).toBe("2024");
  });

  it("serves a commitment's history with the provenance of every observation", async () => {
    await seed([HC_780]);
    await runCron();
    const { commitments } = await (await api(`/v1/scorecards/${HC_780}`)).json<{ commitments: { id: string }[] }>();
    const response = await api(`/v1/commitments/${commitments[2]!.id}`);
    expect(response.status).toBe(200);
    const commitment = await response.json<{
      text: string;
      scorecards: { id: string }[];
      history: {
        dimension: string;
        label: string;
        provenance: { url: string; fetched_at: string; sha256: string; archive_key: string };
      }[];
    }>();
    expect(commitment.text).toBe(
      "Roll out integrated health and care records for everyone: a functionally single record",
    );
    expect(commitment.scorecards.map((s) => s.id)).toEqual([HC_780]);
    expect(commitment.history).toHaveLength(1);
    const [observation] = commitment.history;
    expect(observation).toMatchObject({ dimension: "overall", label: "Inadequate" });
    expect(observation!.provenance.url).toBe(seedUrl(HC_780));
    expect(observation!.provenance.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(observation!.provenance.fetched_at)).not.toBeNaN();
    // The archived body is the exact document the rating was read from.
    const archived = await env.ARCHIVE.get(observation!.provenance.archive_key);
    expect(await archived!.text()).toBe(seedPage(HC_780));
  });

  it("does not run a source again before its schedule says so", async () => {
    await seed([HC_780]);
    const start = new Date("2026-01-01T00:00:00Z");
    await runCron(start);
    await runCron(new Date("2026-01-03T00:00:00Z"));
    expect(await runs()).toHaveLength(1);
    await runCron(new Date("2026-01-08T00:00:00Z")); // the rule's default schedule is 7d
    expect(await runs()).toHaveLength(2);
  });
});

describe("re-running", () => {
  it("over the same snapshot adds no observations and no change events", async () => {
    await seed(HSC_SOURCES);
    await runCron();
    const before = { observations: await count("observations"), changes: await count("changes") };
    await makeAllDue();
    await runCron();
    expect((await runs()).slice(6).map((r) => r.outcome)).toEqual(Array(6).fill("unchanged"));
    expect({ observations: await count("observations"), changes: await count("changes") }).toEqual(before);
    expect(await count("snapshots")).toBe(12); // every fetch is recorded
  });

  it("over a changed page records exactly the ratings that moved", async () => {
    await seed([HC_780]);
    await runCron();
    const page = seedPage(HC_780);
    const edited = page
      // Integrated records: Inadequate → Requires improvement. A real change.
      .replace(
        "a functionally single record</td>\n      <td></td><td></td><td></td><td></td><td>Inadequate</td>",
        "a functionally single record</td>\n      <td></td><td></td><td></td><td></td><td>Requires improvement</td>",
      )
      // GP data: Inadequate → INADEQUATE. The same rating, spelt differently.
      .replace(
        "secondary purposes</td>\n      <td></td><td></td><td></td><td></td><td>Inadequate</td>",
        "secondary purposes</td>\n      <td></td><td></td><td></td><td></td><td>INADEQUATE</td>",
      )
      // NHS App: a rating appears where there was none. A first rating, not a move.
      .replace(
        "(68% by March 2023)</td>\n      <td></td><td></td><td></td><td></td><td></td>",
        "(68% by March 2023)</td>\n      <td></td><td></td><td></td><td></td><td>Requires improvement</td>",
      );
    expect(edited).not.toBe(page);
    await publish(seedUrl(HC_780), edited);
    await makeAllDue();
    await runCron();

    const last = (await runs()).at(-1)!;
    expect(last).toMatchObject({ outcome: "ok", observations_added: 3, changes_added: 2 });
    const { results: changes } = await env.DB.prepare(
      `SELECT kind, commitment_id, dimension, from_label, from_band, to_label, to_band, band_changed FROM changes
       WHERE run_id = (SELECT max(id) FROM runs) ORDER BY id`,
    ).all();
    expect(changes).toEqual([
      {
        kind: "first-rating",
        commitment_id: "hsc-expert-panel-hc-780--75-percent-of-adults-registered-for-the-nhs-app-by-2024-68-d1400bf0",
        dimension: "overall",
        from_label: null, // the page never showed a rating there: nothing was observed before
        from_band: null,
        to_label: "Requires improvement",
        to_band: "amber",
        band_changed: 1,
      },
      {
        kind: "moved",
        commitment_id: "hsc-expert-panel-hc-780--roll-out-integrated-health-and-care-records-for-everyone-a-02f3e8c1",
        dimension: "overall",
        from_label: "Inadequate",
        from_band: "red",
        to_label: "Requires improvement",
        to_band: "amber",
        band_changed: 1,
      },
    ]);

    const history = await (
      await api(
        "/v1/commitments/hsc-expert-panel-hc-780--roll-out-integrated-health-and-care-records-for-everyone-a-02f3e8c1",
      )
    ).json<{ history: { label: string; provenance: { sha256: string } }[]; changes: { kind: string }[] }>();
    expect(history.history.map((o) => o.label)).toEqual(["Inadequate", "Requires improvement"]);
    expect(history.history[0]!.provenance.sha256).not.toBe(history.history[1]!.provenance.sha256);
    expect(history.changes).toMatchObject([
      { kind: "first-rating", dimension: "overall", from: null, to: { label: "Inadequate", band: "red", score: 0 } },
      {
        kind: "moved",
        dimension: "overall",
        from: { label: "Inadequate", band: "red", score: 0 },
        to: { label: "Requires improvement", band: "amber", score: 33 },
        band_changed: true,
      },
    ]);
    const current = await (
      await api(`/v1/scorecards/${HC_780}`)
    ).json<{ commitments: { ratings: { overall?: { label: string } } }[] }>();
    expect(current.commitments[2]!.ratings.overall!.label).toBe("Requires improvement");
  });

  it("records a change in the evaluation's own overall rating", async () => {
    await seed([HC_780]);
    await runCron();
    await publish(
      seedUrl(HC_780),
      seedPage(HC_780).replace("progress: <strong>Inadequate</strong>", "progress: <strong>Good</strong>"),
    );
    await makeAllDue();
    await runCron();
    const { results } = await env.DB.prepare(
      "SELECT commitment_id, dimension, from_band, to_band FROM changes WHERE kind = 'moved'",
    ).all();
    expect(results).toEqual([{ commitment_id: null, dimension: "overall", from_band: "red", to_band: "green" }]);
  });
});

describe("a failing source", () => {
  it("never stops the others, and every run leaves a row that says what happened", async () => {
    await seed(["hsc-expert-panel-hc-18", HC_780]);
    await upsertSources(env.DB, [
      {
        id: "unreachable",
        rule_id: "hsc-expert-panel",
        url: "https://publications.parliament.uk/unreachable/report.html",
        title: "Unreachable",
        schedule: "1d",
      },
      { id: "no-such-rule", rule_id: "no-such-rule", url: "https://example.org/", title: "Broken", schedule: "1d" },
      {
        id: "not-a-report",
        rule_id: "hsc-expert-panel",
        url: "https://example.org/blog.html",
        title: "Not a report",
        schedule: "1d",
      },
    ]);
    await publish(
      "https://example.org/blog.html",
      "<html><body><h1>A blog post</h1><p>No ratings here.</p></body></html>",
    );
    const realFetch = globalThis.fetch;
    vi.spyOn(globalThis, "fetch").mockImplementation((input, init) =>
      String(input instanceof Request ? input.url : input).startsWith("https://publications.parliament.uk/")
        ? Promise.reject(new TypeError("Network connection lost."))
        : realFetch(input, init),
    );

    await runCron();

    const bySource = Object.fromEntries((await runs()).map((r) => [r.source_id, r]));
    expect(bySource["hsc-expert-panel-hc-18"]!.outcome).toBe("ok");
    expect(bySource[HC_780]!.outcome).toBe("ok");
    expect(bySource["unreachable"]).toMatchObject({
      outcome: "failed",
      error: expect.stringMatching(/Network connection lost/),
    });
    expect(bySource["no-such-rule"]).toMatchObject({
      outcome: "failed",
      error: expect.stringMatching(/rule "no-such-rule", which does not exist/),
    });
    expect(bySource["not-a-report"]).toMatchObject({ outcome: "drift", error: expect.stringMatching(/rating tables/) });
    expect(await count("scorecards")).toBe(2);

    const health = await env.DB.prepare(
      "SELECT id, consecutive_failures, last_error IS NOT NULL AS has_error FROM sources ORDER BY id",
    ).all();
    expect(health.results).toEqual([
      { id: "hsc-expert-panel-hc-18", consecutive_failures: 0, has_error: 0 },
      { id: HC_780, consecutive_failures: 0, has_error: 0 },
      { id: "no-such-rule", consecutive_failures: 1, has_error: 1 },
      { id: "not-a-report", consecutive_failures: 1, has_error: 1 },
      { id: "unreachable", consecutive_failures: 1, has_error: 1 },
    ]);
  });

  it("keeps the data it had when its page stops making sense", async () => {
    await seed([HC_780]);
    await runCron();
    const before = await (await api(`/v1/scorecards/${HC_780}`)).json();
    await publish(seedUrl(HC_780), seedPage(HC_780).replace(/<table[\s\S]*<\/table>/, ""));
    await makeAllDue();
    await runCron();
    expect((await runs()).at(-1)).toMatchObject({ outcome: "drift", error: expect.stringMatching(/rating tables/) });
    expect(await (await api(`/v1/scorecards/${HC_780}`)).json()).toEqual(before);
  });

  it("keeps its data when half the rows vanish: a drop past the rule's threshold is drift", async () => {
    await seed([HC_780]);
    await runCron();
    const before = await (await api(`/v1/scorecards/${HC_780}`)).json();
    // Remove the last three of the six commitment rows (policy areas 2 and 4).
    const halved = seedPage(HC_780).replace(/<tr><th colspan="6">Policy area 2[\s\S]*?<\/tbody>/, "</tbody>");
    expect(halved).not.toBe(seedPage(HC_780));
    await publish(seedUrl(HC_780), halved);
    await makeAllDue();
    await runCron();
    const run = await env.DB.prepare("SELECT outcome, failed_check, error FROM runs ORDER BY id DESC LIMIT 1").first();
    expect(run).toEqual({
      outcome: "drift",
      failed_check: "drop threshold",
      error: "commitments dropped from 6 to 3, more than the rule's 30% threshold",
    });
    expect(await (await api(`/v1/scorecards/${HC_780}`)).json()).toEqual(before);
  });

  it("that answers with an HTTP error fails its run", async () => {
    await upsertSources(env.DB, [
      {
        id: "gone",
        rule_id: "hsc-expert-panel",
        url: "https://publications.parliament.uk/gone.html",
        title: "Gone",
        schedule: "1d",
      },
    ]);
    vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response("Not here", { status: 404 }));
    await runCron();
    expect(await runs()).toEqual([
      expect.objectContaining({
        source_id: "gone",
        outcome: "failed",
        error: "https://publications.parliament.uk/gone.html answered HTTP 404",
      }),
    ]);
    expect(await count("snapshots")).toBe(0);
  });
});
