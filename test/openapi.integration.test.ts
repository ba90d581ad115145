import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { ChangePageSchema, CommitmentPageSchema, ProblemSchema, RunSchema } from "../src/http/schemas.ts";
import { api, GMPP_SOURCES, HSC_SOURCES, runCron, seed } from "./helpers.ts";

describe("/openapi.json and /docs", () => {
  it("serves the document and a reference page that asks no other host", async () => {
    const document = await (await api("/openapi.json")).json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(document.openapi).toBe("3.1.0");
    expect(Object.keys(document.paths)).toContain("/v1/changes");
    const page = await api("/docs");
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain("/v1/commitments");
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
  });

  it("answers each route with what its schema describes", async () => {
    await seed([...HSC_SOURCES, "gmpp-2024-25", "govuk-dwp-single-departmental-plan-2015-to-2020"]);
    await runCron();
    const check = async (schema: v.GenericSchema, path: string) => {
      const result = v.safeParse(schema, await (await api(path)).json());
      expect(result.issues?.map((i) => `${v.getDotPath(i)}: ${i.message}`) ?? [], path).toEqual([]);
    };
    await check(CommitmentPageSchema, "/v1/commitments?limit=200");
    await check(CommitmentPageSchema, "/v1/commitments?deadline=passed-unrated,passed-not-met&limit=all");
    await check(CommitmentPageSchema, "/v1/commitments?as_of=2024-06-01");
    await check(ChangePageSchema, "/v1/changes?limit=200");
    await check(RunSchema, "/v1/runs/1");
    await check(ProblemSchema, "/v1/changes?nope=1");
  }, 60_000);
});

describe("as_of", () => {
  it("is empty before anything took effect, and follows effective_on for the GMPP years", async () => {
    await seed(GMPP_SOURCES);
    await runCron();
    const before = await (await api("/v1/commitments?as_of=2000-01-01")).json<{ data: unknown[]; meta: unknown }>();
    expect(before.data).toEqual([]);
    expect(before.meta).toMatchObject({ as_of: "2000-01-01T23:59:59.999Z", total: 0 });
    // 2024-25's ratings take effect on 31 March 2025, whenever the year was published.
    const all = await (await api("/v1/scorecards?rule=gmpp")).json<{ data: { id: string; period: string }[] }>();
    const year = all.data.find((s) => s.period === "2024-25")!.id;
    const scorecards = await (
      await api("/v1/scorecards?rule=gmpp&as_of=2025-03-30")
    ).json<{ data: { id: string }[] }>();
    expect(scorecards.data.map((s) => s.id)).not.toContain(year);
    expect(scorecards.data.length).toBeGreaterThan(0);
    expect((await api(`/v1/scorecards/${year}?as_of=2025-03-30`)).status).toBe(404);
    const then = await (
      await api(`/v1/scorecards/${year}?as_of=2025-03-31`)
    ).json<{
      commitments: { ratings: Record<string, { effective_on: string }> }[];
    }>();
    expect(then.commitments.length).toBeGreaterThan(0);
    for (const c of then.commitments)
      for (const rating of Object.values(c.ratings)) expect(rating.effective_on).toBe("2025-03-31");
    const page = await (
      await api("/v1/commitments?rule=gmpp&dimension=dca&as_of=2024-01-01&limit=5")
    ).json<{ data: { ratings: { dca: { effective_on: string } } }[] }>();
    for (const c of page.data) expect(c.ratings.dca.effective_on <= "2024-01-01").toBe(true);
  }, 120_000);
});
