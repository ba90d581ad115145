import { app } from "./app.ts";
import { scrapeDueSources } from "./pipeline/scheduler.ts";

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(scrapeDueSources(env, { now: new Date(controller.scheduledTime), trigger: "cron" }));
  },
} satisfies ExportedHandler<Env>;
