// Runs and snapshots: what each scrape did and what it fetched.
import type { SourceRow } from "./sources.ts";

export type RunOutcome = "ok" | "unchanged" | "failed" | "drift";

export interface RunCounts {
  commitments_seen: number;
  observations_added: number;
  changes_added: number;
}

export interface SnapshotInput {
  source_id: string;
  url: string;
  fetched_at: string;
  http_status: number;
  etag: string | null;
  last_modified: string | null;
  content_type: string | null;
  sha256: string;
  size_bytes: number;
  archive_key: string;
}

export interface SnapshotRow extends SnapshotInput {
  id: number;
}

export async function startRun(db: D1Database, sourceId: string, trigger: string, startedAt: string): Promise<number> {
  const row = await db
    .prepare("INSERT INTO runs (source_id, trigger, started_at) VALUES (?, ?, ?) RETURNING id")
    .bind(sourceId, trigger, startedAt)
    .first<{ id: number }>();
  if (!row) throw new Error("could not record the run");
  return row.id;
}

export async function insertSnapshot(db: D1Database, snapshot: SnapshotInput): Promise<number> {
  const s = snapshot;
  const row = await db
    .prepare(
      `INSERT INTO snapshots (source_id, url, fetched_at, http_status, etag, last_modified, content_type, sha256, size_bytes, archive_key)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    )
    .bind(s.source_id, s.url, s.fetched_at, s.http_status, s.etag, s.last_modified, s.content_type, s.sha256, s.size_bytes, s.archive_key)
    .first<{ id: number }>();
  if (!row) throw new Error("could not record the snapshot");
  return row.id;
}

/** The snapshot that the source's data currently comes from: that of its last successful run. */
export async function lastAppliedSnapshot(db: D1Database, sourceId: string): Promise<SnapshotRow | null> {
  return db
    .prepare(
      `SELECT s.* FROM runs r JOIN snapshots s ON s.id = r.snapshot_id
       WHERE r.source_id = ? AND r.outcome IN ('ok', 'unchanged')
       ORDER BY r.id DESC LIMIT 1`,
    )
    .bind(sourceId)
    .first<SnapshotRow>();
}

/**
 * The statements that close a run and update its source's health. They are returned, not run,
 * so that a successful run can close in the same batch as its writes.
 */
export function finishRunStatements(
  db: D1Database,
  source: Pick<SourceRow, "id">,
  run: { id: number; outcome: RunOutcome; finishedAt: string; snapshotId: number | null; counts?: RunCounts; error?: string },
): D1PreparedStatement[] {
  const succeeded = run.outcome === "ok" || run.outcome === "unchanged";
  const counts = run.counts;
  return [
    db
      .prepare(
        `UPDATE runs SET finished_at = ?, outcome = ?, snapshot_id = ?, commitments_seen = ?, observations_added = ?,
         changes_added = ?, error = ? WHERE id = ?`,
      )
      .bind(
        run.finishedAt,
        run.outcome,
        run.snapshotId,
        counts?.commitments_seen ?? null,
        counts?.observations_added ?? null,
        counts?.changes_added ?? null,
        run.error ?? null,
        run.id,
      ),
    succeeded
      ? db
          .prepare(
            `UPDATE sources SET last_run_at = ?1, last_success_at = ?1, last_outcome = ?2, consecutive_failures = 0,
             last_error = NULL WHERE id = ?3`,
          )
          .bind(run.finishedAt, run.outcome, source.id)
      : db
          .prepare(
            `UPDATE sources SET last_run_at = ?1, last_outcome = ?2, consecutive_failures = consecutive_failures + 1,
             last_error = ?3 WHERE id = ?4`,
          )
          .bind(run.finishedAt, run.outcome, run.error ?? null, source.id),
  ];
}

export async function finishRun(
  db: D1Database,
  source: Pick<SourceRow, "id">,
  run: Parameters<typeof finishRunStatements>[2],
): Promise<void> {
  await db.batch(finishRunStatements(db, source, run));
}
