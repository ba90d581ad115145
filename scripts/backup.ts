// Backups of the D1 database as JSON Lines (see src/db/backup.ts).
//   npm run export                          the local database (npm start's) to stdout
//   npm run export -- --out backup.jsonl    to a file
//   npm run export -- --remote              the deployed database (wrangler d1 execute --remote)
//   npm run import -- backup.jsonl          into the local database, which must hold no data
//   npm run import -- backup.jsonl --remote into the deployed database, which must hold no data
// Apply the migrations first (`npm run db:migrate`, or `wrangler d1 migrations apply DB --remote`).
import { execFile } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { getPlatformProxy } from "wrangler";
import { exportDatabase, importStatements, nonEmptyTables, type Query } from "../src/db/backup.ts";
import { root, wrangler } from "./seed.ts";

const run = promisify(execFile);

/** A query through `wrangler d1 execute --remote`: one process per page, so pages are large. */
const remoteQuery: Query = async (sql) => {
  const { stdout } = await run("wrangler", ["d1", "execute", "DB", "--remote", "--json", "--command", sql], {
    cwd: root,
    maxBuffer: 512 * 1024 * 1024,
  });
  const [result] = JSON.parse(stdout) as { results: Record<string, unknown>[] }[];
  return result?.results ?? [];
};

async function withDatabase<T>(remote: boolean, work: (query: Query, db: D1Database | null) => Promise<T>): Promise<T> {
  if (remote) return work(remoteQuery, null);
  const proxy = await getPlatformProxy<Env>({ persist: true });
  try {
    const db = proxy.env.DB;
    return await work(async (sql) => (await db.prepare(sql).all<Record<string, unknown>>()).results, db);
  } finally {
    await proxy.dispose();
  }
}

async function exportCommand(args: string[]): Promise<number> {
  const remote = args.includes("--remote");
  const outAt = args.indexOf("--out");
  const out = outAt >= 0 ? createWriteStream(args[outAt + 1]!) : process.stdout;
  const write = (line: string) =>
    new Promise<void>((resolve, reject) => out.write(`${line}\n`, (error) => (error ? reject(error) : resolve())));
  const counts = await withDatabase(remote, (query) => exportDatabase(query, write, remote ? 5000 : 1000));
  if (out !== process.stdout) await new Promise<void>((resolve) => out.end(resolve));
  console.error(`exported ${counts.map((c) => `${c.table} ${c.rows}`).join(", ")}`);
  return 0;
}

async function importCommand(args: string[]): Promise<number> {
  const remote = args.includes("--remote");
  const file = args.find((a) => !a.startsWith("--"));
  if (!file) {
    console.error("usage: npm run import -- <export.jsonl> [--remote]");
    return 2;
  }
  const statements = importStatements((await readFile(file, "utf8")).split("\n"));
  return withDatabase(remote, async (query, db) => {
    const holding = await nonEmptyTables(query);
    if (holding.length > 0) {
      console.error(`import: the database already holds data (${holding.join(", ")}); import only into an empty one`);
      return 1;
    }
    if (db) {
      // One batch is one transaction: the import lands whole or not at all.
      await db.batch(statements.map((sql) => db.prepare(sql)));
    } else {
      const script = join(await mkdtemp(join(tmpdir(), "scorecard-import-")), "import.sql");
      await writeFile(script, statements.map((s) => `${s};`).join("\n"));
      await wrangler(["d1", "execute", "DB", "--remote", "--file", script]);
    }
    console.error(`imported ${statements.length - 1} statements from ${file}`);
    return 0;
  });
}

const [command, ...rest] = process.argv.slice(2);
process.exitCode = await (command === "export" ? exportCommand(rest) : importCommand(rest)).catch((error: unknown) => {
  console.error(`${command}: ${(error as Error).message}`);
  return 1;
});
