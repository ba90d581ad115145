import type { Actor } from "./audit.ts";

// API keys: who may use /v1/admin, with which role. Only a key's SHA-256 is stored.
//
// Why a fast hash is enough: a key is 32 random bytes (256 bits), so no one can guess one, or
// find one from its hash, however fast the hash. Slow, salted hashes (bcrypt, scrypt) protect
// low-entropy secrets such as passwords from guessing; a random key has nothing to guess.

export type Role = "admin" | "editor";

export interface ApiKeyRow {
  id: string;
  role: Role;
  name: string;
  created_at: string;
  revoked_at: string | null;
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** A new key, its public id and its hash. The key itself is shown once and never stored. */
export async function newKey(): Promise<{ id: string; key: string; hash: string }> {
  const idBytes = crypto.getRandomValues(new Uint8Array(4));
  const id = `key_${[...idBytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
  const key = `sc_${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
  return { id, key, hash: await sha256Hex(key) };
}

export function insertKeyStatement(
  db: D1Database,
  key: { id: string; hash: string; role: Role; name: string; createdAt: string },
): D1PreparedStatement {
  return db
    .prepare("INSERT INTO api_keys (id, hash, role, name, created_at) VALUES (?, ?, ?, ?, ?)")
    .bind(key.id, key.hash, key.role, key.name, key.createdAt);
}

/** The SQL that `npm run admin` runs through `wrangler d1 execute` (locally or with --remote). */
export function insertKeySql(key: { id: string; hash: string; role: Role; name: string; createdAt: string }): string {
  const q = (text: string) => `'${text.replaceAll("'", "''")}'`;
  return (
    `INSERT INTO api_keys (id, hash, role, name, created_at) VALUES (${[key.id, key.hash, key.role, key.name, key.createdAt].map(q).join(", ")}); ` +
    `INSERT INTO audit_log (at, actor_id, actor_name, actor_role, action, subject, detail) VALUES (${q(key.createdAt)}, 'cli', 'npm run admin', 'admin', 'key.create', ${q(`key:${key.id}`)}, ${q(JSON.stringify({ role: key.role, name: key.name }))});`
  );
}

export function revokeKeySql(id: string, at: string): string {
  const q = (text: string) => `'${text.replaceAll("'", "''")}'`;
  return (
    `UPDATE api_keys SET revoked_at = ${q(at)} WHERE id = ${q(id)} AND revoked_at IS NULL; ` +
    `INSERT INTO audit_log (at, actor_id, actor_name, actor_role, action, subject, detail) SELECT ${q(at)}, 'cli', 'npm run admin', 'admin', 'key.revoke', ${q(`key:${id}`)}, NULL WHERE changes() > 0;`
  );
}

export const LIST_KEYS_SQL = "SELECT id, role, name, created_at, revoked_at FROM api_keys ORDER BY created_at, id";

/**
 * The key whose hash this is, if it is not revoked. The lookup is by hash, so timing reveals
 * at most something about a hash no one can invert; the final comparison is constant-time anyway.
 */
export async function findActiveKey(db: D1Database, presented: string): Promise<ApiKeyRow | null> {
  const hash = await sha256Hex(presented);
  const row = await db
    .prepare("SELECT id, hash, role, name, created_at, revoked_at FROM api_keys WHERE hash = ? AND revoked_at IS NULL")
    .bind(hash)
    .first<ApiKeyRow & { hash: string }>();
  if (!row) return null;
  const encoder = new TextEncoder();
  if (!crypto.subtle.timingSafeEqual(encoder.encode(row.hash), encoder.encode(hash))) return null;
  const { hash: _, ...key } = row;
  return key;
}

export async function listKeys(db: D1Database): Promise<ApiKeyRow[]> {
  const { results } = await db.prepare(LIST_KEYS_SQL).all<ApiKeyRow>();
  return results;
}

/** Revokes a key in use, recording who did it; false if there is no such key in use. */
export async function revokeKey(db: D1Database, id: string, at: string, actor: Actor): Promise<boolean> {
  const [revoked] = await db.batch([
    db.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING id").bind(at, id),
    // Recorded only if the key was revoked here.
    db
      .prepare(
        `INSERT INTO audit_log (at, actor_id, actor_name, actor_role, action, subject)
         SELECT ?, ?, ?, ?, 'key.revoke', ? WHERE changes() > 0`,
      )
      .bind(at, actor.id, actor.name, actor.role, `key:${id}`),
  ]);
  return revoked!.results.length > 0;
}
