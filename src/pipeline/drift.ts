// Drift checks that compare an extraction with the last good one. Pure, and shared by a scrape
// (src/pipeline/run.ts, against the record) and a reprocess (src/pipeline/reprocess.ts, against
// the last document it accepted), so that both refuse the same documents.
import { expectCount, ExtractionError } from "../../scrapers/lib/expect.ts";
import type { Extraction, Rule } from "../../scrapers/lib/rule.ts";
import { isRating, mapLabel } from "../../domain/vocabularies.ts";
import { commitmentIds } from "./plan.ts";

/** The extraction's own checks passed; now check it against the rule's counts and the last good run. */
export function checkForDrift(rule: Rule, extraction: Extraction, lastGoodCount: number | null): void {
  const found = extraction.commitments.length;
  expectCount("commitments extracted", found, rule.expect.commitments);
  if (found === 0) throw new ExtractionError("the extraction is empty", "commitments extracted");
  if (lastGoodCount !== null && found < lastGoodCount * (1 - rule.expect.maxDrop)) {
    throw new ExtractionError(
      `commitments dropped from ${lastGoodCount} to ${found}, more than the rule's ${percent(rule.expect.maxDrop)} threshold`,
      "drop threshold",
    );
  }
}

/** One cell of a scorecard: a commitment's rating on a dimension, or (commitment null) the scorecard's own. */
export interface Cell {
  commitment_id: string | null;
  dimension: string;
}

const cellKey = ({ commitment_id, dimension }: Cell) => `${commitment_id ?? ""}\u0000${dimension}`;

const percent = (share: number) => `${Math.round(share * 100)}%`;

/** What an extraction shows in each of its scorecard's cells, as native labels (absent: not shown). */
function labelsOf(rule: Rule, sourceId: string, extraction: Extraction): Map<string, string> {
  const labels = new Map<string, string>();
  const { overall } = extraction.scorecard;
  if (overall !== null && overall !== undefined)
    labels.set(cellKey({ commitment_id: null, dimension: "overall" }), overall);
  const ids = commitmentIds(rule, sourceId, extraction);
  extraction.commitments.forEach((c, position) => {
    for (const [dimension, label] of Object.entries(c.ratings)) {
      labels.set(cellKey({ commitment_id: ids[position]!, dimension }), label);
    }
  });
  return labels;
}

/** The cells an extraction rates: a label whose band is a rating (not blank, not rated, exempt, withheld or unmapped). */
export function ratedCells(rule: Rule, sourceId: string, extraction: Extraction): Cell[] {
  const vocabulary = extraction.scorecard.vocabulary ?? rule.vocabulary;
  const cells: Cell[] = [];
  for (const [key, label] of labelsOf(rule, sourceId, extraction)) {
    if (!isRating(mapLabel(vocabulary, label).band)) continue;
    const [commitment, dimension] = key.split("\u0000") as [string, string];
    cells.push({ commitment_id: commitment === "" ? null : commitment, dimension });
  }
  return cells;
}

/**
 * Ratings that vanish en masse are a layout change, not news. Of the cells the same scorecard's
 * last good run left rated (`lastRated`), count those this extraction shows blank, not at all
 * (the cell or its commitment is gone), as not rated, or with a label no vocabulary knows; more
 * than the rule's `maxDrop` share of them is drift. A rating that became a state the publisher
 * states (exempt, withheld) has not vanished. A few vanishing is news, and is recorded as not rated.
 */
export function checkRatingsKept(rule: Rule, sourceId: string, extraction: Extraction, lastRated: Cell[]): void {
  if (lastRated.length === 0) return;
  const vocabulary = extraction.scorecard.vocabulary ?? rule.vocabulary;
  const labels = labelsOf(rule, sourceId, extraction);
  const vanished = lastRated.filter((cell) => {
    const label = labels.get(cellKey(cell));
    if (label === undefined) return true;
    const { band } = mapLabel(vocabulary, label);
    return band === "not-rated" || band === "unmapped";
  });
  if (vanished.length > lastRated.length * rule.expect.maxDrop) {
    throw new ExtractionError(
      `${vanished.length} of ${lastRated.length} ratings the last good run read are now blank, absent, not rated or unmapped, ` +
        `more than the rule's ${percent(rule.expect.maxDrop)} threshold`,
      "ratings vanished",
    );
  }
}
