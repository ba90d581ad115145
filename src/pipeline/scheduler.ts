// Started by the Cron Trigger: scrapes every source that is due. Sources run independently,
// so one that fails never stops the others.
import { claimSource, listDueSources } from "../db/sources.ts";
import { runSource, type RunSummary } from "./run.ts";
import { nextRunAt } from "./schedule.ts";

const CONCURRENCY = 4;

export async function scrapeDueSources(env: Env, options: { now: Date; trigger: string }): Promise<RunSummary[]> {
  const now = options.now.toISOString();
  const due = await listDueSources(env.DB, now);
  const summaries: RunSummary[] = [];
  const queue = [...due];
  const worker = async () => {
    for (let source = queue.shift(); source; source = queue.shift()) {
      try {
        if (!(await claimSource(env.DB, source.id, now, nextRunAt(options.now, source.schedule)))) continue;
        summaries.push(await runSource(env, source, { trigger: options.trigger }));
      } catch (error) {
        // runSource records its own failures; this catches a failure to record one.
        console.error(`could not run ${source.id}:`, error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, due.length) }, worker));
  return summaries;
}
