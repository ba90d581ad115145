// npm run scrape -- <rule-id> <file-or-url> [--json]
// Runs one rule on a saved file or a live URL and prints what it extracted.
import { ExtractionError } from "../scrapers/lib/expect.ts";
import { renderTable, unmappedLabels } from "./rule-output.ts";
import { loadRule, runOnFile, runOnUrl, UsageError } from "./run-rule.ts";

const USAGE = `usage: npm run scrape -- <rule-id> <file-or-url> [--json]

  <file>  a saved document: the rule's step for its kind runs (.html, .csv or .json)
  <url>   a live page: every step of the rule runs, fetching politely
  --json  print exactly one JSON document instead of a table`;

async function main(args: string[]): Promise<number> {
  const json = args.includes("--json");
  const [ruleId, target, ...rest] = args.filter((a) => a !== "--json");
  if (!ruleId || !target || rest.length > 0 || args.includes("--help")) {
    console.error(USAGE);
    return 2;
  }
  try {
    const rule = loadRule(ruleId);
    const output = /^https?:\/\//.test(target) ? await runOnUrl(rule, target) : await runOnFile(rule, target);
    console.log(json ? JSON.stringify(output, null, 2) : renderTable(rule, output, process.stdout.columns || 160));
    // The rule keeps labels its vocabulary does not know: say which, on stderr, so that --json stays one document.
    const unmapped = unmappedLabels(output);
    if (unmapped.length > 0)
      console.error(
        `scrape: ${unmapped.length} label(s) that rule "${ruleId}"'s vocabulary does not know, kept as unmapped: ${unmapped.slice(0, 10).join("; ")}${unmapped.length > 10 ? "; …" : ""}`,
      );
    return 0;
  } catch (error) {
    if (error instanceof UsageError) console.error(`scrape: ${error.message}`);
    else if (error instanceof ExtractionError)
      console.error(`scrape: drift: the page does not look as rule "${ruleId}" expects. ${error.message}`);
    else console.error(`scrape: ${(error as Error).message}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
