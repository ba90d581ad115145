// The Cron Trigger only finds the sources that are due, claims them and enqueues them. The
// queue consumer (jobs.ts) then works on each source in its own invocation, so hundreds of
// sources never share one invocation's CPU and subrequest budget, and one failing never stops another.
import { nextRunAt } from "../../domain/schedule.ts";
import { abandonStaleRuns } from "../db/runs.ts";
import { claimSources, listDueSources, releaseClaims } from "../db/sources.ts";
import type { JobMessage } from "./jobs.ts";

const SEND_BATCH_LIMIT = 100;
const ABANDONED_AFTER_MS = 30 * 60_000;

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
        batch.map((sourceId) => ({
          body: { kind: "scrape", sourceId, trigger: options.trigger } satisfies JobMessage,
        })),
      );
    } catch (error) {
      // Not enqueued, so not run: make them due again at the next tick instead of after their interval.
      await releaseClaims(env.DB, claimed.slice(i));
      throw error;
    }
  }
  return claimed;
}
