// Reader reports: public, validated, length-limited, rate-limited per address, stored, triaged.
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createKey } from "./support/admin.ts";
import { runCron, seed } from "./helpers.ts";

let address = 0;
const post = (body: unknown, ip = `203.0.113.${++address}`) =>
  exports.default.fetch("https://scorecard.test/v1/reports", {
    method: "POST",
    headers: { "Content-Type": "application/json", "CF-Connecting-IP": ip },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

async function aCommitment(): Promise<{ id: string; dimension: string }> {
  await seed(["hsc-expert-panel-hc-780"]);
  await runCron();
  return (await env.DB.prepare(
    "SELECT commitment_id AS id, dimension FROM observations WHERE commitment_id IS NOT NULL ORDER BY id LIMIT 1",
  ).first<{ id: string; dimension: string }>())!;
}

describe("reader reports", () => {
  it("are stored and answered 202, then listed and triaged by editors", async () => {
    const c = await aCommitment();
    const message = `<script>alert("x")</script> The rating for this commitment is wrong: see page 12.`;
    const response = await post({ commitment: c.id, dimension: c.dimension, message, contact: "reader@example.org" });
    expect(response.status, await response.clone().text()).toBe(202);
    const { report } = await response.json<{ report: { id: number; status: string } }>();
    expect(report.status).toBe("open");

    const editor = await createKey("editor");
    const list = await call("GET", "/v1/admin/reports?status=open", editor.key);
    expect(list.headers.get("content-type")).toMatch(/^application\/json/);
    const { data } = await list.json<{ data: { id: number; message: string }[] }>();
    expect(data).toEqual([expect.objectContaining({ id: report.id, message })]);

    const triaged = await call("PATCH", `/v1/admin/reports/${report.id}`, editor.key, {
      status: "resolved",
      note: "Override made.",
    });
    expect(await triaged.json()).toMatchObject({
      status: "resolved",
      note: "Override made.",
      triaged_by: "editor desk",
    });
    expect(
      (await (await call("GET", "/v1/admin/reports?status=open", editor.key)).json<{ data: unknown[] }>()).data,
    ).toEqual([]);
    expect((await call("PATCH", `/v1/admin/reports/${report.id}`, editor.key, { status: "deleted" })).status).toBe(400);
    expect((await call("PATCH", "/v1/admin/reports/999", editor.key, { status: "rejected" })).status).toBe(404);
  });

  it("are validated and length-limited", async () => {
    const c = await aCommitment();
    const cases: [unknown, number][] = [
      [{ commitment: c.id }, 400],
      [{ commitment: c.id, message: "short" }, 400],
      [{ commitment: c.id, message: "x".repeat(2001) }, 400],
      [{ commitment: c.id, message: "A long enough message.", contact: "y".repeat(201) }, 400],
      [{ commitment: c.id, message: "A long enough message.", extra: 1 }, 400],
      [{ commitment: c.id, message: "A long enough message.", dimension: "nope" }, 400],
      [{ commitment: "no-such-thing", message: "A long enough message." }, 404],
      [{ commitment: c.id, message: "Bell \u0007 in the message." }, 400],
      ["{not json", 400],
      [{ commitment: c.id, message: "z".repeat(9000) }, 413],
    ];
    for (const [body, status] of cases) {
      const response = await post(body);
      expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
    }
    expect(await env.DB.prepare("SELECT count(*) AS n FROM reports").first("n")).toBe(0);
  });

  it("are rate-limited per client address", async () => {
    const c = await aCommitment();
    const body = { commitment: c.id, message: "The rating looks wrong to me." };
    const statuses = [];
    for (let i = 0; i < 7; i++) statuses.push((await post(body, "198.51.100.77")).status);
    expect(statuses.slice(0, 5)).toEqual([202, 202, 202, 202, 202]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect((await post(body, "198.51.100.78")).status).toBe(202);
  });

  it("accept a cross-origin POST from a newsroom's page", async () => {
    const preflight = await exports.default.fetch("https://scorecard.test/v1/reports", {
      method: "OPTIONS",
      headers: {
        Origin: "https://news.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
      },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-methods")).toMatch(/POST/);
  });
});
