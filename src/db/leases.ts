// Leases: one scrape or reprocess at a time per commitment scope, across invocations.

/** Takes the lease unless someone else holds an unexpired one. */
export async function acquireLease(db: D1Database, scope: string, holder: string, ttlMs: number): Promise<boolean> {
  const now = Date.now();
  const row = await db
    .prepare(
      `INSERT INTO leases (scope, holder, expires_at) VALUES (?1, ?2, ?3)
       ON CONFLICT (scope) DO UPDATE SET holder = ?2, expires_at = ?3 WHERE leases.expires_at < ?4
       RETURNING holder`,
    )
    .bind(scope, holder, now + ttlMs, now)
    .first<{ holder: string }>();
  return row?.holder === holder;
}

export async function releaseLease(db: D1Database, scope: string, holder: string): Promise<void> {
  await db.prepare("DELETE FROM leases WHERE scope = ? AND holder = ?").bind(scope, holder).run();
}
