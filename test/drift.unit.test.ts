// src/pipeline/drift.ts: the checks that compare an extraction with the last good one.
import { describe, expect, it } from "vitest";
import hscExpertPanel from "../scrapers/hsc-expert-panel.ts";
import { ExtractionError } from "../scrapers/lib/expect.ts";
import type { Extraction } from "../scrapers/lib/rule.ts";
import { checkRatingsKept, ratedCells } from "../src/pipeline/drift.ts";

describe("the check itself", () => {
  const rule = hscExpertPanel;
  const extraction = (overall: string | null, ratings: Record<string, string>[]): Extraction => ({
    scorecard: { key: "HC 1", title: "T", publisher: "P", published_on: null, url: "https://example.org/", overall },
    commitments: ratings.map((r, i) => ({
      key: `c${i}`,
      text: `Commitment ${i}`,
      policy_area: null,
      target_date: null,
      source_url: null,
      ratings: r,
    })),
  });
  const before = extraction("Good", [
    { met: "Good", overall: "Good" },
    { met: "Inadequate", overall: "Inadequate" },
    { met: "", overall: "Requires improvement" }, // a blank was never a rating
  ]);
  const rated = ratedCells(rule, "s", before);

  it("counts the cells the last good extraction rated", () => {
    expect(rated).toHaveLength(6);
    expect(rated).toContainEqual({ commitment_id: null, dimension: "overall" });
  });

  it("counts blank, absent, not rated and unmapped as vanished; a stated exemption or withholding is not", () => {
    // 30% of 6 is 1.8: one may vanish, two may not.
    const kept = extraction("Good", [
      { met: "Withheld", overall: "Exempt under Section 43" },
      { met: "", overall: "Good" },
      { overall: "Requires improvement" },
    ]);
    expect(() => checkRatingsKept(rule, "s", kept, rated)).not.toThrow();
    for (const vanished of [
      extraction(null, [{ met: "", overall: "Good" }, { met: "Good", overall: "Good" }, { overall: "Good" }]),
      extraction("NA", [{ overall: "Not rated" }, { met: "Good", overall: "Good" }, { overall: "Good" }]),
      extraction("Good", [{ overall: "Good" }, { met: "See paragraph 12", overall: "Pending" }, { overall: "Good" }]),
      extraction("Good", [{ met: "Good", overall: "Good" }, { overall: "Good" }]), // a commitment left
    ]) {
      expect(() => checkRatingsKept(rule, "s", vanished, rated)).toThrow(ExtractionError);
    }
    expect(() =>
      checkRatingsKept(rule, "s", extraction(null, [{ met: "Good", overall: "Good" }, {}, { overall: "Good" }]), []),
    ).not.toThrow(); // nothing was rated before: nothing can vanish
  });
});
