import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../src/index.ts";
import { api, deliver, enqueueByCron, makeAllDue, publish, seed, seedPage, seedUrl } from "./helpers.ts";
import { BOOTSTRAP } from "./support/admin.ts";

const HC_780 = "hsc-expert-panel-hc-780";

/** The test env with the read cache on, as deployed. */
const cached = new Proxy(env, {
  get: (target, key) => (key === "READ_CACHE" ? "on" : Reflect.get(target, key)),
}) as Env;

async function read(path: string, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch!(
    new Request(`https://scorecard.test${path}`, init) as Request<unknown, IncomingRequestCfProperties>,
    cached,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

describe("HTTP behaviour of reads", () => {
  it("gives every GET an ETag, answers If-None-Match with 304, and HEAD wherever GET works", async () => {
    await seed([HC_780]);
    await deliver(await enqueueByCron());
    for (const path of [
      "/v1/scorecards",
      `/v1/scorecards/${HC_780}`,
      "/v1/commitments",
      "/v1/commitments.csv",
      "/v1/changes",
      "/v1/changes.atom",
      "/v1/runs/1",
      "/v1/sources",
    ]) {
      const response = await api(path);
      expect(response.status, path).toBe(200);
      const etag = response.headers.get("etag");
      expect(etag, path).toBeTruthy();
      const again = await api(path, { headers: { "If-None-Match": etag! } });
      expect(again.status, path).toBe(304);
      const head = await api(path, { method: "HEAD" });
      expect(head.status, path).toBe(200);
      expect(await head.text(), path).toBe("");
      expect(head.headers.get("etag"), path).toBe(etag);
    }
  }, 30_000);

  it("serves hot reads from the cache, and never a stale rating after a run applies a change", async () => {
    await seed([HC_780]);
    await deliver(await enqueueByCron(), cached);
    const path = `/v1/scorecards/${HC_780}`;
    const first = await read(path);
    expect(first.headers.get("x-cache")).toBe("MISS");
    const before = await first.json<{ overall: { label: string } }>();
    expect(before.overall.label).toBe("Inadequate");
    const second = await read(path);
    expect(second.headers.get("x-cache")).toBe("HIT");
    expect(await second.json()).toEqual(before);
    // Another representation of the same URL is cached apart.
    expect((await read("/v1/commitments", { headers: { Accept: "text/csv" } })).headers.get("x-cache")).toBe("MISS");

    await publish(
      seedUrl(HC_780),
      seedPage(HC_780).replace("progress: <strong>Inadequate</strong>", "progress: <strong>Good</strong>"),
    );
    await makeAllDue();
    await deliver(await enqueueByCron(), cached);
    const after = await read(path);
    expect(after.headers.get("x-cache")).toBe("MISS");
    expect((await after.json<{ overall: { label: string } }>()).overall.label).toBe("Good");
  }, 30_000);

  it("answers a hit with the headers of the miss, a matching If-None-Match with 304, and caches widgets too", async () => {
    await seed([HC_780]);
    await deliver(await enqueueByCron(), cached);
    for (const path of [`/v1/scorecards/${HC_780}`, `/embed/scorecards/${HC_780}`]) {
      const miss = await read(path);
      expect(miss.headers.get("x-cache"), path).toBe("MISS");
      const body = await miss.text();
      const hit = await read(path);
      expect(hit.headers.get("x-cache"), path).toBe("HIT");
      expect(await hit.text(), path).toBe(body);
      for (const name of ["cache-control", "content-type", "etag", "content-security-policy", "x-content-type-options"])
        expect(hit.headers.get(name), `${path} ${name}`).toBe(miss.headers.get(name));
      expect(hit.headers.get("x-scorecard-cache-control"), path).toBeNull();
      const tag = miss.headers.get("etag")!;
      const notModified = await read(path, { headers: { "If-None-Match": `"other", ${tag}` } });
      expect(notModified.status, path).toBe(304);
      expect(notModified.headers.get("x-cache"), path).toBe("HIT");
      expect(notModified.headers.get("etag"), path).toBe(tag);
      expect(notModified.headers.get("cache-control"), path).toBe(miss.headers.get("cache-control"));
      expect(await notModified.text(), path).toBe("");
    }
    expect((await read(`/v1/scorecards/${HC_780}`)).headers.get("cache-control")).toBe(
      "public, max-age=60, stale-while-revalidate=600",
    );
    expect((await read(`/embed/scorecards/${HC_780}`)).headers.get("cache-control")).toBe("public, max-age=60");
  }, 30_000);

  it("keeps a scorecard's ETag through an unchanged scrape (last_seen_at moves), and changes it with the data", async () => {
    const id = "hsc-expert-panel-hc-780";
    await seed([id]);
    await deliver(await enqueueByCron());
    const first = await api(`/v1/scorecards/${id}`);
    const tag = first.headers.get("etag")!;
    const seen = (await first.json<{ last_seen_at: string }>()).last_seen_at;
    await makeAllDue();
    await deliver(await enqueueByCron());
    const again = await api(`/v1/scorecards/${id}`);
    expect((await again.json<{ last_seen_at: string }>()).last_seen_at).not.toBe(seen);
    expect(again.headers.get("etag")).toBe(tag);
    expect((await api(`/v1/scorecards/${id}`, { headers: { "If-None-Match": tag } })).status).toBe(304);
    const list = (await api("/v1/scorecards")).headers.get("etag");
    await publish(seedUrl(id), seedPage(id).replace("<td>Good</td>", "<td>Outstanding</td>"));
    await makeAllDue();
    await deliver(await enqueueByCron());
    expect((await api(`/v1/scorecards/${id}`)).headers.get("etag")).not.toBe(tag);
    expect((await api("/v1/scorecards")).headers.get("etag")).not.toBe(list);
  }, 60_000);
  it("never caches a run in progress, and leaves cached reads behind when a rating is corrected", async () => {
    await seed([HC_780]);
    await deliver(await enqueueByCron(), cached);
    const queued = await env.DB.prepare(
      "INSERT INTO runs (source_id, trigger, started_at, outcome) VALUES (?, 'api', ?, 'queued') RETURNING id",
    )
      .bind(HC_780, new Date().toISOString())
      .first<number>("id");
    for (let i = 0; i < 2; i++) {
      const polled = await read(`/v1/runs/${queued}`);
      expect(polled.headers.get("cache-control")).toBe("no-store");
      expect(polled.headers.get("x-cache")).toBeNull();
      expect((await polled.json<{ outcome: string }>()).outcome).toBe("queued");
    }
    await env.DB.prepare("UPDATE runs SET outcome = 'unchanged', finished_at = ? WHERE id = ?")
      .bind(new Date().toISOString(), queued)
      .run();
    const finished = await read(`/v1/runs/${queued}`);
    expect((await finished.json<{ outcome: string }>()).outcome).toBe("unchanged");
    expect(finished.headers.get("cache-control")).toBe("public, max-age=60, stale-while-revalidate=600");

    const path = `/v1/scorecards/${HC_780}`;
    await read(path);
    expect((await read(path)).headers.get("x-cache")).toBe("HIT");
    const rated = (await env.DB.prepare(
      `SELECT commitment_id AS commitment, dimension, label FROM observations
       WHERE scorecard_id = ? AND commitment_id IS NOT NULL AND band != 'not-rated' ORDER BY id LIMIT 1`,
    )
      .bind(HC_780)
      .first<{ commitment: string; dimension: string; label: string }>())!;
    const corrected = await read("/v1/admin/overrides", {
      method: "POST",
      headers: { Authorization: `Bearer ${BOOTSTRAP}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        ...rated,
        label: rated.label === "Good" ? "Inadequate" : "Good",
        reason: "An erratum.",
        evidence_url: "https://committees.parliament.uk/erratum",
      }),
    });
    expect(corrected.status, await corrected.clone().text()).toBe(201);
    const after = await read(path);
    expect(after.headers.get("x-cache")).toBe("MISS");
    expect(await after.text()).toContain("An erratum.");
  }, 30_000);
});
