// Extraction speed of every rule on its saved pages. Prints figures; asserts nothing.
//   npm run bench
import { readFile } from "node:fs/promises";
import { readSeeds } from "../scripts/read-seeds.ts";
import { root } from "../scripts/seed.ts";
import { findRule } from "../scrapers/index.ts";
import { extractStep } from "../scrapers/lib/rule.ts";
import { mapLabel } from "../src/vocabularies.ts";

const ITERATIONS = 500;
const { seeds, archive } = await readSeeds(`${root}/seeds`);

console.log(`rule extraction, ${ITERATIONS} iterations per page`);
for (const source of seeds.sources) {
  const rule = findRule(source.rule)!;
  const { body } = archive[source.url]!;
  extractStep(rule).extract(body, { url: source.url, carried: {} }); // warm up
  const started = performance.now();
  for (let i = 0; i < ITERATIONS; i++) extractStep(rule).extract(body, { url: source.url, carried: {} });
  const perPage = (performance.now() - started) / ITERATIONS;
  console.log(`  ${source.id.padEnd(28)} ${(body.length / 1024).toFixed(1).padStart(5)} KB  ${perPage.toFixed(3)} ms/page`);
}

// Real report pages run to hundreds of KB. Measure the HC 780 sample inside a real 378 KB
// GOV.UK publication body, so the figure reflects a page of realistic size.
const longForm = JSON.parse(
  await readFile(`${root}/test/fixtures/govuk-content/html_publication_frontend_long_form_and_automatically_numbered_headings.json`, "utf8"),
) as { details: { body: string } };
const hc780 = seeds.sources.find((s) => s.id === "hsc-expert-panel-hc-780")!;
const large = archive[hc780.url]!.body.replace('<h2 id="ratings">', `${longForm.details.body}<h2 id="ratings">`);
const rule = findRule(hc780.rule)!;
extractStep(rule).extract(large, { url: hc780.url, carried: {} });
const largeStarted = performance.now();
const LARGE_ITERATIONS = 20;
for (let i = 0; i < LARGE_ITERATIONS; i++) extractStep(rule).extract(large, { url: hc780.url, carried: {} });
console.log(
  `  hc-780 inside a real GOV.UK body ${(large.length / 1024).toFixed(0)} KB  ${((performance.now() - largeStarted) / LARGE_ITERATIONS).toFixed(1)} ms/page`,
);

const labels = ["Requires improvement", "INADEQUATE", "Good 12", "Amber/Green", "Section 24 - National security", "Mostly true"];
const started = performance.now();
const LABELS = 200_000;
for (let i = 0; i < LABELS; i++) mapLabel("cqc", labels[i % labels.length]!);
console.log(`vocabulary mapping: ${((LABELS / (performance.now() - started)) * 1000).toFixed(0)} labels/s`);
