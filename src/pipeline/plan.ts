// Decides what one extraction adds to the record. Pure: the same extraction over the same
// state plans nothing, which is what makes re-running a source safe. A change event is a
// rating moving from one band to another; a state such as "exempt" never counts as a move.
import type { Extraction, Rule } from "../../scrapers/lib/rule.ts";
import { slugify } from "../../scrapers/lib/text.ts";
import type { LatestObservation, ObservationWrite, WritePlan } from "../db/ratings.ts";
import { isRating, mapLabel, type Rating } from "../vocabularies.ts";

export function scorecardId(rule: Rule, key: string): string {
  return slugify(`${rule.id}-${key}`, 120);
}

export function commitmentId(scope: string, key: string): string {
  return slugify(`${scope}-${key}`, 160);
}

const subject = (commitmentId: string | null, dimension: string) => `${commitmentId ?? ""}\u0000${dimension}`;

/** A rating moved if it is a rating and its band differs from the last rating. States never move. */
function moved(lastRating: LatestObservation, next: Rating): boolean {
  return isRating(next.band) && lastRating.band !== next.band;
}

/** Whose keys a source's commitment keys are. */
export function commitmentScope(rule: Rule, sourceId: string): string {
  return rule.commitmentScope === "rule" ? rule.id : sourceId;
}

export function planWrites(
  rule: Rule,
  sourceId: string,
  extraction: Extraction,
  state: { inScorecard: LatestObservation[]; lastRatings: LatestObservation[] },
): WritePlan {
  const scope = commitmentScope(rule, sourceId);
  const id = scorecardId(rule, extraction.scorecard.key);
  const inScorecard = new Map(state.inScorecard.map((o) => [subject(o.commitment_id, o.dimension), o]));
  const lastRatings = new Map(state.lastRatings.map((o) => [subject(o.commitment_id, o.dimension), o]));
  const observations: ObservationWrite[] = [];

  const observe = (commitment: string | null, dimension: string, native: string) => {
    const key = subject(commitment, dimension);
    const rating = mapLabel(rule.vocabulary, native);
    // Same label as this scorecard already holds: nothing new was observed.
    if (inScorecard.get(key)?.label === rating.label) return;
    const previous = lastRatings.get(key);
    observations.push({
      commitment_id: commitment,
      dimension,
      rating,
      changedFrom: previous && moved(previous, rating) ? previous : null,
    });
  };

  const { scorecard } = extraction;
  if (scorecard.overall !== null) observe(null, "overall", scorecard.overall);

  const commitments = extraction.commitments.map((c, position) => {
    const cid = commitmentId(scope, c.key);
    for (const dimension of rule.dimensions) {
      const label = c.ratings[dimension.key];
      if (label !== undefined) observe(cid, dimension.key, label);
    }
    const { key, text, policy_area, target_date, source_url } = c;
    return { id: cid, scope, key, text, policy_area, target_date, source_url, position };
  });

  return {
    scorecard: {
      id,
      source_id: sourceId,
      key: scorecard.key,
      title: scorecard.title,
      publisher: scorecard.publisher,
      published_on: scorecard.published_on,
      url: scorecard.url,
      vocabulary: rule.vocabulary,
    },
    commitments,
    observations,
  };
}
