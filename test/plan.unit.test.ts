// src/pipeline/plan.ts: what one extraction adds to the record, planned without a database.
import { describe, expect, it } from "vitest";
import { ExtractionError } from "../scrapers/lib/expect.ts";
import { defineRule, type Extraction } from "../scrapers/lib/rule.ts";
import {
  commitmentIds,
  commitmentScope,
  countsOf,
  emptyPlanState,
  planStateOf,
  planWrites,
  scorecardId,
} from "../src/pipeline/plan.ts";

const rule = defineRule({
  id: "test-rule",
  title: "A rule for planning",
  vocabulary: "cqc",
  schedule: "1d",
  dimensions: [{ key: "status", question: "How is it going?" }],
  steps: [{ kind: "extract", name: "page", accepts: "html", extract: () => ({}) as Extraction }],
  commitmentScope: "source",
  expect: { commitments: { min: 1 }, maxDrop: 0.3 },
});

/** An extraction of one scorecard whose commitments are rated as given (a key absent from a record: not shown). */
function extraction(overall: string | null, ratings: Record<string, string | undefined>): Extraction {
  return {
    scorecard: { key: "HC 1", title: "T", publisher: "P", published_on: null, url: "https://example.org/", overall },
    commitments: Object.entries(ratings).map(([key, status]) => ({
      key,
      text: `Commitment ${key}`,
      policy_area: null,
      target_date: null,
      source_url: null,
      ratings: status === undefined ? ({} as Record<string, string>) : { status },
    })),
  };
}

const moves = (plan: ReturnType<typeof planWrites>) =>
  plan.observations.map((o) => [
    o.commitment_id,
    o.dimension,
    o.rating.label,
    o.rating.band,
    o.change === null ? false : o.change.kind === "moved" ? (o.change.band_changed ? "band" : "level") : o.change.kind,
  ]);

describe("ids", () => {
  it("make a scorecard's id from its rule and key, and a commitment's from its scope and key", () => {
    expect(scorecardId(rule, "HC 1")).toBe("test-rule-hc-1");
    expect(commitmentScope(rule, "source-a")).toBe("source-a");
    expect(commitmentScope({ ...rule, commitmentScope: "rule" }, "source-a")).toBe("test-rule");
    expect(commitmentIds(rule, "source-a", extraction(null, { a: "Good", "B b": "Good" }))).toEqual([
      "source-a--a",
      "source-a--b-b",
    ]);
  });

  it("refuse two keys that become one id, as drift, never a silent merge", () => {
    const clash = () => commitmentIds(rule, "s", extraction(null, { "Key one": "Good", "key-one": "Good" }));
    expect(clash).toThrow(ExtractionError);
    expect(clash).toThrow(/both become the id "s--key-one"/);
  });
});

describe("planWrites", () => {
  it("observes every rating of a first extraction: each one a first rating, and nothing moved", () => {
    const plan = planWrites(rule, "s", extraction("Good", { a: "Good", b: "Inadequate" }), emptyPlanState());
    expect(plan.scorecard).toMatchObject({ id: "test-rule-hc-1", source_id: "s", vocabulary: "cqc", period: null });
    expect(plan.commitments.map((c) => [c.id, c.scope, c.position])).toEqual([
      ["s--a", "s", 0],
      ["s--b", "s", 1],
    ]);
    expect(moves(plan)).toEqual([
      [null, "overall", "Good", "green", "first-rating"],
      ["s--a", "status", "Good", "green", "first-rating"],
      ["s--b", "status", "Inadequate", "red", "first-rating"],
    ]);
    expect(plan.membership).toEqual([]);
    expect(countsOf(plan)).toEqual({ commitments_seen: 2, observations_added: 3, changes_added: 3 });
  });

  it("plans nothing new for the same extraction over the state it left", () => {
    const state = emptyPlanState();
    planWrites(rule, "s", extraction("Good", { a: "Good" }), state);
    const again = planWrites(rule, "s", extraction("Good", { a: "Good" }), state);
    expect(again.observations).toEqual([]);
    expect(countsOf(again)).toEqual({ commitments_seen: 1, observations_added: 0, changes_added: 0 });
  });

  it("moves a rating from one level to another, saying whether its band moved too", () => {
    const state = emptyPlanState();
    planWrites(rule, "s", extraction(null, { a: "Good", b: "Good" }), state);
    const plan = planWrites(rule, "s", extraction(null, { a: "Outstanding", b: "Inadequate" }), state);
    expect(moves(plan)).toEqual([
      ["s--a", "status", "Outstanding", "green", "level"], // Good → Outstanding: both green, still a move
      ["s--b", "status", "Inadequate", "red", "band"],
    ]);
    expect(plan.observations.map((o) => o.change)).toEqual([
      { kind: "moved", band_changed: false },
      { kind: "moved", band_changed: true },
    ]);
    expect(countsOf(plan).changes_added).toBe(2);
  });

  it("observes a new label at the same level, and moves nothing", () => {
    const state = emptyPlanState();
    planWrites(rule, "s", extraction(null, { a: "Good" }), state);
    const plan = planWrites(rule, "s", extraction(null, { a: "Good*" }), state);
    expect(moves(plan)).toEqual([["s--a", "status", "Good*", "green", false]]);
    expect(countsOf(plan).changes_added).toBe(0);
  });

  it("makes a first rating of not rated → rated, and of a state → rated, but never of a state", () => {
    const state = emptyPlanState();
    const first = planWrites(rule, "s", extraction(null, { a: "Not rated", b: "Exempt" }), state);
    expect(moves(first)).toEqual([
      ["s--a", "status", "Not rated", "not-rated", false],
      ["s--b", "status", "Exempt", "exempt", false],
    ]);
    const rated = planWrites(rule, "s", extraction(null, { a: "Good", b: "Inadequate" }), state);
    expect(moves(rated)).toEqual([
      ["s--a", "status", "Good", "green", "first-rating"],
      ["s--b", "status", "Inadequate", "red", "first-rating"],
    ]);
    // Rated once: a later rating after a state is a move, or nothing at the same level.
    planWrites(rule, "s", extraction(null, { a: "Not rated", b: "Inadequate" }), state);
    expect(moves(planWrites(rule, "s", extraction(null, { a: "Good", b: "Inadequate" }), state))).toEqual([
      ["s--a", "status", "Good", "green", false],
    ]);
  });

  it("records a commitment that leaves the publication as removed, and as returned when it comes back", () => {
    const state = emptyPlanState();
    planWrites(rule, "s", extraction(null, { a: "Good", b: "Good", c: undefined }), state);
    const left = planWrites(rule, "s", extraction(null, { a: "Good" }), state);
    expect(left.membership).toEqual([
      { commitment_id: "s--b", kind: "removed" },
      { commitment_id: "s--c", kind: "removed" },
    ]);
    expect(left.observations).toEqual([]); // its ratings stay as they were: it left, it was not unrated
    expect(countsOf(left)).toEqual({ commitments_seen: 1, observations_added: 0, changes_added: 2 });
    expect(planWrites(rule, "s", extraction(null, { a: "Good" }), state).membership).toEqual([]);
    const back = planWrites(rule, "s", extraction(null, { a: "Good", b: "Inadequate" }), state);
    expect(back.membership).toEqual([{ commitment_id: "s--b", kind: "returned" }]);
    expect(moves(back)).toEqual([["s--b", "status", "Inadequate", "red", "band"]]);
    // A commitment new to the publication is neither.
    expect(
      planWrites(rule, "s", extraction(null, { a: "Good", b: "Inadequate", d: "Good" }), state).membership,
    ).toEqual([]);
  });

  it("knows from the record which commitments a scorecard holds and which left it", () => {
    const state = planStateOf({
      labels: [],
      ratings: [],
      members: [{ scorecard_id: "test-rule-hc-1", commitment_id: "s--a" }],
      removed: [{ scorecard_id: "test-rule-hc-1", commitment_id: "s--b" }],
    });
    expect(planWrites(rule, "s", extraction(null, { b: undefined }), state).membership).toEqual([
      { commitment_id: "s--a", kind: "removed" },
      { commitment_id: "s--b", kind: "returned" },
    ]);
  });

  it("never counts a state as a move: Good, then exempt, then Inadequate is one change", () => {
    const state = emptyPlanState();
    planWrites(rule, "s", extraction(null, { a: "Good" }), state);
    const exempt = planWrites(rule, "s", extraction(null, { a: "Exempt under Section 43" }), state);
    expect(moves(exempt)).toEqual([["s--a", "status", "Exempt under Section 43", "exempt", false]]);
    const red = planWrites(rule, "s", extraction(null, { a: "Inadequate" }), state);
    expect(moves(red)).toEqual([["s--a", "status", "Inadequate", "red", "band"]]);
  });

  it("observes a rating the page stops showing as not rated; one it never showed stays absent", () => {
    const state = emptyPlanState();
    planWrites(rule, "s", extraction("Good", { a: "Good", b: undefined }), state);
    const plan = planWrites(rule, "s", extraction(null, { a: undefined, b: undefined }), state);
    expect(moves(plan)).toEqual([
      [null, "overall", "", "not-rated", false],
      ["s--a", "status", "", "not-rated", false],
    ]);
    // Already not rated: nothing more to observe.
    expect(planWrites(rule, "s", extraction(null, { a: undefined }), state).observations).toEqual([]);
  });

  it("rates in the scorecard's own vocabulary where it names one", () => {
    const ipa = {
      ...rule,
      vocabulary: "ipa-dca-3" as const,
      vocabularies: ["ipa-dca-3" as const, "ipa-dca-5" as const],
    };
    const fivePoint = extraction(null, { a: "Amber/Green" });
    fivePoint.scorecard.vocabulary = "ipa-dca-5";
    const plan = planWrites(ipa, "s", fivePoint, emptyPlanState());
    expect(plan.scorecard.vocabulary).toBe("ipa-dca-5");
    expect(moves(plan)).toEqual([["s--a", "status", "Amber/Green", "amber-green", "first-rating"]]);
  });

  it("builds on the record: the state of what the latest observations say", () => {
    const state = planStateOf({
      labels: [
        {
          scorecard_id: "test-rule-hc-1",
          commitment_id: "s--a",
          dimension: "status",
          label: "Good",
          band: "green",
          score: 67,
        },
      ],
      ratings: [
        { scorecard_id: "other", commitment_id: "s--a", dimension: "status", label: "Good", band: "green", score: 67 },
      ],
    });
    expect(planWrites(rule, "s", extraction(null, { a: "Good" }), state).observations).toEqual([]);
    // The band is the commitment's across its scope, whichever scorecard rated it last.
    expect(moves(planWrites(rule, "s", extraction(null, { a: "Inadequate" }), state))).toEqual([
      ["s--a", "status", "Inadequate", "red", "band"],
    ]);
  });
});
