// npm run replay -- <source-id> <file>
// Tries a changed page against the local service (`npm start`): the file becomes what the
// source's step that reads its kind fetches next, the source runs through the whole pipeline,
// and this prints how the run ended. Watch the result at /v1/sources/<id>, /v1/changes?source=<id>
// and the source's scorecards.
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { ADMIN_TOKEN_FILE, DEV_ORIGIN_FILE } from "./seed.ts";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html",
  ".htm": "text/html",
  ".csv": "text/csv",
  ".json": "application/json",
};

interface Run {
  outcome: string;
  finished_at: string | null;
  commitments_seen: number | null;
  observations_added: number | null;
  changes_added: number | null;
  error: string | null;
  failed_check: string | null;
}

async function main(args: string[]): Promise<number> {
  const [sourceId, file] = args.filter((a) => !a.startsWith("--"));
  if (!sourceId || !file) {
    console.error("usage: npm run replay -- <source-id> <file.html|file.csv|file.json>");
    return 2;
  }
  const contentType = CONTENT_TYPES[extname(file).toLowerCase()];
  if (!contentType) {
    console.error(`replay: name the file .html, .csv or .json so its kind is known: ${file}`);
    return 2;
  }
  const origin =
    (await readFile(DEV_ORIGIN_FILE, "utf8").catch(() => null))?.trim() ??
    `http://localhost:${process.env.PORT ?? 8787}`;
  const token = process.env.SCORECARD_ADMIN_TOKEN ?? (await readFile(ADMIN_TOKEN_FILE, "utf8").catch(() => null));
  if (!token) {
    console.error("replay: start the local service first (npm start), which provides the local admin token.");
    return 2;
  }
  const queued = await fetch(`${origin}/v1/admin/sources/${encodeURIComponent(sourceId)}/replay`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token.trim()}`, "Content-Type": contentType },
    body: await readFile(file),
  });
  const answer = (await queued.json()) as {
    detail?: string;
    run?: { id: number; url: string };
    replayed?: { url: string; step: string };
  };
  if (queued.status !== 202 || !answer.run) {
    console.error(`replay: ${queued.status} ${answer.detail ?? JSON.stringify(answer)}`);
    return 1;
  }
  console.log(`${file} is now what ${sourceId}'s step "${answer.replayed!.step}" fetches from ${answer.replayed!.url}`);
  console.log(`run ${answer.run.id} queued; waiting for it…`);
  for (let waited = 0; waited < 120_000; waited += 500) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const run = (await (await fetch(answer.run.url)).json()) as Run;
    if (!run.finished_at) continue;
    const counts = `${run.commitments_seen ?? 0} commitments, ${run.observations_added ?? 0} new observations, ${run.changes_added ?? 0} change events`;
    console.log(`${run.outcome}${run.outcome === "ok" ? `: ${counts}` : ""}`);
    if (run.failed_check) console.log(`failed check: ${run.failed_check}`);
    if (run.error) console.log(`error: ${run.error}`);
    console.log(`see ${origin}/v1/sources/${sourceId} and ${origin}/v1/changes?source=${sourceId}`);
    return run.outcome === "ok" || run.outcome === "unchanged" ? 0 : 1;
  }
  console.error(`replay: run ${answer.run.id} still running after 2 minutes; see ${answer.run.url}`);
  return 1;
}

process.exitCode = await main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`replay: ${(error as Error).message}`);
  return 1;
});
