// Editorial overrides: an editor's correction of one rating, shown beside the scraped value,
// which stays in the record untouched. At most one override per rating is in force.
import { type Actor, auditLastInsertStatement } from "./audit.ts";

export interface OverrideRow {
  id: number;
  scorecard_id: string;
  commitment_id: string;
  dimension: string;
  label: string;
  vocabulary: string;
  band: string;
  score: number | null;
  reason: string;
  evidence_url: string;
  created_by: string;
  created_at: string;
  reverted_by: string | null;
  reverted_at: string | null;
  revert_reason: string | null;
}

/** How an override appears beside a rating. */
export interface OverrideView {
  id: number;
  label: string;
  reason: string;
  evidence_url: string;
  by: string;
  at: string;
}

export const overrideView = (o: OverrideRow): OverrideView => ({
  id: o.id,
  label: o.label,
  reason: o.reason,
  evidence_url: o.evidence_url,
  by: o.created_by,
  at: o.created_at,
});

/**
 * A rating as served: the override's label, band and score where one is in force, with the
 * override and the scraped rating beside it; the scraped rating unchanged otherwise.
 */
export function withOverride<R extends { label: string; band: string; score: number | null; vocabulary: string }>(
  scraped: R,
  override: OverrideRow | undefined,
) {
  if (!override) return scraped;
  return {
    ...scraped,
    label: override.label,
    band: override.band,
    score: override.score,
    vocabulary: override.vocabulary,
    override: overrideView(override),
    scraped,
  };
}

/** Where a commitment's rating on a dimension has been observed: each scorecard, with its current scraped label. */
export async function ratedIn(
  db: D1Database,
  commitmentId: string,
  dimension: string,
): Promise<{ scorecard_id: string; vocabulary: string; label: string }[]> {
  const { results } = await db
    .prepare(
      `SELECT scorecard_id, vocabulary, label FROM observations WHERE id IN (
         SELECT max(id) FROM observations WHERE commitment_id = ?1 AND dimension = ?2 GROUP BY scorecard_id)
       ORDER BY scorecard_id`,
    )
    .bind(commitmentId, dimension)
    .all<{ scorecard_id: string; vocabulary: string; label: string }>();
  return results;
}

export async function commitmentExists(db: D1Database, id: string): Promise<boolean> {
  return (await db.prepare("SELECT 1 AS one FROM commitments WHERE id = ?").bind(id).first()) !== null;
}

/** Puts an override in force, ending the one it replaces, with the audit entries, in one batch. */
export async function insertOverride(
  db: D1Database,
  o: Omit<OverrideRow, "id" | "reverted_by" | "reverted_at" | "revert_reason">,
  actor: Actor,
): Promise<{ override: OverrideRow; replaced: OverrideRow | null }> {
  const [replaced, , inserted] = await db.batch([
    db
      .prepare(
        `SELECT * FROM overrides WHERE scorecard_id = ? AND commitment_id = ? AND dimension = ? AND reverted_at IS NULL`,
      )
      .bind(o.scorecard_id, o.commitment_id, o.dimension),
    db
      .prepare(
        `UPDATE overrides SET reverted_at = ?4, reverted_by = ?5, revert_reason = 'replaced by a newer override'
         WHERE scorecard_id = ?1 AND commitment_id = ?2 AND dimension = ?3 AND reverted_at IS NULL`,
      )
      .bind(o.scorecard_id, o.commitment_id, o.dimension, o.created_at, o.created_by),
    db
      .prepare(
        `INSERT INTO overrides (scorecard_id, commitment_id, dimension, label, vocabulary, band, score, reason, evidence_url,
           created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      )
      .bind(
        o.scorecard_id,
        o.commitment_id,
        o.dimension,
        o.label,
        o.vocabulary,
        o.band,
        o.score,
        o.reason,
        o.evidence_url,
        o.created_by,
        o.created_at,
      ),
    auditLastInsertStatement(
      db,
      actor,
      "override.create",
      "override",
      {
        scorecard: o.scorecard_id,
        commitment: o.commitment_id,
        dimension: o.dimension,
        label: o.label,
        reason: o.reason,
        evidence_url: o.evidence_url,
      },
      o.created_at,
    ),
  ]);
  return {
    override: inserted!.results[0] as OverrideRow,
    replaced: (replaced!.results[0] as OverrideRow | undefined) ?? null,
  };
}

export async function getOverride(db: D1Database, id: number): Promise<OverrideRow | null> {
  return db.prepare("SELECT * FROM overrides WHERE id = ?").bind(id).first<OverrideRow>();
}

/** Ends an override in force; null if it was not in force. The revert is recorded on the row and in the audit log. */
export async function revertOverride(
  db: D1Database,
  id: number,
  revert: { at: string; reason: string | null },
  actor: Actor,
): Promise<OverrideRow | null> {
  const [updated] = await db.batch([
    db
      .prepare(
        "UPDATE overrides SET reverted_at = ?, reverted_by = ?, revert_reason = ? WHERE id = ? AND reverted_at IS NULL RETURNING *",
      )
      .bind(revert.at, actor.name, revert.reason, id),
    // Recorded only if the revert happened.
    db
      .prepare(
        `INSERT INTO audit_log (at, actor_id, actor_name, actor_role, action, subject, detail)
         SELECT ?, ?, ?, ?, 'override.revert', ?, ? WHERE changes() > 0`,
      )
      .bind(revert.at, actor.id, actor.name, actor.role, `override:${id}`, JSON.stringify({ reason: revert.reason })),
  ]);
  return (updated!.results[0] as OverrideRow | undefined) ?? null;
}

export async function listOverrides(
  db: D1Database,
  query: {
    commitment?: string | undefined;
    scorecard?: string | undefined;
    state: "in-force" | "reverted" | "all";
    limit: number;
    offset: number;
  },
): Promise<OverrideRow[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM overrides WHERE (?1 IS NULL OR commitment_id = ?1) AND (?2 IS NULL OR scorecard_id = ?2)
         AND (?3 = 'all' OR (?3 = 'in-force') = (reverted_at IS NULL))
       ORDER BY id DESC LIMIT ?4 OFFSET ?5`,
    )
    .bind(query.commitment ?? null, query.scorecard ?? null, query.state, query.limit, query.offset)
    .all<OverrideRow>();
  return results;
}

/** Every override of a commitment's ratings, in force or reverted, oldest first. */
export function overridesOfCommitment(db: D1Database, commitment: string): D1PreparedStatement {
  return db.prepare("SELECT * FROM overrides WHERE commitment_id = ? ORDER BY id").bind(commitment);
}

/**
 * The overrides in force on a day (made by then and not reverted by then), or now when `day` is
 * null, for a scorecard, one commitment, or a list of commitments.
 */
export function overridesInForceOn(
  db: D1Database,
  of: { scorecard: string } | { commitment: string } | { commitments: string[] },
  day: string | null,
): D1PreparedStatement {
  const subject =
    "scorecard" in of
      ? "scorecard_id = ?1"
      : "commitment" in of
        ? "commitment_id = ?1"
        : "commitment_id IN (SELECT value FROM json_each(?1))";
  const value = "scorecard" in of ? of.scorecard : "commitment" in of ? of.commitment : JSON.stringify(of.commitments);
  return db
    .prepare(
      `SELECT * FROM overrides WHERE ${subject}
         AND (?2 IS NULL OR substr(created_at, 1, 10) <= substr(?2, 1, 10))
         AND (reverted_at IS NULL OR (?2 IS NOT NULL AND substr(reverted_at, 1, 10) > substr(?2, 1, 10)))`,
    )
    .bind(value, day);
}
