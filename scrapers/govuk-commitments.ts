// Commitments with deadlines in GOV.UK HTML publications: policy papers, command papers,
// departmental plans. Reads the page's Content API item and keeps every sentence that commits
// to something by a date ("by March 2025", "by 2030", "by 2020-21"), and a plan's numbered
// objectives, each with the section it came from. Nothing here is rated yet.
import { load, type CheerioAPI } from "cheerio/slim";
import { collapseWhitespace } from "../src/vocabularies.ts";
import { contentApiUrl, organisation, pageUrl, parseContentItem, publishedOn } from "./lib/govuk.ts";
import { defineRule, ExtractionError, type CommitmentRecord } from "./lib/rule.ts";
import { parseTargetDate, slugify } from "./lib/text.ts";

/** Words that make a dated sentence a commitment rather than a description. */
const COMMITMENT_CUE =
  /\b(?:will|shall|commit(?:s|ted|ment)?|aim(?:s|ing)?|ambition|target|goal|pledge[sd]?|plans? to|intends? to|deliver(?:ing)?|ensur(?:e|ing)|working to|we are)\b/i;
/** Dated sentences that forecast rather than promise. */
const FORECAST =
  /\b(?:forecasts?|forecasted|projected|projections?|OBR|expected to (?:be|fall|rise|reach)|will (?:rise|fall|grow|decline))\b/i;
const OBJECTIVES_HEADING = /^(?:our |departmental |strategic )?(?:objectives|priorities)$/i;

function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+(?=[A-Z0-9“"‘(£])/)
    .map((sentence) => sentence.trim().replace(/^\d+(?:\.\d+)+\s+/, "")) // paragraph numbers: "2.20 In London…"
    .filter(Boolean);
}

/** Walks the body in reading order, keeping each block with the section heading above it. */
function blocksWithSections(
  $: CheerioAPI,
): { text: string; heading: string | null; anchor: string | null; inObjectives: boolean }[] {
  const blocks: ReturnType<typeof blocksWithSections> = [];
  let heading: string | null = null;
  let anchor: string | null = null;
  $("h2, h3, h4, p, li").each((_, element) => {
    const node = $(element);
    if (/^h\d$/.test(element.tagName)) {
      heading = collapseWhitespace(node.text()).replace(/^\d+(?:\.\d+)*\.?\s+/, "");
      // A heading without an id cannot be linked to: its commitments link to the page.
      anchor = node.attr("id") ?? null;
      return;
    }
    // A list item holding a paragraph is read through the paragraph; one holding a list, through its items.
    if (element.tagName === "li" && node.children("p, ul, ol").length > 0) return;
    if (element.tagName === "p" && node.closest("aside").length > 0) return;
    const inObjectives = heading !== null && OBJECTIVES_HEADING.test(heading) && node.closest("ol").length > 0;
    blocks.push({ text: collapseWhitespace(node.text()), heading, anchor, inObjectives });
  });
  return blocks;
}

function extract(json: string) {
  const item = parseContentItem(json);
  const body = item.details.body;
  if (!body) throw new ExtractionError("the content item has no body", "details.body");
  const page = pageUrl(item);
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
  for (const block of blocksWithSections(load(body))) {
    if (block.inObjectives) {
      add(block.text, block.heading, block.anchor, parseTargetDate(block.text));
      continue;
    }
    for (const sentence of sentences(block.text)) {
      const target = parseTargetDate(sentence);
      if (target && COMMITMENT_CUE.test(sentence) && !FORECAST.test(sentence))
        add(sentence, block.heading, block.anchor, target);
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
  dimensions: [],
  entry: contentApiUrl,
  steps: [{ kind: "extract", name: "publication", accepts: "json", extract }],
  commitmentScope: "source",
  expect: { commitments: { min: 1 }, maxDrop: 0.5 },
});
