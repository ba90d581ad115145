// Status vocabularies: every publisher rates in its own words. This module maps each native
// label onto one common ordinal scale (score 0 = worst … 100 = best) with a colour band,
// and always keeps the label exactly as published.
import { collapseWhitespace } from "./text.ts";

export const RATING_BANDS = ["green", "amber-green", "amber", "amber-red", "red"] as const;
/** States that are not ratings. `unmapped` means no vocabulary knows the label. */
export const STATE_BANDS = ["not-rated", "exempt", "withheld", "unmapped"] as const;

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

interface Level {
  label: string;
  band: RatingBand;
  score: number;
  aliases?: string[];
}

interface Vocabulary {
  title: string;
  levels: Level[];
  /** States this publisher words its own way, tried before the shared ones. */
  states?: { band: StateBand; pattern: RegExp }[];
}

// The IPA gives no Delivery Confidence Assessment to a project still at the planning stage.
const IPA_STATES: Vocabulary["states"] = [
  {
    band: "not-rated",
    pattern: /^(?:early planning gmpp project|the (?:gmpp )?project is still at the planning stage)\b/,
  },
  // 2020-21 and 2021-22 explain a missing assessment in the cell: a state, never a rating.
  { band: "withheld", pattern: /^the project is not in a position to provide this information\b/ },
  // An assessment was made but not published: withheld, as the other cell says of itself.
  { band: "withheld", pattern: /^legal sensitivity around this programme\b.*\bprevented the ipa from providing\b/ },
];

export const VOCABULARIES = {
  cqc: {
    title: "CQC-style four-point rating (Outstanding, Good, Requires improvement, Inadequate)",
    levels: [
      { label: "Outstanding", band: "green", score: 100 },
      { label: "Good", band: "green", score: 67 },
      { label: "Requires improvement", band: "amber", score: 33 },
      { label: "Inadequate", band: "red", score: 0 },
    ],
  },
  "ipa-dca-3": {
    title: "IPA Delivery Confidence Assessment, three-point (Green, Amber, Red)",
    levels: [
      { label: "Green", band: "green", score: 100 },
      { label: "Amber", band: "amber", score: 50 },
      { label: "Red", band: "red", score: 0 },
    ],
    states: IPA_STATES,
  },
  "ipa-dca-5": {
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
    title: "Not yet rated: commitments tracked for their deadlines before any evaluation rates them",
    levels: [],
  },
} satisfies Record<string, Vocabulary>;

export type VocabularyId = keyof typeof VOCABULARIES;
export const VOCABULARY_IDS = Object.keys(VOCABULARIES) as VocabularyId[];

/** States shared by every vocabulary, tried after its own levels. */
const STATES: { band: StateBand; pattern: RegExp }[] = [
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

const levelIndex = new Map<VocabularyId, Map<string, Level>>(
  VOCABULARY_IDS.map((id) => {
    const index = new Map<string, Level>();
    for (const level of VOCABULARIES[id].levels as Level[]) {
      for (const name of [level.label, ...(level.aliases ?? [])]) index.set(matchKey(name), level);
    }
    return [id, index];
  }),
);

function lookup(vocabulary: VocabularyId, key: string): { band: Band; score: number | null } | undefined {
  const level = levelIndex.get(vocabulary)?.get(key);
  if (level) return { band: level.band, score: level.score };
  const states = [...((VOCABULARIES[vocabulary] as Vocabulary).states ?? []), ...STATES];
  const state = states.find((s) => s.pattern.test(key));
  return state && { band: state.band, score: null };
}

/**
 * Maps a native label. An empty label is `not-rated`; a label that no vocabulary knows is
 * `unmapped` and keeps its text. Nothing is ever guessed.
 */
export function mapLabel(vocabulary: VocabularyId, native: string): Rating {
  if (!(vocabulary in VOCABULARIES)) throw new Error(`Unknown vocabulary "${vocabulary}"`);
  const label = collapseWhitespace(native);
  const key = matchKey(label);
  if (key === "") return { label, vocabulary, band: "not-rated", score: null };
  const found = lookup(vocabulary, key) ?? lookup(vocabulary, key.replace(FOOTNOTE_MARKER, ""));
  return { label, vocabulary, ...(found ?? { band: "unmapped", score: null }) };
}

/** Labels of a vocabulary's levels, e.g. for finding a rating inside running text. */
export function levelLabels(vocabulary: VocabularyId): string[] {
  return (VOCABULARIES[vocabulary].levels as Level[]).map((level) => level.label);
}

export function isRating(band: Band): band is RatingBand {
  return (RATING_BANDS as readonly string[]).includes(band);
}
