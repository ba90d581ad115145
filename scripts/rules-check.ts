// npm run rules:check [-- --update] [-- --verbose] [-- <rule-id>…]
// npm run rules:check -- --add <saved-page> [--url <address>] [<rule-id>]   creates a page's golden file
// Runs every rule on its saved pages and compares what it extracts with the golden files in
// scrapers/examples/<rule-id>/*.expected.json. --update rewrites them after a reviewed change.
// Where a page's commitments were also labelled by hand (<page>.labels.json, see scripts/labels.ts),
// it prints the rule's precision and recall on that page and fails below MIN_PRECISION or MIN_RECALL.
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { diff } from "node:util";
import { load } from "cheerio/slim";
import * as v from "valibot";
import { RULES } from "../scrapers/index.ts";
import { labelsNotInPage, LabelsSchema, score, type Extracted } from "./labels.ts";
import { indexIsCurrent } from "./rules-index.ts";
import { kindOfFile, readSavedFile, runStepOn } from "./run-rule.ts";
import { type RuleOutput, unmappedLabels } from "./rule-output.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const examplesDir = (ruleId: string) => join(root, "scrapers", "examples", ruleId);

export const MIN_PRECISION = 0.9;
export const MIN_RECALL = 0.8;

const GoldenSchema = v.object({
  /** The saved document, relative to the repository root. */
  page: v.string(),
  /** The URL that document was, or stands for, so the output matches what the pipeline stores. */
  url: v.pipe(v.string(), v.url()),
  output: v.unknown(),
});

const color = process.stdout.isTTY
  ? (code: number, text: string) => `\x1b[${code}m${text}\x1b[0m`
  : (_: number, text: string) => text;

/** A unified-style diff of two JSON values, with three lines of context. */
function jsonDiff(expected: unknown, actual: unknown): string {
  const lines = diff(JSON.stringify(actual, null, 2).split("\n"), JSON.stringify(expected, null, 2).split("\n"));
  const keep = new Set<number>();
  lines.forEach(([op], i) => {
    if (op !== 0) for (let j = Math.max(0, i - 3); j <= Math.min(lines.length - 1, i + 3); j++) keep.add(j);
  });
  const out: string[] = [];
  let last = -1;
  for (const i of [...keep].sort((a, b) => a - b)) {
    if (i !== last + 1) out.push(color(36, "  …"));
    const [op, line] = lines[i]!;
    out.push(op === 1 ? color(32, `+ ${line}`) : op === -1 ? color(31, `- ${line}`) : `  ${line}`);
    last = i;
  }
  return out.join("\n");
}

/** The value after a flag (`--url <url>`), if the flag is given. */
function flagValue(args: string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
}

/**
 * `--add <page> [--url <url>] [<rule-id>]`: creates the golden file of a saved page that has
 * none. The rule is the one named, or the one whose examples folder holds the page; the URL is
 * the address the page was saved from (its scorecard key and links depend on it).
 */
async function addGolden(args: string[]): Promise<number> {
  const page = flagValue(args, "--add");
  const url = flagValue(args, "--url");
  const named = args.filter((a, i) => !a.startsWith("--") && !["--add", "--url"].includes(args[i - 1] ?? ""));
  if (!page || (url !== undefined && !URL.canParse(url)) || named.length > 1) {
    console.error("usage: npm run rules:check -- --add <saved-page> [--url <the page's address>] [<rule-id>]");
    return 2;
  }
  const path = relative(root, join(process.cwd(), page));
  const ruleId = named[0] ?? /^scrapers\/examples\/([^/]+)\//.exec(path)?.[1];
  const rule = RULES.find((r) => r.id === ruleId);
  if (!rule) {
    console.error(
      `rules:check --add: name the rule (${RULES.map((r) => r.id).join(", ")}), or save the page under scrapers/examples/<rule-id>/`,
    );
    return 2;
  }
  if (rule.broken !== undefined) {
    console.log(color(31, `✗ ${rule.id}: ${rule.broken}`));
    return 1;
  }
  const name = path.replace(/^.*\//, "").replace(/\.\w+$/, "");
  const goldenPath = join(examplesDir(rule.id), `${name}.expected.json`);
  if (
    await readFile(goldenPath).then(
      () => true,
      () => false,
    )
  ) {
    console.error(
      `rules:check --add: ${relative(root, goldenPath)} already exists; --update rewrites it after review.`,
    );
    return 1;
  }
  const address = url ?? `https://example.org/${rule.id}/${path.replace(/^.*\//, "")}`;
  let output: unknown;
  try {
    output = JSON.parse(
      JSON.stringify(runStepOn(rule, kindOfFile(path), await readSavedFile(join(root, path)), address)),
    );
  } catch (error) {
    if (!(error instanceof Error && error.name === "ExtractionError" && "check" in error)) {
      console.log(color(31, `✗ ${rule.id}: ${relative(root, goldenPath)}: ${(error as Error).message}`));
      return 1;
    }
    output = { refused: { check: error.check, error: error.message } };
    console.log(color(33, `! the rule refuses this page (${String(error.check)}): ${error.message}`));
  }
  await writeFile(goldenPath, `${JSON.stringify({ page: path, url: address, output }, null, 2)}\n`);
  console.log(
    color(32, `+ ${rule.id}: ${relative(root, goldenPath)}: created; review it, then commit it with the page`),
  );
  if (url === undefined)
    console.log(`  (its URL stands in for the page's address: pass --url <address> to use the real one)`);
  return 0;
}

async function main(args: string[]): Promise<number> {
  if (args.includes("--add")) return addGolden(args);
  const update = args.includes("--update");
  const verbose = args.includes("--verbose");
  const only = args.filter((a) => !a.startsWith("--"));
  let failures = 0;
  let checked = 0;

  if (!(await indexIsCurrent())) {
    if (update) {
      const { writeIndex } = await import("./rules-index.ts");
      await writeIndex();
      console.log("updated scrapers/index.ts");
    } else {
      console.log(color(31, "✗ scrapers/index.ts does not list every rule module: run npm run rules:index"));
      failures++;
    }
  }

  for (const rule of RULES.filter((r) => only.length === 0 || only.includes(r.id))) {
    if (rule.broken !== undefined) {
      console.log(color(31, `✗ ${rule.id}: ${rule.broken}`));
      failures++;
      continue;
    }
    const dir = examplesDir(rule.id);
    const goldens = (await readdir(dir, { recursive: true }).catch(() => [] as string[]))
      .filter((f) => f.endsWith(".expected.json"))
      .sort();
    if (goldens.length === 0) {
      console.log(
        color(31, `✗ ${rule.id}: no golden files in ${relative(root, dir)}/ (npm run rules:new creates one)`),
      );
      failures++;
      continue;
    }
    for (const file of goldens) {
      const path = join(dir, file);
      const golden = v.parse(GoldenSchema, JSON.parse(await readFile(path, "utf8")));
      const name = `${rule.id}: ${relative(root, path)}`;
      checked++;
      let actual: unknown;
      try {
        const text = await readSavedFile(join(root, golden.page));
        actual = JSON.parse(JSON.stringify(runStepOn(rule, kindOfFile(golden.page), text, golden.url)));
      } catch (error) {
        // A page the rule must refuse has a golden file too: the drift it reports.
        if (error instanceof Error && error.name === "ExtractionError" && "check" in error) {
          actual = { refused: { check: error.check, error: error.message } };
        } else {
          console.log(color(31, `✗ ${name}: ${(error as Error).message}`));
          failures++;
          continue;
        }
      }
      const unmapped = unmappedLabels(actual as RuleOutput);
      if (unmapped.length > 0)
        console.log(
          color(33, `  ${name}: ${unmapped.length} unmapped label(s) kept: ${unmapped.slice(0, 5).join("; ")}`),
        );
      if (JSON.stringify(actual) === JSON.stringify(golden.output)) {
        console.log(color(32, `✓ ${name}`));
      } else if (update) {
        await writeFile(path, `${JSON.stringify({ ...golden, output: actual }, null, 2)}\n`);
        console.log(color(33, `↻ ${name}: updated`));
      } else {
        console.log(color(31, `✗ ${name}: the output differs from the golden file (- expected, + actual)`));
        console.log(jsonDiff(golden.output, actual));
        failures++;
      }
    }
  }
  for (const rule of RULES.filter((r) => r.broken === undefined && (only.length === 0 || only.includes(r.id)))) {
    const dir = examplesDir(rule.id);
    const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith(".labels.json")).sort();
    for (const file of files) {
      checked++;
      const ok = await checkLabels(rule, join(dir, file), verbose);
      if (!ok) failures++;
    }
  }
  console.log(`\nrules:check: ${checked} pages checked, ${failures} failed${update ? " (--update)" : ""}`);
  if (failures > 0 && !update)
    console.log("If the change is intended, review the diff and run: npm run rules:check -- --update");
  return failures > 0 ? 1 : 0;
}

/** The text a reader sees in a saved document: an HTML page's, or a JSON document's HTML strings'. */
function documentText(raw: string, kind: string): string {
  if (kind !== "json") return load(raw).text();
  const strings: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === "string") strings.push(value);
    else if (value && typeof value === "object") Object.values(value).forEach(walk);
  };
  walk(JSON.parse(raw));
  return strings.map((s) => load(s).text()).join("\n");
}

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Scores the rule against a page's hand labels; false if below the thresholds or the labels are broken. */
async function checkLabels(rule: (typeof RULES)[number], path: string, verbose: boolean): Promise<boolean> {
  const name = `${rule.id}: ${relative(root, path)}`;
  try {
    const labels = v.parse(LabelsSchema, JSON.parse(await readFile(path, "utf8")));
    const raw = await readSavedFile(join(root, labels.page));
    const kind = kindOfFile(labels.page);
    const absent = labelsNotInPage(labels, documentText(raw, kind));
    if (absent.length > 0) {
      console.log(color(31, `✗ ${name}: ${absent.length} label(s) not found in ${labels.page}:`));
      for (const text of absent) console.log(`    “${text}”`);
      return false;
    }
    const golden = join(
      root,
      labels.page.replace(/^.*\//, `scrapers/examples/${rule.id}/`).replace(/\.\w+$/, ".expected.json"),
    );
    const url = await readFile(golden, "utf8")
      .then((text) => v.parse(GoldenSchema, JSON.parse(text)).url)
      .catch(() => pathToFileURL(join(root, labels.page)).href);
    const output = runStepOn(rule, kind, raw, url);
    if (!("commitments" in output)) throw new Error("labels need a step that extracts commitments");
    const result = score(labels, output.commitments as Extracted[]);
    const ok = result.precision >= MIN_PRECISION && result.recall >= MIN_RECALL;
    const line =
      `${name}: precision ${percent(result.precision)} (${result.correct}/${result.extracted}), ` +
      `recall ${percent(result.recall)} (${result.found}/${result.labels})`;
    console.log(
      ok ? color(32, `✓ ${line}`) : color(31, `✗ ${line}: below precision ${MIN_PRECISION} or recall ${MIN_RECALL}`),
    );
    if (!ok || verbose) {
      for (const m of result.missed)
        console.log(
          `    missed  [${m.target}] ${m.text}` +
            ("extractedTarget" in m ? color(33, ` (extracted with date ${m.extractedTarget})`) : ""),
        );
      for (const w of result.wrong) console.log(`    not labelled [${w.target_date}] ${w.text}`);
    }
    return ok;
  } catch (error) {
    console.log(color(31, `✗ ${name}: ${(error as Error).message}`));
    return false;
  }
}

process.exitCode = await main(process.argv.slice(2));
