import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import hscExpertPanel from "../scrapers/hsc-expert-panel.ts";
import { ExtractionError } from "../scrapers/lib/expect.ts";
import { extractStep } from "../scrapers/lib/steps.ts";
import { upsertSources } from "../src/db/sources.ts";
import { app } from "../src/app.ts";
import worker from "../src/index.ts";
import { reprocessSource } from "../src/pipeline/reprocess.ts";
import { ALL_YEARS, rawFirstRatings } from "./support/gmpp-files.ts";
import {
  api,
  count,
  deliver,
  enqueueByCron,
  GMPP_SOURCES,
  HSC_SOURCES,
  makeAllDue,
  publish,
  runCron,
  seed,
  seedPage,
  seedUrl,
  QUEUE_WAIT,
} from "./helpers.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

const admin = (path: string, token: string | null = "test-admin-token") =>
  exports.default.fetch(`https://scorecard.test/v1/admin${path}`, {
    method: "POST",
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });

async function history() {
  const observations = await env.DB.prepare(
    `SELECT scorecard_id, commitment_id, dimension, label, band, score, observed_at, snapshot_id FROM observations
     ORDER BY observed_at, scorecard_id, commitment_id, dimension`,
  ).all();
  const changes = await env.DB.prepare(
    `SELECT kind, scorecard_id, commitment_id, dimension, from_label, from_band, to_label, to_band, band_changed, changed_at
     FROM changes ORDER BY changed_at, scorecard_id, commitment_id, dimension, kind`,
  ).all();
  return { observations: observations.results, changes: changes.results };
}

describe("GET /v1/sources", () => {
  it("shows every source's health: last run, last success, consecutive failures and last error", async () => {
    await seed(["hsc-expert-panel-hc-780"]);
    await upsertSources(env.DB, [
      {
        id: "broken",
        rule_id: "hsc-expert-panel",
        url: "https://example.org/broken.html",
        title: "Broken",
        schedule: "1d",
      },
    ]);
    await publish("https://example.org/broken.html", "<html><body><h1>Moved</h1></body></html>");
    await runCron();
    const { data } = await (
      await api("/v1/sources")
    ).json<{ data: { id: string; health: Record<string, unknown> }[] }>();
    const byId = Object.fromEntries(data.map((s) => [s.id, s.health]));
    expect(byId["hsc-expert-panel-hc-780"]).toMatchObject({
      status: "ok",
      consecutive_failures: 0,
      last_error: null,
      last_outcome: "ok",
    });
    expect(byId["hsc-expert-panel-hc-780"]!.last_success_at).toBe(byId["hsc-expert-panel-hc-780"]!.last_run_at);
    expect(byId["broken"]).toMatchObject({
      status: "drift",
      last_success_at: null,
      consecutive_failures: 1,
      last_failed_check: "rating tables (a header naming the commitment and the questions)",
      last_error: expect.stringMatching(/rating tables/),
    });
  });

  it("shows one source with its recent runs", async () => {
    await seed(["hsc-expert-panel-hc-780"]);
    await runCron();
    const source = await (
      await api("/v1/sources/hsc-expert-panel-hc-780")
    ).json<{ rule_id: string; recent_runs: { outcome: string; trigger: string }[] }>();
    expect(source.rule_id).toBe("hsc-expert-panel");
    expect(source.recent_runs).toEqual([
      expect.objectContaining({ outcome: "ok", trigger: "cron", commitments_seen: 6 }),
    ]);
    expect((await api("/v1/sources/nope")).status).toBe(404);
  });
});

describe("fan-out", () => {
  it("the cron handler only enqueues the due sources, one message each, and claims them", async () => {
    await seed(HSC_SOURCES);
    const jobs = await enqueueByCron(new Date("2026-01-01T00:00:00Z"));
    expect(jobs).toEqual(HSC_SOURCES.toSorted().map((sourceId) => ({ kind: "scrape", sourceId, trigger: "cron" })));
    expect(await count("runs")).toBe(0); // nothing is scraped in the cron invocation
    expect(await enqueueByCron(new Date("2026-01-01T00:15:00Z"))).toEqual([]); // claimed: not enqueued twice
  });

  it("the queue consumer scrapes a source in its own invocation, and acknowledges it", async () => {
    await seed(["hsc-expert-panel-hc-780", "hsc-expert-panel-hc-18"]);
    const jobs = await enqueueByCron();
    const results = await deliver(jobs);
    expect(results.map((r) => r.explicitAcks)).toEqual([["job-0"], ["job-1"]]);
    expect(await count("scorecards")).toBe(2);
  });

  it("works end to end through the real local queue", { timeout: 30_000 }, async () => {
    await seed(["hsc-expert-panel-hc-780"]);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: "*/15 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const run = await vi.waitFor(async () => {
      const finished = await env.DB.prepare("SELECT outcome FROM runs WHERE finished_at IS NOT NULL").first<{
        outcome: string;
      }>();
      expect(finished, "the queued run").not.toBeNull();
      return finished!;
    }, QUEUE_WAIT);
    expect(run.outcome).toBe("ok");
  });
});

describe("admin", () => {
  it("is off without ADMIN_TOKEN, and needs the right bearer token", async () => {
    await seed(["hsc-expert-panel-hc-780"]);
    const noToken = await admin("/sources/hsc-expert-panel-hc-780/reprocess", null);
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get("content-type")).toBe("application/problem+json");
    expect(noToken.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await admin("/sources/hsc-expert-panel-hc-780/reprocess", "wrong")).status).toBe(401);
    expect((await admin("/sources/nope/reprocess")).status).toBe(404);
  });

  it("answers 401 to an unknown key when no ADMIN_TOKEN is configured (API keys still work)", async () => {
    const response = await app.request(
      "/v1/admin/sources/hsc-expert-panel-hc-780/run",
      { method: "POST", headers: { Authorization: "Bearer anything" } },
      { ...env, ADMIN_TOKEN: undefined },
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ title: "Unauthorized", detail: expect.stringMatching(/not valid/) });
  });

  it("queues a run now, which the consumer carries out", { timeout: 30_000 }, async () => {
    await seed(["hsc-expert-panel-hc-780"]);
    const response = await admin("/sources/hsc-expert-panel-hc-780/run");
    expect(response.status).toBe(202);
    const { run } = await response.json<{ run: { id: number; url: string } }>();
    expect(response.headers.get("location")).toBe(run.url);
    await vi.waitFor(async () => {
      const run = await env.DB.prepare("SELECT id FROM runs WHERE trigger = 'manual' AND outcome = 'ok'").first();
      expect(run, "the manual run").not.toBeNull();
    }, QUEUE_WAIT);
  });
});

describe("reprocess", () => {
  // Five years, each read twice: slower than most.
  it("rebuilds the same history from the archive, without fetching anything", { timeout: 30_000 }, async () => {
    for (const source of GMPP_SOURCES) {
      await seed([source]);
      await runCron();
    }
    const before = await history();
    // The five GMPP years: ipa 134, sro 55 and dca 245 moves, as counted from the raw files
    // (test/support/gmpp-files.ts), and each project's first rating of each dimension.
    const first = rawFirstRatings(ALL_YEARS.map((y) => y.file));
    expect(before.changes.length).toBe(434 + first.dca! + first.ipa! + first.sro!);
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const summary = await reprocessSource(env, "gmpp-2024-25");
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(summary).toMatchObject({ outcome: "ok", sourceIds: GMPP_SOURCES, documents: 5, skipped: [] });
    expect(await history()).toEqual(before);
  });

  it("lets a fixed rule recover what a broken one could not read", async () => {
    await seed(["hsc-expert-panel-hc-780"]);
    await runCron();
    // The publisher edits the page; the rule breaks on it: drift, nothing applied, page archived.
    const edited = seedPage("hsc-expert-panel-hc-780").replace(
      "a functionally single record</td>\n      <td></td><td></td><td></td><td></td><td>Inadequate</td>",
      "a functionally single record</td>\n      <td></td><td></td><td></td><td></td><td>Requires improvement</td>",
    );
    await publish(seedUrl("hsc-expert-panel-hc-780"), edited);
    const step = extractStep(hscExpertPanel);
    const broken = vi.spyOn(step, "extract").mockImplementation(() => {
      throw new ExtractionError("rating tables: expected at least 1, found 0", "rating tables");
    });
    await makeAllDue();
    await runCron();
    expect((await env.DB.prepare("SELECT outcome FROM runs ORDER BY id DESC").first())!.outcome).toBe("drift");
    expect(await count("changes WHERE kind = 'moved'")).toBe(0);

    broken.mockRestore(); // the maintainer fixes the rule
    const summary = await reprocessSource(env, "hsc-expert-panel-hc-780");
    expect(summary).toMatchObject({ outcome: "ok", documents: 2, skipped: [] });
    const { results } = await env.DB.prepare("SELECT from_label, to_label FROM changes WHERE kind = 'moved'").all();
    expect(results).toEqual([{ from_label: "Inadequate", to_label: "Requires improvement" }]);
  });

  it("refuses to touch history that the current rule could not rebuild", async () => {
    await seed(["hsc-expert-panel-hc-780"]);
    await runCron();
    const before = await history();
    // A rule change that cannot read the page today's ratings came from.
    vi.spyOn(extractStep(hscExpertPanel), "extract").mockImplementation(() => {
      throw new ExtractionError("rating tables: expected at least 1, found 0", "rating tables");
    });
    const summary = await reprocessSource(env, "hsc-expert-panel-hc-780");
    expect(summary).toMatchObject({
      outcome: "failed",
      error: expect.stringMatching(/cannot read 1 archived document.*Nothing was changed/),
    });
    expect(await history()).toEqual(before);
    const run = await env.DB.prepare("SELECT outcome FROM runs WHERE trigger = 'reprocess'").first();
    expect(run).toEqual({ outcome: "failed" });
  });

  it("through the admin endpoint and the queue", { timeout: 30_000 }, async () => {
    await seed(["hsc-expert-panel-hc-780"]);
    await runCron();
    const before = await history();
    await env.DB.batch([env.DB.prepare("DELETE FROM changes"), env.DB.prepare("DELETE FROM observations")]);
    expect((await admin("/sources/hsc-expert-panel-hc-780/reprocess")).status).toBe(202);
    await vi.waitFor(async () => {
      const run = await env.DB.prepare("SELECT id FROM runs WHERE trigger = 'reprocess' AND outcome = 'ok'").first();
      expect(run, "the reprocess run").not.toBeNull();
    }, QUEUE_WAIT);
    expect(await history()).toEqual(before);
  });
});
