import { app } from "./app.ts";
import { BusyError, enqueueDueSources, handleJob, type JobMessage } from "./pipeline/scheduler.ts";

export default {
  fetch: app.fetch,

  async scheduled(controller, env, ctx) {
    ctx.waitUntil(enqueueDueSources(env, { now: new Date(controller.scheduledTime), trigger: "cron" }));
  },

  async queue(batch, env) {
    for (const message of batch.messages) {
      try {
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
  },
} satisfies ExportedHandler<Env, JobMessage>;
