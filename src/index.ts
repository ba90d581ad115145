import { app } from "./app.ts";
import { consumeJobs, type JobMessage } from "./pipeline/jobs.ts";
import { enqueueDueSources } from "./pipeline/scheduler.ts";
import { consumeDeliveries, resendWebhooks, type WebhookMessage } from "./pipeline/webhooks.ts";

export default {
  fetch: app.fetch,

  async scheduled(controller, env, ctx) {
    const now = new Date(controller.scheduledTime);
    ctx.waitUntil(enqueueDueSources(env, { now, trigger: "cron" }));
    ctx.waitUntil(
      resendWebhooks(env, now).catch((error) => console.error("could not resend webhook deliveries:", error)),
    );
  },

  async queue(batch, env) {
    // Two queues, one consumer: webhook deliveries, and the jobs queue.
    if (batch.queue.startsWith("scorecard-webhooks"))
      await consumeDeliveries(batch as MessageBatch<WebhookMessage>, env);
    else await consumeJobs(batch as MessageBatch<JobMessage>, env);
  },
} satisfies ExportedHandler<Env, JobMessage | WebhookMessage>;
