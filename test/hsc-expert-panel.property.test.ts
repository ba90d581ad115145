// The exact-or-refuse property of the Expert Panel rule, over generated pages: every layout
// the rule supports must be read exactly (every cell, the headline rating, the commitment
// count); a hostile page may also be refused as drift; nothing else may ever happen.
import fc from "fast-check";
import { describe, expect, inject, it } from "vitest";
import rule from "../scrapers/hsc-expert-panel.ts";
import { ExtractionError } from "../scrapers/lib/expect.ts";
import { extractStep } from "../scrapers/lib/steps.ts";
import { validateExtraction } from "../scrapers/lib/validate.ts";
import { mapLabel } from "../domain/vocabularies.ts";
import {
  evaluationArbitrary,
  expectedExtraction,
  layoutArbitrary,
  renderPage,
  type Evaluation,
  type Dimension,
  type Layout,
} from "./support/expert-panel-pages.ts";

const runs = inject("fuzzRuns");
const seed = inject("fuzzSeed");
// Generous: a page takes a few milliseconds, and npm run test:fuzz tries thousands.
const timeout = 20_000 + runs * 25;

function extract(html: string, url: string) {
  return validateExtraction(rule, extractStep(rule).extract(html, { url, carried: {} }));
}

/** Compares an extraction with what the page publishes; returns the first difference, or null. */
function difference(evaluation: Evaluation, layout: Layout, html: string, dropped: Dimension[] = []): string | null {
  const expected = expectedExtraction(evaluation, layout);
  for (const c of expected.commitments) for (const d of dropped) delete c.ratings[d];
  const { scorecard, commitments } = extract(html, evaluation.url);
  const label = (text: string) => (layout.rendering === "footnote" ? text.replace(/ \d$/, "") : text);
  if (scorecard.key !== expected.key) return `key ${scorecard.key} ≠ ${expected.key}`;
  if (scorecard.published_on !== expected.published_on)
    return `published_on ${scorecard.published_on} ≠ ${expected.published_on}`;
  const headline = scorecard.overall === null ? null : mapLabel("cqc", scorecard.overall).label;
  if ((headline && mapLabel("cqc", headline).score) !== (expected.headline && mapLabel("cqc", expected.headline).score))
    return `headline ${scorecard.overall} ≠ ${expected.headline}`;
  if (commitments.length !== expected.commitments.length)
    return `${commitments.length} commitments ≠ ${expected.commitments.length}`;
  for (const [i, want] of expected.commitments.entries()) {
    const got = commitments[i]!;
    if (got.text !== want.text)
      return `commitment ${i}: text ${JSON.stringify(got.text)} ≠ ${JSON.stringify(want.text)}`;
    if (got.policy_area !== want.policy_area) return `commitment ${i}: area ${got.policy_area} ≠ ${want.policy_area}`;
    const gotRatings = Object.fromEntries(Object.entries(got.ratings).map(([d, l]) => [d, label(l)]));
    if (
      JSON.stringify(gotRatings, Object.keys(want.ratings).sort()) !==
        JSON.stringify(want.ratings, Object.keys(want.ratings).sort()) ||
      Object.keys(gotRatings).length !== Object.keys(want.ratings).length
    )
      return `commitment ${i}: ratings ${JSON.stringify(gotRatings)} ≠ ${JSON.stringify(want.ratings)}`;
  }
  return null;
}

/** Exact, or drift: the only two outcomes. */
function exactOrRefused(
  evaluation: Evaluation,
  layout: Layout,
  html: string,
  dropped: Dimension[] = [],
): "exact" | "refused" {
  try {
    const diff = difference(evaluation, layout, html, dropped);
    if (diff) throw new Error(`a wrong reading, not a refusal: ${diff}`);
    return "exact";
  } catch (error) {
    if (error instanceof ExtractionError) return "refused";
    throw error;
  }
}

/** Applies `change` to the rating tables only, after the first of them starts. */
const inRatingTables = (change: (html: string) => string) => (html: string) => {
  const start = html.indexOf('<table class="ratings">');
  return start < 0 ? html : html.slice(0, start) + change(html.slice(start));
};

/** Mutations that make a page unreadable, ambiguous or changed in meaning: refusing is right. */
const hostileMutations: { name: string; apply: (html: string) => string; drops?: Dimension }[] = [
  {
    name: "a cell that is not a rating",
    apply: inRatingTables((html) =>
      html.replace(
        /(<td[^>]*>)((?:<(?!\/td)[^>]+>)*)(Good|Inadequate|Outstanding|Requires[^<]*)/,
        "$1$2Too early to say",
      ),
    ),
  },
  {
    name: "a second, different headline",
    apply: (html) =>
      html.replace("<h2>Summary</h2>", "<h2>Summary</h2><p>Overall rating: Good</p><p>Overall rating: Inadequate</p>"),
  },
  {
    // The page no longer asks about impact: an exact reading has no impact ratings, or refuses.
    name: "a question renamed beyond recognition",
    apply: (html) => html.replace(/>(?:Impact|Impact on patients|Did the commitment have[^<]*)</g, ">Value for money<"),
    drops: "impact",
  },
  {
    name: "the header pushed far down",
    apply: (html) =>
      html.replace(
        /<table class="ratings">/g,
        `<table class="ratings"><tr><td colspan="9">a</td></tr><tr><td colspan="9">b</td></tr><tr><td colspan="9">c</td></tr><tr><td colspan="9">d</td></tr>`,
      ),
  },
  {
    name: "an overall rating stated in prose only",
    apply: (html) =>
      html.replace(
        /<h2>Summary<\/h2>/,
        "<h2>Summary</h2><p>The Panel gave an overall rating of good to workforce.</p>",
      ),
  },
  {
    name: "a transposed rating table",
    apply: (html) =>
      `${html}<table><tr><th>Question</th><th>Rating</th></tr><tr><td>Met</td><td>Good</td></tr><tr><td>Funded</td><td>Inadequate</td></tr><tr><td>Impact</td><td>Good</td></tr></table>`,
  },
];

describe("hsc-expert-panel: exact or refuse, on generated pages", () => {
  it(
    `reads every supported layout exactly (${runs} pages, seed ${seed})`,
    () => {
      fc.assert(
        fc.property(evaluationArbitrary, layoutArbitrary, (evaluation, layout) => {
          const html = renderPage(evaluation, layout);
          const diff = difference(evaluation, layout, html);
          expect(diff, `${diff}\n${JSON.stringify(layout)}\n${html}`).toBeNull();
        }),
        { numRuns: runs, seed },
      );
    },
    timeout,
  );

  it(
    `reads a hostile page exactly or refuses it as drift, never anything else (${runs} pages)`,
    () => {
      const outcomes = { exact: 0, refused: 0 };
      fc.assert(
        fc.property(
          evaluationArbitrary,
          layoutArbitrary,
          fc.subarray(hostileMutations, { minLength: 1, maxLength: 3 }),
          (evaluation, layout, mutations) => {
            const html = mutations.reduce((page, m) => m.apply(page), renderPage(evaluation, layout));
            const dropped = mutations.flatMap((m) => (m.drops ? [m.drops] : []));
            outcomes[exactOrRefused(evaluation, layout, html, dropped)]++;
          },
        ),
        { numRuns: runs, seed },
      );
      // Most hostile pages must be refused: a property that only ever reads would prove nothing.
      expect(outcomes.refused).toBeGreaterThan(runs / 2);
    },
    timeout,
  );

  it(
    "refuses every hostile mutation on its own, on a page it otherwise reads",
    () => {
      fc.assert(
        fc.property(evaluationArbitrary, layoutArbitrary, (evaluation, layout) => {
          const html = renderPage(evaluation, layout);
          expect(exactOrRefused(evaluation, layout, html)).toBe("exact");
          for (const mutation of hostileMutations) {
            const mutated = mutation.apply(html);
            if (mutated === html) continue;
            const dropped = mutation.drops ? [mutation.drops] : [];
            expect(exactOrRefused(evaluation, layout, mutated, dropped), mutation.name).toMatch(/exact|refused/);
          }
        }),
        { numRuns: Math.max(20, Math.floor(runs / 10)), seed },
      );
    },
    timeout,
  );
});
