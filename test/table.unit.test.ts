// scrapers/lib/table.ts: a table laid out on a grid as the HTML table algorithm does.
import { load } from "cheerio/slim";
import type { Element } from "domhandler";
import { describe, expect, it } from "vitest";
import { ExtractionError } from "../scrapers/lib/expect.ts";
import { cellsOfRow, cellsStartingIn, readTable, type Table } from "../scrapers/lib/table.ts";

/** The first table of some HTML, read. */
const table = (html: string): Table => readTable(load(html)("table").get(0) as Element);

/** The grid as text: each slot's cell text, "·" where no cell covers it. */
const texts = (t: Table) => t.grid.map((row) => Array.from({ length: t.width }, (_, x) => row[x]?.text ?? "·"));

describe("readTable", () => {
  it("lays a plain table out row by row, with its caption and header cells", () => {
    const t = table("<table><caption>Area</caption><tr><th>Q</th><th>R</th></tr><tr><td>a</td><td>b</td></tr></table>");
    expect(t.caption).toBe("Area");
    expect(texts(t)).toEqual([
      ["Q", "R"],
      ["a", "b"],
    ]);
    expect(t.grid[0]![0]!.header).toBe(true);
    expect(t.grid[1]![0]!.header).toBe(false);
  });

  it("resolves rowspan and colspan: a merged cell covers every slot it spans and shifts nothing after it", () => {
    const t = table(`<table>
      <tr><td rowspan="2">Area</td><td colspan="2">Good</td></tr>
      <tr><td>x</td><td>y</td></tr>
      <tr><td>z</td><td colspan="2">w</td></tr></table>`);
    expect(texts(t)).toEqual([
      ["Area", "Good", "Good"],
      ["Area", "x", "y"],
      ["z", "w", "w"],
    ]);
    const merged = t.grid[0]![0]!;
    expect(merged).toMatchObject({ row: 0, column: 0, rowSpan: 2, colSpan: 1 });
    expect(t.grid[1]![0]).toBe(merged);
    expect(cellsOfRow(t, 1).map((c) => c.text)).toEqual(["Area", "x", "y"]);
    expect(cellsStartingIn(t, 1).map((c) => c.text)).toEqual(["x", "y"]);
  });

  it('ends rowspan="0", and any span past its group, with its row group', () => {
    const t = table(`<table>
      <tbody><tr><td rowspan="0">all</td><td>1</td></tr><tr><td>2</td></tr><tr><td>3</td></tr></tbody>
      <tbody><tr><td rowspan="9">next</td><td>4</td></tr></tbody></table>`);
    expect(texts(t)).toEqual([
      ["all", "1"],
      ["all", "2"],
      ["all", "3"],
      ["next", "4"],
    ]);
    expect(t.grid[0]![0]!.rowSpan).toBe(3);
    expect(t.grid[3]![0]!.rowSpan).toBe(1);
  });

  it("lays a tfoot out after everything else, wherever it stands", () => {
    const t = table(`<table><thead><tr><th>head</th></tr></thead><tfoot><tr><td>foot</td></tr></tfoot>
      <tbody><tr><td>body</td></tr></tbody><tr><td>loose</td></tr></table>`);
    expect(texts(t)).toEqual([["head"], ["body"], ["loose"], ["foot"]]);
  });

  it("refuses overlapping cells, naming the slot", () => {
    const overlapping = `<table><tr><td>a</td><td rowspan="2">b</td></tr><tr><td colspan="2">c</td></tr></table>`;
    expect(() => table(overlapping)).toThrow(ExtractionError);
    expect(() => table(overlapping)).toThrow("table cells overlap at row 2, column 2");
  });

  it("keeps tables nested inside a cell out, of its rows and of the cell's text", () => {
    const t = table(
      `<table><tr><td>outer <table><tr><td>inner</td></tr><tr><td>more</td></tr></table></td><td>b</td></tr></table>`,
    );
    expect(texts(t)).toEqual([["outer", "b"]]);
  });
});
