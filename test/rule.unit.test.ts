import { describe, expect, it } from "vitest";
import { RULES } from "../scrapers/index.ts";
import { defineRule, type Rule } from "../scrapers/lib/rule.ts";

const valid: Rule = {
  id: "example-rule",
  title: "Example",
  vocabulary: "cqc",
  schedule: "1d",
  dimensions: [{ key: "overall", question: "Overall" }],
  steps: [{ kind: "extract", name: "page", accepts: "html", extract: () => ({}) as never }],
  commitmentScope: "source",
  expect: { commitments: { min: 1 }, maxDrop: 0.3 },
};

describe("rule declarations", () => {
  it("the project's rules all load", () => {
    expect(RULES.map((r) => r.id).sort()).toEqual(["gmpp", "govuk-commitments", "hsc-expert-panel"]);
  });

  it("accept a well-formed declaration", () => {
    expect(defineRule(valid)).toBe(valid);
  });

  it.each([
    [{ id: "Not A Slug" }, /id: a rule id is a lower-case slug/],
    [{ schedule: "weekly" }, /schedule: a schedule is an interval such as 6h, 1d or 7d/],
    [{ vocabulary: "stars" }, /vocabulary/],
    [
      {
        dimensions: [
          { key: "a", question: "A" },
          { key: "a", question: "A again" },
        ],
      },
      /dimension keys must be unique/,
    ],
    [{ steps: [] }, /steps/],
    [
      {
        steps: [
          { kind: "extract", name: "x", accepts: "html", extract: () => ({}) },
          { kind: "follow", name: "y", accepts: "json", follow: () => [], expect: 1 },
        ],
      },
      /steps are zero or more follow steps, then one extract step/,
    ],
    [{ steps: [{ kind: "extract", name: "x", accepts: "pdf", extract: () => ({}) }] }, /steps\.0\.accepts/],
    [{ expect: { commitments: { min: 1 }, maxDrop: 2 } }, /expect\.maxDrop/],
    [{ commitmentScope: "global" }, /commitmentScope/],
  ])("refuse %j when they load", (change, message) => {
    expect(() => defineRule({ ...valid, ...change } as Rule)).toThrow(message);
  });
});
