// npm run admin -- <command> [--remote]
//
//   create-key --role admin|editor [--name "who"]   prints a new API key, once
//   list-keys                                       ids, roles, names, created and revoked
//   revoke-key <id>                                 the key stops working at once
//
// It works on the local D1 that `npm start` uses, or with --remote on the deployed one, through
// `wrangler d1 execute`. Only the key's SHA-256 is stored (src/db/keys.ts); the actions go into
// the audit log as done by "cli".
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { insertKeySql, LIST_KEYS_SQL, newKey, revokeKeySql, type Role } from "../src/db/keys.ts";
import { root } from "./seed.ts";

const USAGE = `usage: npm run admin -- create-key --role admin|editor [--name "who"] [--remote]
       npm run admin -- list-keys [--remote]
       npm run admin -- revoke-key <key-id> [--remote]`;

/** Runs SQL with wrangler d1 execute and returns the rows of its last statement. */
function d1(sql: string, remote: boolean): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const args = ["d1", "execute", "DB", remote ? "--remote" : "--local", "--json", "--command", sql];
    const child = spawn("wrangler", args, { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`wrangler d1 execute exited with ${code}: ${out.trim()}`));
      try {
        const results = JSON.parse(out) as { results: Record<string, unknown>[] }[];
        resolve(results.at(-1)?.results ?? []);
      } catch {
        reject(new Error(`could not read what wrangler answered: ${out.trim()}`));
      }
    });
  });
}

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

export async function main(args: string[]): Promise<number> {
  const remote = args.includes("--remote");
  const [command] = args;
  const where = remote ? "the deployed D1" : "the local D1 (npm start)";
  if (command === "create-key") {
    const role = option(args, "--role");
    if (role !== "admin" && role !== "editor") {
      console.error(`create-key needs --role admin or --role editor\n${USAGE}`);
      return 2;
    }
    const name = option(args, "--name") ?? `${role} key`;
    const { id, key, hash } = await newKey();
    await d1(insertKeySql({ id, hash, role: role as Role, name, createdAt: new Date().toISOString() }), remote);
    console.log(`Created ${role} key ${id} ("${name}") in ${where}. It is shown this once:\n\n${key}\n`);
    console.log(`Use it as: curl -H "Authorization: Bearer ${key}" …`);
    return 0;
  }
  if (command === "list-keys") {
    const rows = await d1(LIST_KEYS_SQL, remote);
    if (rows.length === 0) console.log(`No keys in ${where}.`);
    for (const row of rows)
      console.log(
        [
          row.id,
          String(row.role).padEnd(6),
          row.revoked_at ? `revoked ${String(row.revoked_at)}` : "active",
          row.created_at,
          row.name,
        ].join("  "),
      );
    return 0;
  }
  if (command === "revoke-key") {
    const id = args[1];
    if (!id || !/^key_[0-9a-f]{8}$/.test(id)) {
      console.error(`revoke-key needs a key id such as key_3f9a1c2b\n${USAGE}`);
      return 2;
    }
    await d1(revokeKeySql(id, new Date().toISOString()), remote);
    const [row] = await d1(`SELECT revoked_at FROM api_keys WHERE id = '${id}'`, remote);
    if (!row) {
      console.error(`There is no key ${id} in ${where}.`);
      return 1;
    }
    console.log(`Key ${id} is revoked (since ${String(row.revoked_at)}).`);
    return 0;
  }
  console.error(USAGE);
  return 2;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error("[scorecard admin]", error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
