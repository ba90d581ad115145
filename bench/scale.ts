// The read API at scale: a deterministic generator fills a local D1 with S scorecards of C
// commitments each, O observations per commitment (10,000 commitments across 200 scorecards,
// 50 observations each: 500,000 observations, and a change for every move between bands), then
// `wrangler dev` serves it on loopback and each read is timed through the API, repeated:
// median and spread of the wall time of a request. Prints figures; asserts nothing.
//   node bench/scale.ts            (part of npm run bench)
//   SCALE=0.1 node bench/scale.ts  (a tenth of the commitments, for a quick look)
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { root } from "../scripts/seed.ts";
import { fmt, spread, type Spread } from "./stats.ts";

const SCALE = Number(process.env.SCALE ?? "1");
export const SCORECARDS = 200;
export const PER_SCORECARD = Math.max(1, Math.round(50 * SCALE));
export const OBSERVATIONS = 50;
const REPEATS = 21;
const DIR = join(root, ".wrangler", "bench-scale");

const LEVELS = [
  ["Red", "red", 0],
  ["Amber/Red", "amber-red", 25],
  ["Amber", "amber", 50],
  ["Amber/Green", "amber-green", 75],
  ["Green", "green", 100],
] as const;

/** The whole data set as SQL: recursive CTEs, so that SQLite makes the rows itself. */
export function generatorSql(): string {
  const n = SCORECARDS * PER_SCORECARD;
  const level = (expr: string, i: number) =>
    `CASE (${expr}) % 5 ${LEVELS.map((l, k) => `WHEN ${k} THEN '${l[i]}'`).join(" ")} END`;
  // Observation j of commitment c holds level (c + j / 5) % 5: it moves every fifth observation.
  const lv = "(c.n + o.j / 5)";
  return `
INSERT INTO sources (id, rule_id, url, title, schedule)
WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < ${SCORECARDS - 1})
SELECT printf('bench-%03d', n), 'gmpp', printf('https://www.gov.uk/bench/%03d', n), printf('Bench source %03d', n), '7d' FROM s;

INSERT INTO runs (id, source_id, trigger, started_at, finished_at, outcome)
SELECT rowid, id, 'cron', '2020-01-01T00:00:00.000Z', '2020-01-01T00:00:01.000Z', 'ok' FROM sources WHERE id LIKE 'bench-%';

INSERT INTO snapshots (id, source_id, url, fetched_at, http_status, sha256, size_bytes, archive_key, run_id)
SELECT rowid, id, url, '2020-01-01T00:00:00.000Z', 200, printf('%064d', rowid), 1000, 'bench/' || id, rowid FROM sources WHERE id LIKE 'bench-%';

INSERT INTO scorecards (id, source_id, key, title, publisher, published_on, url, vocabulary, first_seen_at, last_seen_at, period, snapshot_id)
SELECT 'gmpp-' || id, id, 'gmpp', 'Bench scorecard ' || substr(id, 7), 'IPA', printf('%04d-07-01', 2000 + rowid % 25), url, 'ipa-dca-5',
       '2020-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', printf('%04d-%02d', 2000 + rowid % 25, (rowid + 1) % 100), rowid
FROM sources WHERE id LIKE 'bench-%';

INSERT INTO commitments (id, scope, key, text, policy_area, target_date, first_seen_at, last_seen_at, source_url)
WITH RECURSIVE c(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM c WHERE n < ${n - 1})
SELECT printf('bench-c%05d', n), printf('bench-%03d', n / ${PER_SCORECARD}), printf('P%05d', n),
       'Deliver project ' || n || ' for ' || (CASE n % 7 WHEN 0 THEN 'digital health records' WHEN 1 THEN 'rail electrification'
         WHEN 2 THEN 'school buildings' WHEN 3 THEN 'flood defences' WHEN 4 THEN 'prison places' WHEN 5 THEN 'hospital upgrades'
         ELSE 'broadband coverage' END) || ' in region ' || (n % 13),
       CASE n % 4 WHEN 0 THEN 'Health' WHEN 1 THEN 'Transport' WHEN 2 THEN 'Education' ELSE 'Justice' END,
       CASE WHEN n % 3 = 0 THEN printf('%04d-%02d', 2018 + n % 12, 1 + n % 12) END,
       '2020-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', 'https://www.gov.uk/bench'
FROM c;

INSERT INTO scorecard_commitments (scorecard_id, commitment_id, position)
SELECT printf('gmpp-bench-%03d', (rowid - 1) / ${PER_SCORECARD}), id, (rowid - 1) % ${PER_SCORECARD} FROM commitments WHERE id LIKE 'bench-c%';

INSERT INTO observations (scorecard_id, commitment_id, dimension, label, vocabulary, band, score, observed_at, effective_on, snapshot_id, run_id)
WITH RECURSIVE o(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM o WHERE j < ${OBSERVATIONS - 1}),
c(n) AS (SELECT rowid - 1 FROM commitments WHERE id LIKE 'bench-c%')
SELECT printf('gmpp-bench-%03d', c.n / ${PER_SCORECARD}), printf('bench-c%05d', c.n), 'dca',
       ${level(lv, 0)}, 'ipa-dca-5', ${level(lv, 1)}, ${level(lv, 2)},
       strftime('%Y-%m-%dT%H:%M:%fZ', '2020-01-01', '+' || (o.j * 30 + c.n % 30) || ' days'),
       date('2020-01-01', '+' || (o.j * 30 + c.n % 30) || ' days'),
       1 + c.n / ${PER_SCORECARD}, 1 + c.n / ${PER_SCORECARD}
FROM o, c ORDER BY o.j, c.n;

INSERT INTO changes (scorecard_id, commitment_id, kind, dimension, from_label, from_band, to_label, to_band, band_changed,
                     from_observation_id, to_observation_id, changed_at, effective_on, run_id)
SELECT b.scorecard_id, b.commitment_id, 'moved', b.dimension, a.label, a.band, b.label, b.band, 1, a.id, b.id, b.observed_at, b.effective_on, b.run_id
FROM observations b JOIN observations a ON a.commitment_id = b.commitment_id AND a.dimension = b.dimension
 AND a.id = (SELECT max(id) FROM observations p WHERE p.commitment_id = b.commitment_id AND p.dimension = b.dimension AND p.id < b.id)
WHERE b.commitment_id LIKE 'bench-c%' AND a.band <> b.band
ORDER BY b.id;
`;
}

function wrangler(args: string[]): void {
  execFileSync("wrangler", args, {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, CI: "1" },
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ScaleRow {
  name: string;
  path: string;
  ms: Spread;
  status: number;
}

export async function benchScale(): Promise<{ rows: ScaleRow[]; counts: Record<string, number>; loadSeconds: number }> {
  await rm(DIR, { recursive: true, force: true });
  await mkdir(DIR, { recursive: true });
  const started = performance.now();
  wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", DIR]);
  await writeFile(join(DIR, "generate.sql"), generatorSql());
  wrangler(["d1", "execute", "DB", "--local", "--persist-to", DIR, "--file", join(DIR, "generate.sql")]);
  const loadSeconds = (performance.now() - started) / 1000;

  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const dev: ChildProcess = spawn(
    "wrangler",
    ["dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", DIR, "--var", "READ_CACHE:off"],
    { cwd: root, stdio: "ignore", detached: true },
  );
  try {
    for (let t = Date.now(); ;) {
      try {
        if ((await fetch(`${origin}/health`)).ok) break;
      } catch {
        /* not up yet */
      }
      if (Date.now() - t > 120_000) throw new Error("wrangler dev did not answer /health in 120 s");
      await new Promise((r) => setTimeout(r, 500));
    }
    const counts: Record<string, number> = {};
    for (const table of ["commitments", "scorecards", "observations", "changes"]) {
      const out = execFileSync(
        "wrangler",
        [
          "d1",
          "execute",
          "DB",
          "--local",
          "--persist-to",
          DIR,
          "--json",
          "--command",
          `SELECT count(*) AS n FROM ${table}`,
        ],
        { cwd: root, encoding: "utf8", env: { ...process.env, CI: "1" }, stdio: ["ignore", "pipe", "ignore"] },
      );
      counts[table] = (JSON.parse(out) as { results: { n: number }[] }[])[0]!.results[0]!.n;
    }
    const mid = Math.floor(SCORECARDS / 2);
    const commitment = `bench-c${String(mid * PER_SCORECARD).padStart(5, "0")}`;
    const scorecard = `gmpp-bench-${String(mid).padStart(3, "0")}`;
    const endpoints: [string, string][] = [
      ["health (baseline)", "/health"],
      ["scorecard", `/v1/scorecards/${scorecard}`],
      ["commitment history", `/v1/commitments/${commitment}`],
      ["filtered list", "/v1/commitments?rule=gmpp&dimension=dca&band=red&limit=50"],
      ["overdue list", "/v1/commitments?deadline=passed-not-met&limit=50"],
      ["full-text search", "/v1/commitments?q=flood%20defences&limit=50"],
      ["as_of scorecard", `/v1/scorecards/${scorecard}?as_of=2022-06-30`],
      ["as_of commitment", `/v1/commitments/${commitment}?as_of=2022-06-30`],
      ["as_of list", "/v1/commitments?as_of=2022-06-30&limit=50"],
      ["changes", "/v1/changes?limit=50"],
      ["changes of a scorecard", `/v1/changes?scorecard=${scorecard}&limit=50`],
    ];
    const rows: ScaleRow[] = [];
    for (const [name, path] of endpoints) {
      let status = 0;
      const times: number[] = [];
      for (let i = 0; i < REPEATS + 1; i++) {
        const t0 = performance.now();
        const response = await fetch(origin + path, { signal: AbortSignal.timeout(60_000) });
        await response.arrayBuffer();
        const ms = performance.now() - t0;
        status = response.status;
        if (i > 0) times.push(ms); // the first request warms up
      }
      rows.push({ name, path, ms: spread(times), status });
      if (process.env.VERBOSE) console.error(name, fmt(spread(times)), status);
    }
    return { rows, counts, loadSeconds };
  } finally {
    if (dev.pid) process.kill(-dev.pid, "SIGINT");
  }
}

export function scaleTable(rows: ScaleRow[]): string {
  const lines = [
    "| query | path | status | ms (median, min–max) | median over /health | target | met |",
    "|---|---|---:|---:|---:|---:|---|",
  ];
  const health = rows.find((r) => r.path === "/health")?.ms.median ?? 0;
  for (const r of rows) {
    const baseline = r.path === "/health";
    lines.push(
      `| ${r.name} | \`${r.path}\` | ${r.status} | ${fmt(r.ms, 1)} | ${baseline ? "—" : (r.ms.median - health).toFixed(1)} | ${baseline ? "—" : "≤10 ms"} | ${baseline ? "—" : r.ms.median <= 10 ? "yes" : r.ms.median - health <= 10 ? "beyond /health only" : "**no**"} |`,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const { rows, counts, loadSeconds } = await benchScale();
  console.log(`rows: ${JSON.stringify(counts)}; generated and loaded in ${loadSeconds.toFixed(0)} s`);
  console.log(scaleTable(rows));
}
