import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { d1PolitenessStore } from "../src/db/politeness.ts";
import { upsertSources } from "../src/db/sources.ts";
import { Fetcher } from "../src/pipeline/fetch/fetcher.ts";
import { fetchPolicy, type FetchPolicy } from "../src/pipeline/fetch/policy.ts";
import { runCron } from "./helpers.ts";

const server = env.TEST_SERVER;

function fetcher(overrides: Partial<FetchPolicy> = {}) {
  return new Fetcher(
    { ...fetchPolicy(env), minHostIntervalMs: 0, retryBaseMs: 10, ...overrides },
    d1PolitenessStore(env.DB),
  );
}

async function requests(): Promise<{ path: string; at: number; headers: Record<string, string> }[]> {
  return (await fetch(`${server}/__log`)).json();
}

const pages = async () => (await requests()).filter((r) => r.path !== "/robots.txt");

async function robots(body: string, status = 200) {
  await fetch(`${server}/__robots?status=${status}&body=${encodeURIComponent(body)}`);
}

beforeEach(async () => {
  await fetch(`${server}/__reset`);
});

describe("the fetcher", () => {
  it("says who it is, with the contact URL from configuration", async () => {
    await fetcher().fetch(`${server}/page`);
    const [request] = await pages();
    expect(request!.headers["user-agent"]).toBe("ScorecardBot/0.1 (+https://example.org/scorecard-contact)");
  });

  it("respects robots.txt", async () => {
    await robots("User-agent: *\nDisallow: /page/private\n");
    await expect(fetcher().fetch(`${server}/page/private`)).rejects.toThrow(
      /robots\.txt at .* disallows .*\/page\/private for ScorecardBot/,
    );
    await expect(fetcher().fetch(`${server}/page/public`)).resolves.toMatchObject({ status: 200 });
    expect((await pages()).map((r) => r.path)).toEqual(["/page/public"]);
  });

  it("honours rules addressed to it by name", async () => {
    await robots("User-agent: ScorecardBot\nDisallow: /\n\nUser-agent: *\nAllow: /\n");
    await expect(fetcher().fetch(`${server}/page`)).rejects.toThrow(/disallows/);
  });

  it("caches robots.txt instead of asking before every request", async () => {
    await robots("User-agent: *\nAllow: /\n");
    await fetcher().fetch(`${server}/page?etag=a`);
    await fetcher().fetch(`${server}/page?etag=b`);
    expect((await requests()).filter((r) => r.path === "/robots.txt")).toHaveLength(1);
    const cached = await env.DB.prepare("SELECT status, body FROM robots_cache").first();
    expect(cached).toEqual({ status: 200, body: "User-agent: *\nAllow: /\n" });
  });

  it("treats a missing robots.txt as allowing everything, and a failing one as allowing nothing", async () => {
    await expect(fetcher().fetch(`${server}/page`)).resolves.toMatchObject({ status: 200 }); // 404
    await env.DB.prepare("DELETE FROM robots_cache").run();
    await robots("", 503);
    await expect(fetcher({ maxAttempts: 1 }).fetch(`${server}/page`)).rejects.toThrow(
      /robots\.txt .* answered HTTP 503/,
    );
  });

  it("sends a conditional GET and reports 304 as not modified", async () => {
    const first = await fetcher().fetch(`${server}/page?etag=v7`);
    expect(first).toMatchObject({ etag: '"v7"', lastModified: "Fri, 17 Feb 2023 09:00:00 GMT" });
    const again = await fetcher().fetch(`${server}/page?etag=v7`, {
      etag: '"v7"',
      last_modified: "Fri, 17 Feb 2023 09:00:00 GMT",
    });
    expect(again).toEqual({ notModified: true, etag: '"v7"', lastModified: null });
    const conditional = (await pages())[1]!;
    expect(conditional.headers["if-none-match"]).toBe('"v7"');
    expect(conditional.headers["if-modified-since"]).toBe("Fri, 17 Feb 2023 09:00:00 GMT");
  });

  it("waits a minimum interval between requests to one host", async () => {
    const polite = fetcher({ minHostIntervalMs: 300 });
    await polite.fetch(`${server}/page?etag=1`);
    await polite.fetch(`${server}/page?etag=2`);
    const times = (await requests()).map((r) => r.at); // robots.txt, then two pages
    expect(times).toHaveLength(3);
    // Measured where the requests arrive, so a loaded machine's transit jitter (tens of ms) shows
    // in the gaps; without the interval they would be a few ms apart.
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(240);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(240);
  });

  it("gives up on an answer that takes too long", async () => {
    await expect(fetcher({ timeoutMs: 200 }).fetch(`${server}/slow?ms=5000`)).rejects.toThrow(
      /no answer within 200 ms/,
    );
  });

  it("caps the body size, whether or not the server declares it", async () => {
    await expect(fetcher({ maxBodyBytes: 1000 }).fetch(`${server}/big?bytes=5000`)).rejects.toThrow(
      /5000 bytes, over the 1000-byte cap/,
    );
    await expect(fetcher({ maxBodyBytes: 1000 }).fetch(`${server}/big?bytes=5000&declare=no`)).rejects.toThrow(
      /over the 1000-byte cap/,
    );
    await expect(fetcher({ maxBodyBytes: 1000 }).fetch(`${server}/big?bytes=999`)).resolves.toMatchObject({
      status: 200,
    });
  });

  it("retries 5xx with exponential backoff", async () => {
    const result = await fetcher({ retryBaseMs: 100 }).fetch(`${server}/flaky/a?fail=2&status=503`);
    expect(result).toHaveProperty("body");
    expect(new TextDecoder().decode((result as { body: ArrayBuffer }).body)).toBe("answered on attempt 3");
    const times = (await pages()).map((r) => r.at);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(95);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(195);
  });

  it("honours Retry-After on 429", async () => {
    await fetcher({ retryBaseMs: 10 }).fetch(`${server}/flaky/b?fail=1&status=429&retryAfter=1`);
    const times = (await pages()).map((r) => r.at);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(990);
  });

  it("fails instead of waiting out a long Retry-After, and after its last attempt", async () => {
    await expect(
      fetcher({ maxRetryAfterMs: 1000 }).fetch(`${server}/flaky/c?fail=1&status=429&retryAfter=120`),
    ).rejects.toThrow(/HTTP 429 and asked to wait 120 s/);
    await expect(fetcher().fetch(`${server}/flaky/d?fail=5&status=500`)).rejects.toThrow(/answered HTTP 500/);
    expect((await pages()).filter((r) => r.path.startsWith("/flaky/d"))).toHaveLength(3);
  });
});

describe("the fetcher, continued", () => {
  it("follows redirects itself, checking robots.txt on every hop", async () => {
    const moved = await fetcher().fetch(`${server}/redirect?to=${encodeURIComponent("/page?etag=m")}`);
    expect(moved).toMatchObject({ status: 200, url: `${server}/page?etag=m`, etag: '"m"' });
    await robots("User-agent: *\nDisallow: /page/private\n");
    await env.DB.prepare("DELETE FROM robots_cache").run();
    await expect(fetcher().fetch(`${server}/redirect?to=${encodeURIComponent("/page/private")}`)).rejects.toThrow(
      /disallows .*\/page\/private/,
    );
    expect((await pages()).map((r) => r.path)).not.toContain("/page/private");
  });

  it("follows a redirecting robots.txt to the rules it points at", async () => {
    await robots("User-agent: *\nDisallow: /page/private\n", 301);
    await expect(fetcher().fetch(`${server}/page/private`)).rejects.toThrow(/disallows/);
    expect((await requests()).map((r) => r.path)).toEqual(["/robots.txt", "/robots-target.txt"]);
  });

  it("sends a document's validators only to the URL it came from", async () => {
    await upsertSources(env.DB, [
      { id: "moving", rule_id: "hsc-expert-panel", url: `${server}/report.html`, title: "Moving", schedule: "1d" },
    ]);
    await runCron(new Date("2026-01-01T00:00:00Z"));
    await env.DB.prepare("UPDATE sources SET url = ?").bind(`${server}/page?etag=elsewhere`).run();
    await runCron(new Date("2026-01-02T00:00:00Z"));
    const last = (await pages()).at(-1)!;
    expect(last.path).toBe("/page?etag=elsewhere");
    expect(last.headers["if-none-match"]).toBeUndefined();
  });

  it("gives up after five redirects", async () => {
    await expect(fetcher().fetch(`${server}/loop`)).rejects.toThrow(/redirected more than 5 times/);
    expect((await pages()).filter((r) => r.path === "/loop")).toHaveLength(6);
  });

  it("asks a failing robots.txt again after ten minutes, not a day", async () => {
    await robots("", 503);
    await expect(fetcher({ maxAttempts: 1 }).fetch(`${server}/page`)).rejects.toThrow(/answered HTTP 503/);
    await robots("User-agent: *\nAllow: /\n");
    await expect(fetcher().fetch(`${server}/page`)).rejects.toThrow(/answered HTTP 503/); // still cached
    await env.DB.prepare("UPDATE robots_cache SET fetched_at = ?")
      .bind(new Date(Date.now() - 11 * 60_000).toISOString())
      .run();
    await expect(fetcher().fetch(`${server}/page`)).resolves.toMatchObject({ status: 200 });
  });

  it("treats a rate-limited robots.txt as allowing nothing yet", async () => {
    await robots("", 429);
    await expect(fetcher({ maxAttempts: 1 }).fetch(`${server}/page`)).rejects.toThrow(
      /robots\.txt .* answered HTTP 429/,
    );
    expect(await pages()).toEqual([]);
  });

  it("honours Retry-After given as a date", async () => {
    await fetcher({ retryBaseMs: 10 }).fetch(`${server}/flaky/e?fail=1&status=503&retryAfterDate=2`);
    const times = (await pages()).map((r) => r.at);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(900); // HTTP dates have whole-second precision
  });

  it("shares each host's interval between fetchers, as separate invocations do, through D1", async () => {
    await fetcher({ minHostIntervalMs: 300 }).fetch(`${server}/page?etag=x`);
    await fetcher({ minHostIntervalMs: 300 }).fetch(`${server}/page?etag=y`);
    const [first, second] = await pages();
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(290);
  });

  it("fails instead of queueing behind a host for longer than it would wait for Retry-After", async () => {
    const host = new URL(server).host;
    await env.DB.prepare("INSERT INTO host_slots (host, next_slot_at) VALUES (?, ?)")
      .bind(host, Date.now() + 600_000)
      .run();
    await expect(fetcher({ maxRetryAfterMs: 1000, minHostIntervalMs: 50 }).fetch(`${server}/page`)).rejects.toThrow(
      /is busy with other requests for \d+ s/,
    );
    // The slot it reserved and did not use is given back.
    const slot = await env.DB.prepare("SELECT next_slot_at FROM host_slots").first<{ next_slot_at: number }>();
    expect(slot!.next_slot_at).toBeLessThanOrEqual(Date.now() + 600_000);
  });
});

describe("a run against a live server", () => {
  it("sends the stored ETag, and turns a 304 into an unchanged run that reuses the archived page", async () => {
    await upsertSources(env.DB, [
      { id: "local-report", rule_id: "hsc-expert-panel", url: `${server}/report.html`, title: "Local", schedule: "1d" },
    ]);
    await runCron(new Date("2026-01-01T00:00:00Z"));
    await runCron(new Date("2026-01-02T00:00:00Z"));
    const { results } = await env.DB.prepare(
      "SELECT r.outcome, s.http_status, s.etag, s.sha256 FROM runs r JOIN snapshots s ON s.run_id = r.id ORDER BY r.id",
    ).all<{ outcome: string; http_status: number; etag: string; sha256: string }>();
    expect(results.map(({ outcome, http_status, etag }) => ({ outcome, http_status, etag }))).toEqual([
      { outcome: "ok", http_status: 200, etag: '"report-v1"' },
      { outcome: "unchanged", http_status: 304, etag: '"report-v1"' },
    ]);
    expect(results[1]!.sha256).toBe(results[0]!.sha256);
    const conditional = (await pages()).at(-1)!;
    expect(conditional.headers["if-none-match"]).toBe('"report-v1"');
  });

  it("keeps conditional requests working when the page redirects", async () => {
    await upsertSources(env.DB, [
      {
        id: "moved-report",
        rule_id: "hsc-expert-panel",
        url: `${server}/redirect?to=%2Freport.html`,
        title: "Moved",
        schedule: "1d",
      },
    ]);
    await runCron(new Date("2026-01-01T00:00:00Z"));
    await runCron(new Date("2026-01-02T00:00:00Z"));
    const { results } = await env.DB.prepare(
      "SELECT r.outcome, s.url, s.http_status FROM runs r JOIN snapshots s ON s.run_id = r.id ORDER BY r.id",
    ).all();
    expect(results).toEqual([
      { outcome: "ok", url: `${server}/report.html`, http_status: 200 },
      { outcome: "unchanged", url: `${server}/report.html`, http_status: 304 },
    ]);
  });
});
