// Decides what one extraction adds to the record. Pure: the same extraction over the same
// state plans nothing, which is what makes re-running a source safe. A change event is a
// rating moving from one level of the common scale to another (saying whether its colour band
// moved too), a subject's first rating, or a commitment leaving its publication or coming back;
// a state such as "exempt" is never either side of a move.
import { ExtractionError } from "../../scrapers/lib/expect.ts";
import type { Extraction, Rule } from "../../scrapers/lib/rule.ts";
import { slugify } from "../../domain/text.ts";
import type { LatestRow, MemberRow } from "../db/observations.ts";
import type { MembershipChange, ObservationChange, ObservationWrite, WritePlan } from "../types.ts";
import type { RunCounts } from "../db/runs.ts";
import { type Band, isRating, mapLabel } from "../../domain/vocabularies.ts";

export function scorecardId(rule: Rule, key: string): string {
  return slugify(`${rule.id}-${key}`, 120);
}

/** "--" never occurs in a slug, so scope and key cannot run into each other. */
function commitmentId(scope: string, key: string): string {
  return `${scope}--${slugify(key, 120)}`;
}

/**
 * What planning needs to know of the record: the latest label of every (scorecard,
 * commitment, dimension); the level (band and score) of every subject's last rating, per
 * commitment across its scope, or per scorecard for the scorecard's own rating (states such as
 * "exempt" are not ratings and never set one); and, per scorecard, the commitments it holds and
 * those that left it.
 */
export interface PlanState {
  labels: Map<string, string>;
  ratings: Map<string, { band: string; score: number | null }>;
  members: Map<string, Set<string>>;
  removed: Map<string, Set<string>>;
}

export function emptyPlanState(): PlanState {
  return { labels: new Map(), ratings: new Map(), members: new Map(), removed: new Map() };
}

/** The plan state of what the record holds now. */
export function planStateOf(latest: {
  labels: LatestRow[];
  ratings: LatestRow[];
  members?: MemberRow[];
  removed?: MemberRow[];
}): PlanState {
  const state = emptyPlanState();
  for (const o of latest.labels) state.labels.set(labelKey(o.scorecard_id, o.commitment_id, o.dimension), o.label);
  for (const o of latest.ratings)
    state.ratings.set(ratingKey(o.scorecard_id, o.commitment_id, o.dimension), { band: o.band, score: o.score });
  const group = (rows: MemberRow[] | undefined, into: Map<string, Set<string>>) => {
    for (const { scorecard_id, commitment_id } of rows ?? []) {
      if (!into.has(scorecard_id)) into.set(scorecard_id, new Set());
      into.get(scorecard_id)!.add(commitment_id);
    }
  };
  group(latest.members, state.members);
  group(latest.removed, state.removed);
  return state;
}

/**
 * Advances the plan state past a document that can no longer be read, by what the record kept
 * of it: its observations and membership events. Its commitments are those it observed, plus
 * those it held before and did not remove; one it added without observing any rating cannot be
 * known, so its later removal would go unrecorded (a missing event, never a wrong rating).
 */
export function carryKept(
  state: PlanState,
  scorecard: string,
  observations: {
    commitment_id: string | null;
    dimension: string;
    label: string;
    band: string;
    score: number | null;
  }[],
  membership: { commitment_id: string | null; kind: string }[],
): void {
  for (const o of observations) {
    state.labels.set(labelKey(scorecard, o.commitment_id, o.dimension), o.label);
    if (isRating(o.band as Band))
      state.ratings.set(ratingKey(scorecard, o.commitment_id, o.dimension), { band: o.band, score: o.score });
  }
  const members = new Set(state.members.get(scorecard) ?? []);
  const removed = new Set(state.removed.get(scorecard) ?? []);
  for (const { commitment_id, kind } of membership) {
    if (commitment_id === null) continue;
    if (kind === "removed") (members.delete(commitment_id), removed.add(commitment_id));
    if (kind === "returned") (removed.delete(commitment_id), members.add(commitment_id));
  }
  for (const o of observations)
    if (o.commitment_id !== null && !removed.has(o.commitment_id)) members.add(o.commitment_id);
  state.members.set(scorecard, members);
  state.removed.set(scorecard, removed);
}

/**
 * The change event a new observation makes, given its subject's last rating: none for a state
 * or the same level; a first rating where the subject had none; otherwise a move, which follows
 * the level (the common 0–100 score) and says whether the colour band moved too.
 */
export function changeOf(
  last: { band: string; score: number | null } | undefined,
  rating: { band: Band; score: number | null },
): ObservationChange | null {
  if (!isRating(rating.band)) return null;
  if (last === undefined) return { kind: "first-rating", band_changed: true };
  if (last.score === rating.score && last.band === rating.band) return null;
  return { kind: "moved", band_changed: last.band !== rating.band };
}

const labelKey = (scorecard: string, commitment: string | null, dimension: string) =>
  `${scorecard}\u0000${commitment ?? ""}\u0000${dimension}`;

const ratingKey = (scorecard: string, commitment: string | null, dimension: string) =>
  commitment === null
    ? `scorecard\u0000${scorecard}\u0000${dimension}`
    : `commitment\u0000${commitment}\u0000${dimension}`;

/** The ids of an extraction's commitments; two keys that become one id are drift, never a silent merge. */
export function commitmentIds(rule: Rule, sourceId: string, extraction: Extraction): string[] {
  const scope = commitmentScope(rule, sourceId);
  const keyOf = new Map<string, string>();
  return extraction.commitments.map(({ key }) => {
    const id = commitmentId(scope, key);
    const clash = keyOf.get(id);
    if (clash !== undefined) {
      throw new ExtractionError(
        `commitment keys "${clash}" and "${key}" both become the id "${id}"`,
        "commitment keys",
      );
    }
    keyOf.set(id, key);
    return id;
  });
}

/** What a plan adds, as a run reports it. */
export function countsOf(plan: WritePlan): RunCounts {
  return {
    commitments_seen: plan.commitments.length,
    observations_added: plan.observations.length,
    changes_added: plan.observations.filter((o) => o.change !== null).length + plan.membership.length,
  };
}

/** Whose keys a source's commitment keys are. */
export function commitmentScope(rule: Rule, sourceId: string): string {
  return rule.commitmentScope === "rule" ? rule.id : sourceId;
}

/**
 * Plans one extraction's writes against `state`, and records them in `state`, so that plans
 * made one after another (as a reprocess makes them) build on each other.
 */
export function planWrites(rule: Rule, sourceId: string, extraction: Extraction, state: PlanState): WritePlan {
  const scope = commitmentScope(rule, sourceId);
  const id = scorecardId(rule, extraction.scorecard.key);
  // The scale this publication rates on (a GMPP year may use the five-point one); moves compare
  // bands on the common scale, so a rating on one scale moves from a rating on another.
  const vocabulary = extraction.scorecard.vocabulary ?? rule.vocabulary;
  const observations: ObservationWrite[] = [];

  const observe = (commitment: string | null, dimension: string, native: string, assessedBy: string | null = null) => {
    const rating = mapLabel(vocabulary, native);
    const label = labelKey(id, commitment, dimension);
    // Same label as this scorecard already holds: nothing new was observed.
    if (state.labels.get(label) === rating.label) return;
    state.labels.set(label, rating.label);
    const subject = ratingKey(id, commitment, dimension);
    const change = changeOf(state.ratings.get(subject), rating);
    if (isRating(rating.band)) state.ratings.set(subject, { band: rating.band, score: rating.score });
    observations.push({ commitment_id: commitment, dimension, rating, assessed_by: assessedBy, change });
  };

  // A rating the page no longer shows is observed as blank (not rated); one it never showed stays absent.
  const observeOrClear = (
    commitment: string | null,
    dimension: string,
    native: string | null | undefined,
    assessedBy: string | null = null,
  ) => {
    if (native !== null && native !== undefined) return observe(commitment, dimension, native, assessedBy);
    const previous = state.labels.get(labelKey(id, commitment, dimension));
    if (previous !== undefined && mapLabel(vocabulary, previous).band !== "not-rated")
      observe(commitment, dimension, "");
  };

  const { scorecard } = extraction;
  observeOrClear(null, "overall", scorecard.overall);

  const ids = commitmentIds(rule, sourceId, extraction);
  const commitments = extraction.commitments.map((c, position) => {
    const cid = ids[position]!;
    for (const dimension of rule.dimensions)
      observeOrClear(cid, dimension.key, c.ratings[dimension.key], c.assessed_by?.[dimension.key] ?? null);
    if (c.effective_on) for (const o of observations) if (o.commitment_id === cid) o.effective_on = c.effective_on;
    const { key, text, policy_area, target_date, source_url } = c;
    return { id: cid, scope, key, text, policy_area, target_date, source_url, position, details: c.details ?? null };
  });

  // Commitments that left the publication since it was last applied, and ones that came back.
  const before = state.members.get(id) ?? new Set<string>();
  const removed = state.removed.get(id) ?? new Set<string>();
  const now = new Set(ids);
  const membership: MembershipChange[] = [];
  for (const cid of before) {
    if (now.has(cid)) continue;
    membership.push({ commitment_id: cid, kind: "removed" });
    removed.add(cid);
  }
  for (const cid of ids) {
    if (!removed.delete(cid)) continue;
    membership.push({ commitment_id: cid, kind: "returned" });
  }
  state.members.set(id, now);
  state.removed.set(id, removed);

  return {
    scorecard: {
      id,
      source_id: sourceId,
      key: scorecard.key,
      title: scorecard.title,
      publisher: scorecard.publisher,
      published_on: scorecard.published_on,
      period: scorecard.period ?? null,
      url: scorecard.url,
      vocabulary,
    },
    commitments,
    observations,
    membership,
  };
}
