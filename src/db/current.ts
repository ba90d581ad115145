// The tables derived from observations for reads at scale (migration 0014): current_ratings (each
// commitment's latest rating per dimension) and observed_memberships (each scorecard and
// commitment an observation names). Triggers on observations keep them in step with every insert
// and delete; these statements recompute them from observations, for a repair or a check.

const EFFECTIVE = "coalesce(o.effective_on, substr(o.observed_at, 1, 10))";

/**
 * The statements that recompute the derived rows of the commitments a source's scorecards hold
 * or held, or of every commitment when `sourceIds` is undefined. Run them in one batch.
 */
export function rebuildCurrentRatingsStatements(db: D1Database, sourceIds?: string[]): D1PreparedStatement[] {
  // A commitment's current rating may come from another source's scorecard, so whole commitments are recomputed.
  const affected =
    sourceIds === undefined
      ? "SELECT id FROM commitments"
      : `SELECT commitment_id FROM observed_memberships WHERE scorecard_id IN (
           SELECT id FROM scorecards WHERE source_id IN (SELECT value FROM json_each(?1)))
         UNION SELECT commitment_id FROM observations WHERE scorecard_id IN (
           SELECT id FROM scorecards WHERE source_id IN (SELECT value FROM json_each(?1)))
         UNION SELECT m.commitment_id FROM scorecard_commitments m JOIN scorecards s ON s.id = m.scorecard_id
           WHERE s.source_id IN (SELECT value FROM json_each(?1))`;
  const bind = (statement: D1PreparedStatement) =>
    sourceIds === undefined ? statement : statement.bind(JSON.stringify(sourceIds));
  return [
    bind(db.prepare(`DELETE FROM current_ratings WHERE commitment_id IN (${affected})`)),
    bind(db.prepare(`DELETE FROM observed_memberships WHERE commitment_id IN (${affected})`)),
    bind(
      db.prepare(
        `INSERT INTO current_ratings (commitment_id, dimension, observation_id, effective_on, band, vocabulary, score)
         SELECT commitment_id, dimension, id, effective, band, vocabulary, score FROM (
           SELECT o.commitment_id, o.dimension, o.id, o.band, o.vocabulary, o.score, ${EFFECTIVE} AS effective,
                  row_number() OVER (PARTITION BY o.commitment_id, o.dimension ORDER BY ${EFFECTIVE} DESC, o.id DESC) AS n
           FROM observations o WHERE o.commitment_id IN (${affected}))
         WHERE n = 1`,
      ),
    ),
    bind(
      db.prepare(
        `INSERT INTO observed_memberships (commitment_id, scorecard_id, first_effective_on)
         SELECT o.commitment_id, o.scorecard_id, min(${EFFECTIVE}) FROM observations o
         WHERE o.commitment_id IN (${affected}) GROUP BY o.commitment_id, o.scorecard_id`,
      ),
    ),
  ];
}

/** Rows of the derived tables that differ from a recomputation: none, unless something bypassed the triggers. */
export async function driftedCurrentRatings(db: D1Database): Promise<number> {
  const row = await db
    .prepare(
      `WITH expected AS (
         SELECT commitment_id, dimension, id AS observation_id, effective AS effective_on, band, vocabulary, score FROM (
           SELECT o.commitment_id, o.dimension, o.id, o.band, o.vocabulary, o.score, ${EFFECTIVE} AS effective,
                  row_number() OVER (PARTITION BY o.commitment_id, o.dimension ORDER BY ${EFFECTIVE} DESC, o.id DESC) AS n
           FROM observations o WHERE o.commitment_id IS NOT NULL)
         WHERE n = 1),
       members AS (
         SELECT o.commitment_id, o.scorecard_id, min(${EFFECTIVE}) AS first_effective_on FROM observations o
         WHERE o.commitment_id IS NOT NULL GROUP BY o.commitment_id, o.scorecard_id)
       SELECT (SELECT count(*) FROM (SELECT * FROM expected EXCEPT SELECT * FROM current_ratings))
            + (SELECT count(*) FROM (SELECT * FROM current_ratings EXCEPT SELECT * FROM expected))
            + (SELECT count(*) FROM (SELECT * FROM members EXCEPT SELECT * FROM observed_memberships))
            + (SELECT count(*) FROM (SELECT * FROM observed_memberships EXCEPT SELECT * FROM members)) AS n`,
    )
    .first<{ n: number }>();
  return row!.n;
}
