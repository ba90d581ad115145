// `npm run seed`: loads seeds/ into the local D1 and R2 (what `npm start` does first).
// `npm run seed -- --remote`: loads only the source list into the deployed D1. Production
// fetches every page live, so the saved pages are not uploaded.
import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { getPlatformProxy } from "wrangler";
import { upsertSourcesScript } from "../src/db/sources.ts";
import { loadSeeds, seedSources } from "../src/seeds.ts";
import { readSeeds } from "./read-seeds.ts";

export const root = fileURLToPath(new URL("..", import.meta.url));
/** Where `npm start` leaves the admin token of the local service, for `npm run reprocess`. */
export const ADMIN_TOKEN_FILE = join(root, ".wrangler", "admin-token");
/** The variables file `npm start` gives wrangler dev (the admin token), readable by this user only. */
export const DEV_ENV_FILE = join(root, ".wrangler", "dev.env");
/** Where `npm start` says which port the local service listens on, for `npm run reprocess`. */
export const DEV_ORIGIN_FILE = join(root, ".wrangler", "dev-origin");

export function wrangler(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    spawn("wrangler", args, { cwd: root, stdio: "inherit" }).on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`wrangler ${args.join(" ")} exited with ${code}`)),
    );
  });
}

export async function seedLocal(): Promise<void> {
  const { seeds, archive } = await readSeeds(join(root, "seeds"));
  const proxy = await getPlatformProxy<Env>({ persist: true });
  try {
    await loadSeeds(proxy.env, seeds, archive);
  } finally {
    await proxy.dispose();
  }
  console.log(
    `[scorecard] seeded ${seeds.sources.length} sources and ${Object.keys(archive).length} saved pages locally`,
  );
}

async function seedRemote(): Promise<void> {
  const { seeds } = await readSeeds(join(root, "seeds"));
  const file = join(await mkdtemp(join(tmpdir(), "scorecard-")), "sources.sql");
  await writeFile(file, upsertSourcesScript(seedSources(seeds)));
  await wrangler(["d1", "execute", "DB", "--remote", "--file", file]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  (process.argv.includes("--remote") ? seedRemote() : seedLocal()).catch((error: unknown) => {
    console.error("[scorecard]", error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
