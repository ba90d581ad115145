// Sources over the API (admins): add, change, pause (DELETE disables; nothing is ever deleted),
// run now, and reprocess. Every action goes into the audit log.
import { Hono, type Context } from "hono";
import { HTTPException } from "hono/http-exception";
import * as v from "valibot";
import { checkPublicUrl } from "../../../domain/address.ts";
import { intervalMs } from "../../../domain/schedule.ts";
import { slugify } from "../../../domain/text.ts";
import { findRule } from "../../../scrapers/index.ts";
import { auditStatement } from "../../db/audit.ts";
import { queueRun } from "../../db/runs.ts";
import { getSource, insertSource, sourceIdsWithUrl, updateSource } from "../../db/sources.ts";
import type { JobMessage } from "../../pipeline/jobs.ts";
import { ReplayRefused, replayDocument } from "../../pipeline/replay.ts";
import { idParam, valid } from "../../problem.ts";
import { present, presentOne } from "../sources.ts";
import { adminOnly, type AdminEnv } from "./auth.ts";
import { slug, text } from "./schemas.ts";

/**
 * Queues a manual run of a source, or joins one already queued (or running) as `coalesceWith`
 * says; audits the request and points `Location` at the run.
 */
async function requestRun(
  c: Context<AdminEnv>,
  sourceId: string,
  coalesceWith: readonly ("queued" | "running")[],
  audited: Record<string, unknown>,
) {
  const actor = c.get("actor");
  const run = await queueRun(
    c.env.DB,
    sourceId,
    "manual",
    new Date().toISOString(),
    (runId, coalesced) =>
      auditStatement(c.env.DB, actor, "run.request", `source:${sourceId}`, { run: runId, coalesced, ...audited }),
    coalesceWith,
  );
  if (!run.coalesced)
    await c.env.SCRAPE_QUEUE.send({ kind: "scrape", sourceId, trigger: "manual", runId: run.id } satisfies JobMessage);
  const url = new URL(`/v1/runs/${run.id}`, c.req.url).href;
  c.header("Location", url);
  return { id: run.id, url, status: "queued", coalesced: run.coalesced };
}

const schedule = v.pipe(
  v.string(),
  v.check((value) => {
    try {
      return intervalMs(value) >= 15 * 60_000;
    } catch {
      return false;
    }
  }, "a schedule is an interval of at least 15 minutes, such as 30m, 6h, 1d or 7d"),
);

const NewSource = v.strictObject({
  rule: slug,
  url: v.pipe(v.string(), v.maxLength(2000)),
  id: v.optional(slug),
  title: v.optional(text(300)),
  schedule: v.optional(schedule),
  enabled: v.optional(v.boolean()),
});

const SourceChanges = v.pipe(
  v.strictObject({ title: v.optional(text(300)), schedule: v.optional(schedule), enabled: v.optional(v.boolean()) }),
  v.check((c) => Object.keys(c).length > 0, "give at least one of title, schedule or enabled"),
);

export const adminSources = new Hono<AdminEnv>()
  .use(adminOnly)
  .post("/", valid("json", NewSource), async (c) => {
    const body = c.req.valid("json");
    const rule = findRule(body.rule);
    if (!rule) throw new HTTPException(400, { message: `rule: there is no rule "${body.rule}"` });
    const check = checkPublicUrl(body.url, {
      allowedHosts: rule.allowedHosts ?? [],
      allowLoopback: c.env.LOCAL_DEV_ALLOW_LOOPBACK === "true",
    });
    if (!check.ok) throw new HTTPException(400, { message: `url: ${check.reason}` });
    const url = check.url.href;
    const existing = await sourceIdsWithUrl(c.env.DB, rule.id, url);
    if (existing.length > 0)
      throw new HTTPException(409, { message: `Source "${existing[0]}" already reads ${url} with rule ${rule.id}.` });
    const title = body.title ?? `${check.url.hostname}${check.url.pathname}`;
    const actor = c.get("actor");
    const base = body.id ?? slugify(`${rule.id} ${title}`, 80);
    // An id given is used or refused; one made up takes the first free suffix.
    for (let attempt = 1; attempt <= (body.id ? 1 : 20); attempt++) {
      const id = attempt === 1 ? base : `${base}-${attempt}`;
      const source = {
        id,
        rule_id: rule.id,
        url,
        title,
        schedule: body.schedule ?? rule.schedule,
        enabled: body.enabled ?? true,
      };
      const audit = auditStatement(c.env.DB, actor, "source.create", `source:${id}`, source);
      if (await insertSource(c.env.DB, source, audit)) {
        const created = await getSource(c.env.DB, id);
        c.header("Location", new URL(`/v1/sources/${id}`, c.req.url).href);
        return c.json(present(created!, null), 201); // a new source has no history
      }
    }
    throw new HTTPException(409, { message: `There is already a source "${base}": give another id.` });
  })
  .patch("/:id", valid("param", idParam), valid("json", SourceChanges), async (c) => {
    const { id } = c.req.valid("param");
    const changes = c.req.valid("json");
    if (!(await getSource(c.env.DB, id))) throw new HTTPException(404, { message: `There is no source "${id}".` });
    const audit = auditStatement(c.env.DB, c.get("actor"), "source.update", `source:${id}`, changes);
    const updated = await updateSource(c.env.DB, id, changes, audit);
    return c.json(await presentOne(c.env.DB, updated!));
  })
  .delete("/:id", valid("param", idParam), async (c) => {
    const { id } = c.req.valid("param");
    if (!(await getSource(c.env.DB, id))) throw new HTTPException(404, { message: `There is no source "${id}".` });
    const audit = auditStatement(c.env.DB, c.get("actor"), "source.disable", `source:${id}`, { enabled: false });
    // Nothing is ever deleted: the source stops running, and its history stays served.
    const updated = await updateSource(c.env.DB, id, { enabled: false }, audit);
    return c.json(await presentOne(c.env.DB, updated!));
  })
  .post("/:id/run", valid("param", idParam), async (c) => {
    const { id } = c.req.valid("param");
    const source = await getSource(c.env.DB, id);
    if (!source) throw new HTTPException(404, { message: `There is no source "${id}".` });
    if (!source.enabled)
      throw new HTTPException(409, {
        message: `Source "${id}" is disabled: enable it (PATCH enabled: true) to run it.`,
      });
    // A request while a run of the source is queued or running joins that run: one fetch, not twenty.
    const run = await requestRun(c, id, ["queued", "running"], {});
    return c.json({ run }, 202);
  })
  // Local development: try a changed page. The body becomes what the source's step fetches next, then it runs.
  .post("/:id/replay", valid("param", idParam), async (c) => {
    const { id } = c.req.valid("param");
    const source = await getSource(c.env.DB, id);
    if (!source) throw new HTTPException(404, { message: `There is no source "${id}".` });
    let replayed: { url: string; step: string };
    try {
      replayed = await replayDocument(c.env, source, await c.req.arrayBuffer(), c.req.header("Content-Type") ?? null);
    } catch (error) {
      if (error instanceof ReplayRefused) throw new HTTPException(409, { message: error.message });
      throw error;
    }
    // Only a run that has not fetched yet can read the replayed document.
    const run = await requestRun(c, id, ["queued"], { replayed });
    return c.json({ run, replayed }, 202);
  })
  .post("/:id/reprocess", valid("param", idParam), async (c) => {
    const { id } = c.req.valid("param");
    if (!(await getSource(c.env.DB, id))) throw new HTTPException(404, { message: `There is no source "${id}".` });
    const job: JobMessage = { kind: "reprocess", sourceId: id };
    await auditStatement(c.env.DB, c.get("actor"), "source.reprocess", `source:${id}`, undefined).run();
    await c.env.SCRAPE_QUEUE.send(job);
    return c.json({ queued: job }, 202);
  });
