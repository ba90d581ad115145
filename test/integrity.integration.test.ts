// The record stays true under concurrency, late arrivals, clashes and rule changes.
import { env } from "cloudflare:workers";
import Papa from "papaparse";
import { afterEach, describe, expect, it, vi } from "vitest";
import hscExpertPanel from "../scrapers/hsc-expert-panel.ts";
import { parseCsv } from "../scrapers/lib/csv.ts";
import { ExtractionError } from "../scrapers/lib/expect.ts";
import { extractStep } from "../scrapers/lib/steps.ts";
import { acquireLease } from "../src/db/leases.ts";
import { writePlanStatements } from "../src/db/observations.ts";
import { upsertSources, type SourceRow } from "../src/db/sources.ts";
import { handleJob } from "../src/pipeline/jobs.ts";
import { reprocessSource } from "../src/pipeline/reprocess.ts";
import { runSource } from "../src/pipeline/run.ts";
import { enqueueDueSources } from "../src/pipeline/scheduler.ts";
import { rawFirstRatings, YEARS } from "./support/gmpp-files.ts";
import {
  api,
  capturingQueue,
  failingQueue,
  count,
  deliver,
  enqueueByCron,
  makeAllDue,
  publish,
  runCron,
  seed,
  seeded,
  seedPage,
  seedUrl,
  QUEUE_WAIT,
} from "./helpers.ts";
import { BOOTSTRAP, call } from "./support/admin.ts";

const HC_780 = "hsc-expert-panel-hc-780";

afterEach(() => {
  vi.restoreAllMocks();
});

/** The 2024-25 GMPP file with its first project again, its ID lower-cased: two keys, one id. */
async function publishClashingGmppIds(): Promise<void> {
  const url = "https://assets.publishing.service.gov.uk/media/reconstructed-sample/gmpp_2024_25.csv";
  const [header, ...rows] = parseCsv(seeded.archive[url]!.body);
  const idColumn = header!.indexOf("GMPP ID");
  const lowercased = rows[0]!.with(idColumn, rows[0]![idColumn]!.toLowerCase()); // CO_0133_2223-Q1 → co_0133_2223-q1
  await publish(url, Papa.unparse([header!, ...rows, lowercased]));
}

/** A second source whose page is HC 780's: it would write into HC 780's scorecard. */
async function addCopycatSource(): Promise<void> {
  await upsertSources(env.DB, [
    { id: "copycat", rule_id: "hsc-expert-panel", url: "https://example.org/copy.html", title: "Copy", schedule: "1d" },
  ]);
  await publish("https://example.org/copy.html", seedPage(HC_780));
}

describe("concurrency", () => {
  it("a job finding its commitments' lease taken is retried later, and nothing is written", async () => {
    await seed([HC_780]);
    expect(await acquireLease(env.DB, HC_780, "someone-else", 60_000)).toBe(true);
    const jobs = await enqueueByCron();
    const consumer = capturingQueue();
    const [result] = await deliver(jobs, consumer.env);
    // Waiting is not failing: the job is sent again, later, without spending one of its retries.
    expect(result!.explicitAcks).toEqual(["job-0"]);
    expect(consumer.sent).toEqual(jobs);
    expect(await count("runs")).toBe(0);
  });

  it("two runs of the same source at once apply exactly once", async () => {
    await seed([HC_780]);
    const jobs = await enqueueByCron();
    // The same source's job twice, delivered at the same time. A job that finds the lease taken
    // is sent again later: to a capturing queue here, so that it cannot land in a later test.
    const consumer = capturingQueue();
    const results = await Promise.all([deliver(jobs, consumer.env), deliver(jobs, consumer.env)]);
    expect(results.flat()).toHaveLength(2);
    await vi.waitFor(async () => {
      const open = await env.DB.prepare("SELECT count(*) AS n FROM runs WHERE finished_at IS NULL").first("n");
      expect(open).toBe(0);
    }, QUEUE_WAIT);
    // Whichever ran second found the same bytes (or waited for the lease): one set of observations.
    const observations = await count("observations");
    await makeAllDue();
    await runCron();
    expect(await count("observations")).toBe(observations);
    const applied = await env.DB.prepare("SELECT count(*) AS n FROM runs WHERE outcome = 'ok'").first<{ n: number }>();
    expect(applied!.n).toBe(1);
  });

  it("the same queue message delivered twice changes nothing the second time", async () => {
    await seed([HC_780]);
    const jobs = await enqueueByCron();
    await deliver(jobs);
    const before = await Promise.all(["observations", "changes", "scorecards", "commitments"].map(count));
    await deliver(jobs);
    expect(await Promise.all(["observations", "changes", "scorecards", "commitments"].map(count))).toEqual(before);
  });

  it("a D1 failure half-way through applying a run leaves the database exactly as before", async () => {
    await seed([HC_780]);
    await runCron();
    await publish(seedUrl(HC_780), seedPage(HC_780).replace("<td>Good</td>", "<td>Outstanding</td>"));
    await makeAllDue();
    const tables = ["observations", "changes", "scorecards", "commitments", "scorecard_commitments"];
    const before = await Promise.all(tables.map(count));
    // The run's writes go in one batch: put a statement that fails in its middle, and let D1 run it.
    const batch = env.DB.batch.bind(env.DB);
    const spy = vi.spyOn(env.DB, "batch").mockImplementation(async (statements) => {
      if (statements.length <= 3) return batch(statements);
      const half = Math.floor(statements.length / 2);
      const failing = env.DB.prepare("INSERT INTO no_such_table (injected) VALUES ('failure half-way')");
      return batch([...statements.slice(0, half), failing, ...statements.slice(half)]);
    });
    const [source] = (await env.DB.prepare("SELECT * FROM sources WHERE id = ?").bind(HC_780).all<SourceRow>()).results;
    const summary = await runSource(env, source!, { trigger: "test" });
    spy.mockRestore();
    expect(summary).toMatchObject({ outcome: "failed", error: expect.stringMatching(/no_such_table/) });
    expect(await Promise.all(tables.map(count))).toEqual(before);
    // And the next good run applies the change.
    await makeAllDue();
    await runCron();
    expect(await count("observations")).toBeGreaterThan(before[0]!);
  });

  it("a lease is released when its job ends, and an expired one can be taken over", async () => {
    await seed([HC_780]);
    await runCron();
    expect(await count("leases")).toBe(0);
    expect(await acquireLease(env.DB, "scope", "first", -1)).toBe(true); // already expired
    expect(await acquireLease(env.DB, "scope", "second", 60_000)).toBe(true);
    expect(await acquireLease(env.DB, "scope", "third", 60_000)).toBe(false);
  });
});

describe("years ingested out of order", () => {
  // Two reprocesses through the real local queue: as long as the queue takes, up to QUEUE_WAIT.
  it("rebuild their shared history in period order, so change events run forward", { timeout: 30_000 }, async () => {
    for (const source of ["gmpp-2025-26", "gmpp-2022-23", "gmpp-2024-25"]) {
      await seed([source]);
      await runCron();
    }
    // Each late year queued a reprocess through the real local queue; wait for both.
    await vi.waitFor(async () => {
      const reprocessed = await env.DB.prepare(
        "SELECT count(*) AS n FROM runs WHERE trigger = 'reprocess' AND outcome = 'ok'",
      ).first<{ n: number }>();
      expect(reprocessed!.n, "both reprocess runs").toBe(2);
    }, QUEUE_WAIT);
    // Moves: ipa and sro as counted for issue 3; dca, the one rating of each year, as
    // test/support/gmpp-files.ts counts it from the raw files. And each project's first rating of each.
    const first = rawFirstRatings(YEARS.map((y) => y.file));
    const firsts = first.dca! + first.ipa! + first.sro!;
    await vi.waitFor(
      async () => expect(await count("changes"), `${183 + firsts} change events`).toBe(183 + firsts),
      QUEUE_WAIT,
    );
    const { results } = await env.DB.prepare(
      "SELECT dimension, count(*) AS n FROM changes WHERE kind = 'moved' GROUP BY dimension ORDER BY dimension",
    ).all();
    expect(results).toEqual([
      { dimension: "dca", n: 102 },
      { dimension: "ipa", n: 39 },
      { dimension: "sro", n: 42 },
    ]);
    const project = await (
      await api("/v1/commitments/gmpp--dhsc-0067-2021-q3")
    ).json<{
      changes: {
        kind: string;
        dimension: string;
        scorecard_id: string;
        from: { label: string };
        to: { label: string };
      }[];
    }>();
    const moves = project.changes.filter((c) => c.kind === "moved");
    expect(moves.map((c) => `${c.scorecard_id} ${c.dimension} ${c.from.label} → ${c.to.label}`)).toEqual([
      "gmpp-nista-major-projects-annual-report-2025-26 ipa AMBER → GREEN",
      "gmpp-nista-major-projects-annual-report-2025-26 dca AMBER → GREEN",
    ]);
  });
});

describe("clashes", () => {
  it("a second source cannot write into another source's scorecard", async () => {
    await seed([HC_780]);
    await runCron();
    await addCopycatSource();
    await runCron();
    const run = await env.DB.prepare("SELECT outcome, error FROM runs WHERE source_id = 'copycat'").first();
    expect(run).toEqual({
      outcome: "failed",
      error: expect.stringMatching(
        /scorecard "hsc-expert-panel-hc-780" already belongs to source "hsc-expert-panel-hc-780"/,
      ),
    });
    expect((await env.DB.prepare("SELECT source_id FROM scorecards").all()).results).toEqual([{ source_id: HC_780 }]);
  });

  it("two commitment keys that become one id are drift, not a silent merge", async () => {
    await seed(["gmpp-2024-25"]);
    await publishClashingGmppIds();
    await runCron();
    const run = await env.DB.prepare("SELECT outcome, failed_check, error FROM runs").first();
    expect(run).toEqual({
      outcome: "drift",
      failed_check: "commitment keys",
      error: 'commitment keys "CO_0133_2223-Q1" and "co_0133_2223-q1" both become the id "gmpp--co-0133-2223-q1"',
    });
  });
});

describe("what a page stops showing", () => {
  it("a rating removed from the page is observed as not rated; one never shown stays absent", async () => {
    await seed([HC_780]);
    await runCron();
    const without = seedPage(HC_780).replace(
      "a functionally single record</td>\n      <td></td><td></td><td></td><td></td><td>Inadequate</td>",
      "a functionally single record</td>\n      <td></td><td></td><td></td><td></td><td></td>",
    );
    await publish(seedUrl(HC_780), without);
    await makeAllDue();
    await runCron();
    const id = "hsc-expert-panel-hc-780--roll-out-integrated-health-and-care-records-for-everyone-a-02f3e8c1";
    const commitment = await (
      await api(`/v1/commitments/${id}`)
    ).json<{ history: { dimension: string; label: string; band: string }[] }>();
    expect(commitment.history.map((o) => `${o.dimension}:${o.label}:${o.band}`)).toEqual([
      "overall:Inadequate:red",
      "overall::not-rated",
    ]);
    // Becoming unrated is no move: the only events are the first ratings of the first run.
    expect(await count("changes WHERE kind != 'first-rating'")).toBe(0);
  });

  it("a commitment removed from the page leaves the scorecard, and keeps its history", async () => {
    await seed([HC_780]);
    await runCron();
    const withoutRow = seedPage(HC_780).replace(/<tr>\s*<td>Secure public and professional support[\s\S]*?<\/tr>/, "");
    await publish(seedUrl(HC_780), withoutRow);
    await makeAllDue();
    await runCron();
    const scorecard = await (
      await api(`/v1/scorecards/${HC_780}`)
    ).json<{ commitments: { id: string }[]; commitment_count: number }>();
    expect(scorecard.commitment_count).toBe(5);
    const gone = "hsc-expert-panel-hc-780--secure-public-and-professional-support-for-using-gp-data-for-b58930cb";
    expect(scorecard.commitments.map((c) => c.id)).not.toContain(gone);
    expect((await api(`/v1/commitments/${gone}`)).status).toBe(200);
  });

  it("an unchanged run still counts as seeing the scorecard", async () => {
    await seed([HC_780]);
    await runCron(new Date("2026-01-01T00:00:00Z"));
    const first = await env.DB.prepare("SELECT last_seen_at FROM scorecards").first<{ last_seen_at: string }>();
    await makeAllDue();
    await runCron();
    const again = await env.DB.prepare("SELECT last_seen_at FROM scorecards").first<{ last_seen_at: string }>();
    expect((await env.DB.prepare("SELECT outcome FROM runs ORDER BY id DESC").first())!.outcome).toBe("unchanged");
    expect(again!.last_seen_at > first!.last_seen_at).toBe(true);
  });

  it("a different document with the same ratings adds no observations", async () => {
    await seed([HC_780]);
    await runCron();
    await publish(
      seedUrl(HC_780),
      seedPage(HC_780).replace('<h2 id="summary">Summary</h2>', '<h2 id="summary">Summary of the evaluation</h2>'),
    );
    await makeAllDue();
    await runCron();
    const run = await env.DB.prepare(
      "SELECT outcome, observations_added, changes_added FROM runs ORDER BY id DESC",
    ).first();
    expect(run).toEqual({ outcome: "ok", observations_added: 0, changes_added: 0 });
  });
});

describe("reprocess and the source's health", () => {
  it("does not hide a drifting source, and the next scrape can still be unchanged", async () => {
    await seed([HC_780]);
    await runCron();
    await publish(seedUrl(HC_780), seedPage(HC_780).replace(/<table[\s\S]*<\/table>/, ""));
    await makeAllDue();
    await runCron(); // drift
    const summary = await reprocessSource(env, HC_780);
    expect(summary.outcome).toBe("ok");
    expect(summary.skipped).toHaveLength(1); // the drifted page, which no rating came from
    const source = await env.DB.prepare("SELECT last_outcome, consecutive_failures FROM sources").first();
    expect(source).toEqual({ last_outcome: "drift", consecutive_failures: 1 });
    // The publisher restores the page: the same bytes as the last applied scrape, so unchanged.
    await publish(seedUrl(HC_780), seedPage(HC_780));
    await makeAllDue();
    await runCron();
    expect((await env.DB.prepare("SELECT outcome FROM runs ORDER BY id DESC").first())!.outcome).toBe("unchanged");
    const healed = await env.DB.prepare("SELECT last_outcome, consecutive_failures FROM sources").first();
    expect(healed).toEqual({ last_outcome: "unchanged", consecutive_failures: 0 });
  });

  it("skips documents that fail the rule's drift checks, as the scrape did", async () => {
    await seed([HC_780]);
    await runCron();
    // Half the rows vanish: the scrape called it drift; so must the reprocess.
    await publish(
      seedUrl(HC_780),
      seedPage(HC_780).replace(/<tr><th colspan="6">Policy area 2[\s\S]*?<\/tbody>/, "</tbody>"),
    );
    await makeAllDue();
    await runCron();
    const before = await count("observations");
    const summary = await reprocessSource(env, HC_780);
    expect(summary).toMatchObject({
      outcome: "ok",
      skipped: [{ error: expect.stringMatching(/dropped from 6 to 3/) }],
    });
    expect(await count("observations")).toBe(before);
    expect(await count("changes WHERE kind != 'first-rating'")).toBe(0);
  });

  it("closes its run as failed when something unexpected breaks", async () => {
    await seed([HC_780]);
    await runCron();
    vi.spyOn(env.ARCHIVE, "get").mockRejectedValue(new Error("R2 is unavailable"));
    expect(await reprocessSource(env, HC_780)).toMatchObject({ outcome: "failed", error: "R2 is unavailable" });
    const run = await env.DB.prepare("SELECT outcome, error FROM runs WHERE trigger = 'reprocess'").first();
    expect(run).toEqual({ outcome: "failed", error: "R2 is unavailable" });
  });

  it("a rule change that can read nothing leaves history alone", async () => {
    await seed([HC_780]);
    await runCron();
    const observations = await count("observations");
    vi.spyOn(extractStep(hscExpertPanel), "extract").mockImplementation(() => {
      throw new ExtractionError("rating tables: expected at least 1, found 0", "rating tables");
    });
    expect((await reprocessSource(env, HC_780)).outcome).toBe("failed");
    expect(await count("observations")).toBe(observations);
  });
});

describe("the scheduler", () => {
  it("makes sources due again when their jobs could not be enqueued", async () => {
    await seed([HC_780]);
    const failing = failingQueue();
    await expect(enqueueDueSources(failing, { now: new Date(), trigger: "cron" })).rejects.toThrow(/queue unavailable/);
    expect((await env.DB.prepare("SELECT next_run_at FROM sources").first())!.next_run_at).toBeNull();
  });

  it("marks runs cut off mid-way as abandoned", async () => {
    await seed([HC_780]);
    await env.DB.prepare(
      "INSERT INTO runs (source_id, trigger, started_at) VALUES (?, 'cron', '2026-01-01T00:00:00.000Z')",
    )
      .bind(HC_780)
      .run();
    await enqueueByCron(new Date("2026-01-01T01:00:00Z"));
    const run = await env.DB.prepare("SELECT outcome, error FROM runs").first();
    expect(run).toEqual({ outcome: "failed", error: "abandoned: the invocation ended before the run did" });
  });

  it("keeps a GMPP run within D1's per-invocation query budget", async () => {
    await seed(["gmpp-2024-25"]);
    const batch = vi.spyOn(env.DB, "batch");
    await runCron();
    const sizes = batch.mock.calls.map(([statements]) => statements.length);
    expect(await env.DB.prepare("SELECT outcome, commitments_seen FROM runs").first()).toEqual({
      outcome: "ok",
      commitments_seen: 213,
    });
    // 213 projects and 426 ratings are written by a handful of statements, not one per row.
    expect(Math.max(...sizes)).toBeLessThan(15);
  });
});

describe("rebuilds, retries and edge cases", () => {
  it("a reprocess cannot write one source's documents into another source's scorecard", async () => {
    await seed([HC_780]);
    await runCron();
    const before = await (await api(`/v1/scorecards/${HC_780}`)).json();
    await addCopycatSource();
    await runCron(); // fails: the scorecard is hc-780's
    const summary = await reprocessSource(env, "copycat");
    expect(summary).toMatchObject({
      outcome: "ok",
      skipped: [{ error: expect.stringMatching(/belongs to source "hsc-expert-panel-hc-780"/) }],
    });
    expect(await (await api(`/v1/scorecards/${HC_780}`)).json()).toEqual(before);
  });

  it("the database itself refuses a write into another source's scorecard", async () => {
    await seed([HC_780]);
    await runCron();
    const plan = {
      scorecard: {
        id: HC_780,
        source_id: "intruder",
        key: "HC 780",
        title: "x",
        publisher: "x",
        published_on: null,
        period: null,
        url: "https://x.org/",
        vocabulary: "cqc",
      },
      commitments: [],
      observations: [],
      membership: [],
    };
    await expect(
      env.DB.batch(
        writePlanStatements(env.DB, plan, { runId: 1, snapshotId: 1, observedAt: new Date().toISOString() }),
      ),
    ).rejects.toThrow(/NOT NULL constraint failed: scorecards\.source_id/);
  });

  it("judges lost history by document content, whichever snapshot recorded it", async () => {
    await seed([HC_780]);
    await runCron(); // page A
    const pageB = seedPage(HC_780).replace(
      "secondary purposes</td>\n      <td></td><td></td><td></td><td></td><td>Inadequate</td>",
      "secondary purposes</td>\n      <td></td><td></td><td></td><td></td><td>Requires improvement</td>",
    );
    expect(pageB).not.toBe(seedPage(HC_780));
    await publish(seedUrl(HC_780), pageB);
    const step = extractStep(hscExpertPanel);
    const read = step.extract.bind(step);
    const failOnB = vi.spyOn(step, "extract").mockImplementation((text, context) => {
      if (text.includes("<td>Requires improvement</td>"))
        throw new ExtractionError("rule v1 cannot read B", "rating tables");
      return read(text, context);
    });
    await makeAllDue();
    await runCron(); // B: drift under v1
    failOnB.mockRestore();
    await makeAllDue();
    await runCron(); // B again: read by v2, its ratings recorded under a second snapshot of the same bytes
    expect(await count("changes WHERE kind = 'moved'")).toBe(1);
    const changes = await count("changes");
    vi.spyOn(step, "extract").mockImplementation((text, context) => {
      if (text.includes("<td>Requires improvement</td>"))
        throw new ExtractionError("rule v3 cannot read B", "rating tables");
      return read(text, context);
    });
    const summary = await reprocessSource(env, HC_780);
    expect(summary).toMatchObject({ outcome: "failed", error: expect.stringMatching(/Nothing was changed/) });
    expect(await count("changes")).toBe(changes);
  });

  it("a reprocess skips an archived document whose commitment ids clash, rather than failing for good", async () => {
    await seed(["gmpp-2024-25"]);
    await runCron();
    await publishClashingGmppIds();
    await makeAllDue();
    await runCron(); // drift: ids clash
    const summary = await reprocessSource(env, "gmpp-2024-25");
    expect(summary).toMatchObject({ outcome: "ok", skipped: [{ error: expect.stringMatching(/both become the id/) }] });
  });

  it("a failure after the commit does not turn an applied run into a failed one", async () => {
    await seed(["gmpp-2025-26"]);
    await runCron();
    await seed(["gmpp-2022-23"]);
    const throwing = failingQueue();
    const source = (await env.DB.prepare("SELECT * FROM sources WHERE id = 'gmpp-2022-23'").first<SourceRow>())!;
    const run = await runSource(throwing, source, { trigger: "test" });
    expect(run.outcome).toBe("ok");
    const health = await env.DB.prepare(
      "SELECT last_outcome, consecutive_failures FROM sources WHERE id = 'gmpp-2022-23'",
    ).first();
    expect(health).toEqual({ last_outcome: "ok", consecutive_failures: 0 });
  });

  it("a publication renamed around the same CSV is no unchanged run: the scorecard takes the new title", async () => {
    await seed(["gmpp-2024-25"]);
    await runCron();
    const api_ = "https://www.gov.uk/api/content/government/publications/nista-annual-report-2024-2025";
    const item = JSON.parse(seeded.archive[api_]!.body);
    item.title = "NISTA annual report 2024-2025 (corrected)";
    await publish(api_, JSON.stringify(item));
    await makeAllDue();
    await runCron();
    expect(await env.DB.prepare("SELECT outcome, observations_added FROM runs ORDER BY id DESC").first()).toEqual({
      outcome: "ok",
      observations_added: 0,
    });
    expect((await env.DB.prepare("SELECT title FROM scorecards").first())!.title).toBe(
      "NISTA annual report 2024-2025 (corrected)",
    );
  });

  it("a reprocess does not wind last_seen_at back", async () => {
    await seed([HC_780]);
    await runCron(new Date("2026-01-01T00:00:00Z"));
    await makeAllDue();
    await runCron(); // unchanged: seen again, later
    const seen = (await env.DB.prepare("SELECT last_seen_at FROM scorecards").first<{ last_seen_at: string }>())!
      .last_seen_at;
    await reprocessSource(env, HC_780);
    expect(
      (await env.DB.prepare("SELECT last_seen_at FROM scorecards").first<{ last_seen_at: string }>())!.last_seen_at,
    ).toBe(seen);
  });

  it("a host too busy to ask defers the run: no failure counted, and the source is due again", async () => {
    await upsertSources(env.DB, [
      {
        id: "busy-host",
        rule_id: "hsc-expert-panel",
        url: "https://publications.parliament.uk/busy/report.html",
        title: "Busy",
        schedule: "7d",
      },
    ]);
    await env.DB.prepare("INSERT INTO host_slots (host, next_slot_at) VALUES ('publications.parliament.uk', ?)")
      .bind(Date.now() + 3_600_000)
      .run();
    await runCron();
    expect(await env.DB.prepare("SELECT outcome FROM runs").first()).toEqual({ outcome: "deferred" });
    const source = await env.DB.prepare("SELECT consecutive_failures, last_outcome, next_run_at FROM sources").first();
    expect(source).toEqual({ consecutive_failures: 0, last_outcome: null, next_run_at: null });
  });

  it("a rating that was already 'not rated' and disappears adds nothing", async () => {
    await seed(["gmpp-2024-25"]);
    await runCron();
    const url = "https://assets.publishing.service.gov.uk/media/reconstructed-sample/gmpp_2024_25.csv";
    const [header, ...rows] = parseCsv(seeded.archive[url]!.body);
    const ipa = header!.indexOf("IPA Delivery Confidence Assessment");
    // Blank IPA cells were already not rated; dropping the column's values again changes nothing for them.
    const blankBefore = rows.filter((row) => row[ipa] === "").length;
    await publish(url, Papa.unparse([header!, ...rows.map((row) => (row[ipa] === "" ? row.with(ipa, "NA") : row))]));
    await makeAllDue();
    await runCron();
    const run = await env.DB.prepare("SELECT observations_added, changes_added FROM runs ORDER BY id DESC").first();
    expect(run).toEqual({ observations_added: blankBefore, changes_added: 0 }); // "" → "NA": a new label, no move
  });
});

describe("a reprocess keeps what it need not rewrite", () => {
  const history = () =>
    Promise.all([
      env.DB.prepare("SELECT * FROM observations ORDER BY id").all(),
      env.DB.prepare("SELECT * FROM changes ORDER BY id").all(),
    ]).then(([o, c]) => ({ observations: o.results, changes: c.results }));
  const snapshotIds = async () =>
    (await env.DB.prepare("SELECT id FROM snapshots ORDER BY id").all<{ id: number }>()).results.map((s) => s.id);

  /** HC 780, then the same page with its one "Good" made "Outstanding": two documents, a move between them. */
  async function twoDocuments(): Promise<[number, number]> {
    await seed([HC_780]);
    await runCron();
    await publish(seedUrl(HC_780), seedPage(HC_780).replace("<td>Good</td>", "<td>Outstanding</td>"));
    await makeAllDue();
    await runCron();
    const ids = await snapshotIds();
    expect(ids).toHaveLength(2);
    return [ids[0]!, ids[1]!];
  }

  /** The rule, changed to read one label as another. */
  function ruleReading(from: string, to: string): void {
    const step = extractStep(hscExpertPanel);
    const original = step.extract;
    vi.spyOn(step, "extract").mockImplementation((...args: Parameters<typeof original>) => {
      const extraction = original.apply(step, args);
      for (const commitment of extraction.commitments)
        for (const [dimension, label] of Object.entries(commitment.ratings))
          if (label === from) commitment.ratings[dimension] = to;
      return extraction;
    });
  }

  it("with an unchanged rule, writes nothing: every observation and change event keeps its id", async () => {
    await twoDocuments();
    const before = await history();
    expect(before.changes.some((c) => c.kind === "moved")).toBe(true);
    const etag = (await api(`/v1/scorecards/${HC_780}`)).headers.get("etag");
    for (let i = 0; i < 2; i++) {
      expect(await reprocessSource(env, HC_780)).toMatchObject({
        outcome: "ok",
        counts: { observations_added: 0, changes_added: 0 },
        kept: { observations: before.observations.length, changes: before.changes.length },
      });
      expect(await history()).toEqual(before);
    }
    expect((await api(`/v1/scorecards/${HC_780}`)).headers.get("etag")).toBe(etag);
  });

  it("after a rule change, rewrites from the first document it reads differently, and keeps the ids before it", async () => {
    const [first, second] = await twoDocuments();
    const before = await history();
    ruleReading("Outstanding", "Requires improvement"); // only the second document says Outstanding
    const summary = await reprocessSource(env, HC_780);
    expect(summary).toMatchObject({ outcome: "ok" });
    const after = await history();
    const from = (rows: Record<string, unknown>[], snapshot: number) => rows.filter((o) => o.snapshot_id === snapshot);
    expect(from(after.observations, first)).toEqual(from(before.observations, first));
    const rewritten = from(after.observations, second);
    expect(rewritten.map((o) => o.label)).toEqual(["Requires improvement"]);
    expect(rewritten[0]!.id).not.toBe(from(before.observations, second)[0]!.id);
    const firstIds = new Set(from(before.observations, first).map((o) => o.id));
    const keptChanges = before.changes.filter((c) => firstIds.has(c.to_observation_id as number));
    expect(after.changes.slice(0, keptChanges.length)).toEqual(keptChanges);
    expect(after.changes.at(-1)).toMatchObject({ kind: "moved", from_label: "Good", to_label: "Requires improvement" });
    // The derived current ratings follow the rewrite.
    const current = await env.DB.prepare("SELECT observation_id, band FROM current_ratings WHERE observation_id = ?")
      .bind(rewritten[0]!.id)
      .first();
    expect(current).toEqual({ observation_id: rewritten[0]!.id, band: "amber" });
  });

  it("keeps, and marks, the observations of a document gone from the archive, and rewrites the rest", async () => {
    const [first, second] = await twoDocuments();
    const before = await history();
    const { archive_key } = (await env.DB.prepare("SELECT archive_key FROM snapshots WHERE id = ?")
      .bind(first)
      .first<{ archive_key: string }>())!;
    await env.ARCHIVE.delete(archive_key);
    ruleReading("Outstanding", "Requires improvement");
    expect(await reprocessSource(env, HC_780)).toMatchObject({ outcome: "ok", missing: [first] });
    const after = await history();
    const from = (rows: Record<string, unknown>[], snapshot: number) => rows.filter((o) => o.snapshot_id === snapshot);
    expect(from(after.observations, first)).toEqual(from(before.observations, first));
    expect(from(after.observations, second).map((o) => o.label)).toEqual(["Requires improvement"]);
    expect(after.changes.at(-1)).toMatchObject({ kind: "moved", from_label: "Good", to_label: "Requires improvement" });

    const missingSince = await env.DB.prepare("SELECT archive_missing_since FROM snapshots WHERE id = ?")
      .bind(first)
      .first<{ archive_missing_since: string | null }>();
    expect(missingSince!.archive_missing_since).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const commitment = from(before.observations, first).find((o) => o.commitment_id !== null)!.commitment_id as string;
    const body = (await (await api(`/v1/commitments/${commitment}`)).json()) as {
      history: { provenance: { snapshot_id: number; archive_missing_since: string | null } }[];
    };
    const kept = body.history.filter((h) => h.provenance.snapshot_id === first);
    expect(kept.length).toBeGreaterThan(0);
    for (const h of kept) expect(h.provenance.archive_missing_since).toBe(missingSince!.archive_missing_since);
    // The source's health says so too, in the list and on its own.
    const gap = { documents: 1, since: missingSince!.archive_missing_since };
    const source = (await (await api(`/v1/sources/${HC_780}`)).json()) as { health: { archive_missing: unknown } };
    expect(source.health.archive_missing).toEqual(gap);
    const list = (await (await api("/v1/sources")).json()) as {
      data: { id: string; health: { archive_missing: unknown } }[];
    };
    expect(list.data.map((s) => [s.id, s.health.archive_missing])).toEqual(
      list.data.map((s) => [s.id, s.id === HC_780 ? gap : null]),
    );
  });

  it("tells webhooks of the change events new to the record, not of those a rewrite wrote again", async () => {
    await twoDocuments();
    // A third document moves another cell: its event lies after the one the rule change alters.
    const third = seedPage(HC_780)
      .replace("<td>Good</td>", "<td>Outstanding</td>")
      .replace(
        "a functionally single record</td>\n      <td></td><td></td><td></td><td></td><td>Inadequate</td>",
        "a functionally single record</td>\n      <td></td><td></td><td></td><td></td><td>Requires improvement</td>",
      );
    await publish(seedUrl(HC_780), third);
    await makeAllDue();
    await runCron();
    const hook = await call("POST", "/v1/admin/webhooks", BOOTSTRAP, {
      url: `${env.TEST_SERVER}/hook/${crypto.randomUUID()}`,
      filters: { scorecard: HC_780 },
    });
    expect(hook.status).toBe(201);
    const sent: unknown[] = [];
    const queue = {
      send: async (m: unknown) => void sent.push(m),
      sendBatch: async (ms: unknown[]) => void sent.push(...ms),
    };
    const queueEnv = new Proxy(env, { get: (t, k) => (k === "WEBHOOK_QUEUE" ? queue : Reflect.get(t, k)) });
    const before = await history();
    const delivered = () =>
      env.DB.prepare("SELECT change_id FROM webhook_deliveries ORDER BY change_id")
        .all<{ change_id: number }>()
        .then((r) => r.results.map((d) => d.change_id));

    await handleJob(queueEnv, { kind: "reprocess", sourceId: HC_780 }); // the same rule: nothing new
    expect(sent).toEqual([]);
    ruleReading("Outstanding", "Requires improvement"); // only the second and third documents say Outstanding
    await handleJob(queueEnv, { kind: "reprocess", sourceId: HC_780 });
    const after = await history();
    const identity = ({ id, to_observation_id, from_observation_id, run_id, ...event }: Record<string, unknown>) =>
      JSON.stringify(event);
    const held = new Set(before.changes.map(identity));
    const fresh = after.changes.filter((c) => !held.has(identity(c))).map((c) => c.id);
    // The move the rule change alters is new; the third document's move was written again, under a new id.
    expect(fresh).toHaveLength(1);
    expect(after.changes.find((c) => c.id === fresh[0])).toMatchObject({
      from_label: "Good",
      to_label: "Requires improvement",
    });
    const rewrittenAgain = after.changes.filter(
      (c) => c.to_label === "Requires improvement" && c.from_label === "Inadequate",
    );
    expect(rewrittenAgain).toHaveLength(1);
    expect(before.changes.map((c) => c.id)).not.toContain(rewrittenAgain[0]!.id);
    expect(await delivered()).toEqual(fresh);
    expect(sent).toHaveLength(1);
  });

  it("refuses, changing nothing, when rewriting would delete what a lost document left", async () => {
    const [, second] = await twoDocuments();
    const before = await history();
    const { archive_key } = (await env.DB.prepare("SELECT archive_key FROM snapshots WHERE id = ?")
      .bind(second)
      .first<{ archive_key: string }>())!;
    await env.ARCHIVE.delete(archive_key);
    ruleReading("Good", "Requires improvement"); // only the first document says Good
    expect(await reprocessSource(env, HC_780)).toMatchObject({
      outcome: "failed",
      error: expect.stringMatching(/whose archived document is gone.*Nothing was changed/),
    });
    expect(await history()).toEqual(before);
  });
});
