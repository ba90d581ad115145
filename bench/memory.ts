// Memory per rule per MB of document: how much heap a rule's extraction costs for a document of
// a given size, so that each rule's body cap (Rule.maxBodyBytes) leaves a Worker (128 MB for the
// whole isolate) a safety margin. Each measurement runs in a fresh Node process and reads the
// process's peak resident memory after the extraction less its peak before it, with the document
// already in memory, so what is measured is the extraction's own high-water mark.
//   npm run bench:memory                 (sizes 1, 2 and 4 MB)
//   npm run bench:memory -- 1 2 4 8      (other sizes, in MB)
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RULES } from "../scrapers/index.ts";
import { extractStep } from "../scrapers/lib/steps.ts";
import { root } from "../scripts/seed.ts";

/** A document of about `bytes` for a rule: its saved page with its repeated part repeated. */
async function documentOf(ruleId: string, bytes: number): Promise<string> {
  const repeat = (unit: string, fixed: number) => Math.max(1, Math.round((bytes - fixed) / unit.length));
  if (ruleId === "hsc-expert-panel") {
    const page = await readFile(join(root, "seeds/archive/hc-780-digitisation.html"), "utf8");
    const rows = [...page.matchAll(/<tr>(?:(?!<\/tr>)[\s\S])*<\/tr>/g)].map((m) => m[0]).slice(1);
    const unit = rows.join("\n");
    const at = page.lastIndexOf("</tbody>") >= 0 ? page.lastIndexOf("</tbody>") : page.lastIndexOf("</table>");
    return page.slice(0, at) + unit.repeat(repeat(unit, page.length)) + page.slice(at);
  }
  if (ruleId === "gmpp") {
    const csv = await readFile(join(root, "seeds/archive/gmpp/gmpp_2024_25.csv"), "utf8");
    const [header, ...rows] = csv.split(/\r?\n/);
    const unit = rows.filter(Boolean).join("\n") + "\n";
    return `${header}\n${unit.repeat(repeat(unit, header!.length))}`;
  }
  const item = JSON.parse(
    await readFile(
      join(
        root,
        "test/fixtures/govuk-content/html_publication_frontend_long_form_and_automatically_numbered_headings.json",
      ),
      "utf8",
    ),
  ) as { details: { body: string } };
  const unit = item.details.body;
  item.details.body = unit.repeat(repeat(unit, 2000));
  return JSON.stringify(item);
}

const STEP_URL: Record<string, string> = {
  "hsc-expert-panel": "https://publications.parliament.uk/pa/cm5804/cmselect/cmhealth/780/report.html",
  gmpp: "https://assets.publishing.service.gov.uk/media/x/gmpp.csv",
  "govuk-commitments": "https://www.gov.uk/api/content/government/publications/x",
};

if (process.argv[2] === "--child") {
  // One measurement: build the document, then extract it once.
  const [, , , ruleId, mb] = process.argv;
  const rule = RULES.find((r) => r.id === ruleId)!;
  const text = await documentOf(ruleId!, Number(mb) * 1024 * 1024);
  const before = process.resourceUsage().maxRSS;
  let outcome = "read";
  try {
    const extraction = extractStep(rule).extract(text, {
      url: STEP_URL[ruleId!]!,
      carried: { title: "Major Projects data 2024-25" },
    });
    outcome = `${extraction.commitments.length} commitments`;
  } catch (error) {
    outcome = `refused (${(error as Error).message.slice(0, 40)})`;
  }
  const after = process.resourceUsage().maxRSS;
  console.log(JSON.stringify({ bytes: Buffer.byteLength(text), kb: after - before, outcome }));
} else {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  const script = fileURLToPath(import.meta.url);
  console.log(`${"rule".padEnd(20)} ${"document".padStart(9)} ${"peak".padStart(9)} ${"per MB".padStart(8)}  outcome`);
  for (const rule of RULES) {
    const perMb: number[] = [];
    for (const mb of sizes.length ? sizes : [1, 2, 4]) {
      const out = execFileSync(
        process.execPath,
        ["--disable-warning=ExperimentalWarning", script, "--child", rule.id, String(mb)],
        {
          encoding: "utf8",
        },
      );
      const { bytes, kb, outcome } = JSON.parse(out.trim().split("\n").pop()!) as {
        bytes: number;
        kb: number;
        outcome: string;
      };
      const docMb = bytes / 1024 / 1024;
      perMb.push(kb / 1024 / docMb);
      console.log(
        `${rule.id.padEnd(20)} ${`${docMb.toFixed(2)} MB`.padStart(9)} ${`${(kb / 1024).toFixed(0)} MB`.padStart(9)} ${`${(kb / 1024 / docMb).toFixed(1)}`.padStart(8)}  ${outcome}`,
      );
    }
    const worst = Math.max(...perMb);
    // A Worker has 128 MB; keep half of it for the runtime, the document itself and the write plan.
    const cap = 64 / worst;
    console.log(
      `${rule.id.padEnd(20)} worst ${worst.toFixed(1)} MB per MB: a cap of ${cap.toFixed(1)} MB keeps its peak under 64 MB (declared: ${((rule.maxBodyBytes ?? NaN) / 1024 / 1024).toFixed(1)} MB)`,
    );
  }
}
