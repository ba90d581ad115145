import { app } from "./app.ts";
import { consumeJobs, type JobMessage } from "./pipeline/jobs.ts";
import { enqueueDueSources } from "./pipeline/scheduler.ts";
import { consumeDeliveries, type WebhookMessage } from "./pipeline/webhooks.ts";

export default {
  fetch: app.fetch,

  async scheduled(controller, env, ctx) {
    ctx.waitUntil(enqueueDueSources(env, { now: new Date(controller.scheduledTime), trigger: "cron" }));
  },

  async queue(batch, env) {
    // Two queues, one consumer: webhook deliveries, and the jobs queue.
    if (batch.queue.startsWith("scorecard-webhooks"))
      await consumeDeliveries(batch as MessageBatch<WebhookMessage>, env);
    else await consumeJobs(batch as MessageBatch<JobMessage>, env);
  },
} satisfies ExportedHandler<Env, JobMessage | WebhookMessage>;
