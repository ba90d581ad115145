// The tables derived from observations (migration 0014: current_ratings, observed_memberships)
// agree exactly with a recomputation from observations after runs, a reprocess and a rebuild,
// because triggers write them in the same statement as the observations they derive from.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { driftedCurrentRatings, rebuildCurrentRatingsStatements } from "../src/db/current.ts";
import { reprocessSource } from "../src/pipeline/reprocess.ts";
import { count, GMPP_SOURCES, HSC_SOURCES, runCron, seed } from "./helpers.ts";

describe("current ratings and observed memberships", () => {
  it("follow every observation written or deleted, and rebuild to the same rows", async () => {
    await seed([...HSC_SOURCES.slice(0, 3), ...GMPP_SOURCES.slice(0, 2)]);
    await runCron();
    expect(await count("current_ratings")).toBeGreaterThan(0);
    expect(await count("observed_memberships")).toBeGreaterThan(0);
    expect(await driftedCurrentRatings(env.DB)).toBe(0);

    // A reprocess deletes and rewrites a source's observations.
    await reprocessSource(env, GMPP_SOURCES[0]!);
    expect(await driftedCurrentRatings(env.DB)).toBe(0);

    const before = await env.DB.prepare("SELECT * FROM current_ratings ORDER BY commitment_id, dimension").all();
    await env.DB.batch(rebuildCurrentRatingsStatements(env.DB, [GMPP_SOURCES[1]!]));
    expect(await driftedCurrentRatings(env.DB)).toBe(0);
    await env.DB.batch(rebuildCurrentRatingsStatements(env.DB));
    expect(await driftedCurrentRatings(env.DB)).toBe(0);
    const after = await env.DB.prepare("SELECT * FROM current_ratings ORDER BY commitment_id, dimension").all();
    expect(after.results).toEqual(before.results);
  }, 60_000);

  it("a deleted current observation gives way to the one before it", async () => {
    await seed(GMPP_SOURCES.slice(0, 2));
    await runCron();
    const newest = (await env.DB.prepare(
      `SELECT r.commitment_id, r.dimension, r.observation_id FROM current_ratings r
       WHERE (SELECT count(*) FROM observations o WHERE o.commitment_id = r.commitment_id AND o.dimension = r.dimension) > 1
       ORDER BY r.commitment_id LIMIT 1`,
    ).first<{ commitment_id: string; dimension: string; observation_id: number }>())!;
    await env.DB.batch([
      env.DB.prepare("DELETE FROM changes WHERE to_observation_id = ?1 OR from_observation_id = ?1").bind(
        newest.observation_id,
      ),
      env.DB.prepare("DELETE FROM observations WHERE id = ?1").bind(newest.observation_id),
    ]);
    const now = await env.DB.prepare(
      "SELECT observation_id FROM current_ratings WHERE commitment_id = ?1 AND dimension = ?2",
    )
      .bind(newest.commitment_id, newest.dimension)
      .first<{ observation_id: number }>();
    expect(now!.observation_id).not.toBe(newest.observation_id);
    expect(await driftedCurrentRatings(env.DB)).toBe(0);
  }, 60_000);
});
