// The Cron Trigger only finds the sources that are due, claims them and enqueues them. The
// queue consumer then works on each source in its own invocation, so hundreds of sources
// never share one invocation's CPU and subrequest budget, and one failing never stops another.
import { findRule } from "../../scrapers/index.ts";
import { acquireLease, releaseLease } from "../db/leases.ts";
import { abandonStaleRuns } from "../db/runs.ts";
import { claimSources, getSource, listDueSources, releaseClaims } from "../db/sources.ts";
import { commitmentScope } from "./plan.ts";
import { reprocessSource } from "./reprocess.ts";
import { runSource } from "./run.ts";
import { nextRunAt } from "./schedule.ts";

export type JobMessage =
  { kind: "scrape"; sourceId: string; trigger: string } | { kind: "reprocess"; sourceId: string };

const SEND_BATCH_LIMIT = 100;
/** Longer than any invocation can run, so a lease outlives only a crashed holder. */
const LEASE_MS = 20 * 60_000;
const ABANDONED_AFTER_MS = 30 * 60_000;

/** Another job holds the lease on the commitments this one would write: try again shortly. */
export class BusyError extends Error {
  override name = "BusyError";
}

export async function enqueueDueSources(env: Env, options: { now: Date; trigger: string }): Promise<string[]> {
  const now = options.now.toISOString();
  await abandonStaleRuns(env.DB, new Date(options.now.getTime() - ABANDONED_AFTER_MS).toISOString(), now);
  const claims = (await listDueSources(env.DB, now)).flatMap((source) => {
    try {
      return [{ id: source.id, nextRunAt: nextRunAt(options.now, source.schedule) }];
    } catch (error) {
      // One source's bad schedule must not stop the tick for the others.
      console.error(`${source.id}:`, (error as Error).message);
      return [];
    }
  });
  const claimed = await claimSources(env.DB, claims, now);
  for (let i = 0; i < claimed.length; i += SEND_BATCH_LIMIT) {
    const batch = claimed.slice(i, i + SEND_BATCH_LIMIT);
    try {
      await env.SCRAPE_QUEUE.sendBatch(
        batch.map((sourceId) => ({ body: { kind: "scrape", sourceId, trigger: options.trigger } })),
      );
    } catch (error) {
      // Not enqueued, so not run: make them due again at the next tick instead of after their interval.
      await releaseClaims(env.DB, claimed.slice(i));
      throw error;
    }
  }
  return claimed;
}

export async function handleJob(env: Env, job: JobMessage): Promise<void> {
  const source = await getSource(env.DB, job.sourceId);
  // A source deleted, or disabled, after it was enqueued is simply dropped.
  if (!source || (job.kind === "scrape" && !source.enabled)) return;
  const rule = findRule(source.rule_id);
  const scope = rule ? commitmentScope(rule, source.id) : source.id;
  const holder = crypto.randomUUID();
  if (!(await acquireLease(env.DB, scope, holder, LEASE_MS)))
    throw new BusyError(`another job is writing to "${scope}"`);
  try {
    if (job.kind === "reprocess") {
      const summary = await reprocessSource(env, job.sourceId);
      console.log(
        `reprocess of ${summary.sourceIds.join(", ")}: ${summary.outcome}, ${summary.documents} documents, ` +
          `${summary.skipped.length} unreadable${summary.error ? `: ${summary.error}` : ""}`,
      );
      return;
    }
    const run = await runSource(env, source, { trigger: job.trigger });
    if (run.outcome === "deferred") await releaseClaims(env.DB, [source.id]); // due again at the next tick
    console.log(
      `run ${run.runId} of ${run.sourceId}: ${run.outcome}${run.counts ? ` (${JSON.stringify(run.counts)})` : ""}`,
    );
  } finally {
    await releaseLease(env.DB, scope, holder);
  }
}
