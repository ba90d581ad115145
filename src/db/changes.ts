// Change events as the read API serves them, newest first (by when they were observed), with the
// evidence of both sides: the snapshots their observations were read from.
import { parameters } from "./parameters.ts";

export interface ChangeFilters {
  since?: string | undefined;
  until?: string | undefined;
  rule?: string | undefined;
  source?: string | undefined;
  scorecard?: string | undefined;
  commitment?: string | undefined;
  dimension?: string | undefined;
  kind?: string[] | undefined;
  direction?: "worse" | "better" | undefined;
}

export interface ChangeRow {
  id: number;
  kind: string;
  scorecard_id: string;
  scorecard_title: string;
  scorecard_period: string | null;
  rule_id: string;
  commitment_id: string | null;
  commitment_key: string | null;
  commitment_text: string | null;
  dimension: string | null;
  band_changed: number;
  changed_at: string;
  effective_on: string | null;
  from_label: string | null;
  from_band: string | null;
  from_score: number | null;
  from_period: string | null;
  from_url: string | null;
  from_fetched_at: string | null;
  from_sha256: string | null;
  from_archive_key: string | null;
  to_label: string | null;
  to_band: string | null;
  to_score: number | null;
  to_url: string | null;
  to_fetched_at: string | null;
  to_sha256: string | null;
  to_archive_key: string | null;
}

/** The latest instant a page may hold: the filter's `until` or the cursor's position, whichever is earlier. */
function upperBound(f: ChangeFilters, before: [string, string] | null): string {
  return [f.until, before?.[0]].filter((v): v is string => v !== undefined).sort()[0] ?? "9999-12-31T23:59:59.999Z";
}

/** The tie-break of stored events in a keyset: their id, zero-padded so that text compares as numbers. */
export const storedTie = (id: number) => `s:${String(id).padStart(12, "0")}`;

/**
 * Stored change events matching the filters, newest first, strictly before the keyset position
 * `before` ([changed_at, tie]) if given; at most `limit`.
 */
export async function listStoredChanges(
  db: D1Database,
  f: ChangeFilters,
  before: [string, string] | null,
  limit: number,
): Promise<ChangeRow[]> {
  // Built from the filters given, so that each shape walks its own index newest first
  // (changes_by_scorecard_time, changes_by_commitment_time, else changes_by_time), always bounded
  // above so that the walk is a search, and stops after the page.
  const { binds, p } = parameters();
  const upTo = upperBound(f, before);
  const where = [`ch.changed_at <= ${p(upTo)}`];
  if (f.since !== undefined) where.push(`ch.changed_at >= ${p(f.since)}`);
  if (f.rule !== undefined) where.push(`src.rule_id = ${p(f.rule)}`);
  if (f.source !== undefined) where.push(`s.source_id = ${p(f.source)}`);
  if (f.scorecard !== undefined) where.push(`ch.scorecard_id = ${p(f.scorecard)}`);
  if (f.commitment !== undefined) where.push(`ch.commitment_id = ${p(f.commitment)}`);
  if (f.dimension !== undefined) where.push(`ch.dimension = ${p(f.dimension)}`);
  if (f.kind !== undefined) where.push(`ch.kind IN (SELECT value FROM json_each(${p(JSON.stringify(f.kind))}))`);
  if (f.direction !== undefined)
    where.push(
      `fo.score IS NOT NULL AND tobs.score IS NOT NULL AND ${f.direction === "worse" ? "tobs.score < fo.score" : "tobs.score > fo.score"}`,
    );
  if (before)
    where.push(
      `(ch.changed_at < ${p(before[0])} OR (ch.changed_at = ${p(before[0])} AND printf('s:%012d', ch.id) < ${p(before[1])}))`,
    );
  const { results } = await db
    .prepare(
      `SELECT ch.id, ch.kind, ch.scorecard_id, s.title AS scorecard_title, s.period AS scorecard_period, src.rule_id,
              ch.commitment_id, c.key AS commitment_key, c.text AS commitment_text, ch.dimension, ch.band_changed,
              ch.changed_at, ch.effective_on,
              ch.from_label, ch.from_band, fo.score AS from_score, fs.period AS from_period,
              fp.url AS from_url, fp.fetched_at AS from_fetched_at, fp.sha256 AS from_sha256, fp.archive_key AS from_archive_key,
              ch.to_label, ch.to_band, tobs.score AS to_score,
              tp.url AS to_url, tp.fetched_at AS to_fetched_at, tp.sha256 AS to_sha256, tp.archive_key AS to_archive_key
       FROM changes ch
       JOIN scorecards s ON s.id = ch.scorecard_id
       JOIN sources src ON src.id = s.source_id
       LEFT JOIN commitments c ON c.id = ch.commitment_id
       LEFT JOIN observations fo ON fo.id = ch.from_observation_id
       LEFT JOIN scorecards fs ON fs.id = fo.scorecard_id
       LEFT JOIN snapshots fp ON fp.id = fo.snapshot_id
       LEFT JOIN observations tobs ON tobs.id = ch.to_observation_id
       LEFT JOIN snapshots tp ON tp.id = tobs.snapshot_id
       WHERE ${where.join(" AND ")}
       ORDER BY ch.changed_at DESC, ch.id DESC LIMIT ${p(limit)}`,
    )
    .bind(...binds)
    .all<ChangeRow>();
  return results;
}

export interface CorrectionRow {
  kind: "corrected" | "correction-reverted";
  override_id: number;
  changed_at: string;
  tie: string;
  scorecard_id: string;
  scorecard_title: string;
  rule_id: string;
  source_id: string;
  commitment_id: string;
  commitment_key: string;
  commitment_text: string;
  dimension: string;
  override_label: string;
  override_band: string;
  override_score: number | null;
  reason: string;
  evidence_url: string;
  by_name: string;
  revert_reason: string | null;
  /** The scraped rating in force when the correction was made or reverted, with its evidence. */
  scraped_label: string | null;
  scraped_band: string | null;
  scraped_score: number | null;
  scraped_url: string | null;
  scraped_fetched_at: string | null;
  scraped_sha256: string | null;
  scraped_archive_key: string | null;
}

/**
 * Newsroom corrections as change events, newest first, strictly before the keyset position
 * `before` if given; at most `limit`: each override made ("corrected", at its creation) and each
 * reverted ("correction-reverted", at its revert), beside the scraped rating in force then.
 */
export async function listCorrections(
  db: D1Database,
  f: ChangeFilters & { override?: number },
  before: [string, string] | null,
  limit: number,
): Promise<CorrectionRow[]> {
  const kinds = (["corrected", "correction-reverted"] as const).filter((k) => !f.kind || f.kind.includes(k));
  if (kinds.length === 0) return [];
  const { binds, p } = parameters();
  const upTo = upperBound(f, before);
  const filters: string[] = [];
  if (f.scorecard !== undefined) filters.push(`o.scorecard_id = ${p(f.scorecard)}`);
  if (f.commitment !== undefined) filters.push(`o.commitment_id = ${p(f.commitment)}`);
  if (f.dimension !== undefined) filters.push(`o.dimension = ${p(f.dimension)}`);
  if (f.override !== undefined) filters.push(`o.id = ${p(f.override)}`);
  const scoped = filters.map((w) => ` AND ${w}`).join("");
  const at = { corrected: "o.created_at", "correction-reverted": "o.reverted_at" } as const;
  const selects = kinds.map((kind) => {
    const time = at[kind];
    const since = f.since !== undefined ? ` AND ${time} >= ${p(f.since)}` : "";
    return `SELECT '${kind}' AS kind, o.id AS override_id, ${time} AS changed_at,
              printf('${kind === "corrected" ? "c" : "r"}:%012d', o.id) AS tie, o.scorecard_id, o.commitment_id, o.dimension,
              o.label AS override_label, o.band AS override_band, o.score AS override_score, o.reason, o.evidence_url,
              ${kind === "corrected" ? "o.created_by" : "o.reverted_by"} AS by_name,
              ${kind === "corrected" ? "NULL" : "o.revert_reason"} AS revert_reason
            FROM overrides o WHERE ${time} <= ${p(upTo)}${since}${scoped}`;
  });
  const where: string[] = [];
  if (f.rule !== undefined) where.push(`src.rule_id = ${p(f.rule)}`);
  if (f.source !== undefined) where.push(`s.source_id = ${p(f.source)}`);
  if (before)
    where.push(`(e.changed_at < ${p(before[0])} OR (e.changed_at = ${p(before[0])} AND e.tie < ${p(before[1])}))`);
  if (f.direction !== undefined) {
    // A correction moves from the scraped rating to its own; a revert, back.
    const delta = "CASE e.kind WHEN 'corrected' THEN e.override_score - so.score ELSE so.score - e.override_score END";
    where.push(`${delta} ${f.direction === "worse" ? "<" : ">"} 0`);
  }
  const { results } = await db
    .prepare(
      `SELECT e.*, s.title AS scorecard_title, src.rule_id, s.source_id, c.key AS commitment_key, c.text AS commitment_text,
              so.label AS scraped_label, so.band AS scraped_band, so.score AS scraped_score,
              sp.url AS scraped_url, sp.fetched_at AS scraped_fetched_at, sp.sha256 AS scraped_sha256,
              sp.archive_key AS scraped_archive_key
       FROM (${selects.join(" UNION ALL ")}) e
       JOIN scorecards s ON s.id = e.scorecard_id
       JOIN sources src ON src.id = s.source_id
       JOIN commitments c ON c.id = e.commitment_id
       LEFT JOIN observations so ON so.id = (
         SELECT max(x.id) FROM observations x
         WHERE x.scorecard_id = e.scorecard_id AND x.commitment_id = e.commitment_id AND x.dimension = e.dimension
           AND x.observed_at <= e.changed_at)
       LEFT JOIN snapshots sp ON sp.id = so.snapshot_id
       ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY e.changed_at DESC, e.tie DESC LIMIT ${p(limit)}`,
    )
    .bind(...binds)
    .all<CorrectionRow>();
  return results;
}

export interface DatedCommitment {
  id: string;
  key: string;
  text: string;
  target_date: string;
  rule_id: string;
  scorecard_id: string;
  scorecard_title: string;
}

/**
 * Commitments with a target date, each with the latest scorecard that holds (or held) it: the
 * candidates for deadline-passed events, which are computed when read, never stored.
 */
export async function datedCommitments(
  db: D1Database,
  f: ChangeFilters,
  /** Only these commitments (a page's candidates from passedDeadlines). */
  ids?: string[],
): Promise<DatedCommitment[]> {
  const { results } = await db
    .prepare(
      `SELECT c.id, c.key, c.text, c.target_date, src.rule_id, s.id AS scorecard_id, s.title AS scorecard_title
       FROM commitments c
       JOIN scorecards s ON s.id = (
         SELECT x.id FROM scorecards x
         WHERE x.id IN (SELECT scorecard_id FROM scorecard_commitments WHERE commitment_id = c.id
                        UNION SELECT scorecard_id FROM observed_memberships WHERE commitment_id = c.id)
         ORDER BY coalesce(x.period, x.published_on, x.first_seen_at) DESC, x.id DESC LIMIT 1)
       JOIN sources src ON src.id = s.source_id
       WHERE c.target_date IS NOT NULL
         AND (?1 IS NULL OR src.rule_id = ?1) AND (?2 IS NULL OR s.source_id = ?2)
         AND (?3 IS NULL OR c.id IN (SELECT commitment_id FROM scorecard_commitments WHERE scorecard_id = ?3
                                     UNION SELECT commitment_id FROM observed_memberships WHERE scorecard_id = ?3))
         AND (?4 IS NULL OR c.id = ?4)
         ${ids === undefined ? "AND ?5 IS NULL" : "AND c.id IN (SELECT value FROM json_each(?5))"}`,
    )
    .bind(
      f.rule ?? null,
      f.source ?? null,
      f.scorecard ?? null,
      f.commitment ?? null,
      ids === undefined ? null : JSON.stringify(ids),
    )
    .all<DatedCommitment>();
  return results;
}

/**
 * The commitments whose deadline passed in [since, by] (days, YYYY-MM-DD), newest first by the
 * day it passed and then by id, strictly before the keyset position `before` ([instant, tie] as
 * the change feed orders events: the day at midnight UTC, "d:" and the id); at most `limit`. For
 * filters that do not depend on a commitment's latest scorecard (no rule or source): the walk
 * down commitments_by_deadline reads only the candidates a page can show.
 */
export async function passedDeadlines(
  db: D1Database,
  f: Omit<ChangeFilters, "rule" | "source">,
  window: { since: string | null; by: string },
  before: [string, string] | null,
  limit: number,
): Promise<{ id: string; target_date: string; passes_on: string }[]> {
  const { binds, p } = parameters();
  const where = [`c.deadline_passes_on <= ${p(window.by)}`];
  if (window.since !== null) where.push(`c.deadline_passes_on >= ${p(window.since)}`);
  if (f.scorecard !== undefined)
    where.push(`c.id IN (SELECT commitment_id FROM scorecard_commitments WHERE scorecard_id = ${p(f.scorecard)}
                         UNION SELECT commitment_id FROM observed_memberships WHERE scorecard_id = ${p(f.scorecard)})`);
  if (f.commitment !== undefined) where.push(`c.id = ${p(f.commitment)}`);
  if (before) {
    const at = "c.deadline_passes_on || 'T00:00:00.000Z'";
    where.push(
      `c.deadline_passes_on <= substr(${p(before[0])}, 1, 10)`,
      `(${at} < ${p(before[0])} OR (${at} = ${p(before[0])} AND 'd:' || c.id < ${p(before[1])}))`,
    );
  }
  const { results } = await db
    .prepare(
      `SELECT c.id, c.target_date, c.deadline_passes_on AS passes_on FROM commitments c
       WHERE ${where.join(" AND ")}
       ORDER BY c.deadline_passes_on DESC, c.id DESC LIMIT ${p(limit)}`,
    )
    .bind(...binds)
    .all<{ id: string; target_date: string; passes_on: string }>();
  return results;
}
