// What the maintainer CLI says of labels a rule keeps although its vocabulary does not know them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { unmappedLabels, type RuleOutput } from "../../scripts/rule-output.ts";

describe("unmappedLabels", () => {
  it("lists each unmapped label with its dimension and commitment, and nothing else", () => {
    const output = {
      rule: "city-pledges",
      scorecards: [],
      commitments: [
        {
          key: "a",
          text: "Plant 10,000 trees by 2026",
          policy_area: null,
          target_date: "2026",
          source_url: null,
          ratings: { status: { label: "Paused", band: "unmapped" }, funding: { label: "On track", band: "green" } },
        },
        { key: "b", text: "Open two libraries", policy_area: null, target_date: null, source_url: null, ratings: {} },
      ],
    } as unknown as RuleOutput;
    assert.deepEqual(unmappedLabels(output), ['"Paused" (status of "Plant 10,000 trees by 2026")']);
    assert.deepEqual(unmappedLabels({ rule: "r", step: "s", links: [] }), []);
  });
});
