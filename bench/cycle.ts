// A scheduled cycle at scale: 200 sources (the seeded ones, and Expert Panel reports copied from
// the seeded ones under other paper numbers) replayed from the local archive through the real
// cron handler, queue and consumer of `wrangler dev` on loopback. Two cycles: the first applies
// every source (every row new: the changed case at its heaviest), the second finds every
// document unchanged (the same hash; a replay never answers 304). Each source's cost comes from
// its own run record (migration 0016): wall time beyond its fetch, and its D1 statements.
// Prints figures; asserts nothing.
//   node bench/cycle.ts   (part of npm run bench)
import { join } from "node:path";
import { readSeeds } from "../scripts/read-seeds.ts";
import { root } from "../scripts/seed.ts";
import { loadSeeds } from "../src/seeds.ts";
import { prepareState, startService } from "./service.ts";
import { spread, type Spread } from "./stats.ts";

export const CYCLE_SOURCES = 200;
const CRON = "*/15 * * * *";
const CYCLE_TIMEOUT_MS = 15 * 60_000;

interface Run {
  outcome: string;
  finished_at: string | null;
  commitments_seen: number | null;
  duration_ms: number | null;
  fetch_ms: number | null;
  d1_statements: number | null;
}

interface Source {
  id: string;
  rule_id: string;
  health: { last_run_at: string | null };
  recent_runs?: Run[];
}

export interface CycleFigures {
  name: string;
  wallSeconds: number;
  outcomes: Record<string, number>;
  /** Wall time beyond the fetch, per outcome. */
  workMs: Record<string, Spread>;
  /** Runs of each outcome within its target (unchanged < 5 ms, ok < 50 ms). */
  withinTarget: Record<string, number>;
  /** D1 statements per run, by rule and outcome, with the range of commitments they covered. */
  statements: {
    rule: string;
    outcome: string;
    runs: number;
    commitments: [number, number];
    statements: [number, number];
  }[];
  slowest: { source: string; outcome: string; workMs: number; commitments: number | null }[];
}

export const TARGET_MS: Record<string, number> = { unchanged: 5, ok: 50 };

/** The seeded sources, and copies of the Expert Panel ones under unused paper numbers up to CYCLE_SOURCES. */
async function loadSources(env: Env): Promise<void> {
  const { seeds, archive } = await readSeeds(join(root, "seeds"));
  const panels = seeds.sources.filter((s) => s.rule === "hsc-expert-panel" && archive[s.url]);
  const sources = [...seeds.sources];
  const documents = { ...archive };
  for (let i = 0; sources.length < CYCLE_SOURCES; i++) {
    const original = panels[i % panels.length]!;
    const number = /\/cmhealth\/(\d+)\//.exec(original.url)![1]!;
    const paper = 5000 + i;
    const url = original.url.replace(`/cmhealth/${number}/`, `/cmhealth/${paper}/`);
    const document = archive[original.url]!;
    documents[url] = { ...document, body: document.body.replaceAll(`HC ${number}`, `HC ${paper}`) };
    sources.push({ ...original, id: `bench-hsc-${paper}`, url, title: `${original.title}, copy ${paper}` });
  }
  await loadSeeds(env, { ...seeds, sources }, documents);
}

async function json<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** Ticks the scheduler (at `time`, so that every source is due again), and waits for every source to run. */
async function cycle(origin: string, name: string, time?: number): Promise<CycleFigures> {
  const started = new Date();
  const tick = time
    ? `${origin}/cdn-cgi/local/scheduled?cron=${encodeURIComponent(CRON)}&time=${time}`
    : `${origin}/__scheduled?cron=${encodeURIComponent(CRON)}`;
  const answer = await fetch(tick);
  if (!answer.ok) throw new Error(`${tick}: HTTP ${answer.status}`);
  let sources: Source[] = [];
  for (;;) {
    sources = (await json<{ data: Source[] }>(`${origin}/v1/sources`)).data;
    const done = sources.filter((s) => s.health.last_run_at && s.health.last_run_at >= started.toISOString());
    if (done.length === sources.length) break;
    if (Date.now() - started.getTime() > CYCLE_TIMEOUT_MS)
      throw new Error(`${name}: ${done.length} of ${sources.length} sources ran in ${CYCLE_TIMEOUT_MS / 60_000} min`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const last = Math.max(...sources.map((s) => Date.parse(s.health.last_run_at!)));
  const runs: { source: string; rule: string; run: Run }[] = [];
  for (const source of sources) {
    const detail = await json<Source>(`${origin}/v1/sources/${encodeURIComponent(source.id)}`);
    runs.push({ source: source.id, rule: source.rule_id, run: detail.recent_runs![0]! });
  }
  const outcomes: Record<string, number> = {};
  const work: Record<string, number[]> = {};
  const withinTarget: Record<string, number> = {};
  const groups = new Map<string, { rule: string; outcome: string; commitments: number[]; statements: number[] }>();
  for (const { rule, run } of runs) {
    outcomes[run.outcome] = (outcomes[run.outcome] ?? 0) + 1;
    const ms = (run.duration_ms ?? 0) - (run.fetch_ms ?? 0);
    (work[run.outcome] ??= []).push(ms);
    if (TARGET_MS[run.outcome] !== undefined && ms < TARGET_MS[run.outcome]!)
      withinTarget[run.outcome] = (withinTarget[run.outcome] ?? 0) + 1;
    const key = `${rule} ${run.outcome}`;
    const group = groups.get(key) ?? { rule, outcome: run.outcome, commitments: [], statements: [] };
    group.commitments.push(run.commitments_seen ?? 0);
    group.statements.push(run.d1_statements ?? 0);
    groups.set(key, group);
  }
  const range = (xs: number[]): [number, number] => [Math.min(...xs), Math.max(...xs)];
  return {
    name,
    wallSeconds: (last - started.getTime()) / 1000,
    outcomes,
    workMs: Object.fromEntries(Object.entries(work).map(([outcome, xs]) => [outcome, spread(xs)])),
    withinTarget,
    statements: [...groups.values()]
      .sort((a, b) => a.rule.localeCompare(b.rule) || a.outcome.localeCompare(b.outcome))
      .map((g) => ({
        rule: g.rule,
        outcome: g.outcome,
        runs: g.statements.length,
        commitments: range(g.commitments),
        statements: range(g.statements),
      })),
    slowest: runs
      .map(({ source, run }) => ({
        source,
        outcome: run.outcome,
        workMs: (run.duration_ms ?? 0) - (run.fetch_ms ?? 0),
        commitments: run.commitments_seen,
      }))
      .sort((a, b) => b.workMs - a.workMs)
      .slice(0, 3),
  };
}

export async function benchCycle(): Promise<CycleFigures[]> {
  const dir = await prepareState("bench-cycle", loadSources);
  // The cycle waits on /v1/sources, which must not answer from a minute-old cache.
  const service = await startService(dir, { READ_CACHE: "off" });
  try {
    const first = await cycle(service.origin, "first cycle (every source applied)");
    // A year on, every schedule is due again; the documents are the same.
    const second = await cycle(
      service.origin,
      "second cycle (every document unchanged)",
      Date.now() + 366 * 86_400_000,
    );
    return [first, second];
  } finally {
    service.stop();
  }
}

const ms = (s: Spread) => `${s.median.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;

export function cycleTable(cycles: CycleFigures[]): string {
  const lines = [
    "| cycle | sources | wall time | outcomes | work beyond the fetch, ms (median, min–max) | within target |",
    "|---|---:|---:|---|---|---|",
  ];
  for (const c of cycles) {
    const total = Object.values(c.outcomes).reduce((a, b) => a + b, 0);
    const outcomes = Object.entries(c.outcomes)
      .map(([o, n]) => `${o} ${n}`)
      .join(", ");
    const work = Object.entries(c.workMs)
      .map(([o, s]) => `${o}: ${ms(s)}`)
      .join("; ");
    const within = Object.entries(TARGET_MS)
      .filter(([o]) => c.outcomes[o])
      .map(([o, t]) => `${o} < ${t} ms: ${c.withinTarget[o] ?? 0} of ${c.outcomes[o]}`)
      .join("; ");
    lines.push(`| ${c.name} | ${total} | ${c.wallSeconds.toFixed(1)} s | ${outcomes} | ${work} | ${within} |`);
  }
  lines.push("", "| rule | outcome | runs | commitments per run | D1 statements per run |", "|---|---|---:|---:|---:|");
  for (const c of cycles)
    for (const g of c.statements)
      lines.push(
        `| ${g.rule} | ${g.outcome} | ${g.runs} | ${g.commitments.join("–")} | ${g.statements[0] === g.statements[1] ? g.statements[0] : g.statements.join("–")} |`,
      );
  lines.push("", "| slowest sources (work beyond the fetch) | outcome | ms | commitments |", "|---|---|---:|---:|");
  for (const c of cycles)
    for (const s of c.slowest) lines.push(`| ${s.source} | ${s.outcome} | ${s.workMs} | ${s.commitments ?? "—"} |`);
  return lines.join("\n");
}

if (import.meta.main) console.log(cycleTable(await benchCycle()));
