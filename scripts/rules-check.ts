// npm run rules:check [-- --update] [-- <rule-id>…]
// Runs every rule on its saved pages and compares what it extracts with the golden files in
// scrapers/examples/<rule-id>/*.expected.json. --update rewrites them after a reviewed change.
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { diff } from "node:util";
import * as v from "valibot";
import { RULES } from "../scrapers/index.ts";
import { indexIsCurrent } from "./rules-index.ts";
import { kindOfFile, readSavedFile, runStepOn } from "./run-rule.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const examplesDir = (ruleId: string) => join(root, "scrapers", "examples", ruleId);

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

async function main(args: string[]): Promise<number> {
  const update = args.includes("--update");
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
    const dir = examplesDir(rule.id);
    const goldens = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith(".expected.json")).sort();
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
        console.log(color(31, `✗ ${name}: ${(error as Error).message}`));
        failures++;
        continue;
      }
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
  console.log(`\nrules:check: ${checked} pages checked, ${failures} failed${update ? " (--update)" : ""}`);
  if (failures > 0 && !update)
    console.log("If the change is intended, review the diff and run: npm run rules:check -- --update");
  return failures > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
