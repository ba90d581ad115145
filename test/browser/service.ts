// The whole service for the browser tests, on this machine only: a local D1/R2/Queue state in a
// temporary directory, some seeds, a "publisher" on 127.0.0.1 whose page carries hostile commitment
// text, `wrangler dev` on a free loopback port, and a host page on another local origin.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { getPlatformProxy } from "wrangler";
import { readSeeds } from "../../scripts/read-seeds.ts";
import { loadSeeds } from "../../src/seeds.ts";
import { hostilePage } from "../support/hostile.ts";

export const root = fileURLToPath(new URL("../..", import.meta.url));
const wranglerBin = join(root, "node_modules", ".bin", "wrangler");

/** The seeded sources the browser tests use (HC 780 comes from the hostile publisher): a sample Expert Panel, the largest GMPP year, a GOV.UK plan. */
export const SOURCES = ["hsc-expert-panel-hc-18", "gmpp-2022-23", "govuk-dwp-single-departmental-plan-2015-to-2020"];
export const HOSTILE_SOURCE = "hostile-publisher";

/** Debian's Chromium, or CHROMIUM_PATH. Missing is a failure that says how to install it, never a skip. */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  const which = spawnSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).stdout.trim();
  const found = [...candidates, which].find((p) => p && existsSync(p));
  if (!found)
    throw new Error(
      "Chromium is missing, and the browser tests need it. Install Debian's package with " +
        "`apt-get update && apt-get install -y chromium` (as root; .ci/run does this), or set CHROMIUM_PATH.",
    );
  return found;
}

/** Without these, Chromium keeps trying hosts this machine cannot reach. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(wranglerBin, args, { cwd: root, env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`wrangler ${args.join(" ")} exited with ${code}: ${stderr}`)),
    );
  });
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // not ready yet
    }
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export interface Service {
  /** The Worker, e.g. http://127.0.0.1:41234. */
  origin: string;
  /** Another local origin, serving host pages that embed widgets with the loader. */
  hostOrigin: string;
  /** Sets what the host origin serves at `/host.html`. */
  setHostPage(html: string): void;
  stop(): Promise<void>;
}

const started = Date.now();
const progress = (step: string) => console.error(`[browser] ${step} (${((Date.now() - started) / 1000).toFixed(1)}s)`);

export async function startService(): Promise<Service> {
  const dir = await mkdtemp(join(tmpdir(), "scorecard-browser-"));
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1" };
  const hc780 = await readFile(join(root, "seeds", "archive", "hc-780-digitisation.html"), "utf8");

  const publisher = createServer((req, res) => {
    if (req.url === "/report.html") {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      return void res.end(hostilePage(hc780));
    }
    res.writeHead(404).end();
  });
  const publisherOrigin = await listen(publisher);

  let hostPage = "<!doctype html><title>host</title>";
  const host = createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(hostPage);
  });
  const hostOrigin = await listen(host);

  let dev: ChildProcess | undefined;
  const stop = async () => {
    if (dev && dev.exitCode === null) {
      const exited = new Promise((resolve) => dev!.once("exit", resolve));
      dev.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (dev.exitCode === null) dev.kill("SIGKILL");
    }
    await Promise.all([publisher, host].map((s) => new Promise((resolve) => s.close(resolve))));
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await run(["d1", "migrations", "apply", "DB", "--local", "--persist-to", dir], env);
    progress("migrations applied");
    const { seeds, archive } = await readSeeds(join(root, "seeds"));
    const proxy = await getPlatformProxy<Env>({
      configPath: join(root, "wrangler.toml"),
      persist: { path: join(dir, "v3") },
    });
    try {
      const hostile = {
        id: HOSTILE_SOURCE,
        rule: "hsc-expert-panel",
        title: "A publisher whose page carries hostile text",
        url: `${publisherOrigin}/report.html`,
      };
      await loadSeeds(
        proxy.env,
        { ...seeds, sources: [...seeds.sources.filter((s) => SOURCES.includes(s.id)), hostile] },
        archive,
      );
    } finally {
      await proxy.dispose();
    }

    progress("seeded");
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const vars = [
      "FETCH_MODE:replay",
      "LOCAL_DEV_ALLOW_LOOPBACK:true",
      "MIN_HOST_INTERVAL_MS:0",
      "ADMIN_TOKEN:browser-test",
    ];
    dev = spawn(
      wranglerBin,
      [
        "dev",
        "--ip",
        "127.0.0.1",
        "--port",
        String(port),
        "--persist-to",
        dir,
        "--test-scheduled",
        ...vars.flatMap((v) => ["--var", v]),
      ],
      { cwd: root, env, stdio: ["ignore", "ignore", "pipe"] },
    );
    let log = "";
    dev.stderr!.on("data", (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
    await until(`wrangler dev on ${origin} (${log})`, 90_000, async () =>
      (await fetch(`${origin}/health`)).ok ? true : undefined,
    );
    progress(`wrangler dev answers on ${origin}`);
    await fetch(`${origin}/__scheduled?cron=${encodeURIComponent("*/15 * * * *")}`);
    await until("every source's first run", 90_000, async () => {
      const { data } = (await (await fetch(`${origin}/v1/sources`)).json()) as {
        data: { id: string; health: { last_run_at: string | null } }[];
      };
      return data.length === SOURCES.length + 1 && data.every((s) => s.health.last_run_at !== null) ? true : undefined;
    });
    progress("every source has run");
    return { origin, hostOrigin, setHostPage: (html) => void (hostPage = html), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
