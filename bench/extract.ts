// Extraction speed of every rule on every saved page it is checked against (the golden files
// in scrapers/examples/), plus an Expert Panel table inside a real 373 KB GOV.UK body, since
// real report pages are far larger than the samples. Prints figures; asserts nothing.
//   npm run bench
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { RULES } from "../scrapers/index.ts";
import { extractStep } from "../scrapers/lib/steps.ts";
import { mapLabel } from "../domain/vocabularies.ts";
import { kindOfFile, readSavedFile, runStepOn } from "../scripts/run-rule.ts";
import { root } from "../scripts/seed.ts";

const TARGET_MS = 300; // time spent measuring each page

function measure(run: () => unknown): { ms: number; runs: number } {
  run(); // warm up
  let runs = 0;
  const started = performance.now();
  while (performance.now() - started < TARGET_MS) {
    run();
    runs++;
  }
  return { ms: (performance.now() - started) / runs, runs };
}

console.log(`${"rule".padEnd(20)} ${"page".padEnd(58)} ${"size".padStart(7)}  ${"per page".padStart(11)}`);
for (const rule of RULES) {
  const dir = join(root, "scrapers", "examples", rule.id);
  for (const golden of (await readdir(dir)).filter((f) => f.endsWith(".expected.json")).sort()) {
    const { page, url } = JSON.parse(await readFile(join(dir, golden), "utf8")) as { page: string; url: string };
    // Decoded as the pipeline decodes it (a GMPP year is windows-1252).
    const text = await readSavedFile(join(root, page));
    const { ms } = measure(() => runStepOn(rule, kindOfFile(page), text, url));
    console.log(
      `${rule.id.padEnd(20)} ${page.replace("seeds/archive/", "").padEnd(58)} ${`${(text.length / 1024).toFixed(0)} KB`.padStart(7)}  ${ms.toFixed(2).padStart(8)} ms`,
    );
  }
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
const { ms } = measure(() => extractStep(hsc).extract(large, { url: "https://example.org/", carried: {} }));
console.log(
  `${"hsc-expert-panel".padEnd(20)} ${"HC 780 table inside a real GOV.UK body".padEnd(58)} ${`${(large.length / 1024).toFixed(0)} KB`.padStart(7)}  ${ms.toFixed(2).padStart(8)} ms`,
);

const labels = [
  "Requires improvement",
  "INADEQUATE",
  "Good 12",
  "Amber/Green",
  "Section 24 - National security",
  "Mostly true",
];
let i = 0;
const mapping = measure(() => mapLabel("ipa-dca-5", labels[i++ % labels.length]!));
console.log(`vocabulary mapping: ${(1000 / mapping.ms).toFixed(0)} labels/s`);
