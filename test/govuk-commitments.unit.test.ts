// The govuk-commitments rule on real GOV.UK publications, read without the pipeline.
import { describe, expect, it } from "vitest";
import rule from "../scrapers/govuk-commitments.ts";
import { extractStep } from "../scrapers/lib/steps.ts";
import { validateExtraction } from "../scrapers/lib/validate.ts";
import { seeded } from "./helpers.ts";

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

  it("parses deadlines: calendar years, months, 'the end of', financial years, 'from', 'until', 'this Parliament'", () => {
    expect(dated(DWP)).toEqual([
      ["2021-03", "continuing to roll out Universal Credit through to financial"],
      ["2017", "continuing to provide a range of employment support through "],
      ["2016", "We will be publishing a White Paper in 2016 that will set ou"],
      ["2017", "continuing to provide specialist provision for people with h"],
      ["2017", "introducing a new Work and Health programme from 2017, which"],
      ["2017", "introducing Youth Obligation through Universal Credit from 2"],
      ["2020", "We are supporting the Prime Minister’s ambition to increase "],
      ["2020-03", "We are managing welfare expenditure by implementing the meas"],
      ["2017-04", "ensuring 18 to 21 year olds, who are out of work, no longer "],
      ["2016-04", "freezing the rates of working age benefits and tax credits f"],
      // "over the life of the Parliament": the Parliament sitting when the plan was published (January 2016)
      ["2020", "Personal Independence Payment is exempt from the benefit fre"],
      ["2020", "encouraging family stability, by improving the availability "],
      ["2017-03", "In financial year 2016 to 2017, more than a third of spendin"],
      ["2020", "We are committed to ensure value for money for the taxpayer "],
      ["2020", "Continuing to build our commercial capability and working wi"],
    ]);
    const rail = dated(RAIL);
    const railDate = (start: string) => rail.find(([, text]) => text!.startsWith(start))?.[0];
    expect(railDate("By 2021, there will be more than 5,500 new carriages")).toBe("2021");
    expect(railDate("In London, where demand pressures are highest, Crossrail wil")).toBe("2019");
    expect(railDate("Phase 1 of the new high speed network will open in 2026")).toBe("2026");
    expect(railDate("Further details will be announced in agreement with the ind")).toBe("2018"); // from Spring 2018
    expect(railDate("Subject to the completion of the procurement process, the o")).toBe("2018"); // next year, from Nov 2017
    expect(railDate("Over the course of this Parliament we will roll out new cont")).toBe("2022"); // elected June 2017
    expect(railDate("We are expecting to receive proposals")).toBeUndefined(); // an expectation
    const budget = dated(BUDGET);
    const budgetDate = (start: string) => budget.find(([, text]) => text!.startsWith(start))?.[0];
    expect(budgetDate("Of these 140 schools, 30 will open")).toBe("2020-09");
    expect(budgetDate("In the interim, the government will reduce")).toBe("2021-03");
    expect(budgetDate("Class 4 NICs: increase to 10% from April 2018 and 11% from")).toBe("2019-04"); // a table row
    expect(budgetDate("Fuel Duty: freeze in 2017-18")).toBe("2018-03");
    expect(budgetDate("The government will report on progress on the Efficiency Re")).toBe("2017"); // in autumn 2017
    expect(budgetDate("It demonstrates that the government remains on target to br")).toBe("2020"); // end of this Parliament
    expect(budgetDate("Next month, the government will build on this progress by i")).toBe("2017-04");
    // A footnote marker no longer glues two sentences together.
    const balance = extract(BUDGET).commitments.find((c) =>
      c.text.includes("at the earliest possible date in the next Parliament"),
    );
    expect(balance).toMatchObject({ target_date: null });
    expect(balance!.text).toMatch(/next Parliament\.$/);
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
    // "…will increase by RPI inflation, in line with previous forecasts" is a measure, not a forecast.
    expect(texts.filter((t) => /forecast/i.test(t))).toEqual([
      expect.stringContaining(
        "the duty rates on beer, cider, wine and spirits will increase by RPI inflation, in line with previous forecasts",
      ),
    ]);
    expect(texts.some((t) => t.startsWith("Spending on the State Pension will rise"))).toBe(false);
    expect(texts.some((t) => t.includes("is expected to be around £802 billion"))).toBe(false);
    expect(texts.some((t) => t.startsWith("Table 1.1") || t.startsWith("GDP growth"))).toBe(false); // the forecast's table
  });

  it("reads a hand-made page: new date forms in, forecasts, estimates, history and the document's own asides out", () => {
    const body = `
      <h2 id="plans">Plans</h2>
      <p>From April 2016, the government will freeze working-age benefits. We will publish a strategy in 2017.
      The review will report in autumn 2015. The government will halve the backlog by the end of this Parliament.
      We will legislate next year. The government will return to surplus in the next Parliament.</p>
      <p>GDP is forecast to grow 2% in 2017. Receipts are expected to be around £744 billion in 2016-17.
      The OBR expects borrowing to fall by 2019-20. In July 2014 we delivered 100 new schools, which will open in 2014.
      This annex sets out the government's financing plans for 2016-17.</p>
      <p>We will deliver the following:</p>
      <ul><li>a new ombudsman from spring 2016</li><li>rail electrification, completed in 2013</li></ul>
      <h3 id="table">Table 1: Milestones</h3>
      <table><thead><tr><th>Milestone</th><th>Target date</th></tr></thead>
      <tbody><tr><td>Open 20 new free schools</td><td>September 2016</td></tr>
      <tr><td>Publish the skills plan</td><td>2017-18</td></tr></tbody></table>
      <h3 id="measures">Table 2: Policy decisions</h3>
      <table><thead><tr><th></th><th>2015-16</th><th>2016-17</th></tr></thead>
      <tbody><tr><th>1 Fuel Duty: freeze in 2016-17</th><td>-990</td><td>-985</td></tr>
      <tr><th>Total policy decisions</th><td>-990</td><td>-985</td></tr>
      <tr><td colspan="3">1 Costings reflect the forecast from April 2016.</td></tr></tbody></table>
      <h3 id="outlook">Table 3: Summary of the economic forecast</h3>
      <table><tbody><tr><th>Growth in 2016</th><td>2.4</td></tr></tbody></table>`;
    const item = {
      base_path: "/government/publications/example/example",
      title: "Example",
      first_published_at: "2015-07-08T12:00:00Z",
      details: { body },
    };
    const url = "https://www.gov.uk/api/content/government/publications/example/example";
    const { commitments } = validateExtraction(
      rule,
      extractStep(rule).extract(JSON.stringify(item), { url, carried: {} }),
    );
    expect(commitments.map((c) => [c.target_date, c.text])).toEqual([
      ["2016-04", "From April 2016, the government will freeze working-age benefits."],
      ["2017", "We will publish a strategy in 2017."],
      ["2015", "The review will report in autumn 2015."],
      ["2020", "The government will halve the backlog by the end of this Parliament."], // elected May 2015
      ["2016", "We will legislate next year."],
      [null, "The government will return to surplus in the next Parliament."], // no date can be given
      ["2016", "a new ombudsman from spring 2016"],
      ["2016-09", "Open 20 new free schools"],
      ["2018-03", "Publish the skills plan"],
      ["2017-03", "Fuel Duty: freeze in 2016-17"],
    ]);
    expect(commitments.find((c) => c.text === "Open 20 new free schools")!.policy_area).toBe("Table 1: Milestones");
  });
});
