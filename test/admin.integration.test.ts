// /v1/admin: keys and roles on every route, CORS, rate limits, sources over the API (to a run
// end to end on the local page server), URL validation, and the append-only audit log.
import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { app } from "../src/app.ts";
import { QUEUE_WAIT, seed } from "./helpers.ts";
import { BOOTSTRAP, call, createKey } from "./support/admin.ts";

/** Every admin route, and whether an editor may use it. */
const ROUTES: [method: string, path: string, editor: boolean][] = [
  ["POST", "/v1/admin/sources", false],
  ["PATCH", "/v1/admin/sources/hsc-expert-panel-hc-780", false],
  ["DELETE", "/v1/admin/sources/hsc-expert-panel-hc-780", false],
  ["POST", "/v1/admin/sources/hsc-expert-panel-hc-780/run", false],
  ["POST", "/v1/admin/sources/hsc-expert-panel-hc-780/reprocess", false],
  ["POST", "/v1/admin/sources/hsc-expert-panel-hc-780/replay", false],
  ["GET", "/v1/admin/overrides", true],
  ["POST", "/v1/admin/overrides", true],
  ["POST", "/v1/admin/overrides/1/revert", true],
  ["GET", "/v1/admin/reports", true],
  ["PATCH", "/v1/admin/reports/1", true],
  ["GET", "/v1/admin/webhooks", false],
  ["POST", "/v1/admin/webhooks", false],
  ["GET", "/v1/admin/webhooks/1/deliveries", false],
  ["POST", "/v1/admin/webhooks/1/deliveries/1/redeliver", false],
  ["GET", "/v1/admin/audit", false],
  ["GET", "/v1/admin/keys", false],
  ["POST", "/v1/admin/keys", false],
];

describe("keys and roles", () => {
  it("guard every admin route: none, wrong, revoked, wrong role, bootstrap", async () => {
    await seed(["hsc-expert-panel-hc-780"]);
    const editor = await createKey("editor");
    const admin = await createKey("admin");
    const revoked = await createKey("admin", "leaver");
    expect((await call("DELETE", `/v1/admin/keys/${revoked.id}`, admin.key)).status).toBe(200);
    for (const [method, path, editorMay] of ROUTES) {
      const body = method === "GET" ? undefined : {};
      const none = await call(method, path, null, body);
      expect(none.status, `${method} ${path} without a key`).toBe(401);
      expect(none.headers.get("content-type")).toBe("application/problem+json");
      expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect((await call(method, path, "sc_wrong", body)).status, `${method} ${path} wrong key`).toBe(401);
      expect((await call(method, path, revoked.key, body)).status, `${method} ${path} revoked key`).toBe(401);
      const asEditor = await call(method, path, editor.key, body);
      if (editorMay) expect([401, 403]).not.toContain(asEditor.status);
      else {
        expect(asEditor.status, `${method} ${path} as editor`).toBe(403);
        expect(await asEditor.json()).toMatchObject({ title: "Forbidden", detail: expect.stringMatching(/"editor"/) });
      }
      // Bootstrap and admin keys get past authentication (to a 2xx, 400, 404 or 409: never 401 or 403).
      for (const token of [BOOTSTRAP, admin.key]) {
        const response = await call(method, path, token, body);
        expect([401, 403, 429, 500], `${method} ${path}`).not.toContain(response.status);
      }
    }
  });

  it("store only the key's hash, and record who made and revoked keys", async () => {
    const { id, key } = await createKey("editor", "Night desk");
    expect(key).toMatch(/^sc_[A-Za-z0-9_-]{43}$/);
    const row = await env.DB.prepare("SELECT * FROM api_keys WHERE id = ?").bind(id).first<Record<string, string>>();
    expect(JSON.stringify(row)).not.toContain(key);
    expect(row!.hash).toMatch(/^[0-9a-f]{64}$/);
    const list = await (await call("GET", "/v1/admin/keys", BOOTSTRAP)).json<{ data: object[] }>();
    expect(JSON.stringify(list)).not.toContain(row!.hash);
    expect((await call("DELETE", `/v1/admin/keys/${id}`, BOOTSTRAP)).status).toBe(200);
    expect((await call("DELETE", `/v1/admin/keys/${id}`, BOOTSTRAP)).status).toBe(404);
    const { data } = await (
      await call("GET", "/v1/admin/audit", BOOTSTRAP)
    ).json<{ data: { action: string; actor: { id: string } }[] }>();
    expect(data.map((e) => [e.action, e.actor.id])).toEqual([
      ["key.revoke", "bootstrap"],
      ["key.create", "bootstrap"],
    ]);
  });

  it("work without ADMIN_TOKEN, which only adds the bootstrap credential", async () => {
    const { key } = await createKey("admin");
    const without = { ...env, ADMIN_TOKEN: undefined };
    const request = (token: string) =>
      app.request("/v1/admin/audit", { headers: { Authorization: `Bearer ${token}` } }, without);
    expect((await request(key)).status).toBe(200);
    expect((await request(BOOTSTRAP)).status).toBe(401);
  });

  it("are rate-limited per key, with a 429 problem", async () => {
    const limited = { ...env, ADMIN_RATE_LIMITER: { limit: async () => ({ success: false }) } };
    const response = await app.request(
      "/v1/admin/audit",
      { headers: { Authorization: `Bearer ${BOOTSTRAP}` } },
      limited,
    );
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("60");
    expect(response.headers.get("content-type")).toBe("application/problem+json");
  });

  it("answer no cross-origin request or preflight with CORS headers; reads still do", async () => {
    const preflight = await exports.default.fetch("https://scorecard.test/v1/admin/sources", {
      method: "OPTIONS",
      headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(preflight.headers.get("access-control-allow-methods")).toBeNull();
    const get = await exports.default.fetch("https://scorecard.test/v1/admin/audit", {
      headers: { Origin: "https://evil.example", Authorization: `Bearer ${BOOTSTRAP}` },
    });
    expect(get.headers.get("access-control-allow-origin")).toBeNull();
    expect(get.headers.get("cache-control")).toBe("no-store");
    const read = await exports.default.fetch("https://scorecard.test/v1/sources", {
      headers: { Origin: "https://x.example" },
    });
    expect(read.headers.get("access-control-allow-origin")).toBe("*");
  });
});

describe("sources over the API", () => {
  it("add, run end to end on a local page, change, disable; every step audited", async () => {
    const { key } = await createKey("admin", "Data desk");
    const created = await call("POST", "/v1/admin/sources", key, {
      rule: "hsc-expert-panel",
      url: `${env.TEST_SERVER}/report.html`,
      title: "Local copy of HC 780",
      schedule: "1d",
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const source = await created.json<{ id: string; enabled: boolean; next_run_at: string | null; schedule: string }>();
    expect(source).toMatchObject({
      id: "hsc-expert-panel-local-copy-of-hc-780",
      enabled: true,
      next_run_at: null,
      schedule: "1d",
    });
    expect(created.headers.get("location")).toBe(`https://scorecard.test/v1/sources/${source.id}`);
    expect(
      (
        await call("POST", "/v1/admin/sources", key, {
          rule: "hsc-expert-panel",
          url: `${env.TEST_SERVER}/report.html`,
        })
      ).status,
    ).toBe(409);

    const queued = await call("POST", `/v1/admin/sources/${source.id}/run`, key);
    expect(queued.status).toBe(202);
    const { run } = await queued.json<{ run: { id: number; url: string } }>();
    expect(run.url).toBe(`https://scorecard.test/v1/runs/${run.id}`);
    expect(queued.headers.get("location")).toBe(run.url);
    // The run exists at once (queued, unless the local queue already took it), and finishes ok.
    const row = await env.DB.prepare("SELECT outcome, trigger FROM runs WHERE id = ?")
      .bind(run.id)
      .first<{ outcome: string; trigger: string }>();
    expect(row?.trigger).toBe("manual");
    await vi.waitFor(async () => {
      const finished = await env.DB.prepare("SELECT outcome FROM runs WHERE id = ?")
        .bind(run.id)
        .first<{ outcome: string }>();
      expect(finished?.outcome).toBe("ok");
    }, QUEUE_WAIT);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM runs WHERE source_id = ?").bind(source.id).first("n")).toBe(
      1,
    );
    const served = await exports.default.fetch(`https://scorecard.test/v1/runs/${run.id}`);
    if (served.status !== 404) expect(await served.json()).toMatchObject({ id: run.id, outcome: "ok" });

    const patched = await call("PATCH", `/v1/admin/sources/${source.id}`, key, {
      title: "HC 780 (local)",
      schedule: "7d",
    });
    expect(await patched.json()).toMatchObject({ title: "HC 780 (local)", schedule: "7d", next_run_at: null });
    expect((await call("PATCH", `/v1/admin/sources/${source.id}`, key, {})).status).toBe(400);
    expect((await call("PATCH", `/v1/admin/sources/${source.id}`, key, { url: "https://x.example" })).status).toBe(400);
    const disabled = await call("DELETE", `/v1/admin/sources/${source.id}`, key);
    expect(await disabled.json()).toMatchObject({ enabled: false });
    expect((await call("POST", `/v1/admin/sources/${source.id}/run`, key)).status).toBe(409);
    // Its history stays.
    const kept = await exports.default.fetch(`https://scorecard.test/v1/sources/${source.id}`);
    expect((await kept.json<{ recent_runs: unknown[] }>()).recent_runs).toHaveLength(1);

    const { data } = await (
      await call("GET", "/v1/admin/audit?limit=10", key)
    ).json<{ data: { action: string; subject: string; actor: { name: string } }[] }>();
    expect(data.map((e) => [e.action, e.subject])).toEqual([
      ["source.disable", `source:${source.id}`],
      ["source.update", `source:${source.id}`],
      ["run.request", `source:${source.id}`],
      ["source.create", `source:${source.id}`],
      ["key.create", expect.stringMatching(/^key:/)],
    ]);
    expect(data[0]!.actor.name).toBe("Data desk");
  });

  it("coalesce run requests: twenty at once while one is queued or running make one run and one fetch", async () => {
    await seed(["hsc-expert-panel-hc-780"]);
    const path = "/v1/admin/sources/hsc-expert-panel-hc-780/run";
    const answers = await Promise.all(Array.from({ length: 20 }, () => call("POST", path, BOOTSTRAP)));
    expect(answers.every((a) => a.status === 202)).toBe(true);
    const runs = await Promise.all(
      answers.map((a) => a.json<{ run: { id: number; coalesced: boolean } }>().then((b) => b.run)),
    );
    const ids = new Set(runs.map((r) => r.id));
    // Each distinct run was asked for once; the rest joined it. (The local queue may finish a
    // run between two requests, and then a new one is right.)
    expect(runs.filter((r) => !r.coalesced).length).toBe(ids.size);
    expect(ids.size).toBeLessThanOrEqual(3);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM runs WHERE source_id = ?")
      .bind("hsc-expert-panel-hc-780")
      .first<{ n: number }>();
    expect(rows!.n).toBe(ids.size);
    // Let the real local queue finish them, so that nothing of this test runs in the next.
    await vi.waitFor(async () => {
      const open = await env.DB.prepare("SELECT count(*) AS n FROM runs WHERE finished_at IS NULL").first("n");
      expect(open).toBe(0);
    }, QUEUE_WAIT);
  }, 60_000);

  it("refuse URLs outside the rule's hosts, other schemes, credentials and private addresses", async () => {
    const refused = [
      "ftp://publications.parliament.uk/report.html",
      "https://user:pass@publications.parliament.uk/report.html",
      "https://example.com/report.html",
      "http://10.0.0.1/report.html",
      "http://169.254.169.254/latest/meta-data",
      "http://0xa9fe.0xa9fe/", // 169.254.169.254 in hex
      "http://[::ffff:169.254.169.254]/",
      "http://[fd00::1]/",
      "http://printer.local/",
      "not a url",
    ];
    for (const url of refused) {
      const response = await call("POST", "/v1/admin/sources", BOOTSTRAP, { rule: "hsc-expert-panel", url });
      expect(response.status, url).toBe(400);
      expect((await response.json<{ detail: string }>()).detail).toMatch(/^url: /);
    }
    const unknownRule = await call("POST", "/v1/admin/sources", BOOTSTRAP, {
      rule: "nope",
      url: "https://www.gov.uk/x",
    });
    expect(unknownRule.status).toBe(400);
    const badSchedule = await call("POST", "/v1/admin/sources", BOOTSTRAP, {
      rule: "gmpp",
      url: "https://www.gov.uk/government/publications/x",
      schedule: "1m",
    });
    expect(badSchedule.status).toBe(400);
    const extra = await call("POST", "/v1/admin/sources", BOOTSTRAP, {
      rule: "gmpp",
      url: "https://www.gov.uk/x",
      owner: "me",
    });
    expect(extra.status).toBe(400);
    const ok = await call("POST", "/v1/admin/sources", BOOTSTRAP, {
      rule: "gmpp",
      url: "https://www.gov.uk/government/publications/x",
    });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({ schedule: "1d", url: "https://www.gov.uk/government/publications/x" });
  });
});

describe("the audit log", () => {
  it("is append-only: a trigger refuses updates and deletes", async () => {
    await createKey("editor");
    await expect(env.DB.prepare("UPDATE audit_log SET actor_name = 'someone else'").run()).rejects.toThrow(
      /append-only/,
    );
    await expect(env.DB.prepare("DELETE FROM audit_log").run()).rejects.toThrow(/append-only/);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM audit_log").first("n")).toBe(1);
  });
});
