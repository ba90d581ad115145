// Every read query behind the API is planned with an index on `observations` and `changes`:
// EXPLAIN QUERY PLAN of each statement the read routes run shows no full SCAN of either table,
// so that a later change cannot quietly lose an index (issue 11). The statements are captured
// from the real routes, with their bindings, by wrapping the database the handlers are given.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../src/app.ts";
import { GMPP_SOURCES, HSC_SOURCES, runCron, seed } from "./helpers.ts";

interface Captured {
  sql: string;
  values: unknown[];
}

/** The test env whose DB records every statement prepared on it and the values bound to it. */
function capturingDb(captured: Captured[]): Env {
  const db = env.DB;
  const prepare = (sql: string): D1PreparedStatement => {
    const record: Captured = { sql, values: [] };
    captured.push(record);
    const statement = db.prepare(sql);
    const bind = statement.bind.bind(statement);
    statement.bind = (...values: unknown[]) => {
      record.values = values;
      return bind(...values);
    };
    return statement;
  };
  const wrapped = new Proxy(db, {
    get: (target, key) => {
      if (key === "prepare") return prepare;
      const value = Reflect.get(target, key) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return new Proxy(env, { get: (target, key) => (key === "DB" ? wrapped : Reflect.get(target, key)) });
}

/** The statements one GET runs. */
async function statementsOf(path: string): Promise<Captured[]> {
  const captured: Captured[] = [];
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(`https://scorecard.test${path}`), capturingDb(captured), ctx);
  await waitOnExecutionContext(ctx);
  expect(response.status, path).toBe(200);
  await response.arrayBuffer();
  return captured;
}

/** The names `observations` and `changes` go by in a statement: themselves and their aliases. */
function namesOfWatchedTables(sql: string): string[] {
  const names = new Set(["observations", "changes"]);
  for (const m of sql.matchAll(/\b(?:observations|changes)\s+(?:AS\s+)?([A-Za-z_][A-Za-z0-9_]*)/gi)) {
    const alias = m[1]!;
    if (
      !/^(?:ON|WHERE|JOIN|LEFT|INNER|CROSS|GROUP|ORDER|LIMIT|USING|INDEXED|NOT|AND|OR|SET|VALUES|UNION|WINDOW)$/i.test(
        alias,
      )
    )
      names.add(alias);
  }
  return [...names];
}

async function plan(statement: Captured): Promise<string[]> {
  const explained = await env.DB.prepare(`EXPLAIN QUERY PLAN ${statement.sql}`)
    .bind(...statement.values)
    .all<{ detail: string }>();
  return explained.results.map((r) => r.detail);
}

/** Full scans of `observations` or `changes` in a statement's plan. */
async function fullScans(statement: Captured): Promise<string[]> {
  const names = namesOfWatchedTables(statement.sql);
  return (await plan(statement)).filter((detail) => {
    const m = /^SCAN (\S+)/.exec(detail);
    return m !== null && names.includes(m[1]!);
  });
}

/**
 * Statements that still scan, each named by a fragment of its SQL, with why and the plan to end
 * it (bench/RESULTS.md). The test fails when another statement scans, and when one of these
 * stops scanning, so that this list only shrinks.
 */
const KNOWN_SCANS: Record<string, string> = {
  // Empty since migration 0014: lists read current_ratings and observed_memberships, and the
  // changes page walks an index bounded above (bench/RESULTS.md).
};

const isRead = (sql: string) => /^\s*(?:SELECT|WITH)\b/i.test(sql);

describe("EXPLAIN QUERY PLAN of every read query behind the API", () => {
  let scorecard: string;
  let commitment: string;
  let source: string;

  // Storage is reset before each test (apply-migrations.ts), so each test seeds.
  async function load() {
    await seed([...HSC_SOURCES, ...GMPP_SOURCES.slice(0, 2), "govuk-dwp-single-departmental-plan-2015-to-2020"]);
    await runCron();
    scorecard = (await env.DB.prepare("SELECT id FROM scorecards ORDER BY id LIMIT 1").first<{ id: string }>())!.id;
    commitment = (await env.DB.prepare(
      "SELECT commitment_id AS id FROM changes WHERE commitment_id IS NOT NULL ORDER BY id LIMIT 1",
    ).first<{
      id: string;
    }>())!.id;
    source = (await env.DB.prepare("SELECT id FROM sources ORDER BY id LIMIT 1").first<{ id: string }>())!.id;
  }

  const paths = (): string[] => [
    `/v1/scorecards`,
    `/v1/scorecards?rule=gmpp&as_of=2025-03-31`,
    `/v1/scorecards/${scorecard}`,
    `/v1/scorecards/${scorecard}?as_of=2025-03-31`,
    `/v1/scorecards/${scorecard}.csv`,
    `/v1/commitments/${commitment}`,
    `/v1/commitments/${commitment}?as_of=2025-03-31`,
    `/v1/commitments`,
    `/v1/commitments?limit=5`,
    `/v1/commitments?rule=gmpp&dimension=dca&band=red,amber`,
    `/v1/commitments?band=green`,
    `/v1/commitments?deadline=passed-not-met,passed-unrated`,
    `/v1/commitments?q=digital`,
    `/v1/commitments?q=health&rule=hsc-expert-panel`,
    `/v1/commitments?as_of=2024-06-01`,
    `/v1/commitments?as_of=2024-06-01&rule=gmpp&dimension=dca`,
    `/v1/commitments?as_of=2024-06-01&band=red`,
    `/v1/commitments?as_of=2024-06-01&vocabulary=ipa-dca-5`,
    `/v1/commitments?vocabulary=ipa-dca-5&scorecard=${scorecard}`,
    `/v1/commitments?source=${source}&limit=5`,
    `/v1/commitments?deadline=passed-not-met&as_of=2024-06-01`,
    `/v1/commitments?updated_since=2024-01-01`,
    `/v1/commitments.csv?rule=gmpp`,
    `/v1/changes`,
    `/v1/changes?limit=5`,
    `/v1/changes?scorecard=${scorecard}`,
    `/v1/changes?commitment=${commitment}`,
    `/v1/changes?source=${source}`,
    `/v1/changes?rule=gmpp&direction=worse`,
    `/v1/changes?since=2024-01-01&until=2026-12-31`,
    `/v1/changes?kind=deadline-passed`,
    `/v1/changes.csv`,
    `/v1/changes.atom`,
    `/embed/scorecards/${scorecard}`,
    `/embed/commitments/${commitment}`,
  ];

  it("never scans observations or changes in full", async () => {
    await load();
    const scans: { path: string; sql: string; scans: string[]; values: unknown[] }[] = [];
    const known = new Set<string>();
    let planned = 0;
    const reads: number[] = [];
    for (const path of paths()) {
      const statements = (await statementsOf(path)).filter((s) => isRead(s.sql));
      reads.push(statements.length);
      for (const statement of statements) {
        planned++;
        const found = await fullScans(statement);
        const sql = statement.sql.replace(/\s+/g, " ").trim();
        const fragment = Object.keys(KNOWN_SCANS).find((f) => sql.includes(f));
        if (found.length && fragment) known.add(fragment);
        else if (found.length)
          scans.push({ path, sql: statement.sql.replace(/\s+/g, " ").trim(), scans: found, values: statement.values });
      }
    }
    // Every path ran at least one read, so none was answered without the database.
    expect(
      reads.every((n) => n > 0),
      JSON.stringify(reads),
    ).toBe(true);
    expect(planned).toBeGreaterThan(paths().length);
    expect(scans).toEqual([]);
    // A statement on the known list that no longer scans: take it off the list.
    expect([...known].sort()).toEqual(Object.keys(KNOWN_SCANS).sort());
  }, 180_000);

  it("recognises a full scan when there is one", async () => {
    const found = await fullScans({ sql: "SELECT count(*) FROM observations o WHERE o.label = ?", values: ["Good"] });
    expect(found.length).toBe(1);
  });
});
