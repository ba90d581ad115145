// The govuk-commitments rule through the pipeline.
import { describe, expect, it } from "vitest";
import rule from "../scrapers/govuk-commitments.ts";
import { extractStep } from "../scrapers/lib/steps.ts";
import { validateExtraction } from "../scrapers/lib/validate.ts";
import { env } from "cloudflare:workers";
import { api, count, runCron, seed, seeded, publish } from "./helpers.ts";

const API = "https://www.gov.uk/api/content/government/publications";
const DWP = `${API}/dwp-single-departmental-plan-2015-to-2020/dwp-single-departmental-plan-2015-to-2020`;
const RAIL = `${API}/a-strategic-vision-for-rail/connecting-people-a-strategic-vision-for-rail`;
const BUDGET = `${API}/spring-budget-2017-documents/spring-budget-2017`;

const extract = (url: string) =>
  validateExtraction(rule, extractStep(rule).extract(seeded.archive[url]!.body, { url, carried: {} }));
const dated = (url: string) =>
  extract(url)
    .commitments.filter((c) => c.target_date)
    .map((c) => [c.target_date, c.text.slice(0, 60)]);

describe("govuk-commitments through the pipeline", () => {
  it("stores the commitments as not yet rated, with their deadlines", async () => {
    await seed(["govuk-dwp-single-departmental-plan-2015-to-2020"]);
    await runCron();
    expect(await count("observations")).toBe(0);
    const scorecard = await (
      await api("/v1/scorecards/govuk-commitments-dwp-single-departmental-plan-2015-to-2020")
    ).json<{
      vocabulary: string;
      dimensions: unknown[];
      commitments: { target_date: string | null; ratings: object; source_url: string }[];
    }>();
    expect(scorecard.vocabulary).toBe("unrated");
    expect(scorecard.dimensions).toEqual([]);
    expect(scorecard.commitments).toHaveLength(20);
    expect(scorecard.commitments.slice(0, 8).map((c) => c.target_date)).toEqual([
      null,
      null,
      null,
      null,
      null,
      "2021-03",
      "2017",
      "2016",
    ]);
    expect(scorecard.commitments.every((c) => Object.keys(c.ratings).length === 0)).toBe(true);
  });

  it("an extraction that finds nothing is drift, not an empty scorecard", async () => {
    await seed(["govuk-dwp-single-departmental-plan-2015-to-2020"]);
    const item = JSON.parse(seeded.archive[DWP]!.body);
    item.details.body = "<p>This plan has been withdrawn.</p>";
    await publish(DWP, JSON.stringify(item));
    await runCron();
    const run = await env.DB.prepare("SELECT outcome, failed_check FROM runs").first();
    expect(run).toEqual({ outcome: "drift", failed_check: "commitments extracted" });
    expect(await count("scorecards")).toBe(0);
  });
});
