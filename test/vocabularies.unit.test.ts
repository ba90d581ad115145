import { describe, expect, it } from "vitest";
import { mapLabel } from "../domain/vocabularies.ts";

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
