// What a scraper rule declares, checked with valibot when the rule loads, and the shape of
// what it extracts, checked again before anything is written.
import * as v from "valibot";
import { VOCABULARY_IDS, type VocabularyId } from "../../src/vocabularies.ts";

export const INTERVAL = /^(\d+)(m|h|d|w)$/;
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export interface RuleContext {
  /** The URL the document was fetched from. */
  url: string;
}

export interface ScorecardRecord {
  key: string;
  title: string;
  publisher: string;
  published_on: string | null;
  url: string;
  /** The evaluation's own overall rating, as published, or null where it gives none. */
  overall: string | null;
}

export interface CommitmentRecord {
  key: string;
  text: string;
  policy_area: string | null;
  target_date: string | null;
  /** Native labels by dimension key. A dimension the page leaves blank is absent. */
  ratings: Record<string, string>;
}

export interface Extraction {
  scorecard: ScorecardRecord;
  commitments: CommitmentRecord[];
}

export interface Dimension {
  key: string;
  question: string;
}

export interface Rule {
  id: string;
  title: string;
  vocabulary: VocabularyId;
  /** How often a source using this rule is scraped by default: 30m, 6h, 1d, 7d. */
  schedule: string;
  dimensions: Dimension[];
  /** The kind of document `extract` reads. */
  accepts: "html";
  extract(document: string, context: RuleContext): Extraction;
}

const RuleSchema = v.object({
  id: v.pipe(v.string(), v.regex(SLUG, "a rule id is a lower-case slug")),
  title: v.pipe(v.string(), v.nonEmpty()),
  vocabulary: v.picklist(VOCABULARY_IDS),
  schedule: v.pipe(v.string(), v.regex(INTERVAL, "a schedule is an interval such as 6h, 1d or 7d")),
  dimensions: v.pipe(
    v.array(v.object({ key: v.pipe(v.string(), v.regex(SLUG)), question: v.pipe(v.string(), v.nonEmpty()) })),
    v.minLength(1),
    v.check((dims) => new Set(dims.map((d) => d.key)).size === dims.length, "dimension keys must be unique"),
  ),
  accepts: v.picklist(["html"]),
  extract: v.function(),
});

/** Declares a rule. A declaration that does not validate fails when the rule is loaded. */
export function defineRule(rule: Rule): Rule {
  const result = v.safeParse(RuleSchema, rule);
  if (!result.success) {
    const problems = result.issues.map((issue) => `${v.getDotPath(issue) ?? "rule"}: ${issue.message}`);
    throw new Error(`Invalid rule "${String(rule.id)}": ${problems.join("; ")}`);
  }
  return rule;
}

const text = v.pipe(v.string(), v.trim(), v.nonEmpty());
const nullableText = v.nullable(text);
const isoDate = v.nullable(v.pipe(v.string(), v.regex(/^\d{4}(?:-\d{2}(?:-\d{2})?)?$/, "dates are YYYY, YYYY-MM or YYYY-MM-DD")));

/** Validates an extraction against the rule that made it. */
export function extractionSchema(rule: Rule) {
  const dimensionKeys = rule.dimensions.map((d) => d.key);
  return v.object({
    scorecard: v.object({
      key: text,
      title: text,
      publisher: text,
      published_on: isoDate,
      url: v.pipe(v.string(), v.url()),
      overall: nullableText,
    }),
    commitments: v.pipe(
      v.array(
        v.object({
          key: text,
          text,
          policy_area: nullableText,
          target_date: isoDate,
          ratings: v.pipe(
            v.record(v.string(), text),
            v.check(
              (ratings) => Object.keys(ratings).every((k) => dimensionKeys.includes(k)),
              `ratings may only use the rule's dimensions: ${dimensionKeys.join(", ")}`,
            ),
          ),
        }),
      ),
      v.check((items) => new Set(items.map((c) => c.key)).size === items.length, "commitment keys must be unique"),
    ),
  });
}

export function validateExtraction(rule: Rule, extraction: unknown): Extraction {
  const result = v.safeParse(extractionSchema(rule), extraction);
  if (!result.success) {
    const problems = result.issues.slice(0, 5).map((issue) => `${v.getDotPath(issue) ?? "extraction"}: ${issue.message}`);
    throw new ExtractionError(`Extraction failed validation: ${problems.join("; ")}`);
  }
  return result.output;
}

/** The page no longer looks the way the rule expects. */
export class ExtractionError extends Error {
  override name = "ExtractionError";
}
