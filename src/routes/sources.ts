import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { listRecentRuns } from "../db/runs.ts";
import { archiveGaps, type ArchiveGap, getSource, listSources, type SourceRow } from "../db/sources.ts";
import { idParam, valid } from "../problem.ts";

/** A source as maintainers and watchdogs see it: where, how often, and how it has been going. */
export function present(source: SourceRow, archiveGap: ArchiveGap | null) {
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
      // Documents a reprocess found gone from the archive: their observations are kept, but
      // their evidence can no longer be fetched (null when every document is there).
      archive_missing: archiveGap,
    },
  };
}

/** `present`, with the source's archive gap read for it. */
export async function presentOne(db: D1Database, source: SourceRow) {
  return present(source, (await archiveGaps(db, source.id)).get(source.id) ?? null);
}

export const sources = new Hono<{ Bindings: Env }>()
  .get("/", async (c) => {
    const [all, gaps] = await Promise.all([listSources(c.env.DB), archiveGaps(c.env.DB)]);
    return c.json({ data: all.map((s) => present(s, gaps.get(s.id) ?? null)), meta: { total: all.length } });
  })
  .get("/:id", valid("param", idParam), async (c) => {
    const { id } = c.req.valid("param");
    const [source, gaps, recentRuns] = await Promise.all([
      getSource(c.env.DB, id),
      archiveGaps(c.env.DB, id),
      listRecentRuns(c.env.DB, id, 20),
    ]);
    if (!source) throw new HTTPException(404, { message: `There is no source "${id}".` });
    return c.json({ ...present(source, gaps.get(id) ?? null), recent_runs: recentRuns });
  });
