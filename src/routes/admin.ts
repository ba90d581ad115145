// /v1/admin: newsroom operations, behind an API key (or the ADMIN_TOKEN bootstrap credential).
// Each resource is its own router; `auth.ts` says who may do what. Work is queued, not done in
// the request, so that a long run or reprocess has a whole queue invocation to itself.
import { Hono } from "hono";
import { adminAudit } from "./admin/audit.ts";
import { authenticate, type AdminEnv } from "./admin/auth.ts";
import { adminKeys } from "./admin/keys.ts";
import { adminOverrides } from "./admin/overrides.ts";
import { adminReports } from "./admin/reports.ts";
import { adminSources } from "./admin/sources.ts";
import { adminWebhooks } from "./admin/webhooks.ts";

export const admin = new Hono<AdminEnv>()
  .use(authenticate)
  .route("/sources", adminSources)
  .route("/overrides", adminOverrides)
  .route("/reports", adminReports)
  .route("/webhooks", adminWebhooks)
  .route("/audit", adminAudit)
  .route("/keys", adminKeys);
