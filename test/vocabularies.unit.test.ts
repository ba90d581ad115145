import { describe, expect, it } from "vitest";
import {
  declareVocabulary,
  levelLabels,
  mapLabel,
  type VocabularyDeclaration,
  vocabularyDeclaration,
  vocabularyIds,
  vocabularyProblems,
} from "../domain/vocabularies.ts";

describe("CQC-style four-point vocabulary", () => {
  it.each([
    ["Outstanding", "green", 100],
    ["Good", "green", 67],
    ["Requires improvement", "amber", 33],
    ["Inadequate", "red", 0],
  ])("maps %s", (label, band, score) => {
    expect(mapLabel("cqc", label)).toEqual({ label, vocabulary: "cqc", band, score });
  });

  it.each([
    ["REQUIRES IMPROVEMENT", "amber"],
    ["requires improvement", "amber"],
    ["  Requires \n\t improvement  ", "amber"],
    ["Requires\u00a0improvement", "amber"],
    ["Inadequate*", "red"],
    ["Inadequate 14", "red"],
    ["Good†", "green"],
    ["Good [3]", "green"],
    ["Good (4)", "green"],
    ["Good.", "green"],
  ])("matches %j whatever its case, spacing or footnote marker", (native, band) => {
    expect(mapLabel("cqc", native).band).toBe(band);
  });

  it("keeps the native label verbatim, collapsing only whitespace", () => {
    expect(mapLabel("cqc", "REQUIRES\u00a0 IMPROVEMENT*").label).toBe("REQUIRES IMPROVEMENT*");
  });
});

describe("IPA Delivery Confidence Assessment vocabularies", () => {
  it.each([
    ["Green", "green", 100],
    ["AMBER", "amber", 50],
    ["Red", "red", 0],
  ])("three-point: %s", (label, band, score) => {
    expect(mapLabel("ipa-dca-3", label)).toMatchObject({ band, score });
  });

  it.each([
    ["Green", "green", 100],
    ["Amber/Green", "amber-green", 75],
    ["Amber / Green", "amber-green", 75],
    ["AMBER-GREEN", "amber-green", 75],
    ["Amber", "amber", 50],
    ["Amber/Red", "amber-red", 25],
    ["amber red", "amber-red", 25],
    ["Red", "red", 0],
  ])("five-point: %s", (label, band, score) => {
    expect(mapLabel("ipa-dca-5", label)).toMatchObject({ band, score });
  });

  it("does not accept a five-point label on the three-point scale", () => {
    expect(mapLabel("ipa-dca-3", "Amber/Green")).toMatchObject({ band: "unmapped", score: null });
  });
});

describe("states that are not ratings", () => {
  it.each([
    ["Not rated", "not-rated"],
    ["NA", "not-rated"],
    ["N/A", "not-rated"],
    ["", "not-rated"],
    ["Exempt under Section 43 of the Freedom of Information Act", "exempt"],
    ["Section 24 - National security", "exempt"],
    ["Withheld", "withheld"],
  ])("%j is %s, with no score", (native, band) => {
    expect(mapLabel("ipa-dca-3", native)).toMatchObject({ band, score: null });
  });

  it("keeps the text of an exemption", () => {
    expect(mapLabel("ipa-dca-5", "Section 24 - National security").label).toBe("Section 24 - National security");
  });
});

describe("labels no vocabulary knows", () => {
  it.each(["Partially met", "Mostly true", "Amber-ish", "Green light"])(
    "stores %j as unmapped, with its text",
    (native) => {
      expect(mapLabel("cqc", native)).toEqual({ label: native, vocabulary: "cqc", band: "unmapped", score: null });
    },
  );

  it("never guesses from a known word inside a longer label", () => {
    expect(mapLabel("cqc", "Good in parts").band).toBe("unmapped");
  });

  it("refuses a vocabulary that does not exist", () => {
    expect(() => mapLabel("made-up" as never, "Good")).toThrow(/Unknown vocabulary/);
  });
});

// A council's pledge tracker, as README's "Adding a new kind of source" declares it.
const COUNCIL: VocabularyDeclaration = {
  id: "council-pledge-status",
  title: "Council pledge tracker (Complete, On track, At risk, Off track)",
  levels: [
    { label: "Complete", band: "green", score: 100, aliases: ["Completed", "Delivered"] },
    { label: "On track", band: "green", score: 75 },
    { label: "At risk", band: "amber", score: 40 },
    { label: "Off track", band: "red", score: 0 },
  ],
  states: [
    { band: "not-rated", labels: ["Not started"] },
    { band: "withdrawn", labels: ["Withdrawn"], pattern: /^no longer a pledge\b/ },
  ],
};

describe("declared vocabularies", () => {
  it("the built-in ones are declarations like any other, and sound", () => {
    expect(vocabularyIds()).toEqual(expect.arrayContaining(["cqc", "ipa-dca-3", "ipa-dca-5", "unrated"]));
    for (const id of vocabularyIds()) expect(vocabularyProblems(vocabularyDeclaration(id)), id).toEqual([]);
  });

  it("map a declared vocabulary's levels, aliases and states, and every shared state", () => {
    declareVocabulary(COUNCIL);
    expect(mapLabel("council-pledge-status", "On track")).toEqual({
      label: "On track",
      vocabulary: "council-pledge-status",
      band: "green",
      score: 75,
    });
    expect(mapLabel("council-pledge-status", "DELIVERED*")).toMatchObject({ band: "green", score: 100 });
    expect(mapLabel("council-pledge-status", "Not started")).toMatchObject({ band: "not-rated", score: null });
    expect(mapLabel("council-pledge-status", "Withdrawn 2")).toMatchObject({ band: "withdrawn", score: null });
    expect(mapLabel("council-pledge-status", "No longer a pledge (see note)").band).toBe("withdrawn");
    expect(mapLabel("council-pledge-status", "N/A").band).toBe("not-rated");
    expect(mapLabel("council-pledge-status", "Exempt under Section 43").band).toBe("exempt");
    expect(mapLabel("council-pledge-status", "Good").band).toBe("unmapped");
    expect(levelLabels("council-pledge-status")).toEqual(["Complete", "On track", "At risk", "Off track"]);
  });

  it("may be declared again only the same way", () => {
    expect(() => declareVocabulary({ ...COUNCIL })).not.toThrow();
    expect(() => declareVocabulary({ ...COUNCIL, title: "Another council's" })).toThrow(/already declared differently/);
    expect(() => declareVocabulary({ ...COUNCIL, id: "cqc" })).toThrow(/"cqc" is a built-in vocabulary/);
  });

  it.each([
    [{ id: "Council Status" }, /id: a vocabulary id is a lower-case slug/],
    [{ levels: [{ label: "Done", band: "teal", score: 100 }] }, /levels\.0\.band: a level's band is one of/],
    [{ levels: [{ label: "Done", band: "green", score: 101 }] }, /levels\.0\.score: a score is 0 to 100/],
    [{ levels: [{ label: "Done", band: "green", score: 99.5 }] }, /a score is a whole number/],
    [
      {
        levels: [
          { label: "Off track", band: "red", score: 0 },
          { label: "On track", band: "green", score: 100 },
        ],
      },
      /levels run best first/,
    ],
    [
      {
        levels: [
          { label: "On track", band: "amber", score: 100 },
          { label: "Nearly", band: "green", score: 50 },
        ],
      },
      /never better than the level above's/,
    ],
    [
      {
        levels: [
          { label: "On track", band: "green", score: 100, aliases: ["on-track"] },
          { label: "On  Track", band: "amber", score: 50 },
        ],
      },
      /two names match the same text: "On {2}Track"/,
    ],
    [{ states: [{ band: "unmapped", labels: ["?"] }] }, /states\.0\.band/],
    [{ states: [{ band: "not-rated" }] }, /a state names labels or a pattern/],
    [{ levels: [{ label: "  ", band: "green", score: 100 }] }, /a label may not be blank/],
  ])("refuse %j, saying where", (change, message) => {
    const problems = vocabularyProblems({ ...COUNCIL, id: "council-broken", ...change });
    expect(problems.join("; ")).toMatch(message);
    expect(() => declareVocabulary({ ...COUNCIL, id: "council-broken", ...change } as VocabularyDeclaration)).toThrow(
      message,
    );
  });
});
