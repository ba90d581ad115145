import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { listRecentRuns } from "../db/runs.ts";
import { getSource, listSources, type SourceRow } from "../db/sources.ts";
import { idParam, valid } from "../problem.ts";

/** A source as maintainers and watchdogs see it: where, how often, and how it has been going. */
export function present(source: SourceRow) {
  const status =
    source.last_run_at === null
      ? "never-run"
      : source.consecutive_failures === 0
        ? "ok"
        : source.last_outcome === "drift"
          ? "drift"
          : "failing";
  return {
    id: source.id,
    rule_id: source.rule_id,
    title: source.title,
    url: source.url,
    schedule: source.schedule,
    enabled: source.enabled === 1,
    next_run_at: source.next_run_at,
    health: {
      status,
      last_run_at: source.last_run_at,
      last_success_at: source.last_success_at,
      last_outcome: source.last_outcome,
      consecutive_failures: source.consecutive_failures,
      last_error: source.last_error,
      last_failed_check: source.last_failed_check,
    },
  };
}

export const sources = new Hono<{ Bindings: Env }>()
  .get("/", async (c) => {
    const all = await listSources(c.env.DB);
    return c.json({ data: all.map(present), meta: { total: all.length } });
  })
  .get("/:id", valid("param", idParam), async (c) => {
    const { id } = c.req.valid("param");
    const source = await getSource(c.env.DB, id);
    if (!source) throw new HTTPException(404, { message: `There is no source "${id}".` });
    return c.json({ ...present(source), recent_runs: await listRecentRuns(c.env.DB, id, 20) });
  });
