// The local service for a benchmark: its own D1 and R2 under .wrangler/<name>, migrated and
// loaded, served by `wrangler dev` on loopback (127.0.0.1, a free port) until stopped.
import { execFileSync, spawn } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { getPlatformProxy } from "wrangler";
import { root } from "../scripts/seed.ts";

export interface Service {
  origin: string;
  stop: () => void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/** A fresh, migrated local database and bucket in `.wrangler/<name>`, loaded by `load`. */
export async function prepareState(name: string, load: (env: Env) => Promise<void>): Promise<string> {
  const dir = join(root, ".wrangler", name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  execFileSync("wrangler", ["d1", "migrations", "apply", "DB", "--local", "--persist-to", dir], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, CI: "1" },
  });
  const proxy = await getPlatformProxy<Env>({ persist: { path: join(dir, "v3") } });
  try {
    await load(proxy.env);
  } finally {
    await proxy.dispose();
  }
  return dir;
}

/** `wrangler dev` over that state, with the seeded archive replayed and scheduled events testable. */
export async function startService(dir: string, vars: Record<string, string> = {}): Promise<Service> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const dev = spawn(
    "wrangler",
    [
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      dir,
      "--test-scheduled",
      ...Object.entries({ FETCH_MODE: "replay", ...vars }).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    ],
    { cwd: root, stdio: "ignore", detached: true },
  );
  const stop = () => {
    if (dev.pid && dev.exitCode === null) process.kill(-dev.pid, "SIGINT");
  };
  for (let t = Date.now(); ;) {
    try {
      if ((await fetch(`${origin}/health`)).ok) return { origin, stop };
    } catch {
      /* not up yet */
    }
    if (Date.now() - t > 120_000) {
      stop();
      throw new Error("wrangler dev did not answer /health in 120 s");
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
