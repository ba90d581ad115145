import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { dataTables, type Query } from "../src/db/backup.ts";
import { ARCHIVE_PREFIX } from "../src/pipeline/archive.ts";
import { rebuildSnapshotsFromArchive } from "../src/pipeline/archive-rebuild.ts";
import { reprocessSource } from "../src/pipeline/reprocess.ts";
import { runCron, seed } from "./helpers.ts";

const SOURCES = ["hsc-expert-panel-hc-780", "gmpp-2024-25"];
const query: Query = async (sql) => (await env.DB.prepare(sql).all<Record<string, unknown>>()).results;

const SNAPSHOT_FIELDS = `source_id, step, context, requested_url, url, fetched_at, http_status, etag, last_modified,
  content_type, sha256, size_bytes, archive_key, origin, sample`;

async function snapshots() {
  return (await env.DB.prepare(`SELECT ${SNAPSHOT_FIELDS} FROM snapshots ORDER BY fetched_at, sha256`).all()).results;
}

async function ratings() {
  return (
    await env.DB.prepare(
      "SELECT scorecard_id, commitment_id, dimension, label, band FROM observations ORDER BY scorecard_id, commitment_id, dimension, id",
    ).all()
  ).results;
}

describe("the archive describes itself", () => {
  it("every archived document carries its source, step, URL, fetch time, status and content type", async () => {
    await seed(SOURCES);
    await runCron();
    const listed = await env.ARCHIVE.list({ prefix: ARCHIVE_PREFIX, include: ["customMetadata"] });
    expect(listed.objects.length).toBe(3); // the Expert Panel page, the GMPP item and its CSV
    for (const object of listed.objects) {
      expect(object.customMetadata).toMatchObject({
        source: expect.stringMatching(/^(hsc-expert-panel-hc-780|gmpp-2024-25)$/),
        step: expect.stringMatching(/^(report|publication|projects)$/),
        url: expect.stringMatching(/^https:\/\//),
        fetched_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        http_status: "200",
        content_type: expect.stringMatching(/./),
        origin: "seed-archive",
      });
    }
  });

  it(
    "npm run archive:rebuild recreates the snapshots from the archive alone, and a reprocess the history",
    { timeout: 30_000 },
    async () => {
      await seed(SOURCES);
      await runCron();
      const before = await snapshots();
      const history = await ratings();
      expect(history.length).toBeGreaterThan(0);

      // D1 is lost: every table emptied; only the source list comes back (it is data in seeds/).
      const tables = (await dataTables(query)).reverse();
      await env.DB.batch([
        env.DB.prepare("PRAGMA defer_foreign_keys = on"),
        ...tables.map((t) => env.DB.prepare(`DELETE FROM "${t.name}"`)),
      ]);
      await seed(SOURCES);

      const summary = await rebuildSnapshotsFromArchive(env);
      expect(summary).toEqual({ objects: 3, recreated: 3, present: 0, unplaced: [] });
      expect(await snapshots()).toEqual(before);
      // Running it again finds them all present.
      expect(await rebuildSnapshotsFromArchive(env)).toMatchObject({ recreated: 0, present: 3 });

      for (const source of SOURCES) expect((await reprocessSource(env, source)).outcome).toBe("ok");
      expect(await ratings()).toEqual(history);
    },
  );

  it("says which objects it cannot place", async () => {
    await env.ARCHIVE.put(`${ARCHIVE_PREFIX}0000`, "old", {});
    await env.ARCHIVE.put(`${ARCHIVE_PREFIX}0001`, "orphan", {
      customMetadata: { source: "gone", step: "report", url: "https://x.example/", fetched_at: "2024-01-01T00:00:00Z" },
    });
    const summary = await rebuildSnapshotsFromArchive(env);
    expect(summary.unplaced).toEqual([
      { key: `${ARCHIVE_PREFIX}0000`, reason: "it carries no record of its fetch" },
      { key: `${ARCHIVE_PREFIX}0001`, reason: 'its source "gone" does not exist' },
    ]);
  });
});
