// Hand-labelled commitments of a saved page (scrapers/examples/<rule>/<page>.labels.json) and how
// well a rule's extraction matches them. Pure functions: rules:check reads the files, the tests
// check the arithmetic.
//
// Matching: an extracted commitment matches a label when its text, normalised, contains the
// label's text (a stable substring of the commitment), normalised, and their target dates are
// equal (both null for a commitment whose date cannot be known). Normalising lowercases, makes
// quotes straight and dashes plain, and collapses whitespace.
//   precision = extracted commitments that match some label / extracted commitments considered
//   recall    = labels matched by some extracted commitment / labels
// Extracted commitments that match an `undated` entry and have no date (a plan's objectives,
// which the rule reads without a date on purpose) are not considered.
import * as v from "valibot";

export const LabelsSchema = v.object({
  /** The saved document, relative to the repository root. */
  page: v.string(),
  /** Where the document comes from, its licence and attribution. */
  source: v.string(),
  labelled: v.optional(v.string()),
  commitments: v.array(
    v.object({
      /** A stable substring of the commitment as the page words it. */
      text: v.pipe(v.string(), v.minLength(8)),
      /** "YYYY" or "YYYY-MM", or null when the page gives no date a reader could fix. */
      target: v.nullable(v.pipe(v.string(), v.regex(/^\d{4}(?:-\d{2})?$/))),
      note: v.optional(v.string()),
    }),
  ),
  /** Substrings of undated commitments the rule extracts on purpose: neither right nor wrong. */
  undated: v.optional(v.array(v.string())),
  /** Dated sentences that are not commitments, and why: documentation for the next labeller. */
  excluded: v.optional(v.array(v.object({ text: v.string(), why: v.string() }))),
});

export type Labels = v.InferOutput<typeof LabelsSchema>;

export interface Extracted {
  text: string;
  target_date: string | null;
}

export interface Score {
  /** Extracted commitments considered (all but the undated ones the labels set aside). */
  extracted: number;
  /** Of those, how many match a label. */
  correct: number;
  labels: number;
  /** Labels matched by at least one extracted commitment. */
  found: number;
  precision: number;
  recall: number;
  /** Labels no extracted commitment matches, with the date extracted if the text was found. */
  missed: { text: string; target: string | null; extractedTarget?: string | null }[];
  /** Extracted commitments that match no label. */
  wrong: Extracted[];
}

export function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[‘’ʼ]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/[‐‑‒–—]/g, "-")
    .replace(/\s+/g, " ")
    .trim();
}

export function score(labels: Pick<Labels, "commitments" | "undated">, extracted: Extracted[]): Score {
  const items = extracted.map((c) => ({ ...c, norm: normalise(c.text) }));
  const undated = (labels.undated ?? []).map(normalise);
  const considered = items.filter((c) => !(c.target_date === null && undated.some((u) => c.norm.includes(u))));
  const keys = labels.commitments.map((l) => ({ ...l, norm: normalise(l.text) }));
  const matches = (c: (typeof items)[number], l: (typeof keys)[number]) =>
    c.norm.includes(l.norm) && c.target_date === l.target;

  const wrong = considered.filter((c) => !keys.some((l) => matches(c, l)));
  const missed = keys
    .filter((l) => !considered.some((c) => matches(c, l)))
    .map((l) => {
      const sameText = considered.find((c) => c.norm.includes(l.norm));
      return { text: l.text, target: l.target, ...(sameText ? { extractedTarget: sameText.target_date } : {}) };
    });
  const correct = considered.length - wrong.length;
  const found = keys.length - missed.length;
  return {
    extracted: considered.length,
    correct,
    labels: keys.length,
    found,
    precision: considered.length === 0 ? 1 : correct / considered.length,
    recall: keys.length === 0 ? 1 : found / keys.length,
    missed,
    wrong: wrong.map(({ text, target_date }) => ({ text, target_date })),
  };
}

/** Labels whose text does not occur in the page at all: a typo would silently lower recall. */
export function labelsNotInPage(labels: Pick<Labels, "commitments" | "undated">, pageText: string): string[] {
  const page = normalise(pageText);
  return [...labels.commitments.map((l) => l.text), ...(labels.undated ?? [])].filter(
    (text) => !page.includes(normalise(text)),
  );
}
