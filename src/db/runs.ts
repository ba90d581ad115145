// Runs and snapshots: what each scrape did and what it fetched.
import type { SourceRow } from "./sources.ts";

/** `deferred`: a host was too busy to ask now; the source is tried again at the next tick. */
export type RunOutcome = "ok" | "unchanged" | "failed" | "drift" | "deferred";

/** Where a document came from: the publisher, or the local seed archive (FETCH_MODE=replay). */
export type SnapshotOrigin = "live" | "seed-archive";

export interface RunCounts {
  commitments_seen: number;
  observations_added: number;
  changes_added: number;
}

export interface SnapshotInput {
  source_id: string;
  /** The run that fetched it; null for one recreated from the archive alone. */
  run_id: number | null;
  step: string;
  /** JSON: what earlier steps passed on with the link to this document. */
  context: string | null;
  /** The URL asked for; `url` is where it was found, after any redirect. */
  requested_url: string | null;
  url: string;
  fetched_at: string;
  http_status: number;
  etag: string | null;
  last_modified: string | null;
  content_type: string | null;
  sha256: string;
  size_bytes: number;
  archive_key: string;
  origin: SnapshotOrigin;
  /** 1 where the seeds mark the document a reconstructed sample, not a copy of a published one. */
  sample: 0 | 1;
}

export interface SnapshotRow extends SnapshotInput {
  id: number;
  /** When a reprocess first found its archived document gone; null while it is there. */
  archive_missing_since?: string | null;
}

export async function startRun(db: D1Database, sourceId: string, trigger: string, startedAt: string): Promise<number> {
  const row = await db
    .prepare("INSERT INTO runs (source_id, trigger, started_at) VALUES (?, ?, ?) RETURNING id")
    .bind(sourceId, trigger, startedAt)
    .first<{ id: number }>();
  if (!row) throw new Error("could not record the run");
  return row.id;
}

/**
 * Records a run requested over the API as `queued`, with the audit entry, so that its id exists
 * before the queue delivers it; the job then starts this row (`startQueuedRun`).
 */
export async function queueRun(
  db: D1Database,
  sourceId: string,
  trigger: string,
  requestedAt: string,
  audit: (runId: number, coalesced: boolean) => D1PreparedStatement,
  /** A run of the source in one of these states already answers the request: no second fetch. */
  coalesceWith: readonly ("queued" | "running")[] = ["queued", "running"],
): Promise<{ id: number; coalesced: boolean }> {
  const states = JSON.stringify(coalesceWith);
  // One statement, so that two requests at once cannot both insert.
  const inserted = await db
    .prepare(
      `INSERT INTO runs (source_id, trigger, started_at, outcome)
       SELECT ?1, ?2, ?3, 'queued'
       WHERE NOT EXISTS (SELECT 1 FROM runs WHERE source_id = ?1 AND outcome IN (SELECT value FROM json_each(?4)))
       RETURNING id`,
    )
    .bind(sourceId, trigger, requestedAt, states)
    .first<{ id: number }>();
  const existing =
    inserted ??
    (await db
      .prepare(
        "SELECT id FROM runs WHERE source_id = ? AND outcome IN (SELECT value FROM json_each(?)) ORDER BY id DESC LIMIT 1",
      )
      .bind(sourceId, states)
      .first<{ id: number }>());
  if (!existing) throw new Error("could not record the run");
  const run = { id: existing.id, coalesced: inserted === null };
  await audit(run.id, run.coalesced).run();
  return run;
}

/** Starts a queued run; false if it is no longer queued (abandoned, or already started). */
export async function startQueuedRun(
  db: D1Database,
  runId: number,
  sourceId: string,
  startedAt: string,
): Promise<boolean> {
  const row = await db
    .prepare(
      "UPDATE runs SET outcome = 'running', started_at = ? WHERE id = ? AND source_id = ? AND outcome = 'queued' RETURNING id",
    )
    .bind(startedAt, runId, sourceId)
    .first<{ id: number }>();
  return row !== null;
}

/** Ends a queued run that will never start (its source was disabled or deleted meanwhile). */
export async function dropQueuedRun(db: D1Database, runId: number, reason: string): Promise<void> {
  await db
    .prepare("UPDATE runs SET outcome = 'failed', finished_at = ?, error = ? WHERE id = ? AND outcome = 'queued'")
    .bind(new Date().toISOString(), reason, runId)
    .run();
}

export async function insertSnapshot(db: D1Database, snapshot: SnapshotInput): Promise<number> {
  const s = snapshot;
  const row = await db
    .prepare(
      `INSERT INTO snapshots (source_id, run_id, step, context, requested_url, url, fetched_at, http_status, etag, last_modified,
         content_type, sha256, size_bytes, archive_key, origin, sample)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    )
    .bind(
      s.source_id,
      s.run_id,
      s.step,
      s.context,
      s.requested_url,
      s.url,
      s.fetched_at,
      s.http_status,
      s.etag,
      s.last_modified,
      s.content_type,
      s.sha256,
      s.size_bytes,
      s.archive_key,
      s.origin,
      s.sample,
    )
    .first<{ id: number }>();
  if (!row) throw new Error("could not record the snapshot");
  return row.id;
}

/**
 * Says where documents answered from the local seed archive came from, for snapshots recorded
 * before snapshots kept their origin (migration 0004 recorded them as live): a snapshot of a
 * seeded URL with the seeded document's exact bytes.
 */
export async function markSeededSnapshots(
  db: D1Database,
  documents: { url: string; sha256: string; sample: boolean }[],
): Promise<void> {
  if (documents.length === 0) return;
  await db
    .prepare(
      `UPDATE snapshots SET origin = 'seed-archive', sample = j.value ->> 'sample'
       FROM json_each(?1) j
       WHERE snapshots.origin = 'live' AND snapshots.sample = 0 AND snapshots.http_status = 200
         AND coalesce(snapshots.requested_url, snapshots.url) = j.value ->> 'url' AND snapshots.sha256 = j.value ->> 'sha256'`,
    )
    .bind(JSON.stringify(documents.map((d) => ({ ...d, sample: d.sample ? 1 : 0 }))))
    .run();
}

/** Runs still "running" long after any invocation could have ended were cut off: say so. */
export async function abandonStaleRuns(db: D1Database, startedBefore: string, now: string): Promise<void> {
  await db
    .prepare(
      `UPDATE runs SET outcome = 'failed', finished_at = ?2, error = 'abandoned: the invocation ended before the run did'
       WHERE outcome IN ('running', 'queued') AND started_at < ?1`,
    )
    .bind(startedBefore, now)
    .run();
}

export interface RunRow {
  id: number;
  trigger: string;
  started_at: string;
  finished_at: string | null;
  outcome: string;
  commitments_seen: number | null;
  observations_added: number | null;
  changes_added: number | null;
  error: string | null;
  failed_check: string | null;
  /** What the run cost (RunCost); null for runs recorded before migration 0016, and while running. */
  duration_ms: number | null;
  fetch_ms: number | null;
  d1_statements: number | null;
}

export async function listRecentRuns(db: D1Database, sourceId: string, limit: number): Promise<RunRow[]> {
  const { results } = await db
    .prepare(
      `SELECT id, trigger, started_at, finished_at, outcome, commitments_seen, observations_added, changes_added, error, failed_check,
              duration_ms, fetch_ms, d1_statements
       FROM runs WHERE source_id = ? ORDER BY id DESC LIMIT ?`,
    )
    .bind(sourceId, limit)
    .all<RunRow>();
  return results;
}

/** The last snapshot a run recorded, if any. */
export async function lastSnapshotOfRun(db: D1Database, runId: number): Promise<number | null> {
  const row = await db
    .prepare("SELECT max(id) AS id FROM snapshots WHERE run_id = ?")
    .bind(runId)
    .first<{ id: number | null }>();
  return row?.id ?? null;
}

/** The latest document a rule step fetched for a source: its validators make the next request conditional. */
/** Marks snapshots whose archived document a reprocess found gone; the first notice stays. */
export function markArchiveMissingStatement(db: D1Database, snapshotIds: number[], at: string): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE snapshots SET archive_missing_since = coalesce(archive_missing_since, ?2)
       WHERE id IN (SELECT value FROM json_each(?1))`,
    )
    .bind(JSON.stringify(snapshotIds), at);
}

export async function lastSnapshotOfStep(db: D1Database, sourceId: string, step: string): Promise<SnapshotRow | null> {
  return db
    .prepare("SELECT * FROM snapshots WHERE source_id = ? AND step = ? ORDER BY id DESC LIMIT 1")
    .bind(sourceId, step)
    .first<SnapshotRow>();
}

/**
 * What the source's data currently comes from: the hashes of the documents its last
 * successful scrape extracted (a reprocess fetches nothing, so it does not count), and how
 * many commitments its last good scrape found.
 */
export async function lastAppliedState(
  db: D1Database,
  sourceId: string,
  extractStep: string,
): Promise<{ documents: { sha256: string; context: string | null }[]; commitments: number | null }> {
  const [documents, good] = await db.batch([
    db
      .prepare(
        `SELECT s.sha256, s.context FROM snapshots s WHERE s.step = ?2 AND s.run_id = (
           SELECT id FROM runs WHERE source_id = ?1 AND outcome IN ('ok', 'unchanged') AND trigger != 'reprocess'
           ORDER BY id DESC LIMIT 1)`,
      )
      .bind(sourceId, extractStep),
    db
      .prepare(
        "SELECT commitments_seen FROM runs WHERE source_id = ? AND outcome = 'ok' AND trigger != 'reprocess' ORDER BY id DESC LIMIT 1",
      )
      .bind(sourceId),
  ]);
  return {
    documents: documents!.results as { sha256: string; context: string | null }[],
    commitments: (good!.results[0] as { commitments_seen: number } | undefined)?.commitments_seen ?? null,
  };
}

/** Every document a rule's extract step read for these sources, oldest first, skipping repeats. */
export async function extractedSnapshots(
  db: D1Database,
  sourceIds: string[],
  extractStep: string,
): Promise<SnapshotRow[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM snapshots WHERE step = ? AND http_status = 200
       AND source_id IN (SELECT value FROM json_each(?)) ORDER BY fetched_at, id`,
    )
    .bind(extractStep, JSON.stringify(sourceIds))
    .all<SnapshotRow>();
  const last = new Map<string, string>();
  return results.filter((s) => {
    const version = `${s.sha256} ${s.context ?? ""}`;
    const repeat = last.get(s.source_id) === version;
    last.set(s.source_id, version);
    return !repeat;
  });
}

/**
 * What a run cost, recorded when it closes. Wall time, as Workers show no CPU time to the code
 * (and their clock moves only across I/O): from the run's start to its closing batch, and the
 * part spent waiting on fetches; `statements` counts the D1 statements run before the closing
 * batch and those in it beside the closing ones.
 */
export interface RunCost {
  durationMs: number;
  fetchMs: number;
  statements: number;
}

/**
 * The statements that close a run and, for a scrape, update its source's health. They are
 * returned, not run, so that a successful run can close in the same batch as its writes.
 * A reprocess fetches nothing, so it says nothing of the source's health.
 */
export function finishRunStatements(
  db: D1Database,
  source: Pick<SourceRow, "id">,
  run: {
    id: number;
    outcome: RunOutcome;
    finishedAt: string;
    snapshotId: number | null;
    counts?: RunCounts;
    error?: string;
    failedCheck?: string;
    cost?: RunCost;
  },
  options: { health: boolean } = { health: true },
): D1PreparedStatement[] {
  const succeeded = run.outcome === "ok" || run.outcome === "unchanged";
  const counts = run.counts;
  // A deferred run never asked the source anything, so it says nothing of its health.
  const health = options.health && run.outcome !== "deferred";
  const statements = [
    db
      .prepare(
        `UPDATE runs SET finished_at = ?, outcome = ?, snapshot_id = ?, commitments_seen = ?, observations_added = ?,
         changes_added = ?, error = ?, failed_check = ?, duration_ms = ?, fetch_ms = ?, d1_statements = ? WHERE id = ?`,
      )
      .bind(
        run.finishedAt,
        run.outcome,
        run.snapshotId,
        counts?.commitments_seen ?? null,
        counts?.observations_added ?? null,
        counts?.changes_added ?? null,
        run.error ?? null,
        run.failedCheck ?? null,
        run.cost?.durationMs ?? null,
        run.cost?.fetchMs ?? null,
        // These closing statements are part of the run too.
        run.cost ? run.cost.statements + (health ? 2 : 1) : null,
        run.id,
      ),
  ];
  if (health) {
    statements.push(
      succeeded
        ? db
            .prepare(
              `UPDATE sources SET last_run_at = ?1, last_success_at = ?1, last_outcome = ?2, consecutive_failures = 0,
               last_error = NULL, last_failed_check = NULL WHERE id = ?3`,
            )
            .bind(run.finishedAt, run.outcome, source.id)
        : db
            .prepare(
              `UPDATE sources SET last_run_at = ?1, last_outcome = ?2, consecutive_failures = consecutive_failures + 1,
               last_error = ?3, last_failed_check = ?4 WHERE id = ?5`,
            )
            .bind(run.finishedAt, run.outcome, run.error ?? null, run.failedCheck ?? null, source.id),
    );
  }
  return statements;
}

export async function finishRun(...args: Parameters<typeof finishRunStatements>): Promise<void> {
  await args[0].batch(finishRunStatements(...args));
}

/** One run, with its source: what `GET /v1/runs/:id` serves. */
export async function getRun(db: D1Database, id: number): Promise<(RunRow & { source_id: string }) | null> {
  return db
    .prepare(
      `SELECT id, source_id, trigger, started_at, finished_at, outcome, commitments_seen, observations_added, changes_added,
              error, failed_check, duration_ms, fetch_ms, d1_statements FROM runs WHERE id = ?`,
    )
    .bind(id)
    .first<RunRow & { source_id: string }>();
}

/**
 * Fails, at once, the runs of a source that an earlier delivery of its job left running: the
 * invocation was cut off (out of memory, out of time, or killed), and that is the source's
 * failure, counted as one. Returns how many there were.
 */
export async function failInterruptedRuns(
  db: D1Database,
  sourceId: string,
  now: string,
  reason: string,
): Promise<number> {
  const [closed] = await db.batch<{ id: number }>([
    db
      .prepare(
        "UPDATE runs SET outcome = 'failed', finished_at = ?1, error = ?2 WHERE source_id = ?3 AND outcome = 'running' RETURNING id",
      )
      .bind(now, reason, sourceId),
    db
      .prepare(
        `UPDATE sources SET last_run_at = ?1, last_outcome = 'failed', consecutive_failures = consecutive_failures + 1,
         last_error = ?2, last_failed_check = NULL
         WHERE id = ?3 AND EXISTS (SELECT 1 FROM runs WHERE source_id = ?3 AND finished_at = ?1 AND error = ?2)`,
      )
      .bind(now, reason, sourceId),
  ]);
  return closed?.results.length ?? 0;
}

/** Whether a source already has a snapshot of these bytes fetched at that time. */
export async function hasSnapshot(
  db: D1Database,
  sourceId: string,
  sha256: string,
  fetchedAt: string,
): Promise<boolean> {
  const row = await db
    .prepare("SELECT 1 AS found FROM snapshots WHERE source_id = ? AND sha256 = ? AND fetched_at = ?")
    .bind(sourceId, sha256, fetchedAt)
    .first();
  return row !== null;
}

/** A snapshot recreated from the archive alone (`npm run archive:rebuild`): it belongs to no run. */
export async function insertRebuiltSnapshot(db: D1Database, snapshot: Omit<SnapshotInput, "run_id">): Promise<void> {
  await insertSnapshot(db, { ...snapshot, run_id: null });
}
