// Observations and change events, with the scorecards and commitments they belong to: the
// write side of a run or a reprocess, and what planning reads back.
import { effectiveOn } from "../../domain/effective.ts";
import { RATING_BANDS } from "../../domain/vocabularies.ts";
import type { WritePlan } from "../types.ts";

const RATING_BAND_LIST = RATING_BANDS.map((band) => `'${band}'`).join(", ");

export interface LatestRow {
  scorecard_id: string;
  commitment_id: string | null;
  dimension: string;
  label: string;
  band: string;
  score: number | null;
}

/** A commitment a scorecard holds, or held. */
export interface MemberRow {
  scorecard_id: string;
  commitment_id: string;
}

/**
 * What planning needs to know of the record: the latest observation of every (commitment,
 * dimension) in one scorecard, and the latest rating (not a state) of every subject across the
 * commitments' scope, and of the scorecard's own rating; the commitments the scorecard holds,
 * and those it held and no longer does (removed: it has rated them or recorded their removal).
 */
export async function latestForPlanning(
  db: D1Database,
  scorecardId: string,
  scope: string,
): Promise<{ labels: LatestRow[]; ratings: LatestRow[]; members: MemberRow[]; removed: MemberRow[] }> {
  const columns = "o.scorecard_id, o.commitment_id, o.dimension, o.label, o.band, o.score";
  const [labels, ratings, members, removed] = await db.batch<LatestRow & MemberRow>([
    db
      .prepare(
        `SELECT ${columns} FROM observations o WHERE o.id IN (
           SELECT max(id) FROM observations WHERE scorecard_id = ?1 GROUP BY commitment_id, dimension)`,
      )
      .bind(scorecardId),
    db
      .prepare(
        `SELECT ${columns} FROM observations o WHERE o.id IN (
           SELECT max(x.id) FROM observations x JOIN commitments c ON c.id = x.commitment_id
           WHERE c.scope = ?2 AND x.band IN (${RATING_BAND_LIST}) GROUP BY x.commitment_id, x.dimension
           UNION ALL
           SELECT max(id) FROM observations
           WHERE scorecard_id = ?1 AND commitment_id IS NULL AND band IN (${RATING_BAND_LIST}) GROUP BY dimension)`,
      )
      .bind(scorecardId, scope),
    db
      .prepare("SELECT scorecard_id, commitment_id FROM scorecard_commitments WHERE scorecard_id = ?1")
      .bind(scorecardId),
    db
      .prepare(
        `SELECT ?1 AS scorecard_id, commitment_id FROM (
           SELECT commitment_id FROM observations WHERE scorecard_id = ?1 AND commitment_id IS NOT NULL
           UNION SELECT commitment_id FROM changes WHERE scorecard_id = ?1 AND kind = 'removed')
         WHERE commitment_id NOT IN (SELECT commitment_id FROM scorecard_commitments WHERE scorecard_id = ?1)`,
      )
      .bind(scorecardId),
  ]);
  return {
    labels: labels!.results,
    ratings: ratings!.results,
    members: members!.results,
    removed: removed!.results,
  };
}

/**
 * The cells of a scorecard that its last applied run left rated: the latest observation of each
 * (commitment, dimension) whose band is a rating, for the commitments on the scorecard now and
 * the scorecard's own rating. The baseline against which ratings that vanish are judged.
 */
export async function lastRatedCells(
  db: D1Database,
  scorecardId: string,
): Promise<{ commitment_id: string | null; dimension: string }[]> {
  const { results } = await db
    .prepare(
      `SELECT o.commitment_id, o.dimension FROM observations o WHERE o.id IN (
         SELECT max(id) FROM observations WHERE scorecard_id = ?1 GROUP BY commitment_id, dimension)
       AND o.band IN (${RATING_BAND_LIST})
       AND (o.commitment_id IS NULL
            OR o.commitment_id IN (SELECT commitment_id FROM scorecard_commitments WHERE scorecard_id = ?1))`,
    )
    .bind(scorecardId)
    .all<{ commitment_id: string | null; dimension: string }>();
  return results;
}

/** Which of these documents (by content hash) these sources' current observations were read from. */
export async function documentsWithObservations(
  db: D1Database,
  sourceIds: string[],
  sha256s: string[],
): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT DISTINCT s.sha256 FROM observations o JOIN snapshots s ON s.id = o.snapshot_id
       WHERE s.sha256 IN (SELECT value FROM json_each(?1)) AND s.source_id IN (SELECT value FROM json_each(?2))`,
    )
    .bind(JSON.stringify(sha256s), JSON.stringify(sourceIds))
    .all<{ sha256: string }>();
  return results.map((r) => r.sha256);
}

/**
 * How a scorecard sorts among the scorecards that share its commitments: by the period it
 * rates, else its publication date, else when it was first seen.
 */
const orderKey = (alias: string) => `coalesce(${alias}.period, ${alias}.published_on, ${alias}.first_seen_at)`;

/** Whether a rule's other scorecards sort after this one: if so, it arrived out of order. */
export async function hasLaterScorecards(db: D1Database, ruleId: string, scorecardId: string): Promise<boolean> {
  const row = await db
    .prepare(
      `SELECT count(*) AS n FROM scorecards s JOIN sources src ON src.id = s.source_id
       WHERE src.rule_id = ?1 AND s.id != ?2
         AND ${orderKey("s")} > (SELECT ${orderKey("t")} FROM scorecards t WHERE t.id = ?2)`,
    )
    .bind(ruleId, scorecardId)
    .first<{ n: number }>();
  return (row?.n ?? 0) > 0;
}

/** The source a scorecard belongs to, if it exists. */
export async function scorecardOwner(db: D1Database, scorecardId: string): Promise<string | null> {
  const row = await db
    .prepare("SELECT source_id FROM scorecards WHERE id = ?")
    .bind(scorecardId)
    .first<{ source_id: string }>();
  return row?.source_id ?? null;
}

/** Forgets the ratings read for these sources' scorecards, before a reprocess reads them again. */
/** The change kinds a scrape writes; a reprocess rebuilds these and no others (not corrections). */
export const SCRAPED_CHANGE_KINDS = ["moved", "first-rating", "removed", "returned"] as const;
const SCRAPED_CHANGE_KIND_LIST = SCRAPED_CHANGE_KINDS.map((kind) => `'${kind}'`).join(", ");

export interface StoredObservation {
  id: number;
  scorecard_id: string;
  commitment_id: string | null;
  dimension: string;
  label: string;
  vocabulary: string;
  band: string;
  score: number | null;
  observed_at: string;
  snapshot_id: number;
  assessed_by: string | null;
  effective_on: string | null;
}

export interface StoredChange {
  id: number;
  scorecard_id: string;
  commitment_id: string | null;
  kind: string;
  dimension: string | null;
  to_label: string | null;
  to_band: string | null;
  band_changed: number;
  changed_at: string;
  effective_on: string | null;
  to_observation_id: number | null;
  from_label: string | null;
  from_band: string | null;
}

const STORED_CHANGE_COLUMNS = `id, scorecard_id, commitment_id, kind, dimension, to_label, to_band, band_changed, changed_at,
  effective_on, to_observation_id, from_label, from_band`;

/** The scraped history of some sources' scorecards, each table in the order it was written. */
export async function storedHistory(
  db: D1Database,
  sourceIds: string[],
): Promise<{ observations: StoredObservation[]; changes: StoredChange[] }> {
  const scorecards = "SELECT id FROM scorecards WHERE source_id IN (SELECT value FROM json_each(?1))";
  const ids = JSON.stringify(sourceIds);
  const [observations, changes] = await db.batch([
    db
      .prepare(
        `SELECT id, scorecard_id, commitment_id, dimension, label, vocabulary, band, score, observed_at, snapshot_id,
                assessed_by, effective_on
         FROM observations WHERE scorecard_id IN (${scorecards}) ORDER BY id`,
      )
      .bind(ids),
    db
      .prepare(
        `SELECT ${STORED_CHANGE_COLUMNS}
         FROM changes WHERE scorecard_id IN (${scorecards}) AND kind IN (${SCRAPED_CHANGE_KIND_LIST}) ORDER BY id`,
      )
      .bind(ids),
  ]);
  return {
    observations: observations!.results as unknown as StoredObservation[],
    changes: changes!.results as unknown as StoredChange[],
  };
}

/** The scraped change events a run wrote into some sources' scorecards, in order. */
export async function scrapedChangesOfRun(db: D1Database, sourceIds: string[], runId: number): Promise<StoredChange[]> {
  const { results } = await db
    .prepare(
      `SELECT ${STORED_CHANGE_COLUMNS} FROM changes
       WHERE scorecard_id IN (SELECT id FROM scorecards WHERE source_id IN (SELECT value FROM json_each(?1)))
         AND run_id = ?2 AND kind IN (${SCRAPED_CHANGE_KIND_LIST}) ORDER BY id`,
    )
    .bind(JSON.stringify(sourceIds), runId)
    .all<StoredChange>();
  return results;
}

/**
 * Deletes the scraped history of some sources' scorecards from one observation and one change
 * event on (a reprocess rewrites what follows the part it keeps). Null keeps all of that table.
 */
export function deleteHistoryFromStatements(
  db: D1Database,
  sourceIds: string[],
  from: { observationId: number | null; changeId: number | null },
): D1PreparedStatement[] {
  const scorecards = "SELECT id FROM scorecards WHERE source_id IN (SELECT value FROM json_each(?1))";
  const ids = JSON.stringify(sourceIds);
  const statements: D1PreparedStatement[] = [];
  if (from.changeId !== null)
    statements.push(
      db
        .prepare(
          `DELETE FROM changes WHERE scorecard_id IN (${scorecards}) AND kind IN (${SCRAPED_CHANGE_KIND_LIST}) AND id >= ?2`,
        )
        .bind(ids, from.changeId),
    );
  if (from.observationId !== null)
    statements.push(
      db
        .prepare(`DELETE FROM observations WHERE scorecard_id IN (${scorecards}) AND id >= ?2`)
        .bind(ids, from.observationId),
    );
  return statements;
}

/** An unchanged run saw the source's scorecards and their commitments again. */
export function confirmSeenStatements(db: D1Database, sourceId: string, seenAt: string): D1PreparedStatement[] {
  return [
    db.prepare("UPDATE scorecards SET last_seen_at = ?2 WHERE source_id = ?1").bind(sourceId, seenAt),
    db
      .prepare(
        `UPDATE commitments SET last_seen_at = ?2 WHERE id IN (
           SELECT m.commitment_id FROM scorecard_commitments m JOIN scorecards s ON s.id = m.scorecard_id WHERE s.source_id = ?1)`,
      )
      .bind(sourceId, seenAt),
  ];
}

// Rows travel as one JSON parameter, read with json_each, so that a table takes one statement
// whatever the number of rows: D1 allows 100 bound parameters per query and 1,000 queries per
// invocation. A chunk stays well under D1's 1 MB limit on a string.
const ROWS_PER_STATEMENT = 500;

function chunks<T>(rows: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) out.push(rows.slice(i, i + ROWS_PER_STATEMENT));
  return out;
}

/**
 * What `writePlanStatements` will store of a plan's history, as the columns a reprocess compares
 * with the stored history (ids and the "from" side of a move, which the database fills, aside),
 * in the order they are written.
 */
export function plannedHistory(
  plan: WritePlan,
  provenance: { snapshotId: number; observedAt: string },
): {
  observations: Omit<StoredObservation, "id">[];
  changes: Omit<StoredChange, "id" | "to_observation_id" | "from_label" | "from_band">[];
} {
  const { scorecard: s } = plan;
  const { snapshotId, observedAt } = provenance;
  const scorecardEffectiveOn = effectiveOn({ published_on: s.published_on, period: s.period, observed_at: observedAt });
  const observations = plan.observations.map((o) => ({
    scorecard_id: s.id,
    commitment_id: o.commitment_id,
    dimension: o.dimension,
    label: o.rating.label,
    vocabulary: o.rating.vocabulary,
    band: o.rating.band,
    score: o.rating.score,
    observed_at: observedAt,
    snapshot_id: snapshotId,
    assessed_by: o.assessed_by,
    effective_on: o.effective_on ?? scorecardEffectiveOn,
  }));
  const changes = [
    ...plan.membership.map((m) => ({
      scorecard_id: s.id,
      commitment_id: m.commitment_id,
      kind: m.kind,
      dimension: null,
      to_label: null,
      to_band: null,
      band_changed: 0,
      changed_at: observedAt,
      effective_on: scorecardEffectiveOn,
    })),
    ...plan.observations.flatMap((o, i) =>
      o.change === null
        ? []
        : [
            {
              scorecard_id: s.id,
              commitment_id: o.commitment_id,
              kind: o.change.kind,
              dimension: o.dimension,
              to_label: observations[i]!.label,
              to_band: observations[i]!.band,
              band_changed: o.change.band_changed ? 1 : 0,
              changed_at: observedAt,
              effective_on: observations[i]!.effective_on,
            },
          ],
    ),
  ];
  return { observations, changes };
}

/** The statements that apply a plan. Run them in one batch with the run's closing statements. */
export function writePlanStatements(
  db: D1Database,
  plan: WritePlan,
  provenance: { runId: number; snapshotId: number; observedAt: string },
  { history = true }: { history?: boolean } = {},
): D1PreparedStatement[] {
  const { scorecard: s } = plan;
  const { runId, snapshotId, observedAt } = provenance;
  // When this publication's ratings take effect, unless a row gives its own date (domain/effective.ts).
  const scorecardEffectiveOn = effectiveOn({ published_on: s.published_on, period: s.period, observed_at: observedAt });
  const statements = [
    // A scorecard belongs to one source. Another source's write sets source_id to NULL, which
    // NOT NULL refuses: the whole batch fails rather than mixing two sources' records.
    db
      .prepare(
        `INSERT INTO scorecards (id, source_id, key, title, publisher, published_on, period, url, vocabulary, first_seen_at, last_seen_at,
           snapshot_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET source_id = iif(scorecards.source_id = ?2, ?2, NULL), title = ?4, publisher = ?5,
           published_on = ?6, period = ?7, url = ?8, vocabulary = ?9, last_seen_at = max(scorecards.last_seen_at, ?10),
           snapshot_id = ?11`,
      )
      .bind(
        s.id,
        s.source_id,
        s.key,
        s.title,
        s.publisher,
        s.published_on,
        s.period,
        s.url,
        s.vocabulary,
        observedAt,
        snapshotId,
      ),
  ];
  for (const rows of chunks(plan.commitments)) {
    statements.push(
      db
        .prepare(
          `INSERT INTO commitments (id, scope, key, text, policy_area, target_date, source_url, first_seen_at, last_seen_at)
           SELECT j.value ->> 'id', j.value ->> 'scope', j.value ->> 'key', j.value ->> 'text', j.value ->> 'policy_area',
                  j.value ->> 'target_date', j.value ->> 'source_url', ?2, ?2
           FROM json_each(?1) j WHERE true
           ON CONFLICT (id) DO UPDATE SET text = excluded.text, policy_area = excluded.policy_area,
             target_date = excluded.target_date, source_url = excluded.source_url,
             first_seen_at = min(commitments.first_seen_at, excluded.first_seen_at),
             last_seen_at = max(commitments.last_seen_at, excluded.last_seen_at)`,
        )
        .bind(JSON.stringify(rows), observedAt),
      db
        .prepare(
          `INSERT INTO scorecard_commitments (scorecard_id, commitment_id, position, details)
           SELECT ?1, j.value ->> 'id', j.value ->> 'position', nullif(j.value -> 'details', 'null') FROM json_each(?2) j WHERE true
           ON CONFLICT (scorecard_id, commitment_id) DO UPDATE SET position = excluded.position, details = excluded.details`,
        )
        .bind(s.id, JSON.stringify(rows)),
    );
  }
  // A commitment that left the publication leaves the scorecard; its history stays.
  statements.push(
    db
      .prepare(
        "DELETE FROM scorecard_commitments WHERE scorecard_id = ?1 AND commitment_id NOT IN (SELECT value FROM json_each(?2))",
      )
      .bind(s.id, JSON.stringify(plan.commitments.map((c) => c.id))),
  );
  // A reprocess that keeps this document's history still refreshes what it says of itself.
  if (!history) return statements;
  for (const rows of chunks(plan.observations)) {
    const values = rows.map(({ commitment_id, dimension, rating, assessed_by, effective_on }) => ({
      commitment_id,
      dimension,
      ...rating,
      assessed_by,
      effective_on: effective_on ?? scorecardEffectiveOn,
    }));
    statements.push(
      db
        .prepare(
          `INSERT INTO observations (scorecard_id, commitment_id, dimension, label, vocabulary, band, score, observed_at, snapshot_id, run_id,
             assessed_by, effective_on)
           SELECT ?1, j.value ->> 'commitment_id', j.value ->> 'dimension', j.value ->> 'label', j.value ->> 'vocabulary',
                  j.value ->> 'band', j.value ->> 'score', ?2, ?3, ?4, j.value ->> 'assessed_by', j.value ->> 'effective_on'
           FROM json_each(?5) j ORDER BY j.key`,
        )
        .bind(s.id, observedAt, snapshotId, runId, JSON.stringify(values)),
    );
  }
  // Commitments that left the publication, or came back: events with no dimension.
  if (plan.membership.length > 0) {
    statements.push(
      db
        .prepare(
          `INSERT INTO changes (scorecard_id, commitment_id, kind, band_changed, changed_at, effective_on, run_id)
           SELECT ?1, j.value ->> 'commitment_id', j.value ->> 'kind', 0, ?2, ?5, ?3 FROM json_each(?4) j ORDER BY j.key`,
        )
        .bind(s.id, observedAt, runId, JSON.stringify(plan.membership), scorecardEffectiveOn),
    );
  }
  // Change events of the observations just written, as the planner decided them: the event's
  // "from" is the subject's previous rating (per commitment across its scope, or the
  // scorecard's own) for a move, and its previous observation of any kind (a state, such as not
  // rated), if any, for a first rating.
  const changes = plan.observations
    .filter((o) => o.change !== null)
    .map(({ commitment_id, dimension, change }) => ({
      commitment_id,
      dimension,
      kind: change!.kind,
      band_changed: change!.band_changed ? 1 : 0,
    }));
  for (const rows of chunks(changes)) {
    statements.push(
      db
        .prepare(
          `INSERT INTO changes (scorecard_id, commitment_id, kind, dimension, from_label, from_band, to_label, to_band,
             band_changed, from_observation_id, to_observation_id, changed_at, effective_on, run_id)
           SELECT o.scorecard_id, o.commitment_id, j.value ->> 'kind', o.dimension, previous.label, previous.band,
                  o.label, o.band, j.value ->> 'band_changed', previous.id, o.id, o.observed_at, o.effective_on, o.run_id
           FROM json_each(?4) j
           JOIN observations o ON o.snapshot_id = ?1 AND o.run_id = ?2 AND o.scorecard_id = ?3
             AND o.dimension = j.value ->> 'dimension' AND o.commitment_id IS j.value ->> 'commitment_id'
           LEFT JOIN observations previous ON previous.id = (
             SELECT max(p.id) FROM observations p
             WHERE p.dimension = o.dimension AND p.id < o.id
               AND (j.value ->> 'kind' = 'first-rating' OR p.band IN (${RATING_BAND_LIST}))
               AND (p.commitment_id = o.commitment_id
                    OR (o.commitment_id IS NULL AND p.commitment_id IS NULL AND p.scorecard_id = o.scorecard_id)))
           ORDER BY o.id`,
        )
        .bind(snapshotId, runId, s.id, JSON.stringify(rows)),
    );
  }
  return statements;
}
