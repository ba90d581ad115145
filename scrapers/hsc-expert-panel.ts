// House of Commons Health and Social Care Committee Expert Panel evaluations (2021-2023).
// A report rates each commitment on four questions plus an overall rating, in tables
// grouped by policy area, and gives the evaluation as a whole an overall rating.
//
// Exact or refuse: tables are read through a grid that resolves merged cells, columns are
// found by what their headers say, never by position, and anything the rule cannot read
// for certain (a table that names the questions in a shape it does not know, ratings in a
// column no header names, two different headline ratings) is drift, never a guess.
import { load, type CheerioAPI } from "cheerio/slim";
import type { AnyNode, Element } from "domhandler";
import { collapseWhitespace, textKey } from "../domain/text.ts";
import { mapLabel, vocabularyDeclaration } from "../domain/vocabularies.ts";
import { expectCount, ExtractionError } from "./lib/expect.ts";
import {
  closestBlock,
  descendantsNamed,
  hasDescendantNamed,
  isInside,
  nextElement,
  previousElements,
  scanPage,
  textOf,
} from "./lib/html.ts";
import { type CommitmentRecord, defineRule, type StepContext } from "./lib/rule.ts";
import { cellsOfRow, cellsStartingIn, everyCell, readTable, type Table } from "./lib/table.ts";
import { parseLongDate, parseTargetDate } from "./lib/dates.ts";

const PUBLISHER = "House of Commons Health and Social Care Committee Expert Panel";

/** Each dimension's column is recognised by its header text, including the wordings reports use. */
const COLUMNS = [
  {
    key: "met",
    question: "Was the commitment met, or is it on track to be met?",
    header: /\bmet\b|on track|progress (?:against|towards|on)/i,
  },
  { key: "funding", question: "Was the commitment effectively funded or resourced?", header: /fund|resourc/i },
  {
    key: "impact",
    question: "Did it have a positive impact for patients and service users?",
    header: /impact|outcomes? for patients/i,
  },
  { key: "appropriateness", question: "Was it an appropriate commitment?", header: /appropriate/i },
  { key: "overall", question: "Overall rating of the commitment", header: /overall/i },
] as const;
type DimensionKey = (typeof COLUMNS)[number]["key"];

const COMMITMENT_HEADER = /commitment|pledge|promise|target|objective|ambition/i;
const POLICY_AREA_HEADER = /^(?:policy\s+)?areas?$|^policy area\b|^themes?$|^topics?$/i;
// "Policy area 2:", "Policy area:", "Area 3 –", "A:", "B.", "2)", "1.2:"
const POLICY_AREA_PREFIX =
  /^(?:policy\s+area(?:\s*(?:\d+|[A-Z]\b))?\s*[:.)–—-]?|area\s*(?:\d+|[A-Z]\b)\s*[:.)–—-]?|[A-Z]\s*[:.)–—-]|\d+(?:\.\d+)*\s*[:.)–—-])\s*/i;
// A row of notes in a table ("* Ratings marked…", "Note: …", "Source: …") is neither a heading nor a commitment.
const NOTE_ROW = /^(?:[*†‡§¶#]|\(?\d{1,2}\)|notes?\b|sources?\b|key\b)/i;
// A row that rates the evaluation as a whole rather than one commitment.
const OVERALL_ROW = /^overall(?: rating)?(?: of (?:the )?(?:government['’]s )?(?:overall )?progress)?:?$/i;
// Headings that introduce the ratings rather than name a policy area.
const GENERIC_HEADING = /\b(?:ratings?|evaluation|summary|conclusions?|annex|appendix|contents)\b/i;

// Every level's label and alias begins with one of these words, and mapLabel reads a text in its
// compatibility form (NFKC): a text without any of them names no level, and most cells are
// passed over with one test.
const LEVEL_WORD = new RegExp(
  vocabularyDeclaration("cqc")!
    .levels.flatMap((level) => [level.label, ...(level.aliases ?? [])])
    .map((name) =>
      name
        .normalize("NFKC")
        .split(/[\s/\-–—]/)[0]!
        .replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
    )
    .join("|"),
  "i",
);
const ASCII = /^[\x00-\x7f]*$/;

/** The rating level a text names exactly (with footnote markers), or null: "Good*" → "good". */
function ratingLevel(text: string): string | null {
  if (!LEVEL_WORD.test(ASCII.test(text) ? text : text.normalize("NFKC"))) return null;
  const rating = mapLabel("cqc", text);
  return rating.score === null ? null : rating.band + rating.score;
}

// Any question's header: most cells name none, and are passed over with one test.
const ANY_QUESTION = new RegExp(COLUMNS.map((column) => column.header.source).join("|"), "i");

function questionsNamedBy(text: string): DimensionKey[] {
  if (!ANY_QUESTION.test(text)) return [];
  return COLUMNS.filter((column) => column.header.test(text)).map((column) => column.key);
}

const stripPolicyAreaPrefix = (text: string) => collapseWhitespace(text.replace(POLICY_AREA_PREFIX, "")) || null;

interface RatingTable {
  table: Table;
  headerRow: number;
  commitmentColumn: number;
  policyAreaColumn: number | null;
  dimensionColumns: Map<DimensionKey, number>;
  /** The policy area a title row or caption gives the whole table. */
  policyArea: string | null;
}

/** A table whose header names the questions but no commitment column: a summary of ratings, not a list of commitments. */
interface SummaryTable {
  table: Table;
  headerRow: number;
  dimensionColumns: Map<DimensionKey, number>;
  /** The column naming what each row summarises; null when the table has one row, for the whole evaluation. */
  labelColumn: number | null;
}

const MAX_HEADER_ROW = 4;

/** The columns a header row names, or null if it names fewer than two questions. */
function readHeaderRow(table: Table, row: number) {
  const dimensionColumns = new Map<DimensionKey, number>();
  const otherColumns: number[] = [];
  for (const cell of cellsOfRow(table, row)) {
    const matches = questionsNamedBy(cell.text);
    if (matches.length > 1)
      throw new ExtractionError(
        `rating table header "${cell.text}" matches several questions: ${matches.join(", ")}`,
        "rating table columns",
      );
    const [match] = matches;
    if (!match) {
      for (let dx = 0; dx < cell.colSpan; dx++) otherColumns.push(cell.column + dx);
      continue;
    }
    if (dimensionColumns.has(match) || cell.colSpan > 1)
      throw new ExtractionError(`rating table has two "${match}" columns`, "rating table columns");
    dimensionColumns.set(match, cell.column);
  }
  return dimensionColumns.size >= 2 ? { dimensionColumns, otherColumns } : null;
}

function headerText(table: Table, row: number, column: number): string {
  return table.grid[row]?.[column]?.text ?? "";
}

/** Classifies every table: rating tables, summaries, and tables that hold no ratings of ours. */
function classifyTables(tables: Element[]) {
  const ratingTables: RatingTable[] = [];
  const summaries: SummaryTable[] = [];
  for (const element of tables) {
    const table = readTable(element);
    let header: ReturnType<typeof readHeaderRow> = null;
    let headerRow = -1;
    for (let row = 0; row < Math.min(MAX_HEADER_ROW, table.grid.length) && !header; row++) {
      header = readHeaderRow(table, row);
      headerRow = row;
    }
    if (!header) {
      refuseUnreadableQuestions(table);
      continue;
    }
    const { dimensionColumns, otherColumns } = header;
    const commitmentColumns = otherColumns.filter((c) => COMMITMENT_HEADER.test(headerText(table, headerRow, c)));
    const policyAreaColumns = otherColumns.filter((c) => POLICY_AREA_HEADER.test(headerText(table, headerRow, c)));
    if (new Set(commitmentColumns.map((c) => table.grid[headerRow]![c])).size > 1)
      throw new ExtractionError(
        `rating table has several commitment columns: ${commitmentColumns.map((c) => JSON.stringify(headerText(table, headerRow, c))).join(", ")}`,
        "rating table columns",
      );
    if (policyAreaColumns.length > 1)
      throw new ExtractionError("rating table has several policy area columns", "rating table columns");
    if (commitmentColumns.length === 0) {
      // A summary rates policy areas (or the evaluation) on the questions. A table whose other
      // columns the rule cannot name might be a rating table with its commitments unrecognised.
      const unnamed = otherColumns.filter((c) => !POLICY_AREA_HEADER.test(headerText(table, headerRow, c)));
      if (unnamed.length > 0 && policyAreaColumns.length === 0)
        throw new ExtractionError(
          `a table rates on the questions, but no header names its commitment or policy area column (${unnamed.map((c) => JSON.stringify(headerText(table, headerRow, c))).join(", ")})`,
          "rating table columns",
        );
      summaries.push({ table, headerRow, dimensionColumns, labelColumn: policyAreaColumns[0] ?? null });
      continue;
    }
    const commitmentColumn = commitmentColumns[0]!;
    const policyAreaColumn = policyAreaColumns[0] ?? null;
    refuseRatingsInUnnamedColumns(table, headerRow, [commitmentColumn, policyAreaColumn, ...dimensionColumns.values()]);
    ratingTables.push({
      table,
      headerRow,
      commitmentColumn,
      policyAreaColumn,
      dimensionColumns,
      policyArea: tablePolicyArea(table, headerRow),
    });
  }
  expectCount("rating tables (a header naming the commitment and the questions)", ratingTables.length, { min: 1 });
  return { ratingTables, summaries };
}

/** A table that names the questions down a column (transposed), or in a header the rule cannot find, is drift. */
function refuseUnreadableQuestions(table: Table): void {
  const named = new Set<DimensionKey>();
  for (const cell of everyCell(table)) {
    if (cell.text.length >= 200) continue;
    const questions = questionsNamedBy(cell.text);
    if (questions.length === 1) named.add(questions[0]!);
  }
  // Only a table that names the questions is searched for ratings.
  if (named.size >= 2 && everyCell(table).some((cell) => ratingLevel(cell.text) !== null))
    throw new ExtractionError(
      `a table names the questions (${[...named].join(", ")}) and holds ratings, but has no header row naming them in its first ${MAX_HEADER_ROW} rows`,
      "rating table header",
    );
}

/**
 * Ratings in a column whose header names no question would be lost: refuse instead. A
 * column holding a rating, or only rating words ("Not rated", "–"), is a question renamed.
 */
function refuseRatingsInUnnamedColumns(table: Table, headerRow: number, known: (number | null)[]): void {
  for (let column = 0; column < table.width; column++) {
    if (known.includes(column)) continue;
    const texts: string[] = [];
    for (let row = headerRow + 1; row < table.grid.length; row++) {
      const cell = table.grid[row]![column];
      if (cell?.text && cellsOfRow(table, row).length > 1) texts.push(cell.text);
    }
    const rating = texts.find((text) => ratingLevel(text) !== null);
    const allRatingWords = texts.length > 0 && texts.every((text) => mapLabel("cqc", text).band !== "unmapped");
    if (rating !== undefined || allRatingWords)
      throw new ExtractionError(
        `column ${column + 1} ("${headerText(table, headerRow, column)}") holds the rating "${rating ?? texts[0]}" but its header names no question`,
        "rating table columns",
      );
  }
}

/** The caption of the figure a table stands in alone (`<figure><figcaption>…</figcaption><table>`). */
function figureCaption(table: Element): string {
  let node = table.parent;
  while (node?.type === "tag" && node.name !== "figure") node = node.parent;
  if (node?.type !== "tag") return "";
  const figure = node;
  const tablesIn = (element: Element): number =>
    element.children.reduce(
      (n, child) => n + (child.type === "tag" ? (child.name === "table" ? 1 : 0) + tablesIn(child) : 0),
      0,
    );
  const figcaption = figure.children.find(
    (child): child is Element => child.type === "tag" && child.name === "figcaption",
  );
  // A figure of several tables has a caption for all of them, not a policy area for one.
  return figcaption && tablesIn(figure) === 1 ? textOf(figcaption) : "";
}

/** Rows above the header: a title row names the table's policy area; nothing there may be a rating. */
function tablePolicyArea(table: Table, headerRow: number): string | null {
  const caption = table.caption || figureCaption(table.element);
  let area: string | null = caption ? stripPolicyAreaPrefix(caption) : null;
  for (let row = 0; row < headerRow; row++) {
    const cells = cellsStartingIn(table, row);
    for (const cell of cells)
      if (ratingLevel(cell.text) !== null)
        throw new ExtractionError(`a rating "${cell.text}" stands above the table's header`, "rating table header");
    if (cells.length === 1 && cells[0]!.text && !NOTE_ROW.test(cells[0]!.text))
      area = stripPolicyAreaPrefix(cells[0]!.text);
  }
  return area;
}

const HEADINGS = new Set(["h2", "h3", "h4", "h5", "h6"]);
const PAGE_SECTIONS = new Set(["body", "main", "article"]);
const TABLES = new Set(["table"]);

/** The nearest heading before a table, if nothing but prose stands between them. */
function precedingHeading(table: Element): string | null {
  let node: Element = table;
  // Climb out of wrappers (a figure, a scrolling div) until something precedes the table.
  while (previousElements(node).length === 0) {
    const parent = node.parent;
    if (!parent || parent.type === "root" || PAGE_SECTIONS.has((parent as Element).name)) break;
    node = parent as Element;
  }
  for (const sibling of previousElements(node)) {
    if (HEADINGS.has(sibling.name)) return textOf(sibling);
    if (sibling.name === "table" || hasDescendantNamed(sibling, TABLES)) return null;
    const inner = descendantsNamed(sibling, HEADINGS).at(-1);
    if (inner) return textOf(inner);
  }
  return null;
}

/**
 * The policy area a preceding heading gives a table: its text, without a "Policy area 2:"
 * prefix, unless the heading only introduces the ratings ("Ratings", "Summary").
 */
function headingPolicyAreas(tables: RatingTable[]): (string | null)[] {
  return tables.map((t) => {
    const heading = precedingHeading(t.table.element);
    if (!heading) return null;
    if (/^policy\s+area\b/i.test(heading)) return stripPolicyAreaPrefix(heading);
    return GENERIC_HEADING.test(heading) ? null : stripPolicyAreaPrefix(heading);
  });
}

interface Candidate {
  label: string;
  where: string;
}

function readCommitments(tables: RatingTable[], overallCandidates: Candidate[]): CommitmentRecord[] {
  const commitments: CommitmentRecord[] = [];
  const headingAreas = headingPolicyAreas(tables);
  tables.forEach((ratingTable, index) => {
    const { table, headerRow, commitmentColumn, policyAreaColumn, dimensionColumns } = ratingTable;
    let policyArea = ratingTable.policyArea ?? headingAreas[index] ?? null;
    let inBody = false;
    for (let row = headerRow + 1; row < table.grid.length; row++) {
      const own = cellsStartingIn(table, row);
      if (own.length === 0) continue;
      const cells = cellsOfRow(table, row);
      // A row with a single cell is a policy-area heading for the rows below it (or a note).
      if (cells.length === 1) {
        const [cell] = cells;
        const text = cell!.text;
        if (ratingLevel(text) !== null)
          throw new ExtractionError(`a row of the rating table holds only the rating "${text}"`, "commitment rows");
        if (!text || NOTE_ROW.test(text)) continue;
        if (!cell!.header && cell!.colSpan === 1 && !/^(?:policy\s+)?area\b/i.test(text))
          throw new ExtractionError(
            `the row "${text}" has a single plain cell: neither a policy-area heading nor a rated commitment`,
            "commitment rows",
          );
        policyArea = stripPolicyAreaPrefix(text);
        continue;
      }
      // Further header rows (all header cells, before any commitment) explain the questions.
      if (!inBody && own.every((cell) => cell.header) && own.every((cell) => ratingLevel(cell.text) === null)) continue;
      // A row short of the header's width has lost a cell somewhere: which one, no one can tell.
      const slots = table.grid[row]!;
      const filled = slots.filter((slot, column) => slot && column < table.width).length;
      if (filled < table.width)
        throw new ExtractionError(
          `row ${row + 1} of a rating table covers ${filled} of its ${table.width} columns: a cell is missing`,
          "commitment rows",
        );
      const commitmentCell = slots[commitmentColumn];
      const text = commitmentCell ? textOf(commitmentCell.element, { skipTables: true, skipFootnotes: true }) : "";
      const ratings: Record<string, string> = {};
      for (const [dimension, column] of dimensionColumns) {
        const cell = table.grid[row]![column];
        if (cell && cell === commitmentCell)
          throw new ExtractionError(`the commitment "${text}" spans the "${dimension}" column`, "commitment rows");
        if (cell?.text) ratings[dimension] = cell.text;
      }
      if (!text) {
        if (Object.keys(ratings).length === 0) continue;
        throw new ExtractionError(
          `a rating row has no commitment text: ${JSON.stringify(cells.map((c) => c.text))}`,
          "commitment rows",
        );
      }
      inBody = true;
      if (OVERALL_ROW.test(text)) {
        if (ratings.overall) overallCandidates.push({ label: ratings.overall, where: `the table row "${text}"` });
        continue;
      }
      const areaCell = policyAreaColumn === null ? undefined : table.grid[row]![policyAreaColumn];
      commitments.push({
        key: textKey(text),
        text,
        policy_area: areaCell?.text ? stripPolicyAreaPrefix(areaCell.text) : policyArea,
        target_date: parseTargetDate(text),
        source_url: null,
        ratings,
      });
    }
  });
  expectCount("commitment rows in the rating tables", commitments.length, { min: 1 });
  return commitments;
}

/** A summary table's "Overall" row rates the evaluation; its other rows summarise policy areas. */
function summaryCandidates(summaries: SummaryTable[]): Candidate[] {
  const candidates: Candidate[] = [];
  for (const { table, headerRow, dimensionColumns, labelColumn } of summaries) {
    const overallColumn = dimensionColumns.get("overall");
    if (overallColumn === undefined) continue;
    const rows = table.grid.slice(headerRow + 1).filter((_, i) => cellsStartingIn(table, headerRow + 1 + i).length);
    if (labelColumn === null) {
      // Only the questions: one row of ratings for the evaluation as a whole.
      expectCount("rows of a summary table that names only the questions", rows.length, 1);
      const value = rows[0]![overallColumn];
      if (value?.text) candidates.push({ label: value.text, where: "the summary table" });
      continue;
    }
    for (const row of rows) {
      const label = row[labelColumn];
      const value = row[overallColumn];
      if (label && value && label !== value && OVERALL_ROW.test(label.text) && value.text)
        candidates.push({ label: value.text, where: `the summary row "${label.text}"` });
    }
  }
  return candidates;
}

// "Overall rating", "Overall rating of the Government's progress", "The Panel's overall rating is".
const OVERALL_KEY =
  /^(?:the\s+(?:expert\s+)?panel['’]s\s+)?overall(?:\s+rating)?(?:\s+(?:of|for)\s+(?:the\s+)?(?:government['’]s\s+)?(?:overall\s+)?(?:progress|performance|commitments|evaluation))?(?:\s+(?:is|was))?\s*[:–—-]?$/i;
const CONTAINED_BLOCKS = new Set(
  ["p", "li", "div", "dl", "table", "ul", "ol", "section", "article", "aside", "figure", "blockquote"].concat(
    ...HEADINGS,
  ),
);
const CELLS = new Set(["th", "td"]);
const TERMS_AND_CELLS = new Set(["dt", "th", "td"]);
const MENTIONS_RATING = /\b(?:outstanding|good|requires\s+improvement|inadequate)\b/i;
// "…: Inadequate", "… is Requires improvement.", "… Good*": the rating with its markers, not the full stop.
const RATING_AT_END = /^(.*?)[\s:–—-]*\b(outstanding|good|requires\s+improvement|inadequate)\b([^a-z]*?)\.?$/i;

/**
 * The evaluation's headline rating, read only from an explicit structure: a labelled
 * statement ("Overall rating: Inadequate"), a heading or term followed by the rating alone (a
 * summary box, a definition list), or a table row. Prose that mentions a rating
 * ("Overall, progress on workforce was inadequate") is never read. Two different candidates
 * are drift; a mention of an overall rating in no form the rule reads is drift too.
 */
function readOverallRating(saysOverall: Element[], readTables: Set<AnyNode>, candidates: Candidate[]): string | null {
  let loose: string | null = null;
  const consider = (key: string, value: string, where: string) => {
    if (OVERALL_KEY.test(collapseWhitespace(key)) && ratingLevel(value) !== null)
      candidates.push({ label: value, where });
  };
  // Only the blocks whose own text says "overall": a real report has thousands of blocks and few do.
  const blocks = new Set(saysOverall.map(closestBlock));
  for (const element of blocks) {
    if (isInside(element, readTables)) continue;
    // Containers are judged by their parts.
    if (hasDescendantNamed(element, CONTAINED_BLOCKS)) continue;
    const text = textOf(element);
    const inline = RATING_AT_END.exec(text);
    if (inline) consider(inline[1]!, `${inline[2]}${inline[3]}`.trim(), `"${text}"`);
    else if (OVERALL_KEY.test(text)) {
      // A label alone: its rating is the next element (dt → dd, th → td, heading → paragraph).
      const following = nextElement(element);
      const next = CELLS.has(element.name) && following && !CELLS.has(following.name) ? null : following;
      const value = next ? textOf(next) : "";
      if (ratingLevel(value) !== null) consider(text, value, `"${text}" followed by "${value}"`);
      else if (MENTIONS_RATING.test(value)) loose ??= `${text} ${value}`;
    }
    if (/overall\s+rating/i.test(text) && MENTIONS_RATING.test(text)) loose ??= text;
  }
  const levels = new Set(candidates.map((c) => ratingLevel(c.label)));
  if (levels.size > 1)
    throw new ExtractionError(
      `the page gives different overall ratings: ${candidates.map((c) => `"${c.label}" in ${c.where}`).join("; ")}`,
      "overall rating of the evaluation",
    );
  if (candidates.length === 0 && loose !== null)
    throw new ExtractionError(
      `the page mentions an overall rating in a form the rule does not read: "${loose.slice(0, 200)}"`,
      "overall rating of the evaluation",
    );
  return candidates[0]?.label ?? null;
}

/** "HC 780": an element that reads just that, or else the number in a parliament.uk report URL. */
function paperNumber(namesPaper: Element[], url: string): string | null {
  const standalone = new Set(
    namesPaper
      .flatMap((element) => [element, closestBlock(element)])
      .map((element) => textOf(element))
      .filter((text) => /^HC \d+$/.test(text)),
  );
  const fromUrl = /\/cmselect\/cm\w+\/(\d+)\//.exec(new URL(url).pathname);
  const urlNumber = fromUrl ? `HC ${fromUrl[1]}` : null;
  if (urlNumber && (standalone.size === 0 || standalone.has(urlNumber))) return urlNumber;
  // Otherwise the first: a report's own number heads it; others are citations further down.
  return [...standalone][0] ?? null;
}

/** A scorecard key from the page's canonical URL, when it gives no paper number. */
function urlKey($: CheerioAPI, links: Element[], url: string): string {
  const canonical = $(links).filter('[rel="canonical"]').attr("href");
  const base = canonical ? new URL(canonical, url) : new URL(url);
  return `${base.hostname}${base.pathname}`.replace(/\/+$/, "");
}

const TIMES = new Set(["time"]);
const PUBLISHED = /\b(?:date\s+)?published(?:\s+on)?\s*:?\s*(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+),?\s+(\d{4})\b/i;

/** "Published on 3 March 2023", "Date Published: 14 March 2024", "Published 2 October 2024", or `<time datetime>`. */
function publicationDate(saysPublished: Element[], timeElements: Element[]): string | null {
  const dated = (time: Element) => time.attribs.datetime !== undefined;
  for (const block of new Set(saysPublished.map(closestBlock))) {
    if (hasDescendantNamed(block, CONTAINED_BLOCKS)) continue;
    // "Date Published:" may stand in a term or header cell, its date in the next element.
    const next = TERMS_AND_CELLS.has(block.name) ? nextElement(block) : null;
    const text = next ? `${textOf(block)} ${textOf(next)}` : textOf(block);
    const match = PUBLISHED.exec(text);
    const date = match && parseLongDate(`${match[1]} ${match[2]} ${match[3]}`);
    if (date) return date;
    const time = descendantsNamed(block, TIMES).find(dated);
    const datetime = /^(\d{4}-\d{2}-\d{2})/.exec(time?.attribs.datetime ?? "");
    if (datetime) return datetime[1]!;
  }
  const times = timeElements.filter(dated);
  if (times.length === 1) return /^(\d{4}-\d{2}-\d{2})/.exec(times[0]!.attribs.datetime ?? "")?.[1] ?? null;
  return null;
}

function extract(html: string, { url }: StepContext) {
  const $ = load(html);
  // One walk over the page finds everything the rule reads, whatever its size.
  const page = scanPage($.root()[0]!, [/overall/i, /\bHC\s+\d+/, /published/i], ["h1", "table", "time", "link"]);
  const [saysOverall, namesPaper, saysPublished] = page.withText as [Element[], Element[], Element[]];
  const elements = (name: string) => page.named.get(name)!;
  expectCount('selector "h1"', elements("h1").length, 1);
  const title = textOf(elements("h1")[0]);
  const { ratingTables, summaries } = classifyTables(elements("table"));
  const candidates = summaryCandidates(summaries);
  const commitments = readCommitments(ratingTables, candidates);
  const readTables = new Set<AnyNode>([...ratingTables, ...summaries].map((t) => t.table.element));
  const overall = readOverallRating(saysOverall, readTables, candidates);
  return {
    scorecard: {
      key: paperNumber(namesPaper, url) ?? urlKey($, elements("link"), url),
      title,
      publisher: PUBLISHER,
      published_on: publicationDate(saysPublished, elements("time")),
      url,
      overall,
    },
    commitments,
  };
}

export default defineRule({
  id: "hsc-expert-panel",
  title: "Health and Social Care Committee Expert Panel evaluation",
  vocabulary: "cqc",
  schedule: "7d",
  allowedHosts: ["committees.parliament.uk", "publications.parliament.uk"],
  // Parsing a page of rating tables costs about 34 times its size (npm run bench:memory); 2 MB
  // peaks near 68 MB of a Worker's 128. Real report pages are well under 1 MB.
  maxBodyBytes: 2 * 1024 * 1024,
  dimensions: COLUMNS.map(({ key, question }) => ({ key, question })),
  // "Was the commitment met?" rated Good or Outstanding (67 and up on the common scale) is delivered.
  delivery: { dimension: "met", deliveredFrom: 67 },
  steps: [{ kind: "extract", name: "report", accepts: "html", extract }],
  // Each report numbers its own commitments; the same words in two reports are two commitments.
  commitmentScope: "source",
  expect: { commitments: { min: 1 }, maxDrop: 0.3 },
});
