// `npm start`: the whole service on this machine, offline, with data.
//   1. applies the D1 migrations to the local database;
//   2. loads seeds/ (sources and their saved pages) into local D1 and R2;
//   3. starts `wrangler dev` with FETCH_MODE=replay, so seeded URLs replay their saved page;
//   4. stands in for Cron Triggers, which Miniflare does not fire: it calls the scheduled
//      handler once at start and then every minute. Each source's schedule decides if it is due.
import { spawn, type ChildProcess } from "node:child_process";
import { root, seedLocal, wrangler } from "./seed.ts";

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

  const dev: ChildProcess = spawn(
    "wrangler",
    ["dev", "--test-scheduled", "--port", String(port), "--var", "FETCH_MODE:replay", ...process.argv.slice(2)],
    { cwd: root, stdio: "inherit" },
  );
  const stop = () => dev.kill("SIGINT");
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  dev.on("exit", (code) => process.exit(code ?? 0));

  await waitFor(`${origin}/health`, 120_000);
  await tick();
  const response = await waitFor(`${origin}/v1/scorecards`, 30_000);
  const { meta } = (await response.json()) as { meta: { total: number } };
  console.log(`[scorecard] ready at ${origin}: ${meta.total} scorecards. Try ${origin}/v1/scorecards`);
  console.log(`[scorecard] scheduled scrapes run every ${TICK_MS / 1000}s; trigger one with: curl "${origin}/__scheduled"`);
  setInterval(tick, TICK_MS);
}

main().catch((error: unknown) => {
  console.error("[scorecard]", error instanceof Error ? error.message : error);
  process.exit(1);
});
