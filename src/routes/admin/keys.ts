// API keys over the API (admins): create (the key is shown once), list, revoke. The CLI,
// `npm run admin`, does the same directly on D1, for the first key.
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import * as v from "valibot";
import { auditStatement } from "../../db/audit.ts";
import { insertKeyStatement, listKeys, newKey, revokeKey } from "../../db/keys.ts";
import { valid } from "../../problem.ts";
import { adminOnly, type AdminEnv } from "./auth.ts";
import { text } from "./schemas.ts";

const NewKey = v.strictObject({ role: v.picklist(["admin", "editor"]), name: text(200) });

export const adminKeys = new Hono<AdminEnv>()
  .use(adminOnly)
  .get("/", async (c) => c.json({ data: await listKeys(c.env.DB) }))
  .post("/", valid("json", NewKey), async (c) => {
    const { role, name } = c.req.valid("json");
    const { id, key, hash } = await newKey();
    const createdAt = new Date().toISOString();
    await c.env.DB.batch([
      insertKeyStatement(c.env.DB, { id, hash, role, name, createdAt }),
      auditStatement(c.env.DB, c.get("actor"), "key.create", `key:${id}`, { role, name }, createdAt),
    ]);
    return c.json({ id, role, name, created_at: createdAt, key }, 201);
  })
  .delete(
    "/:id",
    valid(
      "param",
      v.object({ id: v.pipe(v.string(), v.regex(/^key_[0-9a-f]{8}$/, "a key id is such as key_3f9a1c2b")) }),
    ),
    async (c) => {
      const { id } = c.req.valid("param");
      const at = new Date().toISOString();
      if (!(await revokeKey(c.env.DB, id, at, c.get("actor"))))
        throw new HTTPException(404, { message: `There is no key ${id} in use (unknown, or already revoked).` });
      return c.json({ id, revoked_at: at });
    },
  );
