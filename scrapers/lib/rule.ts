// What a scraper rule declares, checked with valibot when the rule loads, and the shape of
// what it extracts, checked again before anything is written.
//
// A rule says where (an entry URL and steps that follow links), what (an extract step and the
// counts it expects) and how often (a default schedule), like spatula's pages or
// changedetection.io's watches.
import * as v from "valibot";
import { mapLabel, VOCABULARY_IDS, type VocabularyId } from "../../src/vocabularies.ts";

export const INTERVAL = /^(\d+)(m|h|d|w)$/;
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export const DOCUMENT_KINDS = ["html", "csv", "json"] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** How many items a selector or step expects: exactly n, or a range. */
export type Expected = number | { min?: number; max?: number };

/** The page no longer looks the way the rule expects. `check` names what failed. */
export class ExtractionError extends Error {
  override name = "ExtractionError";
  readonly check: string;
  constructor(message: string, check = "extraction") {
    super(message);
    this.check = check;
  }
}

function describeExpected(expected: Expected): string {
  if (typeof expected === "number") return `exactly ${expected}`;
  const { min, max } = expected;
  if (min !== undefined && max !== undefined) return `${min} to ${max}`;
  if (min !== undefined) return `at least ${min}`;
  return `at most ${max}`;
}

/** Fails, naming `what`, unless `found` items meet the expectation. */
export function expectCount(what: string, found: number, expected: Expected): void {
  const ok =
    typeof expected === "number"
      ? found === expected
      : found >= (expected.min ?? 0) && found <= (expected.max ?? Infinity);
  if (!ok) throw new ExtractionError(`${what}: expected ${describeExpected(expected)}, found ${found}`, what);
}

export interface StepContext {
  /** The URL the document was fetched from. */
  url: string;
  /** What earlier steps passed on with the link, e.g. the title of the publication a CSV belongs to. */
  carried: Record<string, string>;
}

/** A document to fetch next, with what the step knows about it. */
export interface Link {
  url: string;
  carry?: Record<string, string>;
}

export interface ScorecardRecord {
  key: string;
  title: string;
  publisher: string;
  published_on: string | null;
  url: string;
  /** The evaluation's own overall rating, as published, or null where it gives none. */
  overall: string | null;
  /**
   * The period it rates, sortable among the rule's scorecards (e.g. "2024-25"). It orders the
   * scorecards that share commitments, so that change events run from one period to the next.
   */
  period?: string | null;
  /**
   * The vocabulary this publication rates in, where it is not the rule's default (e.g. a GMPP
   * year on the five-point scale). It must be one the rule declares in `vocabularies`.
   */
  vocabulary?: VocabularyId;
}

export interface CommitmentRecord {
  key: string;
  text: string;
  policy_area: string | null;
  target_date: string | null;
  /** Where in the publication it was read, e.g. its section's anchor; null if nowhere finer than the page. */
  source_url: string | null;
  /** Native labels by dimension key. A dimension the publisher did not rate is absent. */
  ratings: Record<string, string>;
  /** Who gave a dimension's rating, where the publication says (e.g. `{ dca: "sro" }`); kept on its observation. */
  assessed_by?: Record<string, string>;
  /**
   * What the publication says of the commitment beside its ratings, verbatim, in this
   * publication (e.g. a GMPP project's department, dates and cost that year).
   */
  details?: Record<string, string | null>;
}

export interface Extraction {
  scorecard: ScorecardRecord;
  commitments: CommitmentRecord[];
}

export interface Dimension {
  key: string;
  question: string;
}

/** Reads a document and names the documents to fetch next. */
export interface FollowStep {
  kind: "follow";
  name: string;
  accepts: DocumentKind;
  follow(document: string, context: StepContext): Link[];
  /** How many links it expects to find. */
  expect: Expected;
}

/** Reads a document and extracts records. A rule's last step. */
export interface ExtractStep {
  kind: "extract";
  name: string;
  accepts: DocumentKind;
  extract(document: string, context: StepContext): Extraction;
}

export type Step = FollowStep | ExtractStep;

export interface Rule {
  id: string;
  title: string;
  vocabulary: VocabularyId;
  /**
   * Every vocabulary its extractions may rate in, when a publication can choose another than
   * the default (`ScorecardRecord.vocabulary`). Defaults to `[vocabulary]`.
   */
  vocabularies?: VocabularyId[];
  /**
   * What a label no vocabulary knows means: `refuse` (the default) treats it as drift, since
   * the publisher rates in a closed set of words; `keep` stores it verbatim as `unmapped`.
   */
  unknownLabels?: "refuse" | "keep";
  /** How often a source using this rule is scraped by default: 30m, 6h, 1d, 7d. */
  schedule: string;
  dimensions: Dimension[];
  /** The first document to fetch for a source's URL. Defaults to the URL itself. */
  entry?: (sourceUrl: string) => string;
  /** Zero or more follow steps, then one extract step. */
  steps: Step[];
  /**
   * Whose keys the commitment keys are: each source's own (`source`), or shared by every
   * source of this rule (`rule`), as when each source is one year of the same series.
   */
  commitmentScope: "source" | "rule";
  expect: {
    /** How many commitments one extraction holds. */
    commitments: Expected;
    /** Drift if an extraction has lost more than this fraction of the last good run's commitments. */
    maxDrop: number;
  };
}

const ExpectedSchema = v.union([
  v.pipe(v.number(), v.integer(), v.minValue(0)),
  v.object({ min: v.optional(v.pipe(v.number(), v.minValue(0))), max: v.optional(v.pipe(v.number(), v.minValue(0))) }),
]);

const StepSchema = v.variant("kind", [
  v.object({
    kind: v.literal("follow"),
    name: v.pipe(v.string(), v.regex(SLUG)),
    accepts: v.picklist(DOCUMENT_KINDS),
    follow: v.function(),
    expect: ExpectedSchema,
  }),
  v.object({
    kind: v.literal("extract"),
    name: v.pipe(v.string(), v.regex(SLUG)),
    accepts: v.picklist(DOCUMENT_KINDS),
    extract: v.function(),
  }),
]);

const RuleSchema = v.object({
  id: v.pipe(v.string(), v.regex(SLUG, "a rule id is a lower-case slug")),
  title: v.pipe(v.string(), v.nonEmpty()),
  vocabulary: v.picklist(VOCABULARY_IDS),
  vocabularies: v.optional(v.pipe(v.array(v.picklist(VOCABULARY_IDS)), v.minLength(1))),
  unknownLabels: v.optional(v.picklist(["refuse", "keep"])),
  schedule: v.pipe(v.string(), v.regex(INTERVAL, "a schedule is an interval such as 6h, 1d or 7d")),
  dimensions: v.pipe(
    v.array(v.object({ key: v.pipe(v.string(), v.regex(SLUG)), question: v.pipe(v.string(), v.nonEmpty()) })),
    v.check((dims) => new Set(dims.map((d) => d.key)).size === dims.length, "dimension keys must be unique"),
  ),
  entry: v.optional(v.function()),
  steps: v.pipe(
    v.array(StepSchema),
    v.minLength(1),
    v.check(
      (steps) => steps.every((step, i) => (step.kind === "extract") === (i === steps.length - 1)),
      "steps are zero or more follow steps, then one extract step",
    ),
    v.check((steps) => new Set(steps.map((s) => s.name)).size === steps.length, "step names must be unique"),
  ),
  commitmentScope: v.picklist(["source", "rule"]),
  expect: v.object({
    commitments: ExpectedSchema,
    maxDrop: v.pipe(v.number(), v.minValue(0), v.maxValue(1)),
  }),
});

/** Declares a rule. A declaration that does not validate fails when the rule is loaded. */
export function defineRule(rule: Rule): Rule {
  const result = v.safeParse(
    v.pipe(
      RuleSchema,
      v.check(
        (r) => !r.vocabularies || r.vocabularies.includes(r.vocabulary),
        "vocabularies must include the default vocabulary",
      ),
    ),
    rule,
  );
  if (!result.success) {
    const problems = result.issues.map((issue) => `${v.getDotPath(issue) ?? "rule"}: ${issue.message}`);
    throw new Error(`Invalid rule "${String(rule.id)}": ${problems.join("; ")}`);
  }
  return rule;
}

export function extractStep(rule: Rule): ExtractStep {
  return rule.steps.at(-1) as ExtractStep;
}

/** Runs a follow step: the links it finds, checked against the number it expects. */
export function findLinks(step: FollowStep, document: string, context: StepContext): Link[] {
  const links = step.follow(document, context);
  expectCount(`links found by step "${step.name}"`, links.length, step.expect);
  return links;
}

/**
 * The link a run fetches next: the first one found (one document is extracted per run),
 * carrying what earlier steps knew as well as what this one adds.
 */
export function nextLink(step: FollowStep, document: string, context: StepContext): Link {
  const [next] = findLinks(step, document, context);
  if (!next)
    throw new ExtractionError(`step "${step.name}" found no link to follow`, `links found by step "${step.name}"`);
  return { url: next.url, carry: { ...context.carried, ...next.carry } };
}

/** The step that reads a kind of document, as when a maintainer hands the CLI a saved file. */
export function stepFor(rule: Rule, kind: DocumentKind): Step | undefined {
  return rule.steps.find((step) => step.accepts === kind);
}

const text = v.pipe(v.string(), v.trim(), v.nonEmpty());
const nullableText = v.nullable(text);
const isoDate = v.nullable(
  v.pipe(v.string(), v.regex(/^\d{4}(?:-\d{2}(?:-\d{2})?)?$/, "dates are YYYY, YYYY-MM or YYYY-MM-DD")),
);

/** The vocabularies a rule's extractions may rate in. */
export function ruleVocabularies(rule: Rule): VocabularyId[] {
  return rule.vocabularies ?? [rule.vocabulary];
}

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
