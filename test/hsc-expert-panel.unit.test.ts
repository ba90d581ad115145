import { describe, expect, it } from "vitest";
import rule from "../scrapers/hsc-expert-panel.ts";
import { ExtractionError } from "../scrapers/lib/expect.ts";
import { extractStep } from "../scrapers/lib/steps.ts";
import { validateExtraction } from "../scrapers/lib/validate.ts";
import { seedPage, seedUrl } from "./helpers.ts";

function extract(sourceId: string, html = seedPage(sourceId)) {
  return validateExtraction(rule, extractStep(rule).extract(html, { url: seedUrl(sourceId), carried: {} }));
}

describe("hsc-expert-panel on the reconstructed sample pages", () => {
  it("reads the digitisation evaluation (HC 780): scorecard, areas, ratings and deadlines", () => {
    const { scorecard, commitments } = extract("hsc-expert-panel-hc-780");
    expect(scorecard).toEqual({
      key: "HC 780",
      title: "Expert Panel: Evaluation of the Government’s commitments in the area of the digitisation of the NHS",
      publisher: "House of Commons Health and Social Care Committee Expert Panel",
      published_on: "2023-02-17",
      url: "https://publications.parliament.uk/pa/cm5803/cmselect/cmhealth/780/report.html",
      overall: "Inadequate",
      period: null,
    });
    expect(commitments.map((c) => c.policy_area)).toEqual([
      "The care of patients and people who receive social care",
      "The care of patients and people who receive social care",
      "The care of patients and people who receive social care",
      "The health of the population",
      "Workforce digital literacy and the digital workforce",
      "Workforce digital literacy and the digital workforce",
    ]);
    const [nhsApp, , records, gpData, strategy, ddat] = commitments;
    expect(nhsApp).toMatchObject({
      // Cut at 60 characters, with a hash of the whole text so that texts alike at the start stay apart.
      key: "75-percent-of-adults-registered-for-the-nhs-app-by-2024-68-d1400bf0",
      target_date: "2024",
      ratings: {},
    });
    expect(records!.ratings).toEqual({ overall: "Inadequate" });
    expect(gpData!.ratings).toEqual({ overall: "Inadequate" });
    expect(strategy!.ratings).toEqual({
      met: "Inadequate",
      funding: "Requires improvement",
      impact: "Inadequate",
      appropriateness: "Good",
      overall: "Inadequate",
    });
    expect(ddat).toMatchObject({
      target_date: "2030",
      ratings: {
        met: "Inadequate",
        funding: "Inadequate",
        impact: "Inadequate",
        appropriateness: "Inadequate",
        overall: "Inadequate",
      },
    });
  });

  it("finds columns by their header text in any order (HC 18 puts Overall second, HC 1025 first)", () => {
    const maternity = extract("hsc-expert-panel-hc-18");
    expect(maternity.commitments.map((c) => c.ratings)).toEqual([
      { overall: "Requires improvement" },
      { overall: "Requires improvement" },
      { overall: "Requires improvement" },
      { overall: "Inadequate" },
    ]);
    expect(maternity.commitments.every((c) => c.policy_area === null)).toBe(true);
    const cancer = extract("hsc-expert-panel-hc-1025");
    expect(cancer.commitments.map((c) => c.text)[0]).toBe(
      "Expand the capacity and skills of the cancer workforce by 2021",
    );
    expect(cancer.commitments.every((c) => Object.keys(c.ratings).length === 0)).toBe(true);
  });

  it("reads policy areas from heading rows and from table captions", () => {
    expect(extract("hsc-expert-panel-hc-1025").commitments.map((c) => c.policy_area)).toEqual([
      "Workforce",
      "Diagnostics",
      "Diagnostics",
      "Living well with and beyond cancer",
      "Technology and innovation",
    ]);
    expect(extract("hsc-expert-panel-hc-112").commitments[0]!.policy_area).toBe("Planning for the workforce");
    expect(extract("hsc-expert-panel-hc-612").commitments[0]!.policy_area).toBe("Workforce");
  });

  it("reads ratings split by line breaks and non-breaking spaces", () => {
    expect(extract("hsc-expert-panel-hc-612").commitments[0]!.ratings).toEqual({
      met: "Requires improvement",
      funding: "Requires improvement",
      impact: "Requires improvement",
      appropriateness: "Requires improvement",
    });
    expect(extract("hsc-expert-panel-hc-612").scorecard.overall).toBe("Requires improvement");
  });

  it("gives every evaluation its published overall rating", () => {
    const overall = Object.fromEntries(
      ["hc-18", "hc-612", "hc-1025", "hc-112", "hc-780", "hc-1310"].map((id) => [
        id,
        extract(`hsc-expert-panel-${id}`).scorecard.overall,
      ]),
    );
    expect(overall).toEqual({
      "hc-18": "Requires improvement",
      "hc-612": "Requires improvement",
      "hc-1025": "Inadequate",
      "hc-112": "Inadequate",
      "hc-780": "Inadequate",
      "hc-1310": "Requires improvement",
    });
  });

  // The sample pages carry the publisher's words only; restyled and footnoted labels, as real
  // pages may print them, are made here.
  it("keeps labels verbatim, however a page restyles or footnotes them", () => {
    const page = seedPage("hsc-expert-panel-hc-780")
      .replace(
        "secondary purposes</td>\n      <td></td><td></td><td></td><td></td><td>Inadequate</td>",
        "secondary purposes</td>\n      <td></td><td></td><td></td><td></td><td>INADEQUATE</td>",
      )
      .replace("<td>Good</td>", "<td>Good<sup>12</sup></td>")
      .replace(
        "<td>Inadequate</td>\n      <td>Inadequate</td>\n      <td>Inadequate</td>\n      <td>Inadequate</td>\n    </tr>",
        "<td>inadequate</td>\n      <td>Inadequate</td>\n      <td>Inadequate</td>\n      <td>Inadequate*</td>\n    </tr>",
      );
    const { commitments } = extract("hsc-expert-panel-hc-780", page);
    expect(commitments[3]!.ratings).toEqual({ overall: "INADEQUATE" });
    expect(commitments[4]!.ratings.appropriateness).toBe("Good 12");
    expect(commitments[5]!.ratings).toEqual({
      met: "Inadequate",
      funding: "inadequate",
      impact: "Inadequate",
      appropriateness: "Inadequate",
      overall: "Inadequate*",
    });
    const workforce = extract(
      "hsc-expert-panel-hc-112",
      seedPage("hsc-expert-panel-hc-112")
        .replace("progress: Inadequate</p>", "progress: Inadequate<sup>1</sup></p>")
        .replace("<td>Inadequate</td>", "<td>Inadequate<sup>14</sup></td>"),
    );
    expect(workforce.scorecard.overall).toMatch(/^Inadequate/);
    expect(workforce.commitments[0]!.ratings).toEqual({ overall: "Inadequate 14" });
    const maternity = extract(
      "hsc-expert-panel-hc-18",
      seedPage("hsc-expert-panel-hc-18").replace(
        "<td>Requires improvement</td><td></td>",
        "<td>REQUIRES IMPROVEMENT</td><td></td>",
      ),
    );
    expect(maternity.commitments[0]!.ratings).toEqual({ overall: "REQUIRES IMPROVEMENT" });
  });

  it("keeps commitment keys stable and unique", () => {
    const first = extract("hsc-expert-panel-hc-1310").commitments.map((c) => c.key);
    const again = extract("hsc-expert-panel-hc-1310").commitments.map((c) => c.key);
    expect(again).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
  });
});

describe("hsc-expert-panel fails loudly when the layout drifts", () => {
  const page = seedPage("hsc-expert-panel-hc-780");

  it("when the rating table is gone", () => {
    const withoutTable = page.replace(/<table[\s\S]*<\/table>/, "<p>Ratings are in the PDF.</p>");
    expect(() => extract("hsc-expert-panel-hc-780", withoutTable)).toThrow(
      /rating tables .*expected at least 1, found 0/,
    );
  });

  it("when a question's column is gone", () => {
    const withoutFunding = page.replace(
      "<th>Was the commitment effectively funded (or resourced)?</th>",
      "<th>Notes</th>",
    );
    // Its ratings now stand in a column whose header names no question: drift, naming the column.
    expect(() => extract("hsc-expert-panel-hc-780", withoutFunding)).toThrow(
      /column 3 \("Notes"\) holds the rating "Requires improvement" but its header names no question/,
    );
  });

  it("when the title is missing or doubled", () => {
    expect(() => extract("hsc-expert-panel-hc-780", page.replace(/<h1>.*<\/h1>/, ""))).toThrow(
      /selector "h1": expected exactly 1, found 0/,
    );
  });

  it("when the page gives two different overall ratings, but never from prose", () => {
    const contradictory = page.replace("</strong></p>", "</strong></p><p>Overall rating: Good</p>");
    expect(() => extract("hsc-expert-panel-hc-780", contradictory)).toThrow(ExtractionError);
    const prose = page.replace("</strong></p>", "</strong></p><p>Overall, some areas were Good.</p>");
    expect(extract("hsc-expert-panel-hc-780", prose).scorecard.overall).toBe("Inadequate");
  });

  it("takes a table's policy area from the caption of the figure it stands in alone", () => {
    const page = seedPage("hsc-expert-panel-hc-780").replace(
      /<table class="ratings">([\s\S]*?)<\/table>/,
      (table) =>
        `<figure><figcaption>Policy area 9: Everything</figcaption>${table.replace(/<tr><th colspan="6">[^<]*<\/th><\/tr>/g, "")}</figure>`,
    );
    expect(new Set(extract("hsc-expert-panel-hc-780", page).commitments.map((c) => c.policy_area))).toEqual(
      new Set(["Everything"]),
    );
  });
});
