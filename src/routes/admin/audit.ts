// The audit log (admins): every admin action, newest first.
import { Hono } from "hono";
import * as v from "valibot";
import { listAudit } from "../../db/audit.ts";
import { valid } from "../../problem.ts";
import { adminOnly, type AdminEnv } from "./auth.ts";

const Query = v.object({
  limit: v.optional(
    v.pipe(v.string(), v.regex(/^\d+$/, "must be a whole number"), v.transform(Number), v.minValue(1), v.maxValue(500)),
    "100",
  ),
  before: v.optional(v.pipe(v.string(), v.regex(/^\d+$/, "must be an entry id"), v.transform(Number))),
  action: v.optional(v.pipe(v.string(), v.regex(/^[a-z-]+\.[a-z-]+$/, "an action is such as source.create"))),
  subject: v.optional(v.pipe(v.string(), v.maxLength(300))),
});

export const adminAudit = new Hono<AdminEnv>().use(adminOnly).get("/", valid("query", Query), async (c) => {
  const query = c.req.valid("query");
  const entries = await listAudit(c.env.DB, query);
  const last = entries.at(-1);
  return c.json({
    data: entries,
    meta: {
      limit: query.limit,
      next: entries.length === query.limit && last ? `?before=${last.id}&limit=${query.limit}` : null,
    },
  });
});
