// The gmpp rule on every published year's CSV, read without the pipeline.
import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import gmpp from "../scrapers/gmpp.ts";
import { checkRule } from "../scrapers/lib/rule.ts";
import { ExtractionError } from "../scrapers/lib/expect.ts";
import { validateExtraction } from "../scrapers/lib/validate.ts";
import { decodeBody } from "../src/pipeline/fetch/decode.ts";
import { seedBody } from "../src/seeds.ts";
import { collapseWhitespace } from "../domain/text.ts";
import { mapLabel } from "../domain/vocabularies.ts";
import { seeded } from "./helpers.ts";
import {
  ALL_YEARS,
  csvText,
  csvUrl,
  extract,
  rawBand,
  rawText,
  rawYear,
  rfc4180,
  tally,
  YEARS,
} from "./support/gmpp-files.ts";

describe("gmpp on the real CSVs", () => {
  it.each(YEARS)("reads $source: every project and both assessments", ({ file, projects, ipa, sro }) => {
    const { commitments } = extract(file);
    expect(commitments).toHaveLength(projects);
    expect(tally(commitments.map((c) => c.ratings.ipa!))).toEqual(ipa);
    expect(tally(commitments.map((c) => c.ratings.sro!))).toEqual(sro);
  });

  it("finds the ID column by its header in each year (first, last, renamed)", () => {
    expect(extract("gmpp_2022_23.csv").commitments[0]).toMatchObject({ key: "CO_0024_2021-Q2", policy_area: "CO" });
    expect(extract("gmpp_2024_25.csv").commitments[0]!.key).toBe("CO_0133_2223-Q1");
    expect(extract("gmpp_2025_26.csv").commitments[0]!.key).toBe("CO_0176_2223-Q3");
  });

  it("keeps exemption texts verbatim and reads blank and NA as not rated", () => {
    const byKey = (file: string) => new Map(extract(file).commitments.map((c) => [c.key, c]));
    const labels = extract("gmpp_2024_25.csv").commitments.map((c) => c.ratings.ipa!);
    expect(labels).toContain("Section 24 - National security");
    expect(mapLabel("ipa-dca-3", "Section 24 - National security")).toMatchObject({
      band: "exempt",
      label: "Section 24 - National security",
    });
    expect(mapLabel("ipa-dca-3", "")).toMatchObject({ band: "not-rated" });
    expect(byKey("gmpp_2022_23.csv").get("DHSC_0067_2021-Q3")!.ratings).toEqual({
      ipa: "NA",
      sro: "Amber",
      dca: "Amber",
    });
    expect(byKey("gmpp_2025_26.csv").get("DHSC_0067_2021-Q3")!.ratings).toEqual({
      ipa: "GREEN",
      sro: "",
      dca: "GREEN",
    });
  });

  it("parses quoted fields with newlines and the byte order mark", () => {
    const csv = csvText("gmpp_2022_23.csv");
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    const early = extract("gmpp_2022_23.csv").commitments.find((c) => c.ratings.ipa!.startsWith("Early planning"))!;
    expect(early.ratings.ipa).toBe(
      "Early planning GMPP project \r\n\r\n(The project has not yet passed SOC, or its programme equivalent)",
    );
    expect(mapLabel("ipa-dca-3", early.ratings.ipa!).band).toBe("not-rated");
  });

  it("keeps end dates verbatim as a schedule, never as a target date", () => {
    const commitments = extract("gmpp_2024_25.csv").commitments;
    expect(commitments.every((c) => c.target_date === null)).toBe(true);
    expect(commitments.slice(0, 3).map((c) => c.details!.end_date)).toEqual([
      "31/03/2030",
      "27/12/2030",
      "Low: 31/03/2025, Mid: 30/04/2025, High: 31/05/2025",
    ]);
    expect(extract("gmpp_2022_23.csv").commitments[0]!.details!.end_date).toBe("2024-09-30");
  });

  it("keys the rows that have no ID by their name, so none is lost", () => {
    const unnumbered = extract("gmpp_2025_26.csv").commitments.filter((c) => c.key.startsWith("unnumbered-"));
    expect(unnumbered.map((c) => c.key)).toEqual([
      "unnumbered-defra-flood-and-coastal-risk-management-fcrm-investment",
      "unnumbered-dfe-children-s-homes-capital-programme",
    ]);
  });
});

describe("gmpp: every year, every scale", () => {
  it.each(ALL_YEARS)("reads $file exactly: every project, its ID and the cells as published", ({ file, projects }) => {
    const raw = rawYear(file);
    const { commitments } = extract(file);
    expect(raw).toHaveLength(projects);
    expect(commitments).toHaveLength(projects);
    commitments.forEach((c, i) => {
      const published = raw[i]!;
      if (published.id) expect(c.key).toBe(published.id);
      else expect(c.key).toMatch(/^unnumbered-/);
      expect(c.text).toBe(published.name);
      expect(c.target_date).toBeNull();
      // `ipa` and `sro` exactly as published; no `sro` at all in a year without the column.
      const expected: Record<string, string> = { ipa: published.ipa };
      if (published.sro !== undefined) expected.sro = published.sro;
      const { dca, ...asPublished } = c.ratings;
      expect(asPublished).toEqual(expected);
      // `dca`: the one rated cell, and whose it is; else the state both columns give.
      const rated = (["ipa", "sro"] as const).filter((d) => rawBand(published[d]));
      expect(rated.length).toBeLessThanOrEqual(1);
      if (rated.length === 1) {
        expect(dca).toBe(published[rated[0]!]);
        expect(c.assessed_by).toEqual({ dca: rated[0] });
      } else {
        expect(c.assessed_by).toBeUndefined();
        expect([published.ipa, published.sro]).toContain(dca);
      }
    });
    const ids = raw.map((p) => p.id).filter(Boolean);
    expect(new Set(commitments.map((c) => c.key).filter((k) => !k.startsWith("unnumbered-")))).toEqual(new Set(ids));
  });

  it.each(ALL_YEARS)("rates $file on the scale its labels show, and maps every rating label", ({ file, scale }) => {
    const raw = rawYear(file);
    const labels = raw.flatMap((p) => [p.ipa, p.sro]).filter((cell): cell is string => rawBand(cell) !== undefined);
    const fivePoint = labels.some((cell) => /^amber\s*\/\s*(?:red|green)$/i.test(cell));
    expect(fivePoint ? "ipa-dca-5" : "ipa-dca-3").toBe(scale);
    const extraction = extract(file);
    expect(extraction.scorecard.vocabulary).toBe(scale);
    // Per band, as many ratings as the raw file has rating labels.
    const rawTally: Record<string, number> = {};
    for (const cell of labels) rawTally[rawBand(cell)!] = (rawTally[rawBand(cell)!] ?? 0) + 1;
    const tally: Record<string, number> = {};
    for (const c of extraction.commitments)
      for (const d of ["ipa", "sro"]) {
        const label = c.ratings[d];
        if (label === undefined) continue;
        const { band } = mapLabel(scale as "ipa-dca-3" | "ipa-dca-5", label);
        if (band !== "not-rated" && band !== "exempt" && band !== "unmapped" && band !== "withheld")
          tally[band] = (tally[band] ?? 0) + 1;
      }
    expect(tally).toEqual(rawTally);
  });

  it("each year rates each project once: by the IPA or by its SRO, never both, never neither", () => {
    for (const { file } of ALL_YEARS) {
      for (const project of rawYear(file)) {
        const rated = [project.ipa, project.sro].filter((cell) => rawBand(cell));
        expect(rated.length, `${file} ${project.id}`).toBeLessThanOrEqual(1);
        if (rated.length === 0) {
          // No rating: one state (an exemption, early planning) in one column, or the same in both.
          const said = [project.ipa, project.sro].filter(
            (cell) => cell !== undefined && !/^(?:|na|not applicable)$/i.test(cell),
          );
          expect(new Set(said.map((cell) => collapseWhitespace(cell!))).size, `${file} ${project.id}`).toBe(1);
        }
      }
    }
  });

  it("refuses a year that rates a project twice, naming it", () => {
    const [header, ...rows] = rfc4180(rawText("gmpp_2024_25.csv"));
    const sro = header!.indexOf("SRO Delivery Confidence Assessment");
    const ipa = header!.indexOf("IPA Delivery Confidence Assessment");
    const first = rows.findIndex((row) => row[ipa] === "" && rawBand(row[sro]));
    const csv = Papa.unparse([header!, ...rows.map((row, i) => (i === first ? row.with(ipa, "RED") : row))]);
    expect(() => extract("gmpp_2024_25.csv", csv)).toThrow(/rated by both the IPA \("RED"\) and its SRO/);
  });

  it("decodes 2020-21 from windows-1252 and reads it without an SRO column, on the five-point scale", () => {
    const document = seeded.archive[csvUrl("gmpp_2020_21.csv")]!;
    expect(document.base64).toBe(true);
    const bytes = seedBody(document) as Uint8Array;
    expect(() => new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes)).toThrow();
    const text = decodeBody(bytes, null);
    expect(text).toBe(new TextDecoder("windows-1252").decode(bytes));
    expect(text).toContain("£m");
    const { commitments } = extract("gmpp_2020_21.csv");
    expect(commitments.every((c) => !("sro" in c.ratings))).toBe(true);
    expect(commitments[0]!.details).toMatchObject({
      whole_life_cost: "£2,013.02",
      whole_life_cost_unit: "£m, including Non-Government Costs",
    });
    expect(mapLabel("ipa-dca-5", "Amber/red")).toMatchObject({ band: "amber-red", score: 25 });
    // Cells that explain why there is no assessment are states, never ratings.
    const explained = commitments.filter((c) => /^(?:The project is not|Legal sensitivity)/.test(c.ratings.ipa!));
    expect(explained.map((c) => mapLabel("ipa-dca-5", c.ratings.ipa!).band)).toEqual(["withheld", "withheld"]);
  });

  it("decodes a body by its charset, else as UTF-8 (without its byte order mark), else windows-1252", () => {
    const utf8 = new TextEncoder().encode("\uFEFFProject – £5m");
    expect(decodeBody(utf8, null)).toBe("Project – £5m");
    expect(decodeBody(utf8, "text/csv; charset=utf-8")).toBe("Project – £5m");
    const cp1252 = new Uint8Array([0x96, 0x20, 0xa3, 0x35]);
    expect(decodeBody(cp1252, null)).toBe("– £5");
    expect(decodeBody(cp1252, "text/csv")).toBe("– £5");
    expect(decodeBody(cp1252, "text/csv; charset=x-unknown")).toBe("– £5");
    expect(decodeBody(new Uint8Array([0xe9]), "text/plain; charset=iso-8859-1")).toBe("é");
  });

  it("reads a transposed table (fields down the first column, one project per column) as the same projects", () => {
    const table = rfc4180(rawText("gmpp_2021_22.csv"));
    const transposed = table[0]!.map((_, column) => table.map((row) => row[column] ?? ""));
    const read = extract("gmpp_2021_22.csv", Papa.unparse(transposed));
    expect(read).toEqual(extract("gmpp_2021_22.csv"));
    expect(read.commitments).toHaveLength(235);
    // "Not Applicable", as some years publish a missing rating, is not rated: the year reads the same.
    const notApplicable = transposed.map((row) =>
      /^(?:IPA|SRO) Delivery/.test(row[0]!) ? row.map((cell) => cell || "Not Applicable") : row,
    );
    const withNa = extract("gmpp_2021_22.csv", Papa.unparse(notApplicable));
    const oneRating = (e: typeof read) => e.commitments.map((c) => [c.ratings.dca, c.assessed_by]);
    expect(oneRating(withNa)).toEqual(oneRating(read));
    const sro = withNa.commitments.find((c) => c.assessed_by?.dca === "ipa")!.ratings.sro!;
    expect(sro).toBe("Not Applicable");
    expect(mapLabel("ipa-dca-3", sro).band).toBe("not-rated");
  });

  it("names every missing column at once, and says when the table looks transposed or of another layout", () => {
    const renamed = csvText("gmpp_2024_25.csv")
      .replace("IPA Delivery Confidence Assessment", "IPA View")
      .replace("Project Name", "Name");
    const error = (() => {
      try {
        extract("gmpp_2024_25.csv", renamed);
      } catch (e) {
        return e as ExtractionError;
      }
    })();
    expect(error).toBeInstanceOf(ExtractionError);
    expect(error!.message).toMatch(/no header matches 2 columns: "name" .*, "ipa" /);
    expect(error!.check).toBe('csv columns "name", "ipa"');

    const table = rfc4180(rawText("gmpp_2024_25.csv"));
    const transposed = table[0]!.map((_, column) => table.map((row) => row[column] ?? ""));
    const broken = Papa.unparse(transposed.filter((row) => row[0] !== "Start Date"));
    expect(() => extract("gmpp_2024_25.csv", broken)).toThrow(/"start".*the table looks transposed/);
    const titled = `Government Major Projects Portfolio data\n${csvText("gmpp_2024_25.csv").replace(/^\uFEFF/, "")}`;
    expect(() => extract("gmpp_2024_25.csv", titled)).toThrow(/another layout/);
  });

  it("keeps each year's department, category, description, dates and cost, and normalises departments", () => {
    const codes = new Map<string, Set<string>>();
    for (const { file } of ALL_YEARS) {
      for (const c of extract(file).commitments) {
        const d = c.details!;
        expect(d.department).toBe(c.policy_area);
        expect(d.department_code, `${file}: ${d.department}`).not.toBeNull();
        expect(d.department_name).not.toBeNull();
        expect(d.department_code).toBe(d.department!.toUpperCase());
        codes.set(d.department_code!, (codes.get(d.department_code!) ?? new Set()).add(d.department!));
        expect(d.category).not.toBeNull();
        expect(d.description).not.toBeNull();
      }
    }
    expect(codes.get("MOD")).toEqual(new Set(["MOD", "MoD"]));
    expect(codes.get("DFT")).toEqual(new Set(["DFT", "DfT"]));
    const units = ALL_YEARS.map(({ file }) => extract(file).commitments[0]!.details!.whole_life_cost_unit);
    expect(units).toEqual([
      "£m, including Non-Government Costs",
      "£m, including Non-Government Costs",
      "£m, including Non-Government Costs",
      "£m",
      "£m, Presented in 2024/25 Real Prices",
    ]);
  });

  it("refuses a scorecard vocabulary its rule does not declare, and a declaration without its default", () => {
    const extraction = extract("gmpp_2024_25.csv");
    expect(() =>
      validateExtraction(gmpp, { ...extraction, scorecard: { ...extraction.scorecard, vocabulary: "cqc" } }),
    ).toThrow(/vocabulary must be one the rule declares: ipa-dca-3, ipa-dca-5/);
    expect(() => checkRule({ ...gmpp, vocabularies: ["ipa-dca-5"] })).toThrow(/must include the default vocabulary/);
    const first = extraction.commitments[0]!;
    expect(() =>
      validateExtraction(gmpp, { ...extraction, commitments: [{ ...first, assessed_by: { overall: "ipa" } }] }),
    ).toThrow(/assessed_by may only name dimensions/);
  });
});
