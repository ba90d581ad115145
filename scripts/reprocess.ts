// npm run reprocess -- <source-id> [--origin <url>]
// Asks a running Scorecard (by default the local one from `npm start`) to re-run a source's
// current rule over its archived documents, and waits for the result. The token comes from
// SCORECARD_ADMIN_TOKEN, or for the local service from .wrangler/admin-token.
import { readFile } from "node:fs/promises";
import { ADMIN_TOKEN_FILE, DEV_ORIGIN_FILE } from "./seed.ts";

interface Run {
  id: number;
  trigger: string;
  outcome: string;
  finished_at: string | null;
  observations_added: number | null;
  changes_added: number | null;
  error: string | null;
}

async function main(args: string[]): Promise<number> {
  const originAt = args.indexOf("--origin");
  // The local service is wherever `npm start` says it listens (it honours PORT), not a fixed port.
  const local =
    (await readFile(DEV_ORIGIN_FILE, "utf8").catch(() => null))?.trim() ??
    `http://localhost:${process.env.PORT ?? 8787}`;
  const origin = (originAt >= 0 ? args[originAt + 1] : undefined) ?? local;
  const sourceId = args.find((a, i) => !a.startsWith("--") && !(originAt >= 0 && i === originAt + 1));
  if (!sourceId) {
    console.error("usage: npm run reprocess -- <source-id> [--origin https://your-deployment]");
    return 2;
  }
  const token =
    process.env.SCORECARD_ADMIN_TOKEN ??
    // The local token goes only to the local service that npm start gave it to.
    (new URL(origin).origin === new URL(local).origin
      ? await readFile(ADMIN_TOKEN_FILE, "utf8").catch(() => null)
      : null);
  if (!token) {
    console.error(
      "reprocess: set SCORECARD_ADMIN_TOKEN to the deployment's ADMIN_TOKEN (locally, npm start provides one).",
    );
    return 2;
  }
  const lastReprocess = async () => {
    const response = await fetch(`${origin}/v1/sources/${sourceId}`);
    if (!response.ok)
      throw new Error(((await response.json()) as { detail?: string }).detail ?? `HTTP ${response.status}`);
    const { recent_runs } = (await response.json()) as { recent_runs: Run[] };
    return recent_runs.find((run) => run.trigger === "reprocess");
  };
  const before = await lastReprocess();
  const queued = await fetch(`${origin}/v1/admin/sources/${sourceId}/reprocess`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}` },
  });
  if (queued.status !== 202) {
    console.error(`reprocess: ${queued.status} ${await queued.text()}`);
    return 1;
  }
  console.log(`queued a reprocess of ${sourceId}; waiting for it…`);
  for (let waited = 0; waited < 120_000; waited += 1000) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const run = await lastReprocess();
    if (run && run.id !== before?.id && run.finished_at) {
      console.log(
        `${run.outcome}: ${run.observations_added ?? 0} observations and ${run.changes_added ?? 0} change events rebuilt${run.error ? ` (${run.error})` : ""}`,
      );
      return run.outcome === "ok" ? 0 : 1;
    }
  }
  console.error("reprocess: still running after 2 minutes; see /v1/sources/" + sourceId);
  return 1;
}

process.exitCode = await main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`reprocess: ${(error as Error).message}`);
  return 1;
});
