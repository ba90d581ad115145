// House of Commons Health and Social Care Committee Expert Panel evaluations (2021-2023).
// A report rates each commitment on four questions plus an overall rating, in tables
// grouped by policy area, and gives the evaluation as a whole an overall rating.
// Tables and columns are found by what their headers say, never by position.
import { load, type CheerioAPI } from "cheerio/slim";
import { collapseWhitespace, levelLabels } from "../src/vocabularies.ts";
import { select, visibleText, type Selection } from "./lib/html.ts";
import { defineRule, expectCount, ExtractionError, type CommitmentRecord, type StepContext } from "./lib/rule.ts";
import { parseLongDate, parseTargetDate, slugify } from "./lib/text.ts";

const PUBLISHER = "House of Commons Health and Social Care Committee Expert Panel";

/** Each dimension's column is recognised by its header text. */
const COLUMNS = [
  { key: "met", question: "Was the commitment met, or is it on track to be met?", header: /\bmet\b|on track/i },
  { key: "funding", question: "Was the commitment effectively funded or resourced?", header: /fund|resourc/i },
  { key: "impact", question: "Did it have a positive impact for patients and service users?", header: /impact/i },
  { key: "appropriateness", question: "Was it an appropriate commitment?", header: /appropriate/i },
  { key: "overall", question: "Overall rating of the commitment", header: /overall/i },
] as const;
const COMMITMENT_COLUMN = /commitment|pledge|target/i;
const POLICY_AREA_PREFIX = /^policy area\s*\d*\s*[:.–—-]?\s*/i;

interface RatingTable {
  table: Selection;
  commitmentColumn: number;
  dimensionColumns: Map<string, number>;
}

function cellsOf($: CheerioAPI, row: Selection): string[] {
  return row
    .children("th, td")
    .toArray()
    .map((cell) => visibleText($, $(cell)));
}

/** Classifies a header row; returns null if it is not a rating table's header. */
function readHeader(headers: string[]): Omit<RatingTable, "table"> | null {
  const dimensionColumns = new Map<string, number>();
  let commitmentColumn = -1;
  headers.forEach((header, index) => {
    const matches = COLUMNS.filter((column) => column.header.test(header));
    if (matches.length > 1) {
      throw new ExtractionError(
        `rating table header "${header}" matches several questions: ${matches.map((m) => m.key).join(", ")}`,
        "rating table columns",
      );
    }
    const [match] = matches;
    if (match) {
      if (dimensionColumns.has(match.key))
        throw new ExtractionError(`rating table has two "${match.key}" columns`, "rating table columns");
      dimensionColumns.set(match.key, index);
    } else if (commitmentColumn === -1 && COMMITMENT_COLUMN.test(header)) {
      commitmentColumn = index;
    }
  });
  // Two or more questions in one header row means the author meant a rating table.
  if (dimensionColumns.size < 2) return null;
  const missing = COLUMNS.filter((column) => !dimensionColumns.has(column.key)).map((c) => c.key);
  if (missing.length > 0)
    throw new ExtractionError(`rating table has no column for: ${missing.join(", ")}`, "rating table columns");
  if (commitmentColumn === -1)
    throw new ExtractionError("rating table has no commitment column", "rating table columns");
  return { commitmentColumn, dimensionColumns };
}

function findRatingTables($: CheerioAPI): RatingTable[] {
  const tables: RatingTable[] = [];
  for (const element of $("table").toArray()) {
    const table = $(element);
    const headerRow = table.find("tr").first();
    const header = readHeader(cellsOf($, headerRow));
    if (header) tables.push({ table, ...header });
  }
  expectCount("rating tables (a header naming the commitment and all five questions)", tables.length, { min: 1 });
  return tables;
}

function readCommitments($: CheerioAPI, tables: RatingTable[]): CommitmentRecord[] {
  const commitments: CommitmentRecord[] = [];
  for (const { table, commitmentColumn, dimensionColumns } of tables) {
    const caption = visibleText($, table.children("caption"));
    let policyArea: string | null = caption ? caption.replace(POLICY_AREA_PREFIX, "") : null;
    for (const element of table.find("tr").toArray().slice(1)) {
      const cells = cellsOf($, $(element));
      // A row with a single cell is a policy-area heading for the rows below it.
      if (cells.length === 1) {
        policyArea = cells[0]!.replace(POLICY_AREA_PREFIX, "") || policyArea;
        continue;
      }
      const text = cells[commitmentColumn] ?? "";
      if (!text)
        throw new ExtractionError(`a rating row has no commitment text: ${JSON.stringify(cells)}`, "commitment rows");
      const ratings: Record<string, string> = {};
      for (const [dimension, column] of dimensionColumns) {
        const label = cells[column];
        if (label) ratings[dimension] = label;
      }
      commitments.push({
        key: slugify(text),
        text,
        policy_area: policyArea,
        target_date: parseTargetDate(text),
        source_url: null,
        ratings,
      });
    }
  }
  expectCount("commitment rows in the rating tables", commitments.length, { min: 1 });
  return commitments;
}

/** The evaluation's overall rating: the one rating named in a statement about it outside the tables. */
function readOverallRating($: CheerioAPI): string {
  const labels = new RegExp(`\\b(${levelLabels("cqc").join("|")})\\b`, "gi");
  const verbatimByLevel = new Map<string, string>();
  // Cheap raw-text test first: a real report has thousands of blocks and few say "overall".
  $("p, li, dd, div, h2, h3, h4")
    .filter((_, element) => {
      const block = $(element);
      return (
        /\boverall\b/i.test(block.text()) &&
        block.closest("table").length === 0 &&
        block.children("p, li, div, table").length === 0
      );
    })
    .each((_, element) => {
      const text = visibleText($, $(element));
      for (const [, label] of text.matchAll(labels)) {
        const level = label!.toLowerCase();
        if (!verbatimByLevel.has(level)) verbatimByLevel.set(level, label!);
      }
    });
  expectCount(
    "overall rating of the evaluation (a statement outside the tables naming one rating)",
    verbatimByLevel.size,
    1,
  );
  return [...verbatimByLevel.values()][0]!;
}

function extract(html: string, { url }: StepContext) {
  const $ = load(html);
  const title = visibleText($, select($, "h1", 1));
  const paperNumbers = $("p, span, div")
    .filter((_, element) => /^\s*HC\s+\d+\s*$/.test($(element).text()))
    .toArray()
    .map((element) => visibleText($, $(element)));
  expectCount('paper number (an element reading just "HC <number>")', new Set(paperNumbers).size, 1);
  const imprint = $("p")
    .toArray()
    .map((element) => /Published on (\d{1,2} [A-Za-z]+ \d{4})/.exec(collapseWhitespace($(element).text())))
    .find((match) => match !== null);
  return {
    scorecard: {
      key: paperNumbers[0]!,
      title,
      publisher: PUBLISHER,
      published_on: imprint ? parseLongDate(imprint[1]!) : null,
      url,
      overall: readOverallRating($),
    },
    commitments: readCommitments($, findRatingTables($)),
  };
}

export default defineRule({
  id: "hsc-expert-panel",
  title: "Health and Social Care Committee Expert Panel evaluation",
  vocabulary: "cqc",
  schedule: "7d",
  dimensions: COLUMNS.map(({ key, question }) => ({ key, question })),
  steps: [{ kind: "extract", name: "report", accepts: "html", extract }],
  // Each report numbers its own commitments; the same words in two reports are two commitments.
  commitmentScope: "source",
  expect: { commitments: { min: 1 }, maxDrop: 0.3 },
});
