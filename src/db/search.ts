// Commitments as journalists query them: every commitment matching a question, with its ratings
// as they stood on a date (`as_of` follows effective_on), found by full-text search (FTS5,
// migration 0006) and filtered by where it was published and how it is rated.
import { effectiveOn } from "../../domain/effective.ts";
import { overridesInForceOn, withOverride, type OverrideRow } from "./overrides.ts";
import { ratingOf, type RatingView } from "./scorecards.ts";
import { parameters } from "./parameters.ts";

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
  /** Only target dates before this day (YYYY-MM-DD): every deadline passed by then has one. */
  target_date_before?: string | undefined;
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
 * (a scorecard takes effect on its period's end, else its publication, else when first seen, or
 * earlier where a row's own date puts one of its ratings in effect before that).
 */
export async function scorecardsInEffect(db: D1Database, asOf: string | undefined): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT s.id, s.published_on, s.period, s.first_seen_at,
              (SELECT min(o.effective_on) FROM observations o WHERE o.scorecard_id = s.id) AS first_effective_on
       FROM scorecards s`,
    )
    .all<{
      id: string;
      published_on: string | null;
      period: string | null;
      first_seen_at: string;
      first_effective_on: string | null;
    }>();
  return results
    .filter(
      (s) =>
        asOf === undefined ||
        effectiveOn({ ...s, observed_at: s.first_seen_at }) <= asOf ||
        (s.first_effective_on !== null && s.first_effective_on <= asOf),
    )
    .map((s) => s.id);
}

/** The scorecards in effect on a day; none needed now (every scorecard is). */
export async function inEffectOn(db: D1Database, asOf: string | undefined): Promise<string[]> {
  return asOf === undefined ? [] : scorecardsInEffect(db, asOf);
}

/**
 * The SQL of a commitment query, built from the filters given so that each shape plans with its
 * own indexes (migration 0014's current_ratings and observed_memberships, FTS5 rowids), not one
 * statement with "?n IS NULL OR" for every filter.
 */
function matchSql(
  f: CommitmentFilters,
  inEffect: string[],
): { from: string; where: string[]; ruleOf: string; binds: unknown[] } {
  const { binds, p } = parameters();
  const asOf = f.as_of === undefined ? null : p(f.as_of);
  // A commitment belongs to the scorecards that hold it (those in effect) and those that observed it (by then).
  const held =
    asOf === null ? "" : ` AND +m.scorecard_id IN (SELECT value FROM json_each(${p(JSON.stringify(inEffect))}))`;
  const observed = asOf === null ? "" : ` AND m.first_effective_on <= ${asOf}`;
  const member = (condition: string) =>
    `(EXISTS (SELECT 1 FROM scorecard_commitments m WHERE m.commitment_id = c.id${held}${condition})
      OR EXISTS (SELECT 1 FROM observed_memberships m WHERE m.commitment_id = c.id${observed}${condition}))`;
  const ruleOf = `(SELECT min(rule_id) FROM (
     SELECT src.rule_id FROM scorecard_commitments m JOIN scorecards s ON s.id = m.scorecard_id
       JOIN sources src ON src.id = s.source_id WHERE m.commitment_id = c.id${held}
     UNION ALL SELECT src.rule_id FROM observed_memberships m JOIN scorecards s ON s.id = m.scorecard_id
       JOIN sources src ON src.id = s.source_id WHERE m.commitment_id = c.id${observed}))`;
  const from =
    f.q === undefined
      ? "commitments c"
      : `(SELECT rowid AS row, bm25(commitments_fts, 10.0, 4.0, 2.0) AS rank FROM commitments_fts
          WHERE commitments_fts MATCH ${p(f.q)}) f JOIN commitments c ON c.rowid = f.row`;
  // Each id is looked up by commitment, then its scorecard tested against the list: "+" keeps
  // SQLite from probing every listed scorecard for every commitment instead.
  const where: string[] = [];
  if (f.scorecard !== undefined) where.push(member(` AND m.scorecard_id = ${p(f.scorecard)}`));
  if (f.source !== undefined)
    where.push(member(` AND +m.scorecard_id IN (SELECT id FROM scorecards WHERE source_id = ${p(f.source)})`));
  if (f.rule !== undefined)
    where.push(
      member(
        ` AND +m.scorecard_id IN (SELECT s.id FROM scorecards s JOIN sources src ON src.id = s.source_id WHERE src.rule_id = ${p(f.rule)})`,
      ),
    );
  // Any of those implies membership.
  if (where.length === 0) where.push(member(""));
  if (f.policy_area !== undefined) where.push(`c.policy_area = ${p(f.policy_area)} COLLATE NOCASE`);
  if (f.key !== undefined) where.push(`c.key = ${p(f.key)}`);
  if (f.has_target_date) where.push("c.target_date IS NOT NULL");
  if (f.target_date_before !== undefined) where.push(`c.target_date < ${p(f.target_date_before)}`);
  const bands = f.band === undefined ? null : `(SELECT value FROM json_each(${p(JSON.stringify(f.band))}))`;
  if (asOf === null) {
    // Now: the maintained current ratings.
    if (f.dimension !== undefined)
      where.push(
        `c.id IN (SELECT commitment_id FROM current_ratings WHERE dimension = ${p(f.dimension)}${bands ? ` AND band IN ${bands}` : ""})`,
      );
    else if (bands) where.push(`c.id IN (SELECT commitment_id FROM current_ratings WHERE band IN ${bands})`);
    if (f.vocabulary !== undefined)
      where.push(`c.id IN (SELECT commitment_id FROM current_ratings WHERE vocabulary = ${p(f.vocabulary)})`);
  } else {
    // As of a day: each candidate's latest observation by then, per dimension it was ever rated on.
    const then = (column: string, dimension: string) =>
      `(SELECT o.${column} FROM observations o WHERE o.commitment_id = c.id AND o.dimension = ${dimension}
          AND ${EFFECTIVE("o")} <= ${asOf} ORDER BY ${EFFECTIVE("o")} DESC, o.id DESC LIMIT 1)`;
    if (f.dimension !== undefined)
      where.push(`${then("band", p(f.dimension))} ${bands ? `IN ${bands}` : "IS NOT NULL"}`);
    else if (bands)
      where.push(
        `EXISTS (SELECT 1 FROM current_ratings r WHERE r.commitment_id = c.id AND ${then("band", "r.dimension")} IN ${bands})`,
      );
    if (f.vocabulary !== undefined)
      where.push(
        `EXISTS (SELECT 1 FROM current_ratings r WHERE r.commitment_id = c.id AND ${then("vocabulary", "r.dimension")} = ${p(f.vocabulary)})`,
      );
  }
  if (f.updated_since !== undefined) {
    const since = p(f.updated_since);
    where.push(`(c.id IN (SELECT commitment_id FROM observations WHERE observed_at >= ${since})
                 OR c.id IN (SELECT commitment_id FROM changes WHERE changed_at >= ${since}))`);
  }
  return { from, where, ruleOf, binds };
}

/**
 * Every commitment matching the filters, in no particular order, with what sorting and the
 * deadline filter need: what a search (ordered by relevance) and the deadline filter (computed by
 * the pure functions of domain/deadlines.ts) sort and filter before paging.
 */
export async function matchCommitments(
  db: D1Database,
  f: CommitmentFilters,
  /** The scorecards in effect on `f.as_of` (inEffectOn), read once per request. */
  inEffect: string[],
): Promise<CommitmentMatch[]> {
  const { from, where, ruleOf, binds } = matchSql(f, inEffect);
  const { results } = await db
    .prepare(
      `SELECT c.id, c.target_date, ${f.q === undefined ? "NULL" : "f.rank"} AS rank, ${ruleOf} AS rule_id
       FROM ${from} WHERE ${where.join(" AND ")}`,
    )
    .bind(...binds)
    .all<CommitmentMatch>();
  return results;
}

/**
 * One page of the commitments matching the filters, after the keyset position `after`: by id, or
 * by relevance then id when searching; at most `limit` of them, and how many match in all.
 */
export async function pageOfCommitments(
  db: D1Database,
  f: CommitmentFilters,
  after: (string | number | null)[] | null,
  limit: number,
  /** The scorecards in effect on `f.as_of` (inEffectOn), read once per request. */
  inEffect: string[],
): Promise<{ matches: CommitmentMatch[]; total: number }> {
  const { from, where, ruleOf, binds } = matchSql(f, inEffect);
  const condition = where.join(" AND ");
  const n = binds.length;
  const searching = f.q !== undefined;
  const [page, count] = await db.batch([
    db
      .prepare(
        `SELECT c.id, c.target_date, ${searching ? "f.rank" : "NULL"} AS rank, ${ruleOf} AS rule_id FROM ${from}
         WHERE ${condition} AND ${searching ? `(f.rank > ?${n + 1} OR (f.rank = ?${n + 1} AND c.id > ?${n + 2}))` : `c.id > ?${n + 2}`}
         ORDER BY ${searching ? "f.rank, c.id" : "c.id"} LIMIT ?${n + 3}`,
      )
      .bind(...binds, after?.[0] ?? -Number.MAX_VALUE, String((searching ? after?.[1] : after?.[0]) ?? ""), limit),
    db.prepare(`SELECT count(*) AS total FROM ${from} WHERE ${condition}`).bind(...binds),
  ]);
  return {
    matches: page!.results as CommitmentMatch[],
    total: (count!.results[0] as { total: number }).total,
  };
}

/** The latest score on one dimension of each commitment, as of a date: what deadlines are judged by. */
export async function scoresOn(
  db: D1Database,
  pairs: { commitment_id: string; dimension: string }[],
  asOf: string | undefined,
): Promise<Map<string, number | null>> {
  return scoresOnDays(
    db,
    pairs.map((pair) => ({ ...pair, day: asOf ?? null })),
  );
}

/** The latest score on one dimension of each commitment, each as of its own day (null: now). */
export async function scoresOnDays(
  db: D1Database,
  pairs: { commitment_id: string; dimension: string; day: string | null }[],
): Promise<Map<string, number | null>> {
  if (pairs.length === 0) return new Map();
  // The current rating where it took effect by then (nearly always); else the latest that had.
  const { results } = await db
    .prepare(
      `SELECT r.commitment_id,
              CASE WHEN j.value ->> 'day' IS NULL OR r.effective_on <= j.value ->> 'day' THEN r.score ELSE (
                SELECT o.score FROM observations o
                WHERE o.commitment_id = r.commitment_id AND o.dimension = r.dimension AND ${EFFECTIVE("o")} <= j.value ->> 'day'
                ORDER BY ${EFFECTIVE("o")} DESC, o.id DESC LIMIT 1) END AS score
       FROM json_each(?1) j
       JOIN current_ratings r ON r.commitment_id = j.value ->> 'commitment_id' AND r.dimension = j.value ->> 'dimension'`,
    )
    .bind(JSON.stringify(pairs))
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
  /** The scorecards in effect on `asOf` (inEffectOn), read once per request. */
  scorecardsThen: string[],
): Promise<CommitmentListItem[]> {
  if (ids.length === 0) return [];
  const list = JSON.stringify(ids);
  // Now, every scorecard is in effect: the list is not needed.
  const inEffect = asOf === undefined ? null : JSON.stringify(scorecardsThen);
  const [commitments, ratings, scorecards, overrides] = await db.batch([
    db
      .prepare(
        `SELECT id, key, text, policy_area, target_date, source_url, first_seen_at, last_seen_at FROM commitments
         WHERE id IN (SELECT value FROM json_each(?1))`,
      )
      .bind(list),
    // Now: the maintained current ratings; as of a day: each pair's latest effective by then.
    asOf === undefined
      ? db
          .prepare(
            `SELECT o.commitment_id, o.scorecard_id, o.dimension, o.label, o.band, o.score, o.vocabulary, o.observed_at,
                    o.assessed_by, r.effective_on
             FROM current_ratings r JOIN observations o ON o.id = r.observation_id
             WHERE r.commitment_id IN (SELECT value FROM json_each(?1)) ORDER BY r.commitment_id, r.dimension`,
          )
          .bind(list)
      : db
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
         FROM (SELECT scorecard_id, commitment_id FROM scorecard_commitments
               WHERE commitment_id IN (SELECT value FROM json_each(?1))
                 AND (?3 IS NULL OR +scorecard_id IN (SELECT value FROM json_each(?3)))
               UNION SELECT scorecard_id, commitment_id FROM observed_memberships
               WHERE commitment_id IN (SELECT value FROM json_each(?1)) AND (?2 IS NULL OR first_effective_on <= ?2)) m
         JOIN scorecards s ON s.id = m.scorecard_id
         ORDER BY sort, s.id`,
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
