// `npm start`: the whole service on this machine, offline, with data.
//   1. applies the D1 migrations to the local database;
//   2. loads seeds/ (sources and their saved pages) into local D1 and R2;
//   3. starts `wrangler dev` with FETCH_MODE=replay, so seeded URLs replay their saved page,
//      and a fresh admin token, saved in .wrangler/admin-token for `npm run reprocess`;
//   4. stands in for Cron Triggers, which Miniflare does not fire: it calls the scheduled
//      handler once at start and then every minute. Each source's schedule decides if it is due;
//      the handler enqueues due sources and the local queue runs them.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ADMIN_TOKEN_FILE, DEV_ENV_FILE, DEV_ORIGIN_FILE, root, seedLocal, wrangler } from "./seed.ts";

const port = Number(process.env.PORT ?? 8787);
const origin = `http://localhost:${port}`;
const TICK_MS = 60_000;

async function waitFor(url: string, timeoutMs: number): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.ok) return response;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

interface SourceHealth {
  id: string;
  enabled: boolean;
  health: { last_run_at: string | null; consecutive_failures: number };
}

/** The queue runs sources one by one after the tick; wait until each has run once. */
async function untilEverySourceHasRun(timeoutMs: number): Promise<SourceHealth[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { data } = (await (await fetch(`${origin}/v1/sources`)).json()) as { data: SourceHealth[] };
    const enabled = data.filter((s) => s.enabled);
    if (enabled.every((s) => s.health.last_run_at !== null) || Date.now() > deadline) return enabled;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function tick(): Promise<void> {
  try {
    await fetch(`${origin}/__scheduled?cron=${encodeURIComponent("*/15 * * * *")}`);
  } catch (error) {
    console.error("[scorecard] scheduled tick failed:", error);
  }
}

async function main(): Promise<void> {
  console.log("[scorecard] applying migrations to the local D1 database");
  await wrangler(["d1", "migrations", "apply", "DB", "--local"]);
  await seedLocal();

  const adminToken = crypto.randomUUID();
  await mkdir(join(root, ".wrangler"), { recursive: true });
  await writeFile(ADMIN_TOKEN_FILE, adminToken, { mode: 0o600 });
  // The token reaches wrangler through a file only this user can read, never the command line
  // (which every local user sees in the process list); npm run reprocess finds the port here.
  await writeFile(DEV_ENV_FILE, `ADMIN_TOKEN=${adminToken}\n`, { mode: 0o600 });
  await writeFile(DEV_ORIGIN_FILE, origin);

  const dev: ChildProcess = spawn(
    "wrangler",
    [
      "dev",
      "--test-scheduled",
      "--port",
      String(port),
      "--var",
      "FETCH_MODE:replay",
      // A maintainer may point a source at a page on their own machine; production never may.
      "--var",
      "LOCAL_DEV_ALLOW_LOOPBACK:true",
      "--env-file",
      DEV_ENV_FILE,
      ...process.argv.slice(2),
    ],
    { cwd: root, stdio: "inherit" },
  );
  const stop = () => dev.kill("SIGINT");
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  dev.on("exit", (code) => process.exit(code ?? 0));

  await waitFor(`${origin}/health`, 120_000);
  await tick();
  const sources = await untilEverySourceHasRun(60_000);
  const { meta } = (await (await fetch(`${origin}/v1/scorecards`)).json()) as { meta: { total: number } };
  const failing = sources.filter((s) => s.health.consecutive_failures > 0).map((s) => s.id);
  console.log(
    `[scorecard] ready at ${origin}: ${meta.total} scorecards from ${sources.length} sources. Try ${origin}/v1/scorecards`,
  );
  if (failing.length > 0) console.log(`[scorecard] failing sources (see ${origin}/v1/sources): ${failing.join(", ")}`);
  console.log(
    `[scorecard] scheduled scrapes run every ${TICK_MS / 1000}s; trigger one with: curl "${origin}/__scheduled"`,
  );
  setInterval(tick, TICK_MS);
}

main().catch((error: unknown) => {
  console.error("[scorecard]", error instanceof Error ? error.message : error);
  process.exit(1);
});
