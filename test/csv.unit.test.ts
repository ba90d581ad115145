// scrapers/lib/csv.ts: CSV as published, and columns found by what their headers say.
import { describe, expect, it } from "vitest";
import { findColumns, parseCsv, readTable, transpose } from "../scrapers/lib/csv.ts";
import { ExtractionError } from "../scrapers/lib/expect.ts";

const PATTERNS = {
  id: { header: /^(?:GMPP ID|Project ID)$/i, required: true },
  name: { header: /^Project Name$/i, required: true },
  sro: { header: /^SRO/i, required: false },
};

/** The error a function throws. */
function thrown(fn: () => unknown): ExtractionError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ExtractionError) return error;
    throw error;
  }
  throw new Error("it did not throw");
}

describe("findColumns", () => {
  it("finds each column by its header, in any order, whitespace collapsed", () => {
    expect(findColumns(["Project\u00a0Name", " GMPP ID ", "SRO rating"], PATTERNS)).toEqual({ id: 1, name: 0, sro: 2 });
  });

  it("gives null for an optional column that is absent", () => {
    expect(findColumns(["Project ID", "Project Name"], PATTERNS)).toEqual({ id: 0, name: 1, sro: null });
  });

  it("names every missing required column at once, with the hint", () => {
    const error = thrown(() => findColumns(["Something"], PATTERNS, "the table looks transposed"));
    expect(error.check).toBe('csv columns "id", "name"');
    expect(error.message).toMatch(
      /^no header matches 2 columns: "id" \(.*\), "name" \(.*\); the table looks transposed$/,
    );
    expect(thrown(() => findColumns(["Project Name"], PATTERNS)).check).toBe('csv column "id"');
  });

  it("refuses a column that matches two headers, naming both", () => {
    const error = thrown(() => findColumns(["GMPP ID", "Project Name", "SRO rating", "SRO name"], PATTERNS));
    expect(error.check).toBe('csv column "sro"');
    expect(error.message).toBe('column "sro" matches 2 headers: "SRO rating", "SRO name"');
  });
});

describe("parseCsv, transpose and readTable", () => {
  it("reads quoted fields with commas, quotes and newlines, without the byte order mark or blank lines", () => {
    expect(parseCsv('\uFEFFa,b\r\n"one, two","say ""hi""\nthere"\r\n\r\n')).toEqual([
      ["a", "b"],
      ["one, two", 'say "hi"\nthere'],
    ]);
  });

  it("refuses a malformed CSV", () => {
    expect(thrown(() => parseCsv('a,b\n"unclosed,c\n')).check).toBe("csv");
  });

  it("transposes ragged rows", () => {
    expect(transpose([["a", "b"], ["c"]])).toEqual([
      ["a", "c"],
      ["b", ""],
    ]);
  });

  it("reads a table either way round", () => {
    const across = readTable(
      [
        ["GMPP ID", "Project Name"],
        ["X1", "One"],
      ],
      PATTERNS,
    );
    expect(across).toMatchObject({ rows: [["X1", "One"]], column: { id: 0, name: 1, sro: null }, transposed: false });
    const down = readTable(
      [
        ["GMPP ID", "X1", "X2"],
        ["Project Name", "One", "Two"],
      ],
      PATTERNS,
    );
    expect(down).toMatchObject({
      headers: ["GMPP ID", "Project Name"],
      rows: [
        ["X1", "One"],
        ["X2", "Two"],
      ],
      transposed: true,
    });
  });
});
