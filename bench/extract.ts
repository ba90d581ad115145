// Extraction CPU of every rule on its largest saved document, and of the Expert Panel rule on a
// realistic ~400 KB report page (the HC 780 table inside a real GOV.UK body), each as a ratio to
// a baseline measured in the same process, interleaved round by round: a bare htmlparser2 parse
// of the same string, or a bare papaparse tokenise of the same CSV. Prints figures; asserts
// nothing. Part of `npm run bench` (bench/run.ts); `node bench/extract.ts` runs it alone.
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { parseDocument } from "htmlparser2";
import Papa from "papaparse";
import { RULES } from "../scrapers/index.ts";
import { extractStep, stepFor } from "../scrapers/lib/steps.ts";
import { kindOfFile, readSavedFile } from "../scripts/run-rule.ts";
import { root } from "../scripts/seed.ts";
import { fmt, spread, timePerCall, type Spread } from "./stats.ts";

const ROUNDS = 15;
const ROUND_MS = 60; // per round, for the rule and again for its baseline

/** This thread's CPU time in ms: unlike the wall clock, it does not count time other processes take. */
const threadCpuMs = () => {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
};

/** Milliseconds of this thread's CPU per call of `run`, calling it for about `budgetMs` of wall time. */
function cpuPerCall(run: () => unknown, budgetMs: number): number {
  const started = threadCpuMs();
  let calls = 0;
  const until = performance.now() + budgetMs;
  while (performance.now() < until || calls < 3) {
    run();
    calls++;
  }
  return (threadCpuMs() - started) / calls;
}
// Node 22.19 and later; the wall clock otherwise.
const perCall = typeof process.threadCpuUsage === "function" ? cpuPerCall : timePerCall;

export interface ExtractionRow {
  rule: string;
  page: string;
  kb: number;
  kind: string;
  baseline: string;
  ms: Spread;
  baselineMs: Spread;
  ratio: Spread;
  target: number;
}

function compare(run: () => unknown, base: () => unknown): { ms: Spread; baselineMs: Spread; ratio: Spread } {
  run();
  base(); // warm up both
  const ms: number[] = [];
  const bases: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const a = perCall(run, ROUND_MS);
    const b = perCall(base, ROUND_MS);
    ms.push(a);
    bases.push(b);
    ratios.push(a / b);
  }
  return { ms: spread(ms), baselineMs: spread(bases), ratio: spread(ratios) };
}

/** The least a rule must do with a document: parse its HTML, or tokenise its CSV. */
function baselineOf(kind: string, text: string): { name: string; run: () => unknown; target: number } {
  if (kind === "csv") return { name: "papaparse tokenise", run: () => Papa.parse(text), target: 1.3 };
  if (kind === "json") {
    // A GOV.UK Content API item: its body is HTML inside JSON.
    return {
      name: "JSON.parse + htmlparser2 parse of details.body",
      run: () => parseDocument(String((JSON.parse(text) as { details?: { body?: unknown } }).details?.body ?? "")),
      target: 1.5,
    };
  }
  return { name: "htmlparser2 parseDocument", run: () => parseDocument(text), target: 1.5 };
}

export async function benchExtraction(): Promise<ExtractionRow[]> {
  const rows: ExtractionRow[] = [];
  for (const rule of RULES) {
    const dir = join(root, "scrapers", "examples", rule.id);
    let largest: { page: string; url: string; size: number } | null = null;
    for (const golden of (await readdir(dir)).filter((f) => f.endsWith(".expected.json"))) {
      const { page, url } = JSON.parse(await readFile(join(dir, golden), "utf8")) as { page: string; url: string };
      const size = (await stat(join(root, page))).size;
      if (!largest || size > largest.size) largest = { page, url, size };
    }
    if (!largest) continue;
    // Decoded as the pipeline decodes it (a GMPP year is windows-1252).
    const text = await readSavedFile(join(root, largest.page));
    const kind = kindOfFile(largest.page);
    const base = baselineOf(kind, text);
    const url = largest.url;
    // The step's extraction alone: what the rule itself costs beyond the parser.
    const step = stepFor(rule, kind);
    if (!step || step.kind === "follow") continue;
    rows.push({
      rule: rule.id,
      page: largest.page.replace("seeds/archive/", ""),
      kb: text.length / 1024,
      kind,
      baseline: base.name,
      target: base.target,
      ...compare(() => step.extract(text, { url, carried: {} }), base.run),
    });
  }

  const longForm = JSON.parse(
    await readFile(
      join(
        root,
        "test/fixtures/govuk-content/html_publication_frontend_long_form_and_automatically_numbered_headings.json",
      ),
      "utf8",
    ),
  ) as { details: { body: string } };
  const hsc = RULES.find((r) => r.id === "hsc-expert-panel")!;
  const sample = await readFile(join(root, "seeds/archive/hc-780-digitisation.html"), "utf8");
  const large = sample.replace('<h2 id="ratings">', `${longForm.details.body}<h2 id="ratings">`);
  rows.push({
    rule: "hsc-expert-panel",
    page: "HC 780 table inside a real GOV.UK body",
    kb: large.length / 1024,
    kind: "html",
    baseline: "htmlparser2 parseDocument",
    target: 1.5,
    ...compare(
      () => extractStep(hsc).extract(large, { url: "https://example.org/", carried: {} }),
      () => parseDocument(large),
    ),
  });
  return rows;
}

export function extractionTable(rows: ExtractionRow[]): string {
  const lines = [
    "| rule | document | size | rule CPU ms | baseline CPU ms | ratio (median, min–max) | target | met |",
    "|---|---|---:|---:|---:|---:|---:|---|",
  ];
  for (const r of rows)
    lines.push(
      `| ${r.rule} | ${r.page} (${r.kind}; baseline: ${r.baseline}) | ${r.kb.toFixed(0)} KB | ${fmt(r.ms)} | ${fmt(r.baselineMs)} | ${fmt(r.ratio)}× | ≤${r.target}× | ${r.ratio.median <= r.target ? "yes" : "**no**"} |`,
    );
  return lines.join("\n");
}

if (import.meta.main) console.log(extractionTable(await benchExtraction()));
