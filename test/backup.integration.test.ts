import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { dataTables, exportDatabase, importStatements, nonEmptyTables, type Query } from "../src/db/backup.ts";
import { upsertSources } from "../src/db/sources.ts";
import { count, makeAllDue, publish, runCron, seed, seedPage, seedUrl } from "./helpers.ts";

const HC_780_ID = "hsc-expert-panel-hc-780";

const query: Query = async (sql) => (await env.DB.prepare(sql).all<Record<string, unknown>>()).results;

async function exportLines(pageSize?: number): Promise<string> {
  const lines: string[] = [];
  await exportDatabase(query, (line) => void lines.push(line), pageSize);
  return lines.join("\n") + "\n";
}

/** Empties every data table, as a fresh database with the same migrations would be. */
async function emptyDatabase(): Promise<void> {
  const tables = (await dataTables(query)).reverse();
  await env.DB.batch([
    env.DB.prepare("PRAGMA defer_foreign_keys = on"),
    ...tables.map((t) => env.DB.prepare(`DELETE FROM "${t.name}"`)),
  ]);
}

describe("export and import (JSON Lines)", () => {
  it("round-trips byte for byte: export → import into an empty database → export", { timeout: 30_000 }, async () => {
    await seed([HC_780_ID, "gmpp-2024-25", "gmpp-2025-26"]);
    await runCron();
    // A rating moves, so that there are change events to carry over.
    await publish(seedUrl(HC_780_ID), seedPage(HC_780_ID).replace(/Inadequate(?![\s\S]*Overall)/, "Good"));
    await makeAllDue();
    await runCron();
    // Text that tests the quoting: quotes, a newline, non-ASCII, an emoji, a backslash.
    await upsertSources(env.DB, [
      {
        id: "awkward",
        rule_id: "hsc-expert-panel",
        url: "https://publications.parliament.uk/a'b\"c.html",
        title: 'It\'s "quoted"\nacross lines – café 🎉 \\ done',
        schedule: "7d",
      },
    ]);
    expect(await count("changes")).toBeGreaterThan(0);

    // Small pages, so that paging is exercised too.
    const first = await exportLines(37);
    expect(await exportLines()).toBe(first); // the same database exports the same bytes
    const lines = first.trimEnd().split("\n");
    const header = JSON.parse(lines[0]!) as { scorecard_export: number; tables: string[] };
    expect(header.scorecard_export).toBe(1);
    expect(header.tables.indexOf("sources")).toBeLessThan(header.tables.indexOf("scorecards"));
    expect(header.tables.indexOf("observations")).toBeLessThan(header.tables.indexOf("changes"));
    expect(header.tables).not.toContain("d1_migrations");
    // Derived tables are left out: importing the observations rebuilds them (migration 0014's triggers).
    expect(header.tables).not.toContain("current_ratings");
    expect(header.tables).not.toContain("observed_memberships");
    const derived = async () => [
      (await env.DB.prepare("SELECT * FROM current_ratings ORDER BY commitment_id, dimension").all()).results,
      (await env.DB.prepare("SELECT * FROM observed_memberships ORDER BY commitment_id, scorecard_id").all()).results,
    ];
    const derivedBefore = await derived();
    expect(derivedBefore[0]!.length).toBeGreaterThan(0);
    const rows = lines.slice(1).map((l) => JSON.parse(l) as { table: string });
    for (const table of ["sources", "runs", "snapshots", "scorecards", "commitments", "observations", "changes"])
      expect(rows.filter((r) => r.table === table).length, table).toBe(await count(table));

    await emptyDatabase();
    expect(await nonEmptyTables(query)).toEqual([]);
    await env.DB.batch(importStatements(first.split("\n")).map((sql) => env.DB.prepare(sql)));
    expect(await exportLines()).toBe(first);
    expect(await derived()).toEqual(derivedBefore);
    // The restored database serves what the old one did.
    const search = await env.DB.prepare("SELECT title FROM sources WHERE id = 'awkward'").first<{ title: string }>();
    expect(search!.title).toBe('It\'s "quoted"\nacross lines – café 🎉 \\ done');
  });

  it("refuses what is not an export", () => {
    expect(() => importStatements([])).toThrow(/empty/);
    expect(() => importStatements(['{"hello":1}'])).toThrow(/not a Scorecard export header/);
    expect(() => importStatements(['{"scorecard_export":1,"tables":[]}', "nope"])).toThrow(/line 2 is not JSON/);
    expect(() => importStatements(['{"scorecard_export":1,"tables":[]}', '{"table":"x","row":{"a":[1]}}'])).toThrow(
      /cannot restore a value of type object/,
    );
  });

  it("says which tables already hold rows, so that an import never mixes two databases", async () => {
    await seed([HC_780_ID]);
    expect(await nonEmptyTables(query)).toEqual(["sources"]);
  });
});
