// The stored day a deadline passes (commitments.deadline_passes_on, a generated column that the
// change feed walks by index, migration 0018) is the domain's deadlinePassesOn, for every target
// date a rule can write and for strings that name no date at all.
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, inject, it } from "vitest";
import { deadlinePassesOn } from "../domain/deadlines.ts";

const runs = inject("fuzzRuns");
const seed = inject("fuzzSeed");
const two = (n: number) => String(n).padStart(2, "0");

// Years from 1000 (four digits, as rules write them), months and days a little past their ranges.
const targetDate = fc.oneof(
  fc.integer({ min: 1000, max: 9999 }).map(String),
  fc.tuple(fc.integer({ min: 1000, max: 9999 }), fc.integer({ min: 0, max: 13 })).map(([y, m]) => `${y}-${two(m)}`),
  fc
    .tuple(fc.integer({ min: 1000, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }))
    .map(([y, m, d]) => `${y}-${two(m)}-${two(d)}`),
  fc.constantFrom("2024-25", "2025-3", "2025-03-1", "FY2025", "2025 ", " 2025", "2025-02-29", "2024-02-29", ""),
  fc.string({ maxLength: 12 }),
);

async function storedPassesOn(targets: string[]): Promise<(string | null)[]> {
  await env.DB.prepare("DELETE FROM commitments WHERE scope = 'deadline-column'").run();
  const rows = targets.map((target, i) => ({ id: `deadline-column-${i}`, key: String(i), target }));
  await env.DB.prepare(
    `INSERT INTO commitments (id, scope, key, text, target_date, first_seen_at, last_seen_at)
     SELECT j.value ->> 'id', 'deadline-column', j.value ->> 'key', 'a commitment', j.value ->> 'target', '2026-01-01', '2026-01-01'
     FROM json_each(?1) j`,
  )
    .bind(JSON.stringify(rows))
    .run();
  const { results } = await env.DB.prepare(
    "SELECT id, deadline_passes_on FROM commitments WHERE scope = 'deadline-column'",
  ).all<{ id: string; deadline_passes_on: string | null }>();
  const byId = new Map(results.map((r) => [r.id, r.deadline_passes_on]));
  return rows.map((r) => byId.get(r.id) ?? null);
}

describe("commitments.deadline_passes_on", () => {
  it("is deadlinePassesOn of the target date, whatever the target date", { timeout: 20_000 + runs * 25 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(targetDate, { minLength: 1, maxLength: 50 }), async (targets) => {
        expect(await storedPassesOn(targets)).toEqual(targets.map((t) => deadlinePassesOn(t)));
      }),
      { numRuns: runs, seed },
    );
  });

  it("is null without a target date", async () => {
    await env.DB.prepare(
      `INSERT INTO commitments (id, scope, key, text, first_seen_at, last_seen_at)
       VALUES ('undated', 'deadline-column', 'undated', 'a commitment', '2026-01-01', '2026-01-01')`,
    ).run();
    expect(
      await env.DB.prepare("SELECT deadline_passes_on FROM commitments WHERE id = 'undated'").first(
        "deadline_passes_on",
      ),
    ).toBeNull();
  });
});
