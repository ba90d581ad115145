// The Cron Trigger only finds the sources that are due, claims them and enqueues them. The
// queue consumer then works on each source in its own invocation, so hundreds of sources
// never share one invocation's CPU and subrequest budget, and one failing never stops another.
import { claimSource, getSource, listDueSources } from "../db/sources.ts";
import { reprocessSource } from "./reprocess.ts";
import { runSource } from "./run.ts";
import { nextRunAt } from "./schedule.ts";

export type JobMessage =
  { kind: "scrape"; sourceId: string; trigger: string } | { kind: "reprocess"; sourceId: string };

const SEND_BATCH_LIMIT = 100;

export async function enqueueDueSources(env: Env, options: { now: Date; trigger: string }): Promise<string[]> {
  const now = options.now.toISOString();
  const claimed: string[] = [];
  for (const source of await listDueSources(env.DB, now)) {
    try {
      if (await claimSource(env.DB, source.id, now, nextRunAt(options.now, source.schedule))) claimed.push(source.id);
    } catch (error) {
      console.error(`could not claim ${source.id}:`, error);
    }
  }
  for (let i = 0; i < claimed.length; i += SEND_BATCH_LIMIT) {
    const messages = claimed.slice(i, i + SEND_BATCH_LIMIT).map((sourceId) => ({
      body: { kind: "scrape", sourceId, trigger: options.trigger } satisfies JobMessage,
    }));
    await env.SCRAPE_QUEUE.sendBatch(messages);
  }
  return claimed;
}

export async function handleJob(env: Env, job: JobMessage): Promise<void> {
  if (job.kind === "reprocess") {
    const summary = await reprocessSource(env, job.sourceId);
    console.log(
      `reprocessed ${summary.sourceIds.join(", ")}: ${summary.documents} documents, ${summary.skipped.length} skipped`,
    );
    return;
  }
  const source = await getSource(env.DB, job.sourceId);
  // A source deleted or disabled after it was enqueued is simply dropped.
  if (!source || !source.enabled) return;
  const run = await runSource(env, source, { trigger: job.trigger });
  console.log(
    `run ${run.runId} of ${run.sourceId}: ${run.outcome}${run.counts ? ` (${JSON.stringify(run.counts)})` : ""}`,
  );
}
