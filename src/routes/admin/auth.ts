// Who is asking, and may they? Every /v1/admin request carries `Authorization: Bearer <key>`:
// an API key (`npm run admin -- create-key`), or the ADMIN_TOKEN secret, the bootstrap admin
// credential that deployments made before keys keep working with. A missing or unknown key is
// 401, a key whose role may not do this 403, too many requests from one key 429.
import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Actor } from "../../db/audit.ts";
import { findActiveKey, type Role } from "../../db/keys.ts";

export type AdminEnv = { Bindings: Env; Variables: { actor: Actor } };

async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all(
    [given, expected].map(
      async (text) => new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))),
    ),
  );
  return crypto.subtle.timingSafeEqual(a!, b!);
}

const BOOTSTRAP: Actor = { id: "bootstrap", name: "ADMIN_TOKEN", role: "admin" };

export const authenticate: MiddlewareHandler<AdminEnv> = async (c, next) => {
  // Nothing an admin sees may be cached on the way, or kept by a browser.
  c.header("Cache-Control", "no-store");
  const presented = /^Bearer +(\S+)$/i.exec(c.req.header("Authorization") ?? "")?.[1];
  const unauthorized = (message: string) => {
    c.header("WWW-Authenticate", 'Bearer realm="scorecard-admin"');
    return new HTTPException(401, { message });
  };
  if (!presented)
    throw unauthorized(
      "This needs an API key: send `Authorization: Bearer <key>`. Create one with `npm run admin -- create-key`.",
    );
  const token = c.env.ADMIN_TOKEN;
  let actor: Actor | null = token && (await sameSecret(presented, token)) ? BOOTSTRAP : null;
  if (!actor) {
    const key = await findActiveKey(c.env.DB, presented);
    if (key) actor = { id: key.id, name: key.name, role: key.role };
  }
  if (!actor) throw unauthorized("This key is not valid: it is unknown, or it has been revoked.");
  const { success } = await c.env.ADMIN_RATE_LIMITER.limit({ key: actor.id });
  if (!success) {
    c.header("Retry-After", "60");
    throw new HTTPException(429, { message: "Too many requests with this key: wait a minute, then try again." });
  }
  c.set("actor", actor);
  await next();
};

/** Only these roles may go on (admin may do everything an editor may). */
export function allow(...roles: Role[]): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    const actor = c.get("actor");
    if (!roles.includes(actor.role))
      throw new HTTPException(403, {
        message: `A key with the role "${actor.role}" may not do this; it needs the role ${roles.map((r) => `"${r}"`).join(" or ")}.`,
      });
    await next();
  };
}

export const adminOnly = allow("admin");
export const editors = allow("admin", "editor");
