// What the embeddable widgets show: a scorecard or a commitment, now or frozen at a date
// (`as_of`), with when its source was last checked. Read-only.
//
// A rating "as of" a day is the latest observation effective on or before that day (the
// publisher's own date, `observations.effective_on`); without `as_of` it is the latest
// observation, as the API serves it.
import { effectiveOn } from "../../domain/effective.ts";
import { type CommitmentView, detailsOf, ratingOf, type RatingView, sampleOf } from "./scorecards.ts";
import { overridesInForceOn, withOverride, type OverrideRow } from "./overrides.ts";

export interface EmbedRating extends RatingView {
  /** The day the rating took effect, as the publisher dates it (YYYY-MM-DD). */
  effective_on: string;
}

export interface SourceCheck {
  /** The last run that read the source (ok or unchanged), if any. */
  last_success_at: string | null;
  last_run_at: string | null;
  consecutive_failures: number;
}

export interface EmbedScorecard {
  id: string;
  rule_id: string;
  title: string;
  publisher: string;
  published_on: string | null;
  period: string | null;
  url: string;
  vocabulary: string;
  sample: boolean;
  overall: EmbedRating | null;
  check: SourceCheck;
  commitments: (CommitmentView & { ratings: Record<string, EmbedRating>; details?: Record<string, string | null> })[];
}

/** The effective day of an observation, for rows recorded before effective_on existed. */
const EFFECTIVE = "coalesce(x.effective_on, substr(x.observed_at, 1, 10))";

interface ScorecardRow extends Omit<EmbedScorecard, "sample" | "overall" | "check" | "commitments">, SourceCheck {
  sample: number;
  first_seen_at: string;
}

interface RatingRow extends Omit<EmbedRating, "assessed_by"> {
  commitment_id: string | null;
  dimension: string;
  assessed_by?: string | null;
}

/**
 * One scorecard with each commitment's rating on every dimension, as of `asOf` (YYYY-MM-DD) or
 * now. Null when there is no such scorecard, or it had no rating yet on `asOf`.
 */
export async function getScorecardForEmbed(
  db: D1Database,
  id: string,
  asOf: string | null,
): Promise<EmbedScorecard | null> {
  const [scorecard, ratings, members, overrides] = await db.batch([
    db
      .prepare(
        `SELECT s.id, src.rule_id, s.title, s.publisher, s.published_on, s.period, s.url, s.vocabulary,
                ${sampleOf("s")} AS sample,
                s.first_seen_at, src.last_success_at, src.last_run_at, src.consecutive_failures
         FROM scorecards s JOIN sources src ON src.id = s.source_id WHERE s.id = ?1`,
      )
      .bind(id),
    // The latest observation of every (commitment, dimension) the scorecard ever rated, on or before asOf.
    db
      .prepare(
        `SELECT o.commitment_id, o.dimension, o.label, o.band, o.score, o.vocabulary, o.observed_at, o.assessed_by,
                coalesce(o.effective_on, substr(o.observed_at, 1, 10)) AS effective_on
         FROM observations o WHERE o.id IN (
           SELECT (SELECT x.id FROM observations x
                   WHERE x.scorecard_id = ?1 AND x.commitment_id IS k.commitment_id AND x.dimension = k.dimension
                     AND (?2 IS NULL OR ${EFFECTIVE} <= ?2)
                   ORDER BY CASE WHEN ?2 IS NULL THEN '' ELSE ${EFFECTIVE} END DESC, x.id DESC LIMIT 1)
           FROM (SELECT DISTINCT commitment_id, dimension FROM observations WHERE scorecard_id = ?1) k)`,
      )
      .bind(id, asOf),
    // Now: the commitments the scorecard holds. As of a day: those it had rated by then, and
    // those it holds and has never rated; less those it had removed by then. In the
    // publication's order where it still holds them.
    db
      .prepare(
        `SELECT c.id, c.key, c.text, c.policy_area, c.target_date, c.source_url, m.details
         FROM commitments c LEFT JOIN scorecard_commitments m ON m.scorecard_id = ?1 AND m.commitment_id = c.id
         WHERE CASE WHEN ?2 IS NULL THEN m.commitment_id IS NOT NULL ELSE
           (c.id IN (SELECT x.commitment_id FROM observations x WHERE x.scorecard_id = ?1 AND ${EFFECTIVE} <= ?2)
            OR (m.commitment_id IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM observations x WHERE x.scorecard_id = ?1 AND x.commitment_id = c.id)))
           AND coalesce((SELECT ch.kind FROM changes ch
                         WHERE ch.scorecard_id = ?1 AND ch.commitment_id = c.id AND ch.kind IN ('removed', 'returned')
                           AND coalesce(ch.effective_on, substr(ch.changed_at, 1, 10)) <= ?2
                         ORDER BY coalesce(ch.effective_on, substr(ch.changed_at, 1, 10)) DESC, ch.id DESC LIMIT 1),
                        'returned') <> 'removed'
         END
         ORDER BY coalesce(m.position, 1000000000), c.id`,
      )
      .bind(id, asOf),
    // Editors' corrections in force (as of a day: made by then and not yet reverted).
    overridesInForceOn(db, { scorecard: id }, asOf),
  ]);
  const overrideOf = new Map(
    (overrides!.results as OverrideRow[]).map((o) => [`${o.commitment_id} ${o.dimension}`, o]),
  );
  const row = scorecard!.results[0] as ScorecardRow | undefined;
  if (!row) return null;
  const rows = ratings!.results as RatingRow[];
  // A scorecard takes effect at its period's end, else its publication, else when first seen.
  const { first_seen_at, ...described } = row;
  if (asOf !== null && effectiveOn({ ...described, observed_at: first_seen_at }) > asOf) return null;
  const byCommitment = new Map<string, Record<string, EmbedRating>>();
  let overall: EmbedRating | null = null;
  for (const { commitment_id, dimension, ...rating } of rows) {
    const view = ratingOf(rating) as EmbedRating;
    if (commitment_id === null) {
      if (dimension === "overall") overall = view;
      continue;
    }
    const current = byCommitment.get(commitment_id) ?? {};
    current[dimension] = withOverride(view, overrideOf.get(`${commitment_id} ${dimension}`));
    byCommitment.set(commitment_id, current);
  }
  const { last_success_at, last_run_at, consecutive_failures, sample, ...rest } = described;
  return {
    ...rest,
    sample: sample === 1,
    overall,
    check: { last_success_at, last_run_at, consecutive_failures },
    commitments: (members!.results as (CommitmentView & { details: string | null })[]).map(({ details, ...c }) => ({
      ...c,
      ratings: byCommitment.get(c.id) ?? {},
      ...detailsOf(details),
    })),
  };
}

export interface EmbedCommitment extends CommitmentView {
  /** The rule whose dimensions its ratings are on. */
  rule_id: string;
  scorecards: {
    id: string;
    title: string;
    publisher: string;
    published_on: string | null;
    period: string | null;
    url: string;
    sample: boolean;
  }[];
  /** Every rating, oldest first by effective day, on or before `as_of` where one is given. */
  history: (EmbedRating & { dimension: string; scorecard_id: string })[];
  /** The latest rating on each dimension, across its scorecards. */
  current: Record<string, EmbedRating & { scorecard_id: string }>;
  check: SourceCheck;
}

/** One commitment with its rating history, as of `asOf` (YYYY-MM-DD) or now; null if unknown. */
export async function getCommitmentForEmbed(
  db: D1Database,
  id: string,
  asOf: string | null,
): Promise<EmbedCommitment | null> {
  const [commitment, scorecards, history, overrides] = await db.batch([
    db.prepare("SELECT id, key, text, policy_area, target_date, source_url FROM commitments WHERE id = ?1").bind(id),
    db
      .prepare(
        `SELECT s.id, s.title, s.publisher, s.published_on, s.period, s.url, ${sampleOf("s")} AS sample,
                src.rule_id, src.last_success_at, src.last_run_at, src.consecutive_failures
         FROM scorecards s JOIN sources src ON src.id = s.source_id
         WHERE s.id IN (SELECT scorecard_id FROM scorecard_commitments WHERE commitment_id = ?1
                        UNION SELECT scorecard_id FROM observations WHERE commitment_id = ?1)
         ORDER BY coalesce(s.published_on, s.period), s.id`,
      )
      .bind(id),
    db
      .prepare(
        `SELECT x.scorecard_id, x.dimension, x.label, x.band, x.score, x.vocabulary, x.observed_at, x.assessed_by,
                ${EFFECTIVE} AS effective_on
         FROM observations x WHERE x.commitment_id = ?1 AND (?2 IS NULL OR ${EFFECTIVE} <= ?2)
         ORDER BY ${EFFECTIVE}, x.id`,
      )
      .bind(id, asOf),
    overridesInForceOn(db, { commitment: id }, asOf),
  ]);
  const overrideOf = new Map((overrides!.results as OverrideRow[]).map((o) => [`${o.scorecard_id} ${o.dimension}`, o]));
  const row = commitment!.results[0] as CommitmentView | undefined;
  if (!row) return null;
  type Linked = Omit<EmbedCommitment["scorecards"][number], "sample"> &
    SourceCheck & { sample: number; rule_id: string };
  const linked = scorecards!.results as Linked[];
  const events = (history!.results as (RatingRow & { scorecard_id: string })[]).map(
    ({ commitment_id: _, ...rating }) => ratingOf(rating) as EmbedRating & { dimension: string; scorecard_id: string },
  );
  const current: EmbedCommitment["current"] = {};
  // The current status is the override's where an editor corrected it; the timeline stays as scraped.
  for (const { dimension, ...rating } of events)
    current[dimension] = withOverride(rating, overrideOf.get(`${rating.scorecard_id} ${dimension}`));
  const checks = linked.map((s) => s.last_success_at).filter((t): t is string => t !== null);
  return {
    ...row,
    rule_id: linked[0]?.rule_id ?? "",
    scorecards: linked.map(({ last_success_at: _a, last_run_at: _b, consecutive_failures: _c, rule_id: _d, ...s }) => ({
      ...s,
      sample: s.sample === 1,
    })),
    history: events,
    current,
    check: {
      last_success_at: checks.sort().at(-1) ?? null,
      last_run_at:
        linked
          .map((s) => s.last_run_at)
          .filter((t): t is string => t !== null)
          .sort()
          .at(-1) ?? null,
      consecutive_failures: Math.max(0, ...linked.map((s) => s.consecutive_failures)),
    },
  };
}
