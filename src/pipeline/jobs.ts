// The queue's jobs and the consumer that carries them out: one job per invocation
// (max_batch_size = 1). A job scrapes a source (run.ts) or rebuilds its history (reprocess.ts),
// holding the lease on the commitments it writes; what a run says should happen next (a
// reprocess that puts a late year in order) is enqueued here.
import { findRule } from "../../scrapers/index.ts";
import { acquireLease, releaseLease } from "../db/leases.ts";
import { bumpReadVersion } from "../http/cache.ts";
import { dropQueuedRun, failInterruptedRuns } from "../db/runs.ts";
import { getSource, releaseClaims } from "../db/sources.ts";
import { commitmentScope } from "./plan.ts";
import { reprocessSource } from "./reprocess.ts";
import { runSource } from "./run.ts";
import { fanOutChanges } from "./webhooks.ts";

/** `runId`: a run requested over the API, already recorded as queued. */
export type JobMessage =
  { kind: "scrape"; sourceId: string; trigger: string; runId?: number } | { kind: "reprocess"; sourceId: string };

/** Longer than any invocation can run, so a lease outlives only a crashed holder. */
const LEASE_MS = 20 * 60_000;

/** Another job holds the lease on the commitments this one would write: try again shortly. */
export class BusyError extends Error {
  override name = "BusyError";
}

export async function handleJob(env: Env, job: JobMessage): Promise<void> {
  const source = await getSource(env.DB, job.sourceId);
  // A source deleted, or disabled, after it was enqueued is simply dropped.
  if (!source || (job.kind === "scrape" && !source.enabled)) {
    if (job.kind === "scrape" && job.runId !== undefined)
      await dropQueuedRun(env.DB, job.runId, "not run: the source was disabled after the run was requested");
    return;
  }
  const rule = findRule(source.rule_id);
  const scope = rule ? commitmentScope(rule, source.id) : source.id;
  const holder = crypto.randomUUID();
  if (!(await acquireLease(env.DB, scope, holder, LEASE_MS)))
    throw new BusyError(`another job is writing to "${scope}"`);
  try {
    if (job.kind === "reprocess") {
      const summary = await reprocessSource(env, job.sourceId);
      await bumpReadVersion(env);
      // Only the events new to the record: those a rewrite wrote again were told of before.
      if ((summary.counts?.changes_added ?? 0) > 0 && summary.newChangeIds)
        await notifyWebhooks(env, summary.runId, new Set(summary.newChangeIds));
      console.log(
        `reprocess of ${summary.sourceIds.join(", ")}: ${summary.outcome}, ${summary.documents} documents, ` +
          `${summary.skipped.length} unreadable${summary.error ? `: ${summary.error}` : ""}`,
      );
      return;
    }
    const { reorder, ...run } = await runSource(env, source, { trigger: job.trigger, runId: job.runId });
    if ((run.counts?.observations_added ?? 0) + (run.counts?.changes_added ?? 0) > 0) await bumpReadVersion(env);
    if (reorder) await enqueueReorder(env, source.id);
    if ((run.counts?.changes_added ?? 0) > 0) await notifyWebhooks(env, run.runId);
    if (run.outcome === "deferred") await releaseClaims(env.DB, [source.id]); // due again at the next tick
    console.log(
      `run ${run.runId} of ${run.sourceId}: ${run.outcome}${run.counts ? ` (${JSON.stringify(run.counts)})` : ""}`,
    );
  } finally {
    await releaseLease(env.DB, scope, holder);
  }
}

/**
 * Queues the reprocess that rebuilds a shared history in order. The run's writes have landed
 * whatever happens here: failing to queue it is logged, never a failed run.
 */
async function enqueueReorder(env: Env, sourceId: string): Promise<void> {
  try {
    await env.SCRAPE_QUEUE.send({ kind: "reprocess", sourceId } satisfies JobMessage);
  } catch (error) {
    console.error(`${sourceId}: could not queue the reprocess that puts its history in order:`, error);
  }
}

/** Tells webhooks of the run's change events. Its writes have landed: a failure here is logged, not a failed run. */
async function notifyWebhooks(env: Env, runId: number, only?: ReadonlySet<number>): Promise<void> {
  try {
    await fanOutChanges(env, runId, only);
  } catch (error) {
    console.error(`run ${runId}: could not queue its webhook deliveries:`, error);
  }
}

/**
 * A job delivered again whose earlier delivery left its run "running" was cut off: killed, out
 * of memory or out of time. That is a failure of the source, recorded now rather than after the
 * queue's retries or the scheduler's sweep.
 */
async function interrupted(env: Env, sourceId: string): Promise<boolean> {
  const reason =
    "the invocation was cut off before the run ended (out of memory, out of time, or killed); it is not retried until the source is next due";
  const closed = await failInterruptedRuns(env.DB, sourceId, new Date().toISOString(), reason);
  if (closed > 0) console.error(`${sourceId}: ${reason}`);
  return closed > 0;
}

/** The queue consumer: each message is one job. */
export async function consumeJobs(batch: MessageBatch<JobMessage>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    try {
      if (message.attempts > 1 && message.body.kind === "scrape" && (await interrupted(env, message.body.sourceId))) {
        // Running it again would most likely be cut off again: it waits for its next scheduled run.
        message.ack();
        continue;
      }
      await handleJob(env, message.body);
      message.ack();
    } catch (error) {
      if (error instanceof BusyError) {
        // Another job is writing the same commitments. Waiting is not failing: send the job
        // again, later, rather than spend one of its retries.
        await env.SCRAPE_QUEUE.send(message.body, { delaySeconds: 10 });
        message.ack();
        continue;
      }
      // Runs record their own failures; this is a failure to record one, worth a retry.
      console.error(`job ${JSON.stringify(message.body)} failed:`, error);
      message.retry({ delaySeconds: 60 });
    }
  }
}
