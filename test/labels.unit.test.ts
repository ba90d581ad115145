// scripts/labels.ts: a rule scored against hand labels (precision and recall).
import { describe, expect, it } from "vitest";
import { score } from "../scripts/labels.ts";

describe("precision and recall against hand labels", () => {
  it("counts a match only where the text contains the label and the dates agree", () => {
    const labels = {
      commitments: [
        { text: "open 500 free schools", target: "2020" },
        { text: "Publish a “white paper”", target: "2016" },
        { text: "balance in the next Parliament", target: null },
        { text: "freeze fuel duty", target: "2018-03" },
      ],
      undated: ["Run an effective welfare system"],
    };
    const result = score(labels, [
      { text: "We will open 500 free schools by 2020.", target_date: "2020" }, // right
      { text: 'We will publish a "white paper" in 2016.', target_date: "2016" }, // right: quotes and case normalised
      { text: "We will return to balance in the next Parliament.", target_date: null }, // right: both undated
      { text: "We will freeze fuel duty in 2017-18.", target_date: "2017" }, // the text matches, the date does not
      { text: "GDP will grow 2% in 2017.", target_date: "2017" }, // not a label
      { text: "Run an effective welfare system", target_date: null }, // set aside
    ]);
    expect(result).toMatchObject({ extracted: 5, correct: 3, labels: 4, found: 3, precision: 3 / 5, recall: 3 / 4 });
    expect(result.missed).toEqual([{ text: "freeze fuel duty", target: "2018-03", extractedTarget: "2017" }]);
    expect(result.wrong.map((w) => w.text)).toEqual([
      "We will freeze fuel duty in 2017-18.",
      "GDP will grow 2% in 2017.",
    ]);
    // Two extractions of one label are both right; the label is found once.
    expect(
      score({ commitments: [{ text: "open 500", target: "2020" }] }, [
        { text: "open 500 schools", target_date: "2020" },
        { text: "We will open 500 schools by 2020", target_date: "2020" },
      ]),
    ).toMatchObject({ precision: 1, recall: 1, correct: 2, found: 1 });
    expect(score({ commitments: [] }, [])).toMatchObject({ precision: 1, recall: 1 });
  });
});
