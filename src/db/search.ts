// Commitments as journalists query them: every commitment matching a question, with its ratings
// as they stood on a date (`as_of` follows effective_on), found by full-text search (FTS5,
// migration 0006) and filtered by where it was published and how it is rated.
import { effectiveOn } from "../../domain/effective.ts";
import { overridesInForceOn, withOverride, type OverrideRow } from "./overrides.ts";
import { ratingOf, type RatingView } from "./scorecards.ts";

/** An observation's effective date; rows written before migration 0005 have it backfilled, this guards the rest. */
export const EFFECTIVE = (alias: string) => `coalesce(${alias}.effective_on, substr(${alias}.observed_at, 1, 10))`;

export interface CommitmentFilters {
  scorecard?: string | undefined;
  source?: string | undefined;
  rule?: string | undefined;
  policy_area?: string | undefined;
  key?: string | undefined;
  dimension?: string | undefined;
  /** Bands, any of which matches (on `dimension`, or on any dimension). */
  band?: string[] | undefined;
  vocabulary?: string | undefined;
  /** An FTS5 expression built by `ftsQuery`. */
  q?: string | undefined;
  /** Only commitments with an observation or change event observed at or after this instant. */
  updated_since?: string | undefined;
  /** Only commitments with a target date (the deadline filter needs one). */
  has_target_date?: boolean;
  /** YYYY-MM-DD: the state as it stood on that day; undefined for now. */
  as_of?: string | undefined;
}

/** One match: what ordering, pagination and the deadline filter need before the page is read. */
export interface CommitmentMatch {
  id: string;
  /** bm25 relevance when searching (lower is better); null otherwise. */
  rank: number | null;
  target_date: string | null;
  rule_id: string | null;
}

/**
 * Which rule's scorecards hold a commitment, and the scorecards that had taken effect by `as_of`
 * (a scorecard takes effect on its period's end, else its publication, else when first seen).
 */
export async function scorecardsInEffect(db: D1Database, asOf: string | undefined): Promise<string[]> {
  const { results } = await db
    .prepare("SELECT id, published_on, period, first_seen_at FROM scorecards")
    .all<{ id: string; published_on: string | null; period: string | null; first_seen_at: string }>();
  return results
    .filter((s) => asOf === undefined || effectiveOn({ ...s, observed_at: s.first_seen_at }) <= asOf)
    .map((s) => s.id);
}

/**
 * Every commitment matching the filters, in no particular order, with what sorting and the
 * deadline filter need. All matches are returned (ids and a few columns), so that deadline
 * statuses, computed by the pure functions of domain/deadlines.ts, can filter before paging:
 * the record holds thousands of commitments, not millions.
 */
export async function matchCommitments(db: D1Database, f: CommitmentFilters): Promise<CommitmentMatch[]> {
  const inEffect = await scorecardsInEffect(db, f.as_of);
  const asOf = f.as_of ?? null;
  const { results } = await db
    .prepare(
      `WITH members AS (
         SELECT m.scorecard_id, m.commitment_id FROM scorecard_commitments m
         WHERE m.scorecard_id IN (SELECT value FROM json_each(?1))
         UNION
         SELECT o.scorecard_id, o.commitment_id FROM observations o
         WHERE o.commitment_id IS NOT NULL AND (?2 IS NULL OR ${EFFECTIVE("o")} <= ?2)
       ),
       current AS (
         SELECT commitment_id, dimension, band, vocabulary FROM (
           SELECT o.commitment_id, o.dimension, o.band, o.vocabulary,
                  row_number() OVER (PARTITION BY o.commitment_id, o.dimension ORDER BY ${EFFECTIVE("o")} DESC, o.id DESC) AS n
           FROM observations o WHERE o.commitment_id IS NOT NULL AND (?2 IS NULL OR ${EFFECTIVE("o")} <= ?2)
             AND (?9 IS NOT NULL OR ?10 IS NOT NULL OR ?11 IS NOT NULL))
         WHERE n = 1
       ),
       found AS (
         SELECT c.rowid AS row, bm25(commitments_fts, 10.0, 4.0, 2.0) AS rank
         FROM commitments_fts JOIN commitments c ON c.rowid = commitments_fts.rowid
         WHERE ?12 IS NOT NULL AND commitments_fts MATCH ?12
       )
       SELECT c.id, c.target_date, f.rank,
              (SELECT min(src.rule_id) FROM members m JOIN scorecards s ON s.id = m.scorecard_id
                 JOIN sources src ON src.id = s.source_id WHERE m.commitment_id = c.id) AS rule_id
       FROM commitments c LEFT JOIN found f ON f.row = c.rowid
       WHERE c.id IN (SELECT commitment_id FROM members)
         AND (?12 IS NULL OR f.row IS NOT NULL)
         AND (?3 IS NULL OR c.id IN (SELECT commitment_id FROM members WHERE scorecard_id = ?3))
         AND (?4 IS NULL OR c.id IN (SELECT m.commitment_id FROM members m JOIN scorecards s ON s.id = m.scorecard_id
                                     WHERE s.source_id = ?4))
         AND (?5 IS NULL OR c.id IN (SELECT m.commitment_id FROM members m JOIN scorecards s ON s.id = m.scorecard_id
                                     JOIN sources src ON src.id = s.source_id WHERE src.rule_id = ?5))
         AND (?6 IS NULL OR c.policy_area = ?6 COLLATE NOCASE)
         AND (?7 IS NULL OR c.key = ?7)
         AND (?8 = 0 OR c.target_date IS NOT NULL)
         AND (?9 IS NULL OR c.id IN (SELECT commitment_id FROM current WHERE dimension = ?9
                                     AND (?10 IS NULL OR band IN (SELECT value FROM json_each(?10)))))
         AND (?10 IS NULL OR ?9 IS NOT NULL
              OR c.id IN (SELECT commitment_id FROM current WHERE band IN (SELECT value FROM json_each(?10))))
         AND (?11 IS NULL OR c.id IN (SELECT commitment_id FROM current WHERE vocabulary = ?11))
         AND (?13 IS NULL OR c.id IN (SELECT commitment_id FROM observations WHERE observed_at >= ?13)
              OR c.id IN (SELECT commitment_id FROM changes WHERE changed_at >= ?13))`,
    )
    .bind(
      JSON.stringify(inEffect),
      asOf,
      f.scorecard ?? null,
      f.source ?? null,
      f.rule ?? null,
      f.policy_area ?? null,
      f.key ?? null,
      f.has_target_date ? 1 : 0,
      f.dimension ?? null,
      f.band ? JSON.stringify(f.band) : null,
      f.vocabulary ?? null,
      f.q ?? null,
      f.updated_since ?? null,
    )
    .all<CommitmentMatch>();
  return results;
}

/** The latest score on one dimension of each commitment, as of a date: what deadlines are judged by. */
export async function scoresOn(
  db: D1Database,
  pairs: { commitment_id: string; dimension: string }[],
  asOf: string | undefined,
): Promise<Map<string, number | null>> {
  if (pairs.length === 0) return new Map();
  const { results } = await db
    .prepare(
      `SELECT commitment_id, score FROM (
         SELECT o.commitment_id, o.score,
                row_number() OVER (PARTITION BY o.commitment_id ORDER BY ${EFFECTIVE("o")} DESC, o.id DESC) AS n
         FROM observations o JOIN json_each(?1) j
           ON o.commitment_id = j.value ->> 'commitment_id' AND o.dimension = j.value ->> 'dimension'
         WHERE ?2 IS NULL OR ${EFFECTIVE("o")} <= ?2)
       WHERE n = 1`,
    )
    .bind(JSON.stringify(pairs), asOf ?? null)
    .all<{ commitment_id: string; score: number | null }>();
  return new Map(results.map((r) => [r.commitment_id, r.score]));
}

export interface RatingAsOf extends RatingView {
  effective_on: string;
}

export interface CommitmentListItem {
  id: string;
  key: string;
  text: string;
  policy_area: string | null;
  target_date: string | null;
  /** Where it was read: its section of the publication, else the publication. */
  url: string | null;
  first_seen_at: string;
  last_seen_at: string;
  scorecards: { id: string; title: string; url: string }[];
  ratings: Record<string, RatingAsOf>;
}

/** The page's commitments, in the order of `ids`, with their ratings and scorecards as of a date. */
export async function readCommitments(
  db: D1Database,
  ids: string[],
  asOf: string | undefined,
): Promise<CommitmentListItem[]> {
  if (ids.length === 0) return [];
  const list = JSON.stringify(ids);
  const inEffect = JSON.stringify(await scorecardsInEffect(db, asOf));
  const [commitments, ratings, scorecards, overrides] = await db.batch([
    db
      .prepare(
        `SELECT id, key, text, policy_area, target_date, source_url, first_seen_at, last_seen_at FROM commitments
         WHERE id IN (SELECT value FROM json_each(?1))`,
      )
      .bind(list),
    db
      .prepare(
        `SELECT commitment_id, scorecard_id, dimension, label, band, score, vocabulary, observed_at, assessed_by,
                effective AS effective_on FROM (
           SELECT o.commitment_id, o.scorecard_id, o.dimension, o.label, o.band, o.score, o.vocabulary, o.observed_at,
                  o.assessed_by,
                  ${EFFECTIVE("o")} AS effective,
                  row_number() OVER (PARTITION BY o.commitment_id, o.dimension ORDER BY ${EFFECTIVE("o")} DESC, o.id DESC) AS n
           FROM observations o WHERE o.commitment_id IN (SELECT value FROM json_each(?1))
             AND (?2 IS NULL OR ${EFFECTIVE("o")} <= ?2))
         WHERE n = 1 ORDER BY commitment_id, dimension`,
      )
      .bind(list, asOf ?? null),
    db
      .prepare(
        `SELECT DISTINCT m.commitment_id, s.id, s.title, s.url, coalesce(s.period, s.published_on, s.first_seen_at) AS sort
         FROM (SELECT scorecard_id, commitment_id FROM scorecard_commitments WHERE scorecard_id IN (SELECT value FROM json_each(?3))
               UNION SELECT scorecard_id, commitment_id FROM observations WHERE ?2 IS NULL OR ${EFFECTIVE("observations")} <= ?2) m
         JOIN scorecards s ON s.id = m.scorecard_id
         WHERE m.commitment_id IN (SELECT value FROM json_each(?1)) ORDER BY sort, s.id`,
      )
      .bind(list, asOf ?? null, inEffect),
    // Editors' corrections in force (then, with as_of: made by that day and not yet reverted).
    overridesInForceOn(db, { commitments: ids }, asOf ?? null),
  ]);
  type Row = Omit<CommitmentListItem, "url" | "scorecards" | "ratings"> & { source_url: string | null };
  type RatingRow = RatingAsOf & {
    commitment_id: string;
    scorecard_id: string;
    dimension: string;
    assessed_by: string | null;
  };
  const overrideOf = new Map(
    (overrides!.results as OverrideRow[]).map((o) => [`${o.scorecard_id} ${o.commitment_id} ${o.dimension}`, o]),
  );
  type ScorecardRow = { commitment_id: string; id: string; title: string; url: string };
  const byId = new Map((commitments!.results as Row[]).map((row) => [row.id, row]));
  const ratingsOf = new Map<string, Record<string, RatingAsOf>>();
  for (const { commitment_id, scorecard_id, dimension, ...rating } of ratings!.results as RatingRow[]) {
    const current = ratingsOf.get(commitment_id) ?? {};
    // The current rating is the override's where an editor corrected the one served; the scraped one stays beside it.
    current[dimension] = withOverride(
      ratingOf(rating),
      overrideOf.get(`${scorecard_id} ${commitment_id} ${dimension}`),
    );
    ratingsOf.set(commitment_id, current);
  }
  const scorecardsOf = new Map<string, { id: string; title: string; url: string }[]>();
  for (const { commitment_id, id, title, url } of scorecards!.results as ScorecardRow[]) {
    const list = scorecardsOf.get(commitment_id) ?? [];
    list.push({ id, title, url });
    scorecardsOf.set(commitment_id, list);
  }
  return ids.flatMap((id) => {
    const row = byId.get(id);
    if (!row) return [];
    const { source_url, ...rest } = row;
    const scorecards = scorecardsOf.get(id) ?? [];
    return [
      {
        ...rest,
        url: source_url ?? scorecards.at(-1)?.url ?? null,
        scorecards,
        ratings: ratingsOf.get(id) ?? {},
      },
    ];
  });
}

/** Turns a reader's words into an FTS5 query: every word must appear (a trailing * matches a prefix). */
export function ftsQuery(q: string): string | null {
  const terms = q
    .split(/\s+/)
    .map((word) => {
      const prefix = word.endsWith("*");
      const bare = word.replace(/\*+$/, "").replace(/"/g, '""');
      return bare.replace(/[\p{P}\p{S}]/gu, "") === "" ? null : `"${bare}"${prefix ? "*" : ""}`;
    })
    .filter((t): t is string => t !== null);
  return terms.length === 0 ? null : terms.join(" ");
}

/**
 * A scorecard's ratings as they stood on a date: the latest observation effective by then of
 * each (commitment, dimension), and of its own rating (commitment_id null).
 */
export async function scorecardRatingsOn(
  db: D1Database,
  scorecardId: string,
  asOf: string,
): Promise<(RatingAsOf & { commitment_id: string | null; dimension: string })[]> {
  const { results } = await db
    .prepare(
      `SELECT commitment_id, dimension, label, band, score, vocabulary, observed_at, assessed_by, effective AS effective_on FROM (
         SELECT o.commitment_id, o.dimension, o.label, o.band, o.score, o.vocabulary, o.observed_at, o.assessed_by,
                ${EFFECTIVE("o")} AS effective,
                row_number() OVER (PARTITION BY o.commitment_id, o.dimension ORDER BY ${EFFECTIVE("o")} DESC, o.id DESC) AS n
         FROM observations o WHERE o.scorecard_id = ?1 AND ${EFFECTIVE("o")} <= ?2)
       WHERE n = 1`,
    )
    .bind(scorecardId, asOf)
    .all<RatingAsOf & { commitment_id: string | null; dimension: string; assessed_by: string | null }>();
  return results.map(({ commitment_id, dimension, ...rating }) => ({ commitment_id, dimension, ...ratingOf(rating) }));
}
