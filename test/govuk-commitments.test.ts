import { describe, expect, it } from "vitest";
import rule from "../scrapers/govuk-commitments.ts";
import { extractStep, validateExtraction } from "../scrapers/lib/rule.ts";
import { env } from "cloudflare:test";
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

describe("govuk-commitments on real GOV.UK publications", () => {
  it("reads a departmental plan's numbered objectives, linked to their section", () => {
    const { scorecard, commitments } = extract(DWP);
    expect(scorecard).toMatchObject({
      key: "dwp-single-departmental-plan-2015-to-2020",
      title: "DWP single departmental plan: 2015 to 2020",
      publisher: "Department for Work & Pensions",
    });
    const objectives = commitments.filter((c) => c.policy_area === "Objectives");
    expect(objectives.map((c) => c.text)).toEqual([
      "Run an effective welfare system that enables people to achieve financial independence by providing assistance and guidance into employment",
      "Increase saving for, and security in, later life",
      "Create a fair and affordable welfare system which improves the life chances of children and of adults",
      "Deliver outstanding services to our customers and claimants",
      "Delivering Efficiently: transforming the way we deliver our services to reduce costs and increase efficiency",
    ]);
    expect(objectives[0]!.source_url).toBe(
      "https://www.gov.uk/government/publications/dwp-single-departmental-plan-2015-to-2020/dwp-single-departmental-plan-2015-to-2020#objectives",
    );
    expect(commitments.every((c) => Object.keys(c.ratings).length === 0)).toBe(true);
  });

  it("parses deadlines: calendar years, months, 'the end of', and financial years", () => {
    expect(dated(DWP)).toEqual([
      ["2020", "We are supporting the Prime Minister’s ambition to increase "],
      ["2020-03", "We are managing welfare expenditure by implementing the meas"],
      ["2020", "Continuing to build our commercial capability and working wi"],
    ]);
    expect(dated(RAIL)).toEqual([
      ["2018", "We are working to make smart ticketing available across almo"],
      ["2021", "By 2021, there will be more than 5,500 new carriages on the "],
      ["2020", "By 2020, passengers will benefit from faster and more comfor"],
      ["2020", "By 2020 all the trains will be brand new or completely refur"],
      ["2019", "In London, where demand pressures are highest, Crossrail wil"],
      ["2024", "By 2024 the western section of East West Rail will be comple"],
      ["2018", "We are expecting to receive proposals for Northern Powerhous"],
      ["2018", "The paper ticket needs to be largely consigned to history, a"],
      ["2021", "It will deliver investment of nearly £1bn for 400 new carria"],
    ]);
    const budget = dated(BUDGET);
    expect(budget.find(([, text]) => text!.startsWith("Of these 140 schools, 30 will open"))?.[0]).toBe("2020-09");
    expect(budget.find(([, text]) => text!.startsWith("In the interim, the government will reduce"))?.[0]).toBe(
      "2021-03",
    );
  });

  it("keeps each commitment's section heading and a link back to it", () => {
    const crossrail = extract(RAIL).commitments.find((c) => c.text.includes("Crossrail will be fully open"))!;
    expect(crossrail.text).toMatch(/^In London/); // the paragraph number "2.20" is not part of the sentence
    expect(crossrail.policy_area).toBe("Expanding commuter routes");
    expect(crossrail.source_url).toMatch(
      /^https:\/\/www\.gov\.uk\/government\/publications\/a-strategic-vision-for-rail\/connecting-people-a-strategic-vision-for-rail#/,
    );
  });

  it("leaves out forecasts, which are dated but promise nothing", () => {
    const texts = extract(BUDGET).commitments.map((c) => c.text);
    expect(texts.some((t) => /forecast/i.test(t))).toBe(false);
    expect(texts.some((t) => t.startsWith("Spending on the State Pension will rise"))).toBe(false);
  });
});

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
    expect(scorecard.commitments).toHaveLength(8);
    expect(scorecard.commitments.map((c) => c.target_date)).toEqual([
      null,
      null,
      null,
      null,
      null,
      "2020",
      "2020-03",
      "2020",
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
