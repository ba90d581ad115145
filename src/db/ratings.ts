// Scorecards, commitments, observations and changes: the write side.
import { emptyPlanState, labelKey, ratingKey, type PlanState } from "../pipeline/plan.ts";
import { RATING_BANDS, type Rating } from "../vocabularies.ts";

const RATING_BAND_LIST = RATING_BANDS.map((band) => `'${band}'`).join(", ");

/** What planning needs to know of the record for one scorecard and its commitments' scope. */
export async function loadPlanState(db: D1Database, scorecardId: string, scope: string): Promise<PlanState> {
  type Row = { scorecard_id: string; commitment_id: string | null; dimension: string; label: string; band: string };
  const columns = "o.scorecard_id, o.commitment_id, o.dimension, o.label, o.band";
  const [labels, ratings] = await db.batch<Row>([
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
  ]);
  const state = emptyPlanState();
  for (const o of labels!.results) state.labels.set(labelKey(o.scorecard_id, o.commitment_id, o.dimension), o.label);
  for (const o of ratings!.results)
    state.ratingBands.set(ratingKey(o.scorecard_id, o.commitment_id, o.dimension), o.band);
  return state;
}

export interface ScorecardWrite {
  id: string;
  source_id: string;
  key: string;
  title: string;
  publisher: string;
  published_on: string | null;
  url: string;
  vocabulary: string;
}

export interface CommitmentWrite {
  id: string;
  scope: string;
  key: string;
  text: string;
  policy_area: string | null;
  target_date: string | null;
  source_url: string | null;
  position: number;
}

export interface ObservationWrite {
  /** null for the scorecard's own rating. */
  commitment_id: string | null;
  dimension: string;
  rating: Rating;
  /** This observation moves the rating from another band: a change event. */
  moved: boolean;
}

export interface WritePlan {
  scorecard: ScorecardWrite;
  commitments: CommitmentWrite[];
  observations: ObservationWrite[];
}

/** Which of these snapshots today's observations were read from. */
export async function snapshotsWithObservations(db: D1Database, snapshotIds: number[]): Promise<number[]> {
  const { results } = await db
    .prepare("SELECT DISTINCT snapshot_id FROM observations WHERE snapshot_id IN (SELECT value FROM json_each(?))")
    .bind(JSON.stringify(snapshotIds))
    .all<{ snapshot_id: number }>();
  return results.map((r) => r.snapshot_id);
}

/** Forgets the ratings read for these sources' scorecards, before a reprocess reads them again. */
export function deleteHistoryStatements(db: D1Database, sourceIds: string[]): D1PreparedStatement[] {
  const scorecards = "SELECT id FROM scorecards WHERE source_id IN (SELECT value FROM json_each(?))";
  const ids = JSON.stringify(sourceIds);
  return [
    db.prepare(`DELETE FROM changes WHERE scorecard_id IN (${scorecards})`).bind(ids),
    db.prepare(`DELETE FROM observations WHERE scorecard_id IN (${scorecards})`).bind(ids),
  ];
}

/** The statements that apply a plan. Run them in one batch with the run's closing statements. */
export function writePlanStatements(
  db: D1Database,
  plan: WritePlan,
  provenance: { runId: number; snapshotId: number; observedAt: string },
): D1PreparedStatement[] {
  const { scorecard: s } = plan;
  const { runId, snapshotId, observedAt } = provenance;
  const statements = [
    db
      .prepare(
        `INSERT INTO scorecards (id, source_id, key, title, publisher, published_on, url, vocabulary, first_seen_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)
         ON CONFLICT (id) DO UPDATE SET title = ?4, publisher = ?5, published_on = ?6, url = ?7, vocabulary = ?8, last_seen_at = ?9`,
      )
      .bind(s.id, s.source_id, s.key, s.title, s.publisher, s.published_on, s.url, s.vocabulary, observedAt),
  ];
  const upsertCommitment = db.prepare(
    `INSERT INTO commitments (id, scope, key, text, policy_area, target_date, source_url, first_seen_at, last_seen_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
     ON CONFLICT (id) DO UPDATE SET text = ?4, policy_area = ?5, target_date = ?6, source_url = ?7, last_seen_at = ?8`,
  );
  const upsertMembership = db.prepare(
    `INSERT INTO scorecard_commitments (scorecard_id, commitment_id, position) VALUES (?1, ?2, ?3)
     ON CONFLICT (scorecard_id, commitment_id) DO UPDATE SET position = ?3`,
  );
  for (const c of plan.commitments) {
    statements.push(
      upsertCommitment.bind(c.id, c.scope, c.key, c.text, c.policy_area, c.target_date, c.source_url, observedAt),
      upsertMembership.bind(s.id, c.id, c.position),
    );
  }
  const insertObservation = db.prepare(
    `INSERT INTO observations (scorecard_id, commitment_id, dimension, label, vocabulary, band, score, observed_at, snapshot_id, run_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  // A change links the observation just inserted (last_insert_rowid(), same transaction) with
  // the subject's previous rating, found here rather than in memory, so that a batch holding
  // several snapshots' observations links each to the right one.
  const insertChange = db.prepare(
    `INSERT INTO changes (scorecard_id, commitment_id, dimension, from_label, from_band, to_label, to_band,
       from_observation_id, to_observation_id, changed_at, run_id)
     SELECT ?1, ?2, ?3, previous.label, previous.band, ?4, ?5, previous.id, last_insert_rowid(), ?6, ?7
     FROM observations previous WHERE previous.id = (
       SELECT max(id) FROM observations
       WHERE dimension = ?3 AND band IN (${RATING_BAND_LIST}) AND id < last_insert_rowid()
         AND (commitment_id = ?2 OR (?2 IS NULL AND commitment_id IS NULL AND scorecard_id = ?1)))`,
  );
  for (const o of plan.observations) {
    const { label, vocabulary, band, score } = o.rating;
    statements.push(
      insertObservation.bind(
        s.id,
        o.commitment_id,
        o.dimension,
        label,
        vocabulary,
        band,
        score,
        observedAt,
        snapshotId,
        runId,
      ),
    );
    if (o.moved) statements.push(insertChange.bind(s.id, o.commitment_id, o.dimension, label, band, observedAt, runId));
  }
  return statements;
}
