// npm run bench: every benchmark in one run (extraction ratios, the read API at scale, the API
// under wrk when wrk is installed, a scheduled cycle of 200 sources, the bundle), printed and
// written to bench/RESULTS.md with the date and the machine. Benchmarks print figures and
// assert nothing; they are not part of npm test.
//   SCALE=0.1 npm run bench   (a tenth of the scale data set)
import { execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { join } from "node:path";
import { root } from "../scripts/seed.ts";
import { benchBundle, bundleTable } from "./bundle.ts";
import { benchCycle, CYCLE_SOURCES, cycleTable } from "./cycle.ts";
import { benchExtraction, extractionTable } from "./extract.ts";
import { benchLoad, loadTable } from "./load.ts";
import { benchScale, OBSERVATIONS, PER_SCORECARD, SCORECARDS, scaleTable } from "./scale.ts";

const machine = `${execFileSync("nproc", { encoding: "utf8" }).trim()} cores (nproc), ${cpus()[0]?.model ?? "unknown CPU"}, Node ${process.version}`;
const date = new Date().toISOString();
console.log(`${date} on ${machine}`);

const extraction = await benchExtraction();
console.log(extractionTable(extraction));
const scale = await benchScale();
const scaleText = `${SCORECARDS} scorecards × ${PER_SCORECARD} commitments × ${OBSERVATIONS} observations; rows: ${Object.entries(
  scale.counts,
)
  .map(([t, n]) => `${t} ${n}`)
  .join(", ")}; generated and loaded in ${scale.loadSeconds.toFixed(0)} s.`;
console.log(scaleText);
console.log(scaleTable(scale.rows));
const load = await benchLoad();
console.log(loadTable(load));
const cycles = await benchCycle();
console.log(cycleTable(cycles));
const bundle = await benchBundle();
console.log(bundleTable(bundle));

// The analysis (shortfalls and plans) is kept by hand below the generated figures.
const file = join(root, "bench", "RESULTS.md");
const previous = await readFile(file, "utf8").catch(() => "");
const MARK = "<!-- analysis: kept by npm run bench -->";
const analysis = previous.includes(MARK) ? previous.slice(previous.indexOf(MARK)) : `${MARK}\n`;
const text = `# Benchmark results

Written by \`npm run bench\` on ${date}: ${machine}. Every figure is the median of repeated runs
with its spread (min–max); ratios compare each rule with its baseline measured in the same
process, round by round, because these machines are shared and noisy.

## Extraction CPU (ratio to the bare parser)

${extractionTable(extraction)}

## The read API at scale (through \`wrangler dev\` on loopback)

${scaleText}

${scaleTable(scale.rows)}

## The API under load (\`wrk\` through \`wrangler dev\` on loopback)

${loadTable(load)}

## A scheduled cycle at scale (${CYCLE_SOURCES} sources through cron, queue and consumer)

Wall time from the scheduled tick to the last run's close; per source, from its run record
(migration 0016): wall time beyond its fetch (Workers show no CPU time to the code), and D1
statements. Targets: unchanged under 5 ms, changed under 50 ms; statements constant in the
number of commitments.

${cycleTable(cycles)}

## Bundle (\`wrangler deploy --dry-run\`)

${bundleTable(bundle)}

${analysis}`;
await writeFile(file, text);
console.log(`wrote ${file}`);
