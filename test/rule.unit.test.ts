import { describe, expect, it } from "vitest";
import { RULES } from "../scrapers/index.ts";
import { vi } from "vitest";
import { mapLabel } from "../domain/vocabularies.ts";
import { checkRule, defineRule, type Rule, type RuleDeclaration, usableRule } from "../scrapers/lib/rule.ts";

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
  it("the project's rules all load sound, each under its own id", () => {
    expect(RULES.length).toBeGreaterThan(0);
    for (const rule of RULES) expect(rule.broken, rule.id).toBeUndefined();
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
  });

  it("accept a well-formed declaration", () => {
    expect(defineRule(valid)).toEqual(valid);
  });

  it("may declare their own vocabulary, checked and registered as they load", () => {
    const rule = checkRule({
      ...valid,
      id: "council-pledges",
      vocabulary: {
        id: "council-pledge-status-test",
        title: "Council pledge tracker",
        levels: [
          { label: "Complete", band: "green", score: 100 },
          { label: "On track", band: "green", score: 75 },
          { label: "Off track", band: "red", score: 0 },
        ],
        states: [{ band: "not-rated", labels: ["Not started"] }],
      },
    });
    expect(rule.vocabulary).toBe("council-pledge-status-test");
    expect(mapLabel(rule.vocabulary, "On track")).toMatchObject({ band: "green", score: 75 });
    expect(mapLabel(rule.vocabulary, "Not started").band).toBe("not-rated");
  });

  it("refuse a vocabulary declared wrongly, naming the vocabulary and what is wrong", () => {
    const declaration: RuleDeclaration = {
      ...valid,
      vocabulary: {
        id: "backwards-test",
        title: "Backwards",
        levels: [
          { label: "Bad", band: "red", score: 0 },
          { label: "Fine", band: "green", score: 100 },
        ],
      },
    };
    expect(() => checkRule(declaration)).toThrow(/vocabulary "backwards-test": levels: levels run best first/);
  });

  it("that fail their checks become broken rules: they load, say why, and refuse to run", () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const rule = defineRule({ ...valid, schedule: "weekly" });
    expect(rule).toMatchObject({ id: "example-rule", broken: expect.stringMatching(/schedule: a schedule is/) });
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/Invalid rule "example-rule".*other rules are unaffected/));
    expect(() => usableRule(rule)).toThrow(/rule "example-rule" failed its checks when it loaded, so it cannot run/);
    expect(usableRule(defineRule(valid))).toEqual(valid);
    log.mockRestore();
  });

  it.each([
    [{ id: "Not A Slug" }, /id: a rule id is a lower-case slug/],
    [{ schedule: "weekly" }, /schedule: a schedule is an interval such as 6h, 1d or 7d/],
    [{ vocabulary: "stars" }, /vocabulary: there is no vocabulary "stars" \(built-in and declared: cqc, /],
    [{ vocabularies: ["ipa-dca-3"] }, /vocabularies must include the default vocabulary/],
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
    expect(() => checkRule({ ...valid, ...change } as Rule)).toThrow(message);
  });
});
