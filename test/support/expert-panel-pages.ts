// Generated Expert Panel report pages, for the property that a rule either reads exactly
// what a page publishes or refuses it as drift.
//
// An `Evaluation` is what a page publishes (its commitments, their ratings, the headline
// rating); a `Layout` is one of the many ways a page can lay that out. `renderPage` turns the
// two into HTML, and `expectedExtraction` says what an exact reading of that page gives.
import fc from "fast-check";

export const LEVELS = ["Outstanding", "Good", "Requires improvement", "Inadequate"] as const;
export type Level = (typeof LEVELS)[number];
export const DIMENSIONS = ["met", "funding", "impact", "appropriateness", "overall"] as const;
export type Dimension = (typeof DIMENSIONS)[number];
const NOT_RATED_WORDS = ["Not rated", "N/A", "Not applicable", "–"] as const;

/** A cell as published: a rating, a not-rated word, or nothing. */
export type CellValue = { level: Level } | { notRated: (typeof NOT_RATED_WORDS)[number] } | null;

export interface Commitment {
  text: string;
  ratings: Record<Dimension, CellValue>;
}

export interface Evaluation {
  paper: number;
  /** The paper number is shown on the page; otherwise the rule must take it from the URL or use the URL. */
  paperShown: boolean;
  url: string;
  published: { day: number; month: number; year: number } | null;
  headline: Level | null;
  areas: { name: string; commitments: Commitment[] }[];
}

/** How a rating word is drawn in its cell. Each keeps the meaning; some change the verbatim text. */
const RENDERINGS = [
  "plain",
  "upper",
  "footnote",
  "star",
  "nbsp",
  "br",
  "img",
  "aria",
  "title",
  "strong",
  "script",
  "hidden-markup",
] as const;
type Rendering = (typeof RENDERINGS)[number];

export interface Layout {
  tables: "one-with-heading-rows" | "per-area-caption" | "per-area-title-row" | "per-area-heading" | "area-column";
  areaPrefix: "none" | "policy-area-n" | "letter";
  columnOrder: number[];
  headerWords: number[];
  thead: boolean;
  headerCells: "th" | "td-strong";
  explanationRow: boolean;
  extraColumn: "none" | "ref" | "commentary";
  rendering: Rendering;
  mergeNotRated: boolean;
  mergeRows: boolean;
  headline: "labelled-p" | "summary-box" | "dl" | "table-row" | "sentence" | "img" | "summary-table";
  published: "on" | "date-published" | "plain" | "time";
  extraTables: ("data" | "key" | "summary")[];
  prose: boolean;
  scripts: boolean;
  wrapTables: boolean;
  footnotesInText: boolean;
}

/** Wordings reports use for each question's column header. */
const HEADERS: Record<Dimension | "commitment", string[]> = {
  commitment: ["Commitment", "Government commitment", "The commitment", "Commitments"],
  met: [
    "Was the commitment met or on track to be met?",
    "Progress against the commitment",
    "Met / on track",
    "Commitment met?",
  ],
  funding: ["Was the commitment effectively funded (or resourced)?", "Funding and resourcing", "Funded or resourced?"],
  impact: ["Did the commitment have a positive impact for patients and service users?", "Impact", "Impact on patients"],
  appropriateness: ["Was it an appropriate commitment?", "Appropriateness", "Appropriate?"],
  overall: ["Overall rating", "Overall", "Overall rating of the commitment"],
};

const AREA_NAMES = [
  "Workforce",
  "Diagnostics",
  "Digital transformation",
  "Community pharmacy",
  "Early diagnosis",
  "Mental health in schools",
  "Social care",
  "Hospital discharge",
];
const VERBS = ["Deliver", "Recruit", "Publish", "Expand", "Roll out", "Invest in", "Reduce", "Improve"];
const OBJECTS = [
  "50,000 more nurses",
  "a national digital workforce strategy",
  "community diagnostic centres",
  "integrated care records for everyone",
  "waiting times for cancer treatment",
  "good quality care in every area",
  "support for inadequate services",
  "mental health support teams in schools",
];

const cellValue: fc.Arbitrary<CellValue> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...LEVELS).map((level) => ({ level })) },
  { weight: 1, arbitrary: fc.constantFrom(...NOT_RATED_WORDS).map((notRated) => ({ notRated })) },
  { weight: 2, arbitrary: fc.constant(null) },
);

export const evaluationArbitrary: fc.Arbitrary<Evaluation> = fc
  .record({
    paper: fc.integer({ min: 10, max: 1999 }),
    paperShown: fc.boolean(),
    urlKind: fc.constantFrom("publications", "committees"),
    published: fc.option(
      fc.record({
        day: fc.integer({ min: 1, max: 28 }),
        month: fc.integer({ min: 1, max: 12 }),
        year: fc.integer({ min: 2020, max: 2026 }),
      }),
    ),
    headline: fc.option(fc.constantFrom(...LEVELS)),
    areaNames: fc.shuffledSubarray(AREA_NAMES, { minLength: 1, maxLength: 4 }),
    rows: fc.array(
      fc.record({
        verb: fc.constantFrom(...VERBS),
        object: fc.constantFrom(...OBJECTS),
        year: fc.option(fc.integer({ min: 2020, max: 2030 })),
        ratings: fc.record(
          Object.fromEntries(DIMENSIONS.map((d) => [d, cellValue])) as Record<Dimension, typeof cellValue>,
        ),
        area: fc.nat(),
      }),
      { minLength: 1, maxLength: 12 },
    ),
  })
  .map(({ paper, paperShown, urlKind, published, headline, areaNames, rows }) => {
    const areas = areaNames.map((name) => ({ name, commitments: [] as Commitment[] }));
    rows.forEach((row, i) => {
      const text = `${row.verb} ${row.object}${row.year ? ` by ${row.year}` : ""} (commitment ${i + 1})`;
      areas[row.area % areas.length]!.commitments.push({ text, ratings: row.ratings });
    });
    const url =
      urlKind === "publications"
        ? `https://publications.parliament.uk/pa/cm5803/cmselect/cmhealth/${paper}/report.html`
        : `https://committees.parliament.uk/publications/${paper * 7}/documents/${paper * 13}/default/`;
    return { paper, paperShown, url, published, headline, areas: areas.filter((a) => a.commitments.length > 0) };
  });

export const layoutArbitrary: fc.Arbitrary<Layout> = fc.record({
  tables: fc.constantFrom(
    "one-with-heading-rows",
    "per-area-caption",
    "per-area-title-row",
    "per-area-heading",
    "area-column",
  ),
  areaPrefix: fc.constantFrom("none", "policy-area-n", "letter"),
  columnOrder: fc.shuffledSubarray([0, 1, 2, 3, 4, 5], { minLength: 6, maxLength: 6 }),
  headerWords: fc.array(fc.nat(), { minLength: 6, maxLength: 6 }),
  thead: fc.boolean(),
  headerCells: fc.constantFrom("th", "td-strong"),
  explanationRow: fc.boolean(),
  extraColumn: fc.constantFrom("none", "ref", "commentary"),
  rendering: fc.constantFrom(...RENDERINGS),
  mergeNotRated: fc.boolean(),
  mergeRows: fc.boolean(),
  headline: fc.constantFrom("labelled-p", "summary-box", "dl", "table-row", "sentence", "img", "summary-table"),
  published: fc.constantFrom("on", "date-published", "plain", "time"),
  extraTables: fc.subarray(["data", "key", "summary"] as const),
  prose: fc.boolean(),
  scripts: fc.boolean(),
  wrapTables: fc.boolean(),
  footnotesInText: fc.boolean(),
});

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

const escapeHtml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The word a cell publishes, and what an exact reading of it gives verbatim. */
function renderWord(word: string, rendering: Rendering, index: number): { html: string; verbatim: string } {
  const e = escapeHtml(word);
  switch (rendering) {
    case "plain":
      return { html: e, verbatim: word };
    case "upper":
      return { html: escapeHtml(word.toUpperCase()), verbatim: word.toUpperCase() };
    case "footnote":
      return { html: `${e}<sup>${(index % 9) + 1}</sup>`, verbatim: `${word} ${(index % 9) + 1}` };
    case "star":
      return { html: `${e}*`, verbatim: `${word}*` };
    case "nbsp":
      return { html: e.replace(/ /g, "&nbsp;"), verbatim: word };
    case "br":
      return { html: e.replace(/ /g, "<br>\n"), verbatim: word };
    case "img":
      return { html: `<img src="/icons/${index}.svg" alt="${e}">`, verbatim: word };
    case "aria":
      return { html: `<span class="rating-icon" role="img" aria-label="${e}"></span>`, verbatim: word };
    case "title":
      return { html: `<span class="rating-icon" title="${e}"></span>`, verbatim: word };
    case "strong":
      return { html: `<strong class="rating">${e}</strong>`, verbatim: word };
    case "script":
      return {
        html: `${e}<script>trackRating(${JSON.stringify(word.toLowerCase())})</script><style>.r{color:red}</style>`,
        verbatim: word,
      };
    case "hidden-markup":
      return {
        html: `<template>Outstanding</template><noscript>Inadequate</noscript>${e}`,
        verbatim: word,
      };
  }
}

function areaHeading(name: string, index: number, layout: Layout): string {
  if (layout.areaPrefix === "policy-area-n") return `Policy area ${index + 1}: ${name}`;
  if (layout.areaPrefix === "letter") return `${String.fromCharCode(65 + index)}: ${name}`;
  return name;
}

const wordOf = (value: CellValue) => (value === null ? "" : "level" in value ? value.level : value.notRated);

interface Column {
  kind: "commitment" | Dimension | "area" | "ref" | "commentary";
  header: string;
}

function columnsOf(layout: Layout): Column[] {
  const kinds = ["commitment", ...DIMENSIONS] as const;
  const columns: Column[] = layout.columnOrder.map((i) => {
    const kind = kinds[i]!;
    const words = HEADERS[kind];
    return { kind, header: words[layout.headerWords[i]! % words.length]! };
  });
  if (layout.tables === "area-column") columns.unshift({ kind: "area", header: "Policy area" });
  if (layout.extraColumn === "ref") columns.unshift({ kind: "ref", header: "Ref" });
  if (layout.extraColumn === "commentary") columns.push({ kind: "commentary", header: "Panel commentary" });
  return columns;
}

function headerRowHtml(columns: Column[], layout: Layout): string {
  const cell = (text: string) =>
    layout.headerCells === "th"
      ? `<th scope="col">${escapeHtml(text)}</th>`
      : `<td><strong>${escapeHtml(text)}</strong></td>`;
  let html = `<tr>${columns.map((c) => cell(c.header)).join("")}</tr>\n`;
  if (layout.explanationRow)
    html += `<tr>${columns.map((c) => `<th>${c.kind === "commitment" ? "As stated by the Government" : ""}</th>`).join("")}</tr>\n`;
  return html;
}

/** One table's body rows. Merged cells are drawn with rowspan and colspan. */
function bodyRowsHtml(
  commitments: Commitment[],
  columns: Column[],
  layout: Layout,
  area: string | null,
  counter: { n: number },
): string {
  // Which slots a merged cell already covers: [row][column].
  const covered = commitments.map(() => columns.map(() => false));
  const rows: string[] = [];
  commitments.forEach((commitment, r) => {
    const cells: string[] = [];
    for (let c = 0; c < columns.length; c++) {
      if (covered[r]![c]) continue;
      const column = columns[c]!;
      counter.n++;
      if (column.kind === "commitment") {
        let text = escapeHtml(commitment.text).replace(/ by /, layout.footnotesInText ? " by&nbsp;" : " by ");
        if (layout.footnotesInText) text += `<sup><a href="#fn${counter.n}">${(counter.n % 9) + 1}</a></sup>`;
        cells.push(`<td>${text}</td>`);
      } else if (column.kind === "area") {
        // The policy area spans all its rows.
        if (r === 0) {
          for (let below = 1; below < commitments.length; below++) covered[below]![c] = true;
          cells.push(`<td rowspan="${commitments.length}">${escapeHtml(area ?? "")}</td>`);
        }
      } else if (column.kind === "ref") {
        cells.push(`<td>${counter.n}</td>`);
      } else if (column.kind === "commentary") {
        cells.push(`<td>The Panel found progress ${r % 2 ? "good in places" : "inadequate overall"}.</td>`);
      } else {
        const value = commitment.ratings[column.kind];
        const word = wordOf(value);
        let colspan = 1;
        // "Not rated" across neighbouring question columns, drawn as one merged cell.
        if (layout.mergeNotRated && value && "notRated" in value) {
          while (
            c + colspan < columns.length &&
            !covered[r]![c + colspan] &&
            DIMENSIONS.includes(columns[c + colspan]!.kind as Dimension) &&
            wordOf(commitment.ratings[columns[c + colspan]!.kind as Dimension]) === word
          )
            colspan++;
        }
        // The same rating for the rows below, drawn as one cell spanning them.
        let rowspan = 1;
        if (layout.mergeRows && colspan === 1 && value) {
          while (
            r + rowspan < commitments.length &&
            wordOf(commitments[r + rowspan]!.ratings[column.kind]) === word &&
            !covered[r + rowspan]![c]
          )
            rowspan++;
        }
        for (let dr = 0; dr < rowspan; dr++) for (let dc = 0; dc < colspan; dc++) covered[r + dr]![c + dc] = true;
        const span = `${colspan > 1 ? ` colspan="${colspan}"` : ""}${rowspan > 1 ? ` rowspan="${rowspan}"` : ""}`;
        cells.push(`<td${span}>${value ? renderWord(word, layout.rendering, counter.n).html : ""}</td>`);
      }
    }
    rows.push(`<tr>${cells.join("")}</tr>`);
  });
  return rows.join("\n");
}

function tableHtml(
  inner: { caption?: string; titleRow?: string; header: string; body: string },
  width: number,
  layout: Layout,
) {
  const title = inner.titleRow ? `<tr><th colspan="${width}">${escapeHtml(inner.titleRow)}</th></tr>\n` : "";
  const caption = inner.caption ? `<caption>${escapeHtml(inner.caption)}</caption>\n` : "";
  const head = layout.thead
    ? `<thead>\n${title}${inner.header}</thead>\n<tbody>\n${inner.body}\n</tbody>`
    : `${title}${inner.header}${inner.body}`;
  const table = `<table class="ratings">\n${caption}${head}\n</table>`;
  return layout.wrapTables
    ? `<div class="table-wrapper" style="overflow-x:auto"><figure>${table}</figure></div>`
    : table;
}

function ratingTablesHtml(evaluation: Evaluation, layout: Layout): string {
  const columns = columnsOf(layout);
  const header = headerRowHtml(columns, layout);
  const counter = { n: 0 };
  const headingRow = (text: string) => `<tr><th colspan="${columns.length}">${escapeHtml(text)}</th></tr>`;
  switch (layout.tables) {
    case "one-with-heading-rows":
      return tableHtml(
        {
          header,
          body: evaluation.areas
            .map(
              (a, i) =>
                `${headingRow(areaHeading(a.name, i, layout))}\n${bodyRowsHtml(a.commitments, columns, layout, null, counter)}`,
            )
            .join("\n"),
        },
        columns.length,
        layout,
      );
    case "area-column":
      return tableHtml(
        {
          header,
          body: evaluation.areas.map((a) => bodyRowsHtml(a.commitments, columns, layout, a.name, counter)).join("\n"),
        },
        columns.length,
        layout,
      );
    default:
      return evaluation.areas
        .map((a, i) => {
          const name = areaHeading(a.name, i, layout);
          const body = bodyRowsHtml(a.commitments, columns, layout, null, counter);
          if (layout.tables === "per-area-caption")
            return tableHtml({ caption: name, header, body }, columns.length, layout);
          if (layout.tables === "per-area-title-row")
            return tableHtml({ titleRow: name, header, body }, columns.length, layout);
          return `<h3>${escapeHtml(name)}</h3>\n<p>The Panel rated ${a.commitments.length} commitments in this area.</p>\n${tableHtml({ header, body }, columns.length, layout)}`;
        })
        .join("\n");
  }
}

function headlineHtml(evaluation: Evaluation, layout: Layout): string {
  const level = evaluation.headline;
  if (!level) return "";
  const e = escapeHtml(level);
  switch (layout.headline) {
    case "labelled-p":
      return `<p>Overall rating of the Government’s progress: <strong>${e}</strong></p>`;
    case "summary-box":
      return `<div class="summary-box"><h3>Overall rating</h3><p>${e}</p></div>`;
    case "dl":
      return `<dl class="ratings-summary"><dt>Overall rating</dt><dd>${e}</dd></dl>`;
    case "table-row":
      return `<table class="key-facts"><tr><th>Overall rating</th><td>${e}</td></tr></table>`;
    case "sentence":
      return `<p>The Panel’s overall rating of the Government’s progress is: ${e}.</p>`;
    case "img":
      return `<p>Overall rating: <img src="/icons/overall.svg" alt="${e}"></p>`;
    case "summary-table":
      return `<table><thead><tr><th>Policy area</th><th>Met</th><th>Overall rating</th></tr></thead>
<tbody><tr><td>Overall</td><td>Good</td><td>${e}</td></tr></tbody></table>`;
  }
}

function publishedHtml(evaluation: Evaluation, layout: Layout): string {
  const p = evaluation.published;
  if (!p) return "";
  const long = `${p.day} ${MONTHS[p.month - 1]} ${p.year}`;
  const iso = `${p.year}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")}`;
  switch (layout.published) {
    case "on":
      return `<p class="Published">Published on ${long} by authority of the House of Commons</p>`;
    case "date-published":
      return `<dl><dt>Date Published:</dt> <dd>${long}</dd></dl><p>Date Published: ${long}</p>`;
    case "plain":
      return `<p>Published ${long}</p>`;
    case "time":
      return `<p>Published: <time datetime="${iso}T09:00:00Z">${long}</time></p>`;
  }
}

function extraTablesHtml(evaluation: Evaluation, layout: Layout): string {
  return layout.extraTables
    .map((kind) => {
      if (kind === "data")
        return `<table><tr><th>Year</th><th>Funding (£m)</th></tr><tr><td>2022</td><td>120</td></tr><tr><td>2023</td><td>95</td></tr></table>`;
      if (kind === "key")
        return `<table><caption>Key to ratings</caption><tr><th>Rating</th><th>Meaning</th></tr>${LEVELS.map((l) => `<tr><td>${l}</td><td>The Panel judged it ${l.toLowerCase()}.</td></tr>`).join("")}</table>`;
      // A summary by policy area: the questions as columns, no commitment column.
      return `<table><caption>Summary of ratings by policy area</caption><tr><th>Policy area</th><th>Met</th><th>Funding</th><th>Impact</th><th>Appropriate</th><th>Overall</th></tr>${evaluation.areas
        .map(
          (a, i) =>
            `<tr><td>${escapeHtml(a.name)}</td>${DIMENSIONS.map((_, j) => `<td>${LEVELS[(i + j) % 4]}</td>`).join("")}</tr>`,
        )
        .join("")}</table>`;
    })
    .join("\n");
}

export function renderPage(evaluation: Evaluation, layout: Layout): string {
  const scripts = layout.scripts
    ? `<script>window.ratings = {"overall": "Outstanding"}; document.write("Good");</script><style>td.good::after { content: "Good"; }</style>`
    : "";
  const prose = layout.prose
    ? `<p>Overall, progress on workforce was inadequate, although some funding was good.</p><ul><li>The Panel found the commitments appropriate.</li></ul>`
    : "";
  return `<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Expert Panel evaluation</title>${scripts}</head>
<body><div id="maincontent">
<p class="Committee">House of Commons<br>Health and Social Care Committee</p>
<h1>Expert Panel: Evaluation of the Government’s commitments (generated ${evaluation.paper})</h1>
${evaluation.paperShown ? `<p class="HC">HC ${evaluation.paper}</p>` : ""}
${publishedHtml(evaluation, layout)}
<h2>Summary</h2>
${prose}
${headlineHtml(evaluation, layout)}
<h2>Ratings of the Government’s commitments</h2>
${scripts}
${ratingTablesHtml(evaluation, layout)}
<p class="note">* Ratings marked with an asterisk are explained in the Panel’s commentary.</p>
${extraTablesHtml(evaluation, layout)}
</div></body></html>`;
}

export interface ExpectedCommitment {
  text: string;
  policy_area: string | null;
  /** Verbatim labels by dimension; a blank cell is absent. */
  ratings: Record<string, string>;
}

/** What an exact reading of the rendered page gives. */
export function expectedExtraction(evaluation: Evaluation, layout: Layout) {
  const counterRendering = (word: string) =>
    // Not-rated words are drawn the same way as ratings; only their verbatim text matters.
    renderWord(word, layout.rendering, 0).verbatim.replace(/ \d$/, "");
  const commitments: ExpectedCommitment[] = evaluation.areas.flatMap((area) =>
    area.commitments.map((c) => ({
      text: c.text,
      policy_area: area.name,
      ratings: Object.fromEntries(
        DIMENSIONS.flatMap((d) => {
          const value = c.ratings[d];
          return value ? [[d, counterRendering(wordOf(value))]] : [];
        }),
      ),
    })),
  );
  const urlPaper = /\/cmselect\/cm\w+\/(\d+)\//.exec(evaluation.url);
  const key =
    evaluation.paperShown || urlPaper
      ? `HC ${evaluation.paper}`
      : new URL(evaluation.url).hostname + new URL(evaluation.url).pathname.replace(/\/+$/, "");
  const p = evaluation.published;
  return {
    key,
    published_on: p ? `${p.year}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")}` : null,
    headline: evaluation.headline,
    commitments,
  };
}
