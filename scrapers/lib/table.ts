// A table as a reader sees it: a grid of slots, with every `rowspan` and `colspan` resolved
// the way the HTML table algorithm does (WHATWG HTML, "forming a table"). A merged cell
// occupies every slot it covers, so a rule addresses cells by grid column and a merged
// policy-area or "Not rated" cell can never shift the cells after it.
import type { Element } from "domhandler";
import { ExtractionError } from "./expect.ts";
import { textOf } from "./html.ts";

export interface TableCell {
  element: Element;
  /** Its text as a reader sees it, without any table nested inside it. */
  text: string;
  header: boolean;
  /** Its first slot. */
  row: number;
  column: number;
  rowSpan: number;
  colSpan: number;
}

export interface Table {
  element: Element;
  caption: string;
  /** `grid[row][column]`: the cell covering that slot, or undefined where no cell does. */
  grid: (TableCell | undefined)[][];
  width: number;
}

const children = (element: Element, names: string[]) =>
  element.children.filter((child): child is Element => child.type === "tag" && names.includes(child.name));

/** The spec's limits: colspan 1 to 1000, rowspan 0 (to the end of its row group) to 65534. */
function span(value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const parsed = /^\s*\+?(\d+)/.exec(value ?? "");
  if (!parsed) return fallback;
  const n = Number(parsed[1]);
  if (n < min) return fallback;
  return Math.min(n, max);
}

/** Builds the grid of one `<table>`; rows of tables nested inside its cells stay out. */
export function readTable(table: Element): Table {
  const grid: (TableCell | undefined)[][] = [];
  let width = 0;
  const [captionElement] = children(table, ["caption"]);

  // Rows come in groups: thead, tbody, tfoot, or consecutive rows directly in the table.
  // A tfoot is laid out after everything else, as browsers do.
  const groups: Element[][] = [];
  const footers: Element[][] = [];
  let loose: Element[] | null = null;
  for (const child of children(table, ["thead", "tbody", "tfoot", "tr"])) {
    if (child.name === "tr") {
      if (!loose) groups.push((loose = []));
      loose.push(child);
      continue;
    }
    loose = null;
    (child.name === "tfoot" ? footers : groups).push(children(child, ["tr"]));
  }

  for (const rows of [...groups, ...footers]) {
    const groupStart = grid.length;
    const groupEnd = groupStart + rows.length;
    rows.forEach((row, offset) => {
      const y = groupStart + offset;
      grid[y] ??= [];
      let x = 0;
      for (const element of children(row, ["td", "th"])) {
        while (grid[y]![x]) x++;
        const colSpan = span(element.attribs.colspan, 1, 1, 1000);
        const rowSpanAttr = span(element.attribs.rowspan, 1, 0, 65534);
        // rowspan="0", and any span past the group's last row, ends with the group.
        const rowSpan = rowSpanAttr === 0 ? groupEnd - y : Math.min(rowSpanAttr, groupEnd - y);
        const cell: TableCell = {
          element,
          text: textOf(element, { skipTables: true }),
          header: element.name === "th",
          row: y,
          column: x,
          rowSpan,
          colSpan,
        };
        for (let dy = 0; dy < rowSpan; dy++) {
          const slots = (grid[y + dy] ??= []);
          for (let dx = 0; dx < colSpan; dx++) {
            // Overlapping cells have no single reading: browsers draw them on top of each other.
            if (slots[x + dx])
              throw new ExtractionError(
                `table cells overlap at row ${y + dy + 1}, column ${x + dx + 1}`,
                "table structure",
              );
            slots[x + dx] = cell;
          }
        }
        x += colSpan;
        width = Math.max(width, x);
      }
    });
  }
  for (let y = 0; y < grid.length; y++) grid[y] ??= [];
  return { element: table, caption: captionElement ? textOf(captionElement) : "", grid, width };
}

/** The distinct cells of a grid row, left to right. */
export function cellsOfRow(table: Table, row: number): TableCell[] {
  const seen = new Set<TableCell>();
  for (const cell of table.grid[row] ?? []) if (cell) seen.add(cell);
  return [...seen];
}

/** The cells that start in a grid row (not those reaching down into it from above). */
export function cellsStartingIn(table: Table, row: number): TableCell[] {
  return cellsOfRow(table, row).filter((cell) => cell.row === row);
}

/** Every cell once, row by row and left to right (as `cellsStartingIn` of each row gives them). */
export function everyCell(table: Table): TableCell[] {
  const cells: TableCell[] = [];
  table.grid.forEach((slots, row) =>
    slots.forEach((cell, column) => {
      if (cell && cell.row === row && cell.column === column) cells.push(cell);
    }),
  );
  return cells;
}
