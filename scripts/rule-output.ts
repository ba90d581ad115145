// What a rule produced, in the shape the maintainer CLI prints and the golden files hold.
import type { Extraction, Link, Rule } from "../scrapers/lib/rule.ts";
import { mapLabel } from "../domain/vocabularies.ts";

export function extractionJson(rule: Rule, extraction: Extraction) {
  const vocabulary = extraction.scorecard.vocabulary ?? rule.vocabulary;
  return {
    rule: rule.id,
    scorecards: [extraction.scorecard],
    commitments: extraction.commitments.map(
      ({ key, text, policy_area, target_date, source_url, ratings, assessed_by, details, effective_on }) => ({
        key,
        text,
        policy_area,
        target_date,
        source_url,
        ratings: Object.fromEntries(
          Object.entries(ratings).map(([dimension, native]) => {
            const { label, band } = mapLabel(vocabulary, native);
            const by = assessed_by?.[dimension];
            return [dimension, by === undefined ? { label, band } : { label, band, assessed_by: by }];
          }),
        ),
        ...(details ? { details } : {}),
        // The row's own "as at" date, where the rule reads one: its ratings' effective_on.
        ...(effective_on ? { effective_on } : {}),
      }),
    ),
  };
}

/**
 * The labels an output kept that no vocabulary knows, as "label" (dimension of "commitment"):
 * only a rule that declares `unknownLabels: "keep"` gets this far with any.
 */
export function unmappedLabels(output: RuleOutput): string[] {
  if (!("commitments" in output)) return [];
  return output.commitments.flatMap((c) =>
    Object.entries(c.ratings)
      .filter(([, rating]) => rating.band === "unmapped")
      .map(([dimension, rating]) => `"${rating.label}" (${dimension} of "${c.text.slice(0, 60)}")`),
  );
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
    return [
      `${rule.id}: step "${output.step}" found ${output.links.length} link(s)`,
      ...output.links.map((l) => `  → ${l.url}`),
    ].join("\n");
  }
  const [scorecard] = output.scorecards;
  type Row = (typeof output.commitments)[number];
  const rating = (c: Row, d: string) => (c.ratings[d] ? `${c.ratings[d]!.label} (${c.ratings[d]!.band})` : "");
  // Each column as wide as its content, within a cap; the commitment text takes the rest.
  const column = (title: string, cap: number, value: (c: Row) => string) => ({
    title,
    value,
    width: Math.min(cap, Math.max(title.length, ...output.commitments.map((c) => value(c).length))),
  });
  const columns = [
    column("key", 28, (c) => c.key),
    column("policy area", 24, (c) => c.policy_area ?? ""),
    column("target", 10, (c) => c.target_date ?? ""),
    ...rule.dimensions.map((d) => column(d.key, 32, (c) => rating(c, d.key))),
  ];
  const textWidth = Math.max(30, width - columns.reduce((sum, column) => sum + column.width + 2, 0));
  const header = [...columns.map((column) => cut(column.title, column.width)), cut("commitment", textWidth)].join("  ");
  const rows = output.commitments.map((c) =>
    [...columns.map((column) => cut(column.value(c), column.width)), cut(c.text, textWidth)].join("  "),
  );
  const overall = scorecard!.overall
    ? `  overall: ${scorecard!.overall} (${mapLabel(rule.vocabulary, scorecard!.overall).band})`
    : "";
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
