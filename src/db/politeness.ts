// What the fetcher remembers between invocations: robots.txt per origin, and when each host
// may next be asked for something.
import type { PolitenessStore, RobotsRecord } from "../types.ts";

export function d1PolitenessStore(db: D1Database): PolitenessStore {
  return {
    async reserveSlot(host, now, intervalMs) {
      // Atomic, so concurrent invocations queue up behind each other instead of colliding.
      const row = await db
        .prepare(
          `INSERT INTO host_slots (host, next_slot_at) VALUES (?1, ?2 + ?3)
           ON CONFLICT (host) DO UPDATE SET next_slot_at = max(next_slot_at, ?2) + ?3
           RETURNING next_slot_at - ?3 AS slot`,
        )
        .bind(host, now, intervalMs)
        .first<{ slot: number }>();
      return row?.slot ?? now;
    },
    async releaseSlot(host, intervalMs) {
      await db
        .prepare("UPDATE host_slots SET next_slot_at = next_slot_at - ? WHERE host = ?")
        .bind(intervalMs, host)
        .run();
    },
    async getRobots(origin) {
      return db
        .prepare("SELECT status, body, fetched_at FROM robots_cache WHERE origin = ?")
        .bind(origin)
        .first<RobotsRecord>();
    },
    async putRobots(origin, record) {
      await db
        .prepare(
          `INSERT INTO robots_cache (origin, status, body, fetched_at) VALUES (?1, ?2, ?3, ?4)
           ON CONFLICT (origin) DO UPDATE SET status = ?2, body = ?3, fetched_at = ?4`,
        )
        .bind(origin, record.status, record.body, record.fetched_at)
        .run();
    },
  };
}
