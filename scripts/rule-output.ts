// What a rule produced, in the shape the maintainer CLI prints and the golden files hold.
import type { Extraction, Link, Rule } from "../scrapers/lib/rule.ts";
import { mapLabel } from "../src/vocabularies.ts";

export function extractionJson(rule: Rule, extraction: Extraction) {
  return {
    rule: rule.id,
    scorecards: [extraction.scorecard],
    commitments: extraction.commitments.map(({ key, text, policy_area, target_date, source_url, ratings }) => ({
      key,
      text,
      policy_area,
      target_date,
      source_url,
      ratings: Object.fromEntries(
        Object.entries(ratings).map(([dimension, native]) => {
          const { label, band } = mapLabel(rule.vocabulary, native);
          return [dimension, { label, band }];
        }),
      ),
    })),
  };
}

export function linksJson(rule: Rule, step: string, links: Link[]) {
  return { rule: rule.id, step, links };
}

export type RuleOutput = ReturnType<typeof extractionJson> | ReturnType<typeof linksJson>;

function cut(text: string, width: number): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length <= width ? flat.padEnd(width) : `${flat.slice(0, width - 1)}…`;
}

/** A readable table for a terminal. */
export function renderTable(rule: Rule, output: RuleOutput, width = 160): string {
  if ("links" in output) {
    return [`${rule.id}: step "${output.step}" found ${output.links.length} link(s)`, ...output.links.map((l) => `  → ${l.url}`)].join("\n");
  }
  const [scorecard] = output.scorecards;
  const dims = rule.dimensions.map((d) => d.key);
  const fixed = [["key", 26], ["policy area", 22], ["target", 10], ...dims.map((d) => [d, 24] as const)] as const;
  const textWidth = Math.max(30, width - fixed.reduce((sum, [, w]) => sum + w + 2, 0));
  const header = [...fixed.map(([name, w]) => cut(name, w)), cut("commitment", textWidth)].join("  ");
  const rows = output.commitments.map((c) =>
    [
      cut(c.key, 26),
      cut(c.policy_area ?? "", 22),
      cut(c.target_date ?? "", 10),
      ...dims.map((d) => cut(c.ratings[d] ? `${c.ratings[d]!.label} (${c.ratings[d]!.band})` : "", 24)),
      cut(c.text, textWidth),
    ].join("  "),
  );
  const overall = scorecard!.overall ? `  overall: ${scorecard!.overall} (${mapLabel(rule.vocabulary, scorecard!.overall).band})` : "";
  return [
    `${scorecard!.title}`,
    `  ${scorecard!.publisher}${scorecard!.published_on ? `, ${scorecard!.published_on}` : ""}  ${scorecard!.url}`,
    `  key: ${scorecard!.key}${overall}`,
    `  ${output.commitments.length} commitments, rule ${rule.id} (${rule.vocabulary})`,
    "",
    header,
    "-".repeat(Math.min(header.length, width)),
    ...rows,
  ].join("\n");
}
