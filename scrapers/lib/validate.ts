// What a rule extracted, checked before anything is written: the shape of the records, the
// rule's dimensions and vocabularies, and labels the vocabulary does not know.
import * as v from "valibot";
import { mapLabel } from "../../domain/vocabularies.ts";
import { ExtractionError } from "./expect.ts";
import { type Extraction, type Rule, ruleVocabularies, SLUG } from "./rule.ts";

const text = v.pipe(v.string(), v.trim(), v.nonEmpty());
const nullableText = v.nullable(text);
const isoDate = v.nullable(
  v.pipe(v.string(), v.regex(/^\d{4}(?:-\d{2}(?:-\d{2})?)?$/, "dates are YYYY, YYYY-MM or YYYY-MM-DD")),
);

/** Validates an extraction against the rule that made it. */
function extractionSchema(rule: Rule) {
  const dimensionKeys = rule.dimensions.map((d) => d.key);
  const vocabularies = ruleVocabularies(rule);
  return v.object({
    scorecard: v.object({
      key: text,
      title: text,
      publisher: text,
      published_on: isoDate,
      url: v.pipe(v.string(), v.url()),
      overall: nullableText,
      period: v.optional(nullableText, null),
      vocabulary: v.optional(
        v.picklist(
          vocabularies,
          `the scorecard's vocabulary must be one the rule declares: ${vocabularies.join(", ")}`,
        ),
      ),
    }),
    commitments: v.pipe(
      v.array(
        v.pipe(
          v.object({
            key: text,
            text,
            policy_area: nullableText,
            target_date: isoDate,
            source_url: v.nullable(v.pipe(v.string(), v.url())),
            ratings: v.pipe(
              v.record(v.string(), v.string()),
              v.check(
                (ratings) => Object.keys(ratings).every((k) => dimensionKeys.includes(k)),
                `ratings may only use the rule's dimensions: ${dimensionKeys.join(", ")}`,
              ),
            ),
            assessed_by: v.optional(v.record(v.string(), v.pipe(v.string(), v.regex(SLUG)))),
            details: v.optional(v.record(v.string(), v.nullable(v.string()))),
            effective_on: v.optional(
              v.nullable(v.pipe(v.string(), v.isoDate("a row's effective_on is a date, YYYY-MM-DD"))),
            ),
          }),
          v.check(
            (c) => Object.keys(c.assessed_by ?? {}).every((k) => k in c.ratings),
            "assessed_by may only name dimensions the commitment is rated on",
          ),
        ),
      ),
      v.check((items) => new Set(items.map((c) => c.key)).size === items.length, "commitment keys must be unique"),
    ),
  });
}

export function validateExtraction(rule: Rule, extraction: unknown): Extraction {
  const result = v.safeParse(extractionSchema(rule), extraction);
  if (!result.success) {
    const problems = result.issues
      .slice(0, 5)
      .map((issue) => `${v.getDotPath(issue) ?? "extraction"}: ${issue.message}`);
    throw new ExtractionError(`Extraction failed validation: ${problems.join("; ")}`, "validation");
  }
  if ((rule.unknownLabels ?? "refuse") === "refuse") refuseUnknownLabels(rule, result.output);
  return result.output;
}

/**
 * A cell that no vocabulary knows ("Too early to say", a stray word, a number) is kept
 * verbatim as `unmapped` only where the rule says its publisher's labels are open. Otherwise
 * it means the page changed, or the rule read the wrong cell: drift, naming the cell.
 */
function refuseUnknownLabels(rule: Rule, { scorecard, commitments }: Extraction): void {
  const vocabulary = scorecard.vocabulary ?? rule.vocabulary;
  const unknown: string[] = [];
  if (scorecard.overall !== null && mapLabel(vocabulary, scorecard.overall).band === "unmapped")
    unknown.push(`the scorecard's overall rating "${scorecard.overall}"`);
  for (const commitment of commitments) {
    for (const [dimension, label] of Object.entries(commitment.ratings)) {
      if (mapLabel(vocabulary, label).band === "unmapped")
        unknown.push(`"${label}" (${dimension} of "${commitment.text.slice(0, 80)}")`);
    }
  }
  if (unknown.length > 0) {
    const more = unknown.length > 5 ? ` and ${unknown.length - 5} more` : "";
    throw new ExtractionError(
      `labels that the ${vocabulary} vocabulary does not know: ${unknown.slice(0, 5).join("; ")}${more}`,
      "unknown labels",
    );
  }
}
