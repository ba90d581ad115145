// Recreates the snapshots table from the archive alone: every archived document says, in its R2
// custom metadata, which source and step fetched it, from where, when, and how it was answered
// (see ArchiveRecord). `npm run archive:rebuild` runs this; a reprocess then rebuilds the
// history from the recreated snapshots.
import { hasSnapshot, insertRebuiltSnapshot, type SnapshotOrigin } from "../db/runs.ts";
import { getSource } from "../db/sources.ts";
import { ARCHIVE_PREFIX, type ArchiveRecord } from "./archive.ts";

export interface RebuildSummary {
  /** Archived documents looked at. */
  objects: number;
  /** Snapshots recreated. */
  recreated: number;
  /** Snapshots already recorded. */
  present: number;
  /** Objects that cannot be placed, and why (archived before objects carried metadata, or of a source that no longer exists). */
  unplaced: { key: string; reason: string }[];
}

export async function rebuildSnapshotsFromArchive(env: Pick<Env, "DB" | "ARCHIVE">): Promise<RebuildSummary> {
  const summary: RebuildSummary = { objects: 0, recreated: 0, present: 0, unplaced: [] };
  const known = new Map<string, boolean>();
  let cursor: string | undefined;
  do {
    const page = await env.ARCHIVE.list({
      prefix: ARCHIVE_PREFIX,
      cursor,
      include: ["customMetadata", "httpMetadata"],
    });
    for (const object of page.objects) {
      summary.objects++;
      const record = object.customMetadata as Partial<ArchiveRecord> | undefined;
      if (!record?.source || !record.step || !record.url || !record.fetched_at) {
        summary.unplaced.push({ key: object.key, reason: "it carries no record of its fetch" });
        continue;
      }
      if (!known.has(record.source)) known.set(record.source, (await getSource(env.DB, record.source)) !== null);
      if (!known.get(record.source)) {
        summary.unplaced.push({ key: object.key, reason: `its source "${record.source}" does not exist` });
        continue;
      }
      const sha256 = object.key.slice(ARCHIVE_PREFIX.length);
      if (await hasSnapshot(env.DB, record.source, sha256, record.fetched_at)) {
        summary.present++;
        continue;
      }
      await insertRebuiltSnapshot(env.DB, {
        source_id: record.source,
        step: record.step,
        context: record.context || null,
        requested_url: record.requested_url || null,
        url: record.url,
        fetched_at: record.fetched_at,
        http_status: Number(record.http_status ?? 200),
        etag: record.etag || null,
        last_modified: record.last_modified || null,
        content_type: record.content_type || object.httpMetadata?.contentType || null,
        sha256,
        size_bytes: object.size,
        archive_key: object.key,
        origin: (record.origin === "seed-archive" ? "seed-archive" : "live") satisfies SnapshotOrigin,
        sample: record.sample === "true" ? 1 : 0,
      });
      summary.recreated++;
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return summary;
}
