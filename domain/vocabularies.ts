// Status vocabularies: every publisher rates in its own words. This module maps each native
// label onto one common ordinal scale (score 0 = worst … 100 = best) with a colour band,
// and always keeps the label exactly as published.
//
// A vocabulary is a declaration: its levels in order, best first, each with its band and score
// and any aliases, and the states it words its own way (labels that are not ratings: not
// started, withdrawn, exempt…). The built-in ones below are declared here; a rule may declare
// its own (scrapers/lib/rule.ts), and every declaration is checked the same way when it loads.
import * as v from "valibot";
import { collapseWhitespace } from "./text.ts";

export const RATING_BANDS = ["green", "amber-green", "amber", "amber-red", "red"] as const;
/**
 * States that are not ratings: not rated (yet, or any more), exempt (an FOI exemption),
 * withheld (assessed but not published), withdrawn (the publisher dropped the commitment), and
 * `unmapped`: a label no vocabulary knows.
 */
export const STATE_BANDS = ["not-rated", "exempt", "withheld", "withdrawn", "unmapped"] as const;

export type RatingBand = (typeof RATING_BANDS)[number];
export type StateBand = (typeof STATE_BANDS)[number];
export type Band = RatingBand | StateBand;

export interface Rating {
  /** The native label, verbatim (whitespace collapsed). */
  label: string;
  vocabulary: VocabularyId;
  band: Band;
  /** Position on the common scale; null for states that are not ratings. */
  score: number | null;
}

/** One level of a vocabulary: a rating. */
export interface LevelDeclaration {
  /** The publisher's word for it, e.g. "On track". */
  label: string;
  /** Its colour band. Several levels may share one ("Outstanding" and "Good" are both green). */
  band: RatingBand;
  /** Its place on the common scale, 0 (worst) to 100 (best): what change events follow. */
  score: number;
  /** Other spellings the publisher uses for the same level ("Amber-Green" for "Amber/Green"). */
  aliases?: string[];
}

/** Labels that are not ratings, and which state they are. */
export interface StateDeclaration {
  band: Exclude<StateBand, "unmapped">;
  /** Whole labels, matched as levels are (case, spacing and footnote markers aside). */
  labels?: string[];
  /** Or a pattern, tested on the label in lower case with its whitespace collapsed. */
  pattern?: RegExp;
}

export interface VocabularyDeclaration {
  /** A lower-case slug, unique among vocabularies, stored with every observation. */
  id: string;
  title: string;
  /** Best first, scores strictly decreasing; a band never better than the level above's. */
  levels: LevelDeclaration[];
  /** States this publisher words its own way, tried before the shared ones. */
  states?: StateDeclaration[];
}

/** The vocabulary's id is a lower-case slug. */
const VOCABULARY_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const BAND_RANK = new Map<string, number>(RATING_BANDS.map((band, rank) => [band, rank]));
const DECLARABLE_STATES = ["not-rated", "exempt", "withheld", "withdrawn"] as const;

const nonEmpty = v.pipe(v.string(), v.trim(), v.nonEmpty("a label may not be blank"));

/**
 * What a vocabulary declaration must be, checked when it loads. Beyond the shape: levels run
 * best first with strictly decreasing scores, a band is never better than the level above's,
 * and no two names (labels, aliases, state labels) match the same text.
 */
export const VocabularySchema = v.pipe(
  v.object({
    id: v.pipe(v.string(), v.regex(VOCABULARY_ID, "a vocabulary id is a lower-case slug")),
    title: v.pipe(v.string(), v.nonEmpty()),
    levels: v.pipe(
      v.array(
        v.object({
          label: nonEmpty,
          band: v.picklist(RATING_BANDS, `a level's band is one of: ${RATING_BANDS.join(", ")}`),
          score: v.pipe(
            v.number(),
            v.integer("a score is a whole number"),
            v.minValue(0, "a score is 0 to 100"),
            v.maxValue(100, "a score is 0 to 100"),
          ),
          aliases: v.optional(v.array(nonEmpty)),
        }),
      ),
      v.check(
        (levels) => levels.every((level, i) => i === 0 || level.score < levels[i - 1]!.score),
        "levels run best first: each score lower than the one above",
      ),
      v.check(
        (levels) =>
          levels.every((level, i) => i === 0 || BAND_RANK.get(level.band)! >= BAND_RANK.get(levels[i - 1]!.band)!),
        `a level's band is never better than the level above's (${RATING_BANDS.join(" > ")})`,
      ),
    ),
    states: v.optional(
      v.array(
        v.pipe(
          v.object({
            band: v.picklist(DECLARABLE_STATES, `a state's band is one of: ${DECLARABLE_STATES.join(", ")}`),
            labels: v.optional(v.array(nonEmpty)),
            pattern: v.optional(v.instance(RegExp)),
          }),
          v.check((state) => (state.labels?.length ?? 0) > 0 || !!state.pattern, "a state names labels or a pattern"),
        ),
      ),
    ),
  }),
  v.check(
    (declaration) => duplicateNames(declaration).length === 0,
    (issue) => {
      const names = duplicateNames(issue.input as VocabularyDeclaration);
      return `two names match the same text: ${names.map((n) => `"${n}"`).join(", ")}`;
    },
  ),
);

function duplicateNames(declaration: VocabularyDeclaration): string[] {
  const seen = new Map<string, string>();
  const clashes: string[] = [];
  const names = [
    ...declaration.levels.flatMap((level) => [level.label, ...(level.aliases ?? [])]),
    ...(declaration.states ?? []).flatMap((state) => state.labels ?? []),
  ];
  for (const name of names) {
    const key = matchKey(name);
    if (seen.has(key)) clashes.push(name);
    else seen.set(key, name);
  }
  return clashes;
}

/** The problems with a declaration, each with where it is; none if it is sound. */
export function vocabularyProblems(declaration: unknown): string[] {
  const result = v.safeParse(VocabularySchema, declaration);
  if (result.success) return [];
  return result.issues.map((issue) => {
    const path = v.getDotPath(issue);
    return path ? `${path}: ${issue.message}` : issue.message;
  });
}

// The IPA gives no Delivery Confidence Assessment to a project still at the planning stage.
const IPA_STATES: StateDeclaration[] = [
  {
    band: "not-rated",
    pattern: /^(?:early planning gmpp project|the (?:gmpp )?project is still at the planning stage)\b/,
  },
  // 2020-21 and 2021-22 explain a missing assessment in the cell: a state, never a rating.
  { band: "withheld", pattern: /^the project is not in a position to provide this information\b/ },
  // An assessment was made but not published: withheld, as the other cell says of itself.
  { band: "withheld", pattern: /^legal sensitivity around this programme\b.*\bprevented the ipa from providing\b/ },
];

/** The built-in vocabularies, declared as a rule declares its own. */
const BUILT_INS = {
  cqc: {
    id: "cqc",
    title: "CQC-style four-point rating (Outstanding, Good, Requires improvement, Inadequate)",
    levels: [
      { label: "Outstanding", band: "green", score: 100 },
      { label: "Good", band: "green", score: 67 },
      { label: "Requires improvement", band: "amber", score: 33 },
      { label: "Inadequate", band: "red", score: 0 },
    ],
  },
  "ipa-dca-3": {
    id: "ipa-dca-3",
    title: "IPA Delivery Confidence Assessment, three-point (Green, Amber, Red)",
    levels: [
      { label: "Green", band: "green", score: 100 },
      { label: "Amber", band: "amber", score: 50 },
      { label: "Red", band: "red", score: 0 },
    ],
    states: IPA_STATES,
  },
  "ipa-dca-5": {
    id: "ipa-dca-5",
    title: "IPA Delivery Confidence Assessment, five-point (Green, Amber/Green, Amber, Amber/Red, Red)",
    levels: [
      { label: "Green", band: "green", score: 100 },
      { label: "Amber/Green", band: "amber-green", score: 75, aliases: ["amber-green", "amber green"] },
      { label: "Amber", band: "amber", score: 50 },
      { label: "Amber/Red", band: "amber-red", score: 25, aliases: ["amber-red", "amber red"] },
      { label: "Red", band: "red", score: 0 },
    ],
    states: IPA_STATES,
  },
  unrated: {
    id: "unrated",
    title: "Not yet rated: commitments tracked for their deadlines before any evaluation rates them",
    levels: [],
  },
} satisfies Record<string, VocabularyDeclaration>;

/** The id of a vocabulary: a built-in one, or one a rule declares. */
export type VocabularyId = string;
export type BuiltInVocabularyId = keyof typeof BUILT_INS;
/** The built-in vocabularies' ids. Rules may declare more: see `vocabularyIds()`. */
export const VOCABULARY_IDS = Object.keys(BUILT_INS) as BuiltInVocabularyId[];

/** States shared by every vocabulary, tried after its own levels and states. */
const STATES: StateDeclaration[] = [
  { band: "not-rated", pattern: /^(?:not rated|unrated|no rating|not applicable|n\/?a|none|-)$/ },
  // Freedom of Information exemptions: "Exempt under Section 43 ...", "Section 24 - National security".
  { band: "exempt", pattern: /^(?:exempt(?:ed|ion)?\b|section \d+\b)/ },
  { band: "withheld", pattern: /^(?:withheld|redacted|not published)\b/ },
];

/** Trailing footnote markers: "Good*", "Good†", "Inadequate 12", "Good [3]", "Good (4)". */
const FOOTNOTE_MARKER = /(?:\s*(?:\[\w{1,3}\]|\(\d{1,3}\)|[*†‡§¶#]+|\d{1,3}))+$/;

function matchKey(text: string): string {
  return collapseWhitespace(text.normalize("NFKC"))
    .toLowerCase()
    .replace(/\s*([/\-–—])\s*/g, (_, sep: string) => (sep === "/" ? "/" : "-"))
    .replace(/[.:;,]+$/, "");
}

/** A declared vocabulary, indexed for matching. */
interface Compiled {
  declaration: VocabularyDeclaration;
  /** Level and state labels by match key. */
  names: Map<string, { band: Band; score: number | null }>;
  patterns: { band: StateBand; pattern: RegExp }[];
}

const registry = new Map<string, Compiled>();

function compile(declaration: VocabularyDeclaration): Compiled {
  const names = new Map<string, { band: Band; score: number | null }>();
  for (const level of declaration.levels) {
    for (const name of [level.label, ...(level.aliases ?? [])])
      names.set(matchKey(name), { band: level.band, score: level.score });
  }
  const patterns: Compiled["patterns"] = [];
  for (const state of [...(declaration.states ?? []), ...STATES]) {
    for (const name of state.labels ?? [])
      if (!names.has(matchKey(name))) names.set(matchKey(name), { band: state.band, score: null });
    if (state.pattern) patterns.push({ band: state.band, pattern: state.pattern });
  }
  return { declaration, names, patterns };
}

/** A declaration's content, for telling whether two declarations of one id are the same. */
const fingerprint = (declaration: VocabularyDeclaration) =>
  JSON.stringify(declaration, (_, value: unknown) => (value instanceof RegExp ? String(value) : value));

/**
 * Why this declaration cannot be registered, or null if it can: it must be sound, and an id
 * already declared (a built-in one, or another rule's) must be declared the same way.
 */
export function vocabularyConflict(declaration: VocabularyDeclaration): string | null {
  const problems = vocabularyProblems(declaration);
  if (problems.length > 0) return problems.join("; ");
  const existing = registry.get(declaration.id);
  if (existing && fingerprint(existing.declaration) !== fingerprint(declaration)) {
    return VOCABULARY_IDS.includes(declaration.id as BuiltInVocabularyId)
      ? `"${declaration.id}" is a built-in vocabulary: choose another id`
      : `vocabulary "${declaration.id}" is already declared differently (by another rule)`;
  }
  return null;
}

/** Registers a vocabulary declaration once it is checked. Throws, naming the problem, if it is not sound. */
export function declareVocabulary(declaration: VocabularyDeclaration): VocabularyDeclaration {
  const conflict = vocabularyConflict(declaration);
  if (conflict !== null) throw new Error(`Invalid vocabulary "${String(declaration.id)}": ${conflict}`);
  if (!registry.has(declaration.id)) registry.set(declaration.id, compile(declaration));
  return declaration;
}

for (const declaration of Object.values(BUILT_INS)) declareVocabulary(declaration);

/** Every vocabulary declared so far: the built-in ones, then those of the rules loaded. */
export function vocabularyIds(): string[] {
  return [...registry.keys()];
}

export function hasVocabulary(id: string): boolean {
  return registry.has(id);
}

/** A vocabulary's declaration, if it is declared. */
export function vocabularyDeclaration(id: string): VocabularyDeclaration | undefined {
  return registry.get(id)?.declaration;
}

function lookup(vocabulary: Compiled, key: string): { band: Band; score: number | null } | undefined {
  const named = vocabulary.names.get(key);
  if (named) return named;
  const state = vocabulary.patterns.find((s) => s.pattern.test(key));
  return state && { band: state.band, score: null };
}

/**
 * Maps a native label. An empty label is `not-rated`; a label that no vocabulary knows is
 * `unmapped` and keeps its text. Nothing is ever guessed.
 */
export function mapLabel(vocabulary: VocabularyId, native: string): Rating {
  const compiled = registry.get(vocabulary);
  if (!compiled) throw new Error(`Unknown vocabulary "${vocabulary}"`);
  const label = collapseWhitespace(native);
  const key = matchKey(label);
  if (key === "") return { label, vocabulary, band: "not-rated", score: null };
  const found = lookup(compiled, key) ?? lookup(compiled, key.replace(FOOTNOTE_MARKER, ""));
  return { label, vocabulary, ...(found ?? { band: "unmapped", score: null }) };
}

/** Labels of a vocabulary's levels, e.g. for finding a rating inside running text. */
export function levelLabels(vocabulary: VocabularyId): string[] {
  const compiled = registry.get(vocabulary);
  if (!compiled) throw new Error(`Unknown vocabulary "${vocabulary}"`);
  return compiled.declaration.levels.map((level) => level.label);
}

export function isRating(band: Band): band is RatingBand {
  return (RATING_BANDS as readonly string[]).includes(band);
}
