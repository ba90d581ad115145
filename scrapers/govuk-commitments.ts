// Commitments with dates in GOV.UK HTML publications: policy papers, command papers, Budgets,
// departmental plans. Reads the page's Content API item and keeps every sentence that commits to
// something by, in or from a date ("by March 2025", "from April 2016", "in 2017-18", "in autumn
// 2015", "by the end of this Parliament"), every table row that states a dated measure or target,
// and a plan's numbered objectives, each with the section it came from. Forecasts, estimates and
// history stay out. Nothing here is rated yet.
import { load, type CheerioAPI } from "cheerio/slim";
import type { Element } from "domhandler";
import { collapseWhitespace, slugify } from "../domain/text.ts";
import { contentApiUrl, organisation, pageUrl, parseContentItem, publishedOn } from "./lib/govuk.ts";
import { type CommitmentRecord, defineRule } from "./lib/rule.ts";
import { ExtractionError } from "./lib/expect.ts";
import { childrenNamed, closestNamed, descendantsNamed, previousElement } from "./lib/html.ts";
import { type DateContext, findTargetDate, type TargetDate } from "./lib/dates.ts";

/** Words that make a dated sentence a commitment rather than a description. */
const COMMITMENT_CUE =
  /\b(?:will|shall|commit(?:s|ted|ting|ment)?|aim(?:s|ing)?|ambition|target|goal|pledge[sd]?|plans?|planning (?:to|on)|intends?|intention|deliver(?:ing)?|ensur(?:e|ing)|working to|we are|we[’']re|provides?|providing|invest(?:s|ing)?|confirms?|introduc(?:e|es|ing)|continu(?:e|es|ing) to|freez(?:e|es|ing)|(?:takes?|come|comes) into effect|takes? effect|with effect|due to (?:begin|start|open|launch|complete|come|be (?:completed|delivered|published|introduced|launched|opened)))\b/i;
/** Dated sentences that forecast, estimate or project rather than promise. */
const FORECAST =
  /\b(?:forecasts?|forecasted|projected|projections?|OBR|Office for Budget Responsibility|(?:is|are) (?:expected|anticipated|predicted|estimated) to|expected to (?:be|fall|rise|reach|grow|peak|remain)|will (?:rise|fall|grow|decline|peak)(?! to £)|anticipated?|predicts?|estimates?)\b/i;
/** Expecting is not promising: "We are expecting to receive proposals…". */
const EXPECTING = /\b(?:are|is|we) expecting\b/i;
/** A list item told in the past ("Network Rail published its study…") does not take its introduction's cue. */
const PAST = /\b(?:published|announced|awarded|launched|was|were|had|has been|have been)\b/i;
/** Sentences about the document itself: "This annex sets out…", "…are summarised in Annex A". */
const ABOUT_THE_DOCUMENT =
  /^(?:this|the following) (?:chapter|section|annex|document|paper|report|table|box)\b|\b(?:is|are) (?:summarised|set out|shown|described) in (?:annex|chapter|table|section|box)\b/i;
/** What a sentence may say of forecasts without forecasting: "will increase by RPI, in line with previous forecasts". */
const MENTIONS_FORECAST = /\bin line with (?:the |previous |earlier |the OBR['’]s )*forecasts?\b/gi;
const isForecast = (text: string) => FORECAST.test(text.replace(MENTIONS_FORECAST, "")) || EXPECTING.test(text);
const OBJECTIVES_HEADING = /^(?:our |departmental |strategic )?(?:objectives|priorities)$/i;
/** A table column that holds each row's target date. */
const DATE_COLUMN =
  /\b(?:target(?: date)?|deadline|due(?: date)?|by when|completion(?: date)?|delivery date|milestone date|date)\b/i;
/** A row's reference before its label: "15 Class 4 NICs: …", "w Public Service Pensions: …". */
const ROW_REFERENCE = /^(?:\d{1,3}|[a-z]{1,2})\.?\s+(?=[A-Z£])/;

function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+(?=[A-Z0-9“"‘(£])/)
    .map((sentence) => sentence.trim().replace(/^\d+(?:\.\d+)+\s+/, "")) // paragraph numbers: "2.20 In London…"
    .filter(Boolean);
}

interface Block {
  text: string;
  heading: string | null;
  anchor: string | null;
  inObjectives: boolean;
  /** The paragraph that introduces a list item's list ("We are pursuing this by:"), whose cue its items share. */
  intro?: string;
  /** A table row: its label, and its target date if the table has a column for it. */
  row?: { target: TargetDate | null };
}

// Elements by name, for walking the tree directly rather than through selectors.
const named = (...names: string[]) => new Set(names);
const TR = named("tr");
const TD = named("td");
const TH = named("th");
const CELLS = named("th", "td");
const CAPTION = named("caption");
const READ = named("h2", "h3", "h4", "p", "li", "table");
const ASIDE = named("aside");
const OL = named("ol");
const P = named("p");
const PARAGRAPHS_AND_LISTS = named("p", "ul", "ol");

/** An element's text content (cheerio's `.text()`), whitespace collapsed. */
const textContent = ($: CheerioAPI, element: Element) => collapseWhitespace($.text([element]));

/** One block per body row of a table that could state a dated measure; none for a forecast's table. */
function tableRows($: CheerioAPI, table: Element, heading: string | null, context: DateContext) {
  const rows = descendantsNamed(table, TR);
  const headerRow = rows.find((row) => childrenNamed(row, TD).length === 0 && childrenNamed(row, TH).length > 1);
  const headers = headerRow ? childrenNamed(headerRow, TH).map((cell) => textContent($, cell)) : [];
  const caption = collapseWhitespace($.text(descendantsNamed(table, CAPTION)));
  if (isForecast(`${heading ?? ""} ${caption}`)) return [];
  const dateColumn = headers.findIndex((header) => DATE_COLUMN.test(header) && !findTargetDate(header));
  const out: { text: string; target: TargetDate | null }[] = [];
  for (const row of rows) {
    if (row === headerRow) continue;
    const cells = childrenNamed(row, CELLS);
    if (cells.length < 2) continue; // a section heading or a footnote spanning the table
    const texts = cells.map((cell) => textContent($, cell));
    if (dateColumn >= 0) {
      const target = findTargetDate(`by ${texts[dateColumn] ?? ""}`, context);
      const label = texts.filter((t, i) => i !== dateColumn && t && !/^[-+£$€\d.,%*()\s]+$/.test(t)).join(" – ");
      if (label) out.push({ text: label, target });
    } else {
      out.push({ text: texts[0]!.replace(ROW_REFERENCE, ""), target: null });
    }
  }
  return out;
}

/** Walks the body in reading order, keeping each block with the section heading above it. */
function blocksWithSections($: CheerioAPI, context: DateContext): Block[] {
  // Footnote markers would glue a sentence to the next ("…in the next Parliament.3 In the interim…");
  // the footnotes themselves cite sources.
  $("sup:has(a.footnote), sup[id^='fnref'], .footnotes").remove();
  const blocks: Block[] = [];
  let heading: string | null = null;
  let anchor: string | null = null;
  for (const element of descendantsNamed($.root()[0]!, READ)) {
    if (/^h\d$/.test(element.name)) {
      heading = textContent($, element).replace(/^\d+(?:\.\d+)*\.?\s+/, "");
      // A heading without an id cannot be linked to: its commitments link to the page.
      anchor = element.attribs.id ?? null;
      continue;
    }
    if (element.name === "table") {
      for (const row of tableRows($, element, heading, context))
        blocks.push({ text: row.text, heading, anchor, inObjectives: false, row: { target: row.target } });
      continue;
    }
    if (closestNamed(element, CELLS)) continue; // read with its table
    // A list item holding a paragraph is read through the paragraph; one holding a list, through its items.
    if (element.name === "li" && childrenNamed(element, PARAGRAPHS_AND_LISTS).length > 0) continue;
    if (element.name === "p" && closestNamed(element, ASIDE)) continue;
    const inObjectives = heading !== null && OBJECTIVES_HEADING.test(heading) && closestNamed(element, OL) !== null;
    // The paragraph just before the list a list item is in.
    const list = element.name === "li" && element.parent?.type === "tag" ? element.parent : null;
    const before = list && previousElement(list);
    const introduction = before && P.has(before.name) ? before : null;
    blocks.push({
      text: textContent($, element),
      heading,
      anchor,
      inObjectives,
      ...(introduction ? { intro: textContent($, introduction) } : {}),
    });
  }
  return blocks;
}

function extract(json: string) {
  const item = parseContentItem(json);
  const body = item.details.body;
  if (!body) throw new ExtractionError("the content item has no body", "details.body");
  const page = pageUrl(item);
  // Relative dates ("next month"), "this Parliament" and telling history from targets need the date
  // the text speaks from: when it was first published or, if the item does not say, last updated.
  const context: DateContext = { publishedOn: publishedOn(item) ?? item.public_updated_at?.slice(0, 10) ?? null };
  const commitments: CommitmentRecord[] = [];
  const seen = new Set<string>();
  const add = (text: string, heading: string | null, anchor: string | null, target: string | null) => {
    const key = slugify(text, 80);
    if (!key || seen.has(key)) return; // summaries repeat what chapters say
    seen.add(key);
    commitments.push({
      key,
      text,
      policy_area: heading,
      target_date: target,
      source_url: anchor ? `${page}#${anchor}` : page,
      ratings: {},
    });
  };
  for (const block of blocksWithSections(load(body), context)) {
    if (block.inObjectives) {
      add(block.text, block.heading, block.anchor, findTargetDate(block.text, context)?.target ?? null);
      continue;
    }
    if (block.row) {
      // A table row is terse ("Fuel Duty: freeze in 2017-18"): its date, or its table's date column, is enough.
      const date = block.row.target ?? findTargetDate(block.text, context);
      if (date?.target && !isForecast(block.text)) add(block.text, block.heading, block.anchor, date.target);
      continue;
    }
    const listCue = block.intro !== undefined && COMMITMENT_CUE.test(block.intro) && !isForecast(block.intro);
    for (const sentence of sentences(block.text)) {
      // The cue first: a sentence without one is no commitment, whatever date it names.
      const cue = COMMITMENT_CUE.test(sentence) || (listCue && !PAST.test(sentence));
      if (!cue) continue;
      const date = findTargetDate(sentence, context);
      if (date && !isForecast(sentence) && !ABOUT_THE_DOCUMENT.test(sentence))
        add(sentence, block.heading, block.anchor, date.target);
    }
  }
  return {
    scorecard: {
      key: item.base_path.split("/").pop() ?? item.base_path,
      title: item.title,
      publisher: organisation(item) ?? "GOV.UK",
      published_on: publishedOn(item),
      url: page,
      overall: null,
    },
    commitments,
  };
}

export default defineRule({
  id: "govuk-commitments",
  title: "Commitments with deadlines in a GOV.UK publication",
  vocabulary: "unrated",
  schedule: "7d",
  allowedHosts: ["www.gov.uk", "assets.publishing.service.gov.uk"],
  // A Content API item's HTML body costs about 12 times its size to read (npm run bench:memory):
  // 5 MB peaks near 60 MB. The largest publications are under 1 MB.
  maxBodyBytes: 5 * 1024 * 1024,
  dimensions: [],
  entry: contentApiUrl,
  steps: [{ kind: "extract", name: "publication", accepts: "json", extract }],
  commitmentScope: "source",
  expect: { commitments: { min: 1 }, maxDrop: 0.5 },
});
