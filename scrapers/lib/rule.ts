// What a scraper rule declares, checked with valibot when the rule loads, and the shape of
// what it extracts (checked again before anything is written: see validate.ts).
//
// A rule says where (an entry URL and steps that follow links), what (an extract step and the
// counts it expects) and how often (a default schedule), like spatula's pages or
// changedetection.io's watches.
import * as v from "valibot";
import { hostKind } from "../../domain/address.ts";
import type { Delivery } from "../../domain/deadlines.ts";
import { INTERVAL } from "../../domain/schedule.ts";
import {
  declareVocabulary,
  hasVocabulary,
  vocabularyConflict,
  vocabularyIds,
  type VocabularyDeclaration,
  type VocabularyId,
} from "../../domain/vocabularies.ts";
import type { Expected } from "./expect.ts";

export const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export const DOCUMENT_KINDS = ["html", "csv", "json"] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

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
   * The row's own "as at" date (YYYY-MM-DD), where the page dates its ratings row by row. Its
   * ratings take effect then, rather than at the period's end or the publication date.
   */
  effective_on?: string | null;
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
  /** The vocabulary it rates in, by id: a built-in one, or one the rule declares (see RuleDeclaration). */
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
  /**
   * The only hosts any of its documents may come from (exact names): the first URL, every
   * redirect, every followed link and their robots.txt. A hop to any other host fails the run.
   * A rule that declares none can fetch nothing but, in local development, loopback.
   */
  allowedHosts?: string[];
  /**
   * The largest document it reads, in bytes: larger ones are refused before they are parsed,
   * since a Worker has 128 MB and parsing costs many times a document's size (see
   * bench/memory.ts). Defaults to the fetcher's cap.
   */
  maxBodyBytes?: number;
  /**
   * Which dimension says a commitment was delivered, and from which score on the common 0-100
   * scale it counts as delivered (e.g. `{ dimension: "met", deliveredFrom: 67 }`: "Good" or
   * better). A commitment whose deadline has passed is then `passed-met` or `passed-not-met`;
   * a rule without one never reports a deadline met (domain/deadlines.ts).
   */
  delivery?: Delivery;
  /** The first document to fetch for a source's URL. Defaults to the URL itself. */
  entry?: (sourceUrl: string) => string;
  /** Zero or more follow steps, then one extract step. */
  steps: Step[];
  /**
   * Set when the declaration failed its checks as it loaded: the rule reads nothing, and every
   * run of its sources fails with this message, while every other rule runs as usual.
   */
  broken?: string;
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
  vocabulary: v.pipe(v.string("a vocabulary is named by its id, or declared"), v.nonEmpty()),
  vocabularies: v.optional(v.pipe(v.array(v.pipe(v.string(), v.nonEmpty())), v.minLength(1))),
  unknownLabels: v.optional(v.picklist(["refuse", "keep"])),
  schedule: v.pipe(v.string(), v.regex(INTERVAL, "a schedule is an interval such as 6h, 1d or 7d")),
  dimensions: v.pipe(
    v.array(v.object({ key: v.pipe(v.string(), v.regex(SLUG)), question: v.pipe(v.string(), v.nonEmpty()) })),
    v.check((dims) => new Set(dims.map((d) => d.key)).size === dims.length, "dimension keys must be unique"),
  ),
  allowedHosts: v.optional(
    v.pipe(
      v.array(
        v.pipe(
          v.string(),
          v.check(
            (host) => host === host.toLowerCase() && /^[a-z0-9.-]+$/.test(host) && hostKind(host) === "name",
            "an allowed host is a public host name in lower case, such as www.gov.uk",
          ),
        ),
      ),
      v.minLength(1),
    ),
  ),
  maxBodyBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  delivery: v.optional(
    v.object({
      dimension: v.pipe(v.string(), v.regex(SLUG)),
      deliveredFrom: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100)),
    }),
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

/**
 * A rule as its module declares it: a vocabulary may be named (a built-in one, or one another
 * rule declares) or declared in place, with its levels, bands, scores, aliases and states.
 */
export interface RuleDeclaration extends Omit<Rule, "vocabulary" | "vocabularies" | "broken"> {
  vocabulary: VocabularyId | VocabularyDeclaration;
  vocabularies?: (VocabularyId | VocabularyDeclaration)[];
}

const vocabularyId = (vocabulary: VocabularyId | VocabularyDeclaration) =>
  typeof vocabulary === "string" ? vocabulary : vocabulary?.id;

/**
 * Declares a rule. A declaration that fails its checks does not take the service down: it
 * becomes a broken rule (`broken` says why), whose sources fail with that message, and the
 * problem is logged as the rule loads. `checkRule` throws instead.
 */
export function defineRule(declaration: RuleDeclaration): Rule {
  try {
    return checkRule(declaration);
  } catch (error) {
    const message = (error as Error).message;
    console.error(`${message}. Its sources will fail until it is fixed; other rules are unaffected.`);
    return brokenRule(declaration, message);
  }
}

/** A rule that failed its checks: it reads nothing, and says why. */
function brokenRule(declaration: Partial<RuleDeclaration> | undefined, message: string): Rule {
  return {
    id: String(declaration?.id ?? "unknown"),
    title: typeof declaration?.title === "string" ? declaration.title : "(a rule that failed its checks)",
    vocabulary: "unrated",
    schedule: "1d",
    dimensions: [],
    steps: [],
    commitmentScope: "source",
    expect: { commitments: { min: 1 }, maxDrop: 0 },
    broken: message,
  };
}

/** The rule, if it loaded sound; otherwise an error naming what is wrong with it. */
export function usableRule(rule: Rule): Rule {
  if (rule.broken !== undefined)
    throw new Error(`rule "${rule.id}" failed its checks when it loaded, so it cannot run: ${rule.broken}`);
  return rule;
}

/**
 * Checks a rule declaration, with the vocabularies it declares, and registers them. Throws,
 * naming every problem, if it does not validate.
 */
export function checkRule(declaration: RuleDeclaration): Rule {
  const declared = [declaration.vocabulary, ...(declaration.vocabularies ?? [])].filter(
    (vocabulary): vocabulary is VocabularyDeclaration => typeof vocabulary === "object" && vocabulary !== null,
  );
  const problems: string[] = [];
  for (const vocabulary of declared) {
    const conflict = vocabularyConflict(vocabulary);
    if (conflict !== null) problems.push(`vocabulary ${JSON.stringify(vocabulary.id ?? "")}: ${conflict}`);
  }
  const declaredIds = declared.map((vocabulary) => vocabulary.id);
  const rule = {
    ...declaration,
    vocabulary: vocabularyId(declaration.vocabulary),
    ...(declaration.vocabularies ? { vocabularies: declaration.vocabularies.map(vocabularyId) } : {}),
  } as Rule;
  for (const id of [rule.vocabulary, ...(rule.vocabularies ?? [])]) {
    if (typeof id === "string" && !hasVocabulary(id) && !declaredIds.includes(id))
      problems.push(
        `vocabulary: there is no vocabulary "${id}" (built-in and declared: ${vocabularyIds().join(", ")}); ` +
          "name one, or declare the rule's own",
      );
  }
  const result = v.safeParse(
    v.pipe(
      RuleSchema,
      v.check(
        (r) => !r.vocabularies || r.vocabularies.includes(r.vocabulary),
        "vocabularies must include the default vocabulary",
      ),
      v.check(
        (r) => !r.delivery || r.dimensions.some((d) => d.key === r.delivery!.dimension),
        "delivery.dimension must be one of the rule's dimensions",
      ),
    ),
    rule,
  );
  if (!result.success)
    problems.push(...result.issues.map((issue) => `${v.getDotPath(issue) ?? "rule"}: ${issue.message}`));
  if (problems.length > 0) throw new Error(`Invalid rule "${String(declaration?.id)}": ${problems.join("; ")}`);
  for (const vocabulary of declared) declareVocabulary(vocabulary);
  return rule;
}

/** The vocabularies a rule's extractions may rate in. */
export function ruleVocabularies(rule: Rule): VocabularyId[] {
  return rule.vocabularies ?? [rule.vocabulary];
}
