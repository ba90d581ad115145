// Sources: what to scrape, and how that has been going.

export interface SourceRow {
  id: string;
  rule_id: string;
  url: string;
  title: string;
  schedule: string;
  enabled: number;
  next_run_at: string | null;
  last_run_at: string | null;
  last_success_at: string | null;
  last_outcome: string | null;
  consecutive_failures: number;
  last_error: string | null;
  last_failed_check: string | null;
}

export interface SourceInput {
  id: string;
  rule_id: string;
  url: string;
  title: string;
  schedule: string;
  enabled?: boolean;
}

const UPSERT_SOURCE = `INSERT INTO sources (id, rule_id, url, title, schedule, enabled) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
  ON CONFLICT (id) DO UPDATE SET rule_id = ?2, url = ?3, title = ?4, schedule = ?5, enabled = ?6`;

const sourceValues = (s: SourceInput) => [s.id, s.rule_id, s.url, s.title, s.schedule, s.enabled === false ? 0 : 1];

/** Adds sources or updates what they point at; their health and run history are kept. */
export async function upsertSources(db: D1Database, sources: SourceInput[]): Promise<void> {
  if (sources.length === 0) return;
  const upsert = db.prepare(UPSERT_SOURCE);
  await db.batch(sources.map((s) => upsert.bind(...sourceValues(s))));
}

/** The same upserts as a SQL script, for `wrangler d1 execute --remote --file`. */
export function upsertSourcesScript(sources: SourceInput[]): string {
  const literal = (value: string | number) =>
    typeof value === "number" ? String(value) : `'${value.replaceAll("'", "''")}'`;
  return sources
    .map((s) => {
      const values = sourceValues(s);
      return `${UPSERT_SOURCE.replace(/\?(\d)/g, (_, n: string) => literal(values[Number(n) - 1]!))};\n`;
    })
    .join("");
}

export async function listSources(db: D1Database): Promise<SourceRow[]> {
  const { results } = await db.prepare("SELECT * FROM sources ORDER BY id").all<SourceRow>();
  return results;
}

export async function getSource(db: D1Database, id: string): Promise<SourceRow | null> {
  return db.prepare("SELECT * FROM sources WHERE id = ?").bind(id).first<SourceRow>();
}

/** Documents of a source gone from the archive (their observations kept): how many, and since when. */
export interface ArchiveGap {
  documents: number;
  since: string;
}

/** Each source's archive gap, for one source or all; a source with none is absent. */
export async function archiveGaps(db: D1Database, sourceId?: string): Promise<Map<string, ArchiveGap>> {
  const { results } = await db
    .prepare(
      `SELECT source_id, count(DISTINCT archive_key) AS documents, min(archive_missing_since) AS since
       FROM snapshots WHERE archive_missing_since IS NOT NULL AND (?1 IS NULL OR source_id = ?1) GROUP BY source_id`,
    )
    .bind(sourceId ?? null)
    .all<ArchiveGap & { source_id: string }>();
  return new Map(results.map(({ source_id, ...gap }) => [source_id, gap]));
}

export async function listSourcesOfRule(db: D1Database, ruleId: string): Promise<SourceRow[]> {
  const { results } = await db
    .prepare("SELECT * FROM sources WHERE rule_id = ? ORDER BY id")
    .bind(ruleId)
    .all<SourceRow>();
  return results;
}

export async function listDueSources(db: D1Database, now: string): Promise<SourceRow[]> {
  const { results } = await db
    .prepare("SELECT * FROM sources WHERE enabled = 1 AND (next_run_at IS NULL OR next_run_at <= ?) ORDER BY id")
    .bind(now)
    .all<SourceRow>();
  return results;
}

/**
 * Claims due sources by moving their next run forward, in one round trip. Returns the ids
 * claimed here: one another invocation claimed first is left out, so two overlapping ticks
 * never scrape the same source twice.
 */
export async function claimSources(
  db: D1Database,
  claims: { id: string; nextRunAt: string }[],
  now: string,
): Promise<string[]> {
  if (claims.length === 0) return [];
  const claim = db.prepare(
    `UPDATE sources SET next_run_at = ?3
     WHERE id = ?1 AND enabled = 1 AND (next_run_at IS NULL OR next_run_at <= ?2) RETURNING id`,
  );
  const results = await db.batch<{ id: string }>(claims.map(({ id, nextRunAt }) => claim.bind(id, now, nextRunAt)));
  return results.flatMap((result) => result.results.map((row) => row.id));
}

/** Makes claimed sources due again, when their jobs could not be enqueued. */
export async function releaseClaims(db: D1Database, ids: string[]): Promise<void> {
  await db
    .prepare("UPDATE sources SET next_run_at = NULL WHERE id IN (SELECT value FROM json_each(?))")
    .bind(JSON.stringify(ids))
    .run();
}

export async function countSourceHealth(db: D1Database): Promise<{ total: number; failing: number }> {
  const row = await db
    .prepare(
      "SELECT count(*) AS total, coalesce(sum(consecutive_failures > 0), 0) AS failing FROM sources WHERE enabled = 1",
    )
    .first<{ total: number; failing: number }>();
  return row ?? { total: 0, failing: 0 };
}

/** Adds one source, due at the next tick, with its audit entry in the same batch; false if its id is taken. */
export async function insertSource(db: D1Database, source: SourceInput, audit: D1PreparedStatement): Promise<boolean> {
  try {
    await db.batch([
      db
        .prepare("INSERT INTO sources (id, rule_id, url, title, schedule, enabled) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .bind(...sourceValues(source)),
      audit,
    ]);
    return true;
  } catch (error) {
    // The batch is one transaction: a taken id records nothing, not even the audit entry.
    if (error instanceof Error && /UNIQUE constraint failed: sources\.id/.test(error.message)) return false;
    throw error;
  }
}

export async function sourceIdsWithUrl(db: D1Database, ruleId: string, url: string): Promise<string[]> {
  const { results } = await db
    .prepare("SELECT id FROM sources WHERE rule_id = ? AND url = ? ORDER BY id")
    .bind(ruleId, url)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/** Changes a source's title, schedule or whether it runs, with the audit entry, in one batch. */
export async function updateSource(
  db: D1Database,
  id: string,
  changes: { title?: string | undefined; schedule?: string | undefined; enabled?: boolean | undefined },
  audit: D1PreparedStatement,
): Promise<SourceRow | null> {
  const [updated] = await db.batch([
    db
      .prepare(
        `UPDATE sources SET title = coalesce(?2, title), schedule = coalesce(?3, schedule), enabled = coalesce(?4, enabled),
           -- a schedule changed, or a source enabled again, is due at the next tick
           next_run_at = CASE WHEN ?3 IS NOT NULL OR (?4 = 1 AND enabled = 0) THEN NULL ELSE next_run_at END
         WHERE id = ?1 RETURNING *`,
      )
      .bind(
        id,
        changes.title ?? null,
        changes.schedule ?? null,
        changes.enabled === undefined ? null : changes.enabled ? 1 : 0,
      ),
    audit,
  ]);
  return (updated!.results[0] as SourceRow | undefined) ?? null;
}
