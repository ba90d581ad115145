// Scorecards with their commitments and current ratings, as the API serves them.
import { overridesInForceOn, withOverride, type OverrideRow, type OverrideView } from "./overrides.ts";

export interface RatingView {
  label: string;
  band: string;
  score: number | null;
  vocabulary: string;
  observed_at: string;
  /** Who gave the rating, where the publication says (a GMPP project's `dca`: "ipa" or "sro"); absent otherwise. */
  assessed_by?: string;
  /** An editor's correction in force: the label, band and score above are its own; `scraped` is what the publication says. */
  override?: OverrideView;
  scraped?: RatingView;
}

/** A rating row as stored: `assessed_by` is served only where the publication named an assessor. */
export function ratingOf<T extends { assessed_by?: string | null }>({ assessed_by, ...rest }: T) {
  return assessed_by == null ? rest : { ...rest, assessed_by };
}

/** What a scorecard says of a commitment beside its ratings (stored as JSON), where it says anything. */
export function detailsOf(details: string | null): { details?: Record<string, string | null> } {
  return details === null ? {} : { details: JSON.parse(details) as Record<string, string | null> };
}

export interface ScorecardSummary {
  id: string;
  source_id: string;
  rule_id: string;
  title: string;
  publisher: string;
  published_on: string | null;
  /** The period it rates, where its rule reads one (e.g. "2024-25"). */
  period: string | null;
  url: string;
  vocabulary: string;
  overall: RatingView | null;
  commitment_count: number;
  last_seen_at: string;
  /**
   * Built from a reconstructed sample: the document its current data was last applied from, or
   * one its rule followed to reach it, is marked `sample: true` in the seeds.
   */
  sample: boolean;
}

/**
 * Whether the document a scorecard's current data was applied from (`<alias>.snapshot_id`), or
 * a document fetched before it in the same run (the steps that led to it), is a sample: 0 or 1.
 */
export const sampleOf = (alias: string) => `coalesce((
    SELECT max(q.sample) FROM snapshots p JOIN snapshots q ON q.id = p.id OR (q.run_id = p.run_id AND q.id < p.id)
    WHERE p.id = ${alias}.snapshot_id), 0)`;

interface ScorecardRow extends Omit<ScorecardSummary, "overall" | "sample"> {
  sample: number;
  overall_label: string | null;
  overall_band: string | null;
  overall_score: number | null;
  overall_vocabulary: string | null;
  overall_observed_at: string | null;
}

const SCORECARD_SELECT = `
  SELECT s.id, s.source_id, src.rule_id, s.title, s.publisher, s.published_on, s.period, s.url, s.vocabulary, s.last_seen_at,
         (SELECT count(*) FROM scorecard_commitments m WHERE m.scorecard_id = s.id) AS commitment_count,
         ${sampleOf("s")} AS sample,
         o.label AS overall_label, o.band AS overall_band, o.score AS overall_score,
         o.vocabulary AS overall_vocabulary, o.observed_at AS overall_observed_at
  FROM scorecards s
  JOIN sources src ON src.id = s.source_id
  LEFT JOIN observations o ON o.id = (
    SELECT max(id) FROM observations WHERE scorecard_id = s.id AND commitment_id IS NULL AND dimension = 'overall')`;

function toSummary(row: ScorecardRow): ScorecardSummary {
  const { overall_label, overall_band, overall_score, overall_vocabulary, overall_observed_at, sample, ...rest } = row;
  const overall =
    overall_label === null
      ? null
      : {
          label: overall_label,
          band: overall_band!,
          score: overall_score,
          vocabulary: overall_vocabulary!,
          observed_at: overall_observed_at!,
        };
  return { ...rest, overall, sample: sample === 1 };
}

/** Scorecards, newest first (by publication date, else the period they rate); only those of `rule`, if given. */
export async function listScorecards(
  db: D1Database,
  page: { limit: number; offset: number; rule?: string | undefined },
): Promise<{ scorecards: ScorecardSummary[]; total: number }> {
  const rule = page.rule ?? null;
  const [rows, count] = await db.batch([
    db
      .prepare(
        `${SCORECARD_SELECT} WHERE ?1 IS NULL OR src.rule_id = ?1 ORDER BY coalesce(s.published_on, s.period) DESC, s.id LIMIT ?2 OFFSET ?3`,
      )
      .bind(rule, page.limit, page.offset),
    db
      .prepare(
        "SELECT count(*) AS total FROM scorecards s JOIN sources src ON src.id = s.source_id WHERE ?1 IS NULL OR src.rule_id = ?1",
      )
      .bind(rule),
  ]);
  return {
    scorecards: (rows!.results as ScorecardRow[]).map(toSummary),
    total: (count!.results[0] as { total: number }).total,
  };
}

export interface CommitmentView {
  id: string;
  key: string;
  text: string;
  policy_area: string | null;
  target_date: string | null;
  /** Where in the publication it was read, when finer than the page. */
  source_url: string | null;
}

export interface ScorecardDetail extends ScorecardSummary {
  /** `details`: what this scorecard says of the commitment beside its ratings, verbatim, where it says anything. */
  commitments: (CommitmentView & { ratings: Record<string, RatingView>; details?: Record<string, string | null> })[];
}

interface RatingRow extends RatingView {
  commitment_id: string;
  dimension: string;
}

export async function getScorecard(db: D1Database, id: string): Promise<ScorecardDetail | null> {
  const [scorecard, commitments, ratings, overrides] = await db.batch([
    db.prepare(`${SCORECARD_SELECT} WHERE s.id = ?`).bind(id),
    db
      .prepare(
        `SELECT c.id, c.key, c.text, c.policy_area, c.target_date, c.source_url, m.details FROM scorecard_commitments m
         JOIN commitments c ON c.id = m.commitment_id WHERE m.scorecard_id = ? ORDER BY m.position`,
      )
      .bind(id),
    db
      .prepare(
        `SELECT commitment_id, dimension, label, band, score, vocabulary, observed_at, assessed_by FROM observations WHERE id IN (
           SELECT max(id) FROM observations WHERE scorecard_id = ?1 AND commitment_id IS NOT NULL GROUP BY commitment_id, dimension)`,
      )
      .bind(id),
    overridesInForceOn(db, { scorecard: id }, null),
  ]);
  const row = scorecard!.results[0] as ScorecardRow | undefined;
  if (!row) return null;
  const overrideOf = new Map(
    (overrides!.results as OverrideRow[]).map((o) => [`${o.commitment_id} ${o.dimension}`, o]),
  );
  const byCommitment = new Map<string, Record<string, RatingView>>();
  for (const { commitment_id, dimension, ...rating } of ratings!.results as RatingRow[]) {
    const current = byCommitment.get(commitment_id) ?? {};
    current[dimension] = withOverride(ratingOf(rating), overrideOf.get(`${commitment_id} ${dimension}`));
    byCommitment.set(commitment_id, current);
  }
  return {
    ...toSummary(row),
    commitments: (commitments!.results as (CommitmentView & { details: string | null })[]).map(({ details, ...c }) => ({
      ...c,
      ratings: byCommitment.get(c.id) ?? {},
      ...detailsOf(details),
    })),
  };
}
