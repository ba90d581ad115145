import { app } from "./app.ts";
import { consumeJobs, type JobMessage } from "./pipeline/jobs.ts";
import { enqueueDueSources } from "./pipeline/scheduler.ts";

export default {
  fetch: app.fetch,

  async scheduled(controller, env, ctx) {
    ctx.waitUntil(enqueueDueSources(env, { now: new Date(controller.scheduledTime), trigger: "cron" }));
  },

  async queue(batch, env) {
    await consumeJobs(batch, env);
  },
} satisfies ExportedHandler<Env, JobMessage>;
