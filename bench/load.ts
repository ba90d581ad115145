// The API under load: bench/load.sh (wrk, Debian's package) against one `wrangler dev` of the
// seeded service on loopback, every endpoint in the same run, each judged against /health's
// requests/s and p99 from that run (targets: at least 0.8× and at most 2×, no non-2xx).
// Without wrk it says so and measures nothing. Prints figures; asserts nothing.
//   node bench/load.ts   (part of npm run bench; LOAD_DURATION=30s for longer runs)
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { readSeeds } from "../scripts/read-seeds.ts";
import { root } from "../scripts/seed.ts";
import { loadSeeds } from "../src/seeds.ts";
import { prepareState, startService } from "./service.ts";

export interface LoadRow {
  path: string;
  requests: number;
  non2xx: number;
  rps: number;
  p50: number;
  p99: number;
}

export interface LoadFigures {
  duration: string;
  connections: number;
  scorecards: number;
  rows: LoadRow[];
}

export const RPS_TARGET = 0.8;
export const P99_TARGET = 2;
const CONNECTIONS = 64;

export function wrkPresent(): boolean {
  try {
    execFileSync("wrk", ["--version"], { stdio: "ignore" });
    return true;
  } catch (error) {
    // wrk --version prints its version and exits 1; only a missing command is absence.
    return (error as NodeJS.ErrnoException).code !== "ENOENT";
  }
}

/** Parses what bench/load.sh prints per endpoint. */
export function parseLoad(output: string): LoadRow[] {
  const rows: LoadRow[] = [];
  for (const block of output.split(/^GET /m).slice(1)) {
    const path = block.split("\n")[0]!.trim();
    const figures = /requests (\d+), non-2xx (\d+), p50 ([\d.]+) ms, p90 [\d.]+ ms, p99 ([\d.]+) ms/.exec(block);
    const rps = /Requests\/sec:\s*([\d.]+)/.exec(block);
    if (!figures || !rps) throw new Error(`bench/load.sh printed no figures for ${path}:\n${block}`);
    rows.push({
      path,
      requests: Number(figures[1]),
      non2xx: Number(figures[2]),
      p50: Number(figures[3]),
      p99: Number(figures[4]),
      rps: Number(rps[1]),
    });
  }
  return rows;
}

export async function benchLoad(): Promise<LoadFigures | null> {
  if (!wrkPresent()) return null;
  const { seeds, archive } = await readSeeds(join(root, "seeds"));
  const dir = await prepareState("bench-load", (env) => loadSeeds(env, seeds, archive));
  const service = await startService(dir);
  try {
    // Every seeded source runs once, as `npm start` does, before the load.
    await fetch(`${service.origin}/__scheduled?cron=${encodeURIComponent("*/15 * * * *")}`);
    let scorecards = 0;
    for (let t = Date.now(); Date.now() - t < 180_000;) {
      // An Authorization header keeps the read cache out of the way while the runs land.
      const sources = (await (
        await fetch(`${service.origin}/v1/sources`, { headers: { Authorization: "Bearer bench" } })
      ).json()) as { data: { health: { last_run_at: string | null } }[] };
      if (sources.data.every((s) => s.health.last_run_at)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const list = (await (
      await fetch(`${service.origin}/v1/scorecards`, { headers: { Authorization: "Bearer bench" } })
    ).json()) as { meta: { total: number } };
    scorecards = list.meta.total;
    const duration = process.env.LOAD_DURATION ?? "20s";
    const output = execFileSync("bash", [join(root, "bench", "load.sh")], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, PORT: new URL(service.origin).port, DURATION: duration, CONNECTIONS: String(CONNECTIONS) },
      stdio: ["ignore", "pipe", "inherit"],
      // load.sh exits 1 when an endpoint answered non-2xx; its figures say which.
    }).toString();
    return { duration, connections: CONNECTIONS, scorecards, rows: parseLoad(output) };
  } catch (error) {
    const output = (error as { stdout?: string }).stdout;
    if (output) return { duration: "?", connections: CONNECTIONS, scorecards: 0, rows: parseLoad(output) };
    throw error;
  } finally {
    service.stop();
  }
}

export function loadTable(figures: LoadFigures | null): string {
  if (!figures)
    return "wrk is not installed, so the API was not put under load: `apt-get install wrk`, then `npm run bench`.";
  const [base, ...rest] = figures.rows;
  if (!base) return "bench/load.sh measured nothing.";
  const lines = [
    `One \`wrangler dev\` of the seeded service (${figures.scorecards} scorecards), ${figures.duration} per endpoint at ${figures.connections} connections, wrk on the same cores. Ratios to \`/health\` in this run; targets ≥${RPS_TARGET}× its requests/s, p99 ≤${P99_TARGET}×, no non-2xx.`,
    "",
    "| endpoint | requests/s | p50 ms | p99 ms | non-2xx | requests/s vs /health | p99 vs /health | met |",
    "|---|---:|---:|---:|---:|---:|---:|---|",
    `| \`${base.path}\` (baseline) | ${base.rps.toFixed(0)} | ${base.p50.toFixed(1)} | ${base.p99.toFixed(1)} | ${base.non2xx} | — | — | ${base.non2xx === 0 ? "yes" : "**no**"} |`,
  ];
  for (const r of rest) {
    const rps = r.rps / base.rps;
    const p99 = r.p99 / base.p99;
    const met = rps >= RPS_TARGET && p99 <= P99_TARGET && r.non2xx === 0;
    lines.push(
      `| \`${r.path}\` | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.non2xx} | ${rps.toFixed(2)}× | ${p99.toFixed(2)}× | ${met ? "yes" : "**no**"} |`,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) console.log(loadTable(await benchLoad()));
