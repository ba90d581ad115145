// Maintainers' actions, behind a bearer token (the ADMIN_TOKEN secret). Work is queued, not done
// in the request, so that a long reprocess has a whole queue invocation to itself.
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { getSource } from "../db/sources.ts";
import type { JobMessage } from "../pipeline/jobs.ts";
import { idParam, valid } from "../problem.ts";

async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all(
    [given, expected].map(
      async (text) => new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))),
    ),
  );
  return crypto.subtle.timingSafeEqual(a!, b!);
}

export const admin = new Hono<{ Bindings: Env }>()
  .use(async (c, next) => {
    const token = c.env.ADMIN_TOKEN;
    if (!token)
      throw new HTTPException(403, { message: "Admin endpoints are off: set the ADMIN_TOKEN secret to turn them on." });
    if (!(await sameSecret(c.req.header("Authorization") ?? "", `Bearer ${token}`))) {
      c.header("WWW-Authenticate", 'Bearer realm="scorecard-admin"');
      throw new HTTPException(401, { message: "This needs the admin bearer token." });
    }
    await next();
  })
  .post("/sources/:id/:action{reprocess|run}", valid("param", idParam), async (c) => {
    const { id } = c.req.valid("param");
    const action = c.req.param("action");
    if (!(await getSource(c.env.DB, id))) throw new HTTPException(404, { message: `There is no source "${id}".` });
    const job: JobMessage =
      action === "reprocess"
        ? { kind: "reprocess", sourceId: id }
        : { kind: "scrape", sourceId: id, trigger: "manual" };
    await c.env.SCRAPE_QUEUE.send(job);
    return c.json({ queued: job }, 202);
  });
