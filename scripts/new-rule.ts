// npm run rules:new -- <rule-id> [--kind html|csv|json]
// Creates a rule module, a saved example page and its golden output, and registers the rule.
// Then: replace the example with a real saved page, adapt the rule, run rules:check --update.
import { access, mkdir, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as prettier from "prettier";
import type { Rule } from "../scrapers/lib/rule.ts";
import { writeIndex } from "./rules-index.ts";
import { runStepOn } from "./run-rule.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

const EXAMPLES = {
  html: `<!DOCTYPE html>
<html lang="en">
<!-- EXAMPLE: replace this file with a saved copy of a real page. -->
<body>
  <h1>Example tracker</h1>
  <table class="ratings">
    <thead><tr><th>Commitment</th><th>Rating</th><th>Last updated</th></tr></thead>
    <tbody>
      <tr><td>Build 40 new hospitals by 2030</td><td>At risk</td><td>12 March 2025</td></tr>
      <tr><td>Publish a workforce plan by March 2025</td><td>On track</td><td></td></tr>
    </tbody>
  </table>
</body>
</html>
`,
  csv: `Commitment,Rating,Last updated\r\nBuild 40 new hospitals by 2030,At risk,12 March 2025\r\n"Publish a workforce plan, by March 2025",On track,\r\n`,
  json: `${JSON.stringify(
    {
      title: "Example tracker",
      commitments: [
        { text: "Build 40 new hospitals by 2030", rating: "At risk", updated: "12 March 2025" },
        { text: "Publish a workforce plan by March 2025", rating: "On track", updated: "" },
      ],
    },
    null,
    2,
  )}\n`,
};

const EXTRACTORS = {
  html: {
    imports: `import { load } from "cheerio/slim";\nimport { visibleText } from "./lib/html.ts";`,
    body: `  const $ = load(document);
  // Each selector says how many items it expects, so a redesign fails loudly as drift.
  const title = visibleText($, select($, "h1", 1));
  const rows = select($, "table.ratings tbody tr", { min: 1 }).toArray();
  const records = rows.map((row) => {
    // Footnote references ("charge points<sup>1</sup>") are left out of the text.
    const [text = "", rating = "", updated = ""] = $(row)
      .children("td")
      .toArray()
      .map((cell) => visibleText($, $(cell), { skipFootnotes: true }));
    return { text, rating, updated };
  });`,
  },
  csv: {
    imports: `import { findColumns, parseCsv } from "./lib/csv.ts";`,
    body: `  const [headers = [], ...rows] = parseCsv(document);
  // Columns are found by what their headers say, not where they stand.
  const column = findColumns(headers, {
    text: { header: /^commitment$/i, required: true },
    rating: { header: /^rating$/i, required: true },
    updated: { header: /^last updated$/i, required: false },
  });
  const title = "Example tracker";
  const records = rows.map((row) => ({
    text: row[column.text!] ?? "",
    rating: row[column.rating!] ?? "",
    updated: column.updated === null ? "" : (row[column.updated] ?? ""),
  }));`,
  },
  json: {
    imports: `import * as v from "valibot";`,
    body: `  const data = v.parse(
    v.object({
      title: v.string(),
      commitments: v.array(v.object({ text: v.string(), rating: v.string(), updated: v.optional(v.string(), "") })),
    }),
    JSON.parse(document),
  );
  const title = data.title;
  const records = data.commitments;`,
  },
};

function ruleModule(id: string, kind: keyof typeof EXTRACTORS): string {
  const { imports, body } = EXTRACTORS[kind];
  return `// TODO: who publishes what this rule reads, and how the pages are laid out.
${imports}
import { defineRule, type StepContext } from "./lib/rule.ts";
import { slugify } from "../domain/text.ts";
import { parseLongDate, parseTargetDate } from "./lib/dates.ts";
import { ExtractionError${kind === "html" ? ", select" : ""} } from "./lib/expect.ts";

/** A key stable for as long as the publication lives at its address: its host and path. */
function publicationKey(url: string): string {
  const { hostname, pathname } = new URL(url);
  return slugify(\`\${hostname}\${pathname}\`);
}

/**
 * A row's own "Last updated" date ("12 March 2025"), which becomes its ratings' effective_on;
 * null where the row gives none. A date the rule cannot read is drift, never a guess.
 */
function rowDate(text: string, row: string): string | null {
  if (text.trim() === "") return null;
  const date = parseLongDate(text);
  if (date === null) throw new ExtractionError(\`row "\${row}": cannot read its "Last updated" date "\${text}"\`, "row dates");
  return date;
}

function extract(document: string, { url }: StepContext) {
${body}
  return {
    // The key names the publication, never its wording: a title changes ("our 20 pledges" becomes
    // "19 pledges") and two publishers may share one, but the address each source reads does not.
    // A publication's own identifier (a paper number such as "HC 780") is as good.
    scorecard: { key: publicationKey(url), title, publisher: "TODO: the body that published the ratings", published_on: null, url, overall: null },
    commitments: records.map(({ text, rating, updated }) => ({
      key: slugify(text),
      text,
      policy_area: null,
      target_date: parseTargetDate(text),
      source_url: null,
      ratings: { status: rating },
      effective_on: rowDate(updated, text),
    })),
  };
}

export default defineRule({
  id: "${id}",
  title: "TODO: what this rule reads",
  // The publisher's own words, best first, each with a colour band and a score on the common
  // 0-100 scale (what change events follow); labels that are not ratings are states. See
  // README, "Adding a new kind of source". Or name a built-in vocabulary, e.g. "cqc".
  vocabulary: {
    id: "${id}-status",
    title: "TODO: the publisher's rating words",
    levels: [
      { label: "Complete", band: "green", score: 100 },
      { label: "On track", band: "green", score: 75 },
      { label: "At risk", band: "amber", score: 40 },
      { label: "Off track", band: "red", score: 0 },
    ],
    states: [{ band: "not-rated", labels: ["Not started"] }],
  },
  schedule: "1d",
  // TODO: the hosts its pages (and their redirects) come from; no other host is fetched.
  allowedHosts: ["www.example.org"],
  dimensions: [{ key: "status", question: "TODO: the question the rating answers" }],
  steps: [{ kind: "extract", name: "page", accepts: "${kind}", extract }],
  commitmentScope: "source",
  expect: { commitments: { min: 1 }, maxDrop: 0.3 },
});
`;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function main(args: string[]): Promise<number> {
  const kindArg = args.indexOf("--kind");
  const kind = (kindArg >= 0 ? args[kindArg + 1] : "html") as keyof typeof EXTRACTORS;
  const id = args.find((a, i) => !a.startsWith("--") && !(kindArg >= 0 && i === kindArg + 1));
  if (!id || !SLUG.test(id) || !(kind in EXTRACTORS)) {
    console.error("usage: npm run rules:new -- <rule-id> [--kind html|csv|json]   (a rule id is a lower-case slug)");
    return 2;
  }
  const modulePath = join(root, "scrapers", `${id}.ts`);
  if (await exists(modulePath)) {
    console.error(`rules:new: ${relative(root, modulePath)} already exists.`);
    return 1;
  }
  const examplesDir = join(root, "scrapers", "examples", id);
  const pagePath = join(examplesDir, `example.${kind}`);
  await mkdir(examplesDir, { recursive: true });
  const style = await prettier.resolveConfig(modulePath);
  await writeFile(modulePath, await prettier.format(ruleModule(id, kind), { ...style, filepath: modulePath }));
  await writeFile(pagePath, EXAMPLES[kind]);
  await writeIndex();

  const rule = (await import(pathToFileURL(modulePath).href)).default as Rule;
  const url = `https://example.org/${id}/example.${kind}`;
  const output = runStepOn(rule, kind, EXAMPLES[kind], url);
  const goldenPath = join(examplesDir, "example.expected.json");
  await writeFile(goldenPath, `${JSON.stringify({ page: relative(root, pagePath), url, output }, null, 2)}\n`);

  console.log(`Created rule "${id}":
  ${relative(root, modulePath)}                 the rule
  ${relative(root, pagePath)}     an example page: replace it with a saved real one
  ${relative(root, goldenPath)}   its golden output
and registered it in scrapers/index.ts.

Next:
  1. save a real page over the example, and adapt the rule's selectors and vocabulary;
  2. npm run scrape -- ${id} ${relative(root, pagePath)}
  3. npm run rules:check -- --update, and review the golden file;
  4. add a source: a row with rule "${id}", its URL and a schedule (seeds/sources.json locally).`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
