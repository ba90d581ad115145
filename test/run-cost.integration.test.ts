// A run records what it cost (migration 0016): wall time, the part spent fetching, and its D1
// statements, which stay the same whatever the number of commitments (rows travel as JSON).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { GMPP_SOURCES, makeAllDue, runCron, seed } from "./helpers.ts";

interface Cost {
  source_id: string;
  outcome: string;
  commitments_seen: number | null;
  duration_ms: number | null;
  fetch_ms: number | null;
  d1_statements: number | null;
}

async function costs(): Promise<Cost[]> {
  const { results } = await env.DB.prepare(
    `SELECT source_id, outcome, commitments_seen, duration_ms, fetch_ms, d1_statements FROM runs
     WHERE trigger = 'cron' ORDER BY id`,
  ).all<Cost>();
  return results;
}

describe("a run's cost", () => {
  it("is recorded, and its D1 statements do not grow with the number of commitments", async () => {
    await seed(GMPP_SOURCES);
    await runCron();
    const applied = await costs();
    expect(applied.map((r) => r.outcome)).toEqual(GMPP_SOURCES.map(() => "ok"));
    for (const run of applied) {
      expect(run.duration_ms, run.source_id).toBeGreaterThanOrEqual(0);
      expect(run.fetch_ms, run.source_id).toBeGreaterThanOrEqual(0);
      expect(run.fetch_ms!, run.source_id).toBeLessThanOrEqual(run.duration_ms!);
    }
    // After the rule's first year (which has no earlier ratings to compare with), years of 189 to
    // 244 projects each take the same number of statements.
    const later = applied.slice(1);
    expect(new Set(later.map((r) => r.commitments_seen)).size).toBeGreaterThan(2);
    expect(new Set(later.map((r) => r.d1_statements)).size, JSON.stringify(applied)).toBe(1);

    await makeAllDue();
    await runCron();
    const unchanged = (await costs()).slice(applied.length);
    expect(unchanged.map((r) => r.outcome)).toEqual(GMPP_SOURCES.map(() => "unchanged"));
    expect(new Set(unchanged.map((r) => r.d1_statements)).size, JSON.stringify(unchanged)).toBe(1);
    expect(unchanged[0]!.d1_statements).toBeLessThan(applied[0]!.d1_statements!);
  }, 60_000);
});
