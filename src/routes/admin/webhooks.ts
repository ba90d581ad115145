// Webhooks (admins): subscribe a URL to change events, see its deliveries, redeliver one.
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import * as v from "valibot";
import { checkPublicUrl } from "../../../domain/address.ts";
import { auditStatement } from "../../db/audit.ts";
import {
  getDelivery,
  getWebhook,
  insertRedelivery,
  insertWebhook,
  listDeliveries,
  listWebhooks,
  setWebhookEnabled,
  type WebhookRow,
} from "../../db/webhooks.ts";
import type { WebhookMessage } from "../../pipeline/webhooks.ts";
import { valid } from "../../problem.ts";
import { adminOnly, type AdminEnv } from "./auth.ts";
import { page, slug } from "./schemas.ts";

const Filters = v.strictObject({
  rule: v.optional(slug),
  source: v.optional(slug),
  scorecard: v.optional(slug),
  dimension: v.optional(slug),
  direction: v.optional(v.picklist(["better", "worse"])),
  kind: v.optional(v.picklist(["moved", "first-rating", "removed", "returned", "corrected", "correction-reverted"])),
});

const NewWebhook = v.strictObject({
  url: v.pipe(v.string(), v.maxLength(2000)),
  secret: v.optional(v.pipe(v.string(), v.minLength(16, "a secret is at least 16 characters"), v.maxLength(200))),
  filters: v.optional(Filters, {}),
});

const webhookParams = v.object({
  id: v.pipe(v.string(), v.regex(/^[1-9]\d{0,15}$/, "an id is a positive whole number"), v.transform(Number)),
});
const deliveryParams = v.object({
  ...webhookParams.entries,
  delivery: v.pipe(v.string(), v.regex(/^[1-9]\d{0,15}$/, "an id is a positive whole number"), v.transform(Number)),
});

/** A webhook without its secret, which is shown once, when it is created. */
const present = ({ secret: _, ...hook }: WebhookRow) => hook;

function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `whsec_${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

async function webhookOr404(db: D1Database, id: number): Promise<WebhookRow> {
  const hook = await getWebhook(db, id);
  if (!hook) throw new HTTPException(404, { message: `There is no webhook ${id}.` });
  return hook;
}

export const adminWebhooks = new Hono<AdminEnv>()
  .use(adminOnly)
  .get("/", async (c) => {
    const hooks = await listWebhooks(c.env.DB);
    return c.json({ data: hooks.map(present), meta: { total: hooks.length } });
  })
  .post("/", valid("json", NewWebhook), async (c) => {
    const body = c.req.valid("json");
    const check = checkPublicUrl(body.url, { allowLoopback: c.env.LOCAL_DEV_ALLOW_LOOPBACK === "true" });
    if (!check.ok) throw new HTTPException(400, { message: `url: ${check.reason}` });
    const actor = c.get("actor");
    const secret = body.secret ?? newSecret();
    const hook = await insertWebhook(
      c.env.DB,
      {
        url: check.url.href,
        secret,
        filters: body.filters,
        createdBy: actor.name,
        createdAt: new Date().toISOString(),
      },
      (id) =>
        auditStatement(c.env.DB, actor, "webhook.create", `webhook:${id}`, {
          url: check.url.href,
          filters: body.filters,
        }),
    );
    c.header("Location", new URL(`/v1/admin/webhooks/${hook.id}`, c.req.url).href);
    // The secret is shown this once; keep it to verify X-Scorecard-Signature.
    return c.json({ ...present(hook), secret }, 201);
  })
  .get("/:id", valid("param", webhookParams), async (c) =>
    c.json(present(await webhookOr404(c.env.DB, c.req.valid("param").id))),
  )
  .patch("/:id", valid("param", webhookParams), valid("json", v.strictObject({ enabled: v.boolean() })), async (c) => {
    const { id } = c.req.valid("param");
    await webhookOr404(c.env.DB, id);
    const { enabled } = c.req.valid("json");
    const audit = auditStatement(
      c.env.DB,
      c.get("actor"),
      enabled ? "webhook.enable" : "webhook.disable",
      `webhook:${id}`,
      undefined,
    );
    return c.json(present((await setWebhookEnabled(c.env.DB, id, enabled, audit))!));
  })
  .delete("/:id", valid("param", webhookParams), async (c) => {
    const { id } = c.req.valid("param");
    await webhookOr404(c.env.DB, id);
    // Disabled, not deleted: its delivery log stays.
    const audit = auditStatement(c.env.DB, c.get("actor"), "webhook.disable", `webhook:${id}`, undefined);
    return c.json(present((await setWebhookEnabled(c.env.DB, id, false, audit))!));
  })
  .get("/:id/deliveries", valid("param", webhookParams), valid("query", v.object(page())), async (c) => {
    const { id } = c.req.valid("param");
    await webhookOr404(c.env.DB, id);
    const query = c.req.valid("query");
    const { deliveries, total } = await listDeliveries(c.env.DB, id, query);
    return c.json({ data: deliveries, meta: { total, limit: query.limit, offset: query.offset } });
  })
  .post("/:id/deliveries/:delivery/redeliver", valid("param", deliveryParams), async (c) => {
    const { id, delivery: deliveryId } = c.req.valid("param");
    const hook = await webhookOr404(c.env.DB, id);
    const delivery = await getDelivery(c.env.DB, deliveryId);
    if (!delivery || delivery.webhook_id !== id)
      throw new HTTPException(404, { message: `Webhook ${id} has no delivery ${deliveryId}.` });
    if (!hook.enabled) throw new HTTPException(409, { message: `Webhook ${id} is disabled: enable it first.` });
    const actor = c.get("actor");
    const again = await insertRedelivery(c.env.DB, delivery, new Date().toISOString(), (newId) =>
      auditStatement(c.env.DB, actor, "webhook.redeliver", `webhook:${id}`, {
        delivery: deliveryId,
        redelivery: newId,
      }),
    );
    await c.env.WEBHOOK_QUEUE.send({ kind: "deliver", deliveryId: again.id } satisfies WebhookMessage);
    return c.json(again, 202);
  });
