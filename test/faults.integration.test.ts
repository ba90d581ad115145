// The fault matrix: a source that already holds good data meets a publisher that misbehaves in
// each way we know of (test/support/fault-server.ts). For every fault: a run record with a clear
// outcome and error, every earlier observation intact, no spurious change, and recovery on the
// next good run. Also what a production Worker (no loopback) refuses, and a cut-off consumer.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "../src/index.ts";
import { getSource, upsertSources } from "../src/db/sources.ts";
import type { JobMessage } from "../src/pipeline/jobs.ts";
import { runSource } from "../src/pipeline/run.ts";

const server = env.TEST_SERVER;
const SOURCE = "faulty-report";
const URL_OF_REPORT = `${server}/fault/report.html`;
// Short limits, so that stalls and retries take a moment, not the production half-minute.
const faultEnv: Env = { ...env, FETCH_TIMEOUT_MS: "400", RETRY_BASE_MS: "5", MIN_HOST_INTERVAL_MS: "0" };

async function setMode(mode: string, location = ""): Promise<void> {
  const answer = await fetch(
    `${server}/__fault?mode=${encodeURIComponent(mode)}&location=${encodeURIComponent(location)}`,
  );
  expect(await answer.text()).toBe("ok");
}

async function robots(body: string, status = 200): Promise<void> {
  await fetch(`${server}/__robots?status=${status}&body=${encodeURIComponent(body)}`);
}

async function run(runEnv: Env = faultEnv) {
  const source = await getSource(env.DB, SOURCE);
  return runSource(runEnv, source!, { trigger: "manual" });
}

/** Everything a fault must leave alone: the record, and the changes drawn from it. */
async function record() {
  const observations = await env.DB.prepare(
    "SELECT id, commitment_id, dimension, label, band FROM observations ORDER BY id",
  ).all();
  const changes = await env.DB.prepare("SELECT * FROM changes ORDER BY id").all();
  return { observations: observations.results, changes: changes.results };
}

async function health() {
  return env.DB.prepare("SELECT consecutive_failures, last_outcome, last_error FROM sources WHERE id = ?")
    .bind(SOURCE)
    .first<{ consecutive_failures: number; last_outcome: string; last_error: string | null }>();
}

beforeEach(async () => {
  await fetch(`${server}/__reset`);
  await setMode("good");
  await env.DB.prepare("DELETE FROM robots_cache").run();
  await upsertSources(env.DB, [
    { id: SOURCE, rule_id: "hsc-expert-panel", url: URL_OF_REPORT, title: "Faulty", schedule: "1d" },
  ]);
  expect(await run()).toMatchObject({ outcome: "ok" });
});

// mode → the outcome and the error (or failed check) the run must record
const MATRIX: [string, "failed" | "drift", RegExp][] = [
  ["http-500", "failed", /fault\/report\.html answered HTTP 500/],
  ["http-503-retry-after-seconds", "failed", /answered HTTP 503 and asked to wait 3600 s/],
  ["http-429-retry-after-date", "failed", /answered HTTP 429 and asked to wait 3[56]\d\d s/],
  [
    "stall-before-headers",
    "failed",
    /could not fetch http:\/\/127\.0\.0\.1:\d+\/fault\/report\.html: no answer within 400 ms/,
  ],
  [
    "stall-after-headers",
    "failed",
    /could not read the body of http:\/\/127\.0\.0\.1:\d+\/fault\/report\.html after 200 bytes: it stalled/,
  ],
  ["reset-mid-body", "failed", /could not read the body of http:\/\/127\.0\.0\.1:\d+\/fault\/report\.html/],
  ["truncated-body", "failed", /could not read the body of http:\/\/127\.0\.0\.1:\d+\/fault\/report\.html/],
  ["over-cap-declared", "failed", /report\.html is \d+ bytes, over the 2097152-byte cap, so it was not read$/],
  ["over-cap-chunked", "failed", /report\.html is over the 2097152-byte cap, so it was not read to the end$/],
  ["wrong-content-type", "failed", /was not read: its Content-Type is application\/pdf, not the html this step reads/],
  ["binary-garbage", "drift", /./],
  ["empty-200", "drift", /./],
  ["redirect-loop", "failed", /redirected more than 5 times/],
  ["always-304", "failed", /answered 304 Not Modified to a request that was not conditional, so nothing was fetched/],
  ["tables-vanished", "drift", /./],
  ["half-the-rows", "drift", /./],
  ["unknown-labels", "drift", /Dreadful|Splendid/],
];

describe("the fault matrix: a source with good data meets a misbehaving publisher", () => {
  it.each(MATRIX)("%s: %s with a clear error, the record intact, then recovery", async (mode, outcome, error) => {
    const before = await record();
    await setMode(mode);
    const result = await run();
    expect(result.outcome).toBe(outcome);
    expect(result.error).toMatch(error);
    const row = await env.DB.prepare("SELECT outcome, error, finished_at FROM runs WHERE id = ?")
      .bind(result.runId)
      .first<{ outcome: string; error: string; finished_at: string | null }>();
    expect(row).toMatchObject({ outcome, error: result.error });
    expect(row!.finished_at).not.toBeNull();
    expect(await record()).toEqual(before);
    expect(await health()).toMatchObject({ consecutive_failures: 1, last_outcome: outcome });

    await setMode("good");
    expect((await run()).outcome).toMatch(/^(ok|unchanged)$/);
    expect(await record()).toEqual(before);
    expect(await health()).toMatchObject({ consecutive_failures: 0, last_error: null });
  });

  it("windows-1252 without a charset is read as the same page: nothing changes", async () => {
    const before = await record();
    await setMode("windows-1252");
    const result = await run();
    expect(result).toMatchObject({ outcome: "ok", counts: { observations_added: 0, changes_added: 0 } });
    expect(await record()).toEqual(before);
    // The title's ’ is the byte 0x92 in windows-1252: decoded as UTF-8 it would not survive.
    const title = await env.DB.prepare("SELECT title FROM scorecards").first<{ title: string }>();
    expect(title!.title).toContain("Government’s commitments");
  });

  it("robots.txt that disallows, directly or after a redirect, fails the run and fetches nothing", async () => {
    const before = await record();
    for (const status of [200, 301]) {
      await env.DB.prepare("DELETE FROM robots_cache").run();
      await robots("User-agent: *\nDisallow: /fault/\n", status);
      const result = await run();
      expect(result).toMatchObject({ outcome: "failed" });
      expect(result.error).toMatch(/robots\.txt at http:\/\/127\.0\.0\.1:\d+ disallows .*\/fault\/report\.html/);
    }
    expect(await record()).toEqual(before);
    await env.DB.prepare("DELETE FROM robots_cache").run();
    await robots("", 404);
    expect((await run()).outcome).toMatch(/^(ok|unchanged)$/);
  });
});

describe("redirects that would leave the publisher's public hosts", () => {
  it.each([
    ["http://169.254.169.254/latest/meta-data/", /169\.254\.169\.254 is not a public address/],
    ["http://2852039166/", /169\.254\.169\.254 is not a public address/],
    ["http://[::ffff:169.254.169.254]/", /is not a public address/],
    ["http://10.0.0.1/admin", /10\.0\.0\.1 is not a public address/],
    ["http://0x0a.0.0.1/", /10\.0\.0\.1 is not a public address/],
    ["http://192.168.1.1/", /not a public address/],
    ["http://100.64.0.1/", /not a public address/],
    ["http://[fd00::1]/", /not a public address/],
    ["http://[fe80::1]/", /not a public address/],
    ["http://224.0.0.1/", /not a public address/],
    ["http://metadata.google.internal/computeMetadata/v1/", /local name/],
    ["https://evil.example/report.html", /evil\.example is not one of the hosts allowed/],
    ["https://user:secret@publications.parliament.uk/report.html", /user name or password/],
    ["file:///etc/passwd", /its scheme is file:, and only http and https are fetched/],
    ["ftp://publications.parliament.uk/report.html", /its scheme is ftp:/],
    ["gopher://127.0.0.1:70/", /its scheme is gopher:/],
  ])("to %s is refused, naming the hop and why", async (location, reason) => {
    const before = await record();
    await setMode("redirect-to", location);
    const result = await run();
    expect(result.outcome).toBe("failed");
    expect(result.error).toMatch(
      /^refused to fetch .* \(redirect 1 from http:\/\/127\.0\.0\.1:\d+\/fault\/report\.html\): /,
    );
    expect(result.error).toMatch(reason);
    expect(await record()).toEqual(before);
    // Nothing from the forbidden hop was stored: no robots.txt, no snapshot.
    const robotsOrigins = await env.DB.prepare("SELECT origin FROM robots_cache").all<{ origin: string }>();
    expect(robotsOrigins.results.every((r) => r.origin.startsWith("http://127.0.0.1:"))).toBe(true);
    const snapshot = await env.DB.prepare("SELECT count(*) AS n FROM snapshots WHERE run_id = ?")
      .bind(result.runId)
      .first<{ n: number }>();
    expect(snapshot!.n).toBe(0);
  });

  it("in production (no LOCAL_DEV_ALLOW_LOOPBACK) even the local page itself is refused, robots.txt included", async () => {
    const production: Env = { ...faultEnv, LOCAL_DEV_ALLOW_LOOPBACK: undefined };
    await fetch(`${server}/__reset`);
    const result = await run(production);
    expect(result).toMatchObject({ outcome: "failed" });
    expect(result.error).toMatch(
      /^refused to fetch http:\/\/127\.0\.0\.1:\d+\/fault\/report\.html \(the URL asked for\): 127\.0\.0\.1 is a loopback address, allowed only in local development$/,
    );
    const log = (await (await fetch(`${server}/__log`)).json()) as unknown[];
    expect(log).toEqual([]);
  });
});

describe("a consumer cut off mid-run", () => {
  it("counts as a failure at once when its job is delivered again, and is not run again", async () => {
    // What a killed invocation leaves behind: a run still "running".
    await env.DB.prepare("INSERT INTO runs (source_id, trigger, started_at, outcome) VALUES (?, 'cron', ?, 'running')")
      .bind(SOURCE, new Date().toISOString())
      .run();
    const batch = createMessageBatch<JobMessage>("scorecard-scrape", [
      { id: "again", timestamp: new Date(), attempts: 2, body: { kind: "scrape", sourceId: SOURCE, trigger: "cron" } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["again"]);
    expect(result.retryMessages).toEqual([]);
    const runs = await env.DB.prepare("SELECT outcome, error FROM runs WHERE source_id = ? ORDER BY id")
      .bind(SOURCE)
      .all<{ outcome: string; error: string | null }>();
    expect(runs.results.map((r) => r.outcome)).toEqual(["ok", "failed"]);
    expect(runs.results[1]!.error).toMatch(/cut off before the run ended/);
    expect(await health()).toMatchObject({ consecutive_failures: 1, last_outcome: "failed" });
  });

  it("a first delivery, or one with nothing left running, runs as usual", async () => {
    const batch = createMessageBatch<JobMessage>("scorecard-scrape", [
      { id: "retry", timestamp: new Date(), attempts: 3, body: { kind: "scrape", sourceId: SOURCE, trigger: "cron" } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    await getQueueResult(batch, ctx);
    const runs = await env.DB.prepare("SELECT outcome FROM runs WHERE source_id = ? ORDER BY id").bind(SOURCE).all();
    expect(runs.results.map((r) => r.outcome)).toEqual(["ok", "unchanged"]);
  });
});
