import { describe, expect, it } from "vitest";
import { api, HSC_SOURCES, runCron, seed } from "./helpers.ts";

async function expectProblem(path: string, status: number, detail: RegExp) {
  const response = await api(path);
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const body = await response.json<Record<string, unknown>>();
  expect(body).toMatchObject({ type: "about:blank", status, instance: new URL(path, "https://x").pathname });
  expect(body.detail).toMatch(detail);
}

describe("GET /health", () => {
  it("reports the service and its sources", async () => {
    await seed(HSC_SOURCES);
    const response = await api("/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", sources: { total: 6, failing: 0 } });
  });
});

describe("GET /v1/scorecards", () => {
  it("is empty before anything was scraped", async () => {
    expect(await (await api("/v1/scorecards")).json()).toEqual({
      data: [],
      meta: { limit: 50, offset: 0, total: 0, next: null },
    });
  });

  it("pages with limit and offset", async () => {
    await seed(HSC_SOURCES);
    await runCron();
    const page = await (await api("/v1/scorecards?limit=2&offset=1")).json<{ data: { id: string }[]; meta: unknown }>();
    expect(page.meta).toEqual({
      limit: 2,
      offset: 1,
      total: 6,
      next: "https://scorecard.test/v1/scorecards?limit=2&offset=3",
    });
    expect(page.data.map((s) => s.id)).toEqual(["hsc-expert-panel-hc-780", "hsc-expert-panel-hc-112"]);
  });

  it("filters by the rule that read them", async () => {
    await seed([...HSC_SOURCES, "gmpp-2024-25"]);
    await runCron();
    const all = await (await api("/v1/scorecards")).json<{ meta: { total: number } }>();
    expect(all.meta.total).toBe(7);
    const panel = await (
      await api("/v1/scorecards?rule=hsc-expert-panel")
    ).json<{ data: { id: string }[]; meta: unknown }>();
    expect(panel.meta).toEqual({ limit: 50, offset: 0, rule: "hsc-expert-panel", total: 6, next: null });
    expect(panel.data.every((s) => s.id.startsWith("hsc-expert-panel-"))).toBe(true);
    await expectProblem("/v1/scorecards?rule=nope", 400, /rule must be one of: .*hsc-expert-panel/);
  });

  it("can be embedded anywhere and cached briefly", async () => {
    await seed(HSC_SOURCES);
    await runCron();
    const response = await api("/v1/scorecards");
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("cache-control")).toMatch(/max-age=60/);
    expect(response.headers.get("etag")).toBeTruthy();
  });

  it.each([
    ["/v1/scorecards?limit=abc", /limit: must be a whole number/],
    ["/v1/scorecards?limit=0", /limit/],
    ["/v1/scorecards?limit=10000", /limit/],
    ["/v1/scorecards?offset=-1", /offset/],
  ])("answers %s with a 400 problem", async (path, detail) => {
    await expectProblem(path, 400, detail);
  });
});

describe("errors", () => {
  it("404s an unknown scorecard", async () => {
    await expectProblem("/v1/scorecards/hsc-expert-panel-hc-9999", 404, /no scorecard "hsc-expert-panel-hc-9999"/);
  });

  it("404s an unknown commitment", async () => {
    await expectProblem("/v1/commitments/nothing-here", 404, /no commitment "nothing-here"/);
  });

  it("400s a malformed id", async () => {
    await expectProblem("/v1/scorecards/HC%20780", 400, /id: an id is a lower-case slug/);
  });

  it("takes any commitment id, so that a publisher's key can be told where to ask, and never runs it as SQL", async () => {
    await expectProblem(
      "/v1/commitments/%27%3B%20DROP%20TABLE%20sources",
      404,
      /no commitment "'; DROP TABLE sources"/,
    );
    expect((await api("/v1/sources")).status).toBe(200);
  });

  it("404s an unknown path", async () => {
    await expectProblem("/v2/anything", 404, /Nothing is served at GET \/v2\/anything/);
  });
});
