// Webhooks: after a run records change events, or an editor makes or reverts a correction, each
// matching subscriber gets one delivery per event, sent from the webhook queue, signed as Stripe
// signs its events so that receivers can reuse its verification code:
//
//   X-Scorecard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>
//
// A delivery that fails (no answer, a timeout, any status but 2xx) is tried again with
// exponential backoff (30 s, 1 min, 2 min, … at most 12 h apart) for a day after it was
// created, then marked failed. Every attempt is recorded on its delivery row.
import { checkPublicUrl } from "../../domain/address.ts";
import {
  changeEventsOfRun,
  correctionsBetween,
  getChangeEvent,
  getCorrectionEvent,
  getDelivery,
  getWebhook,
  insertDeliveries,
  listWebhooks,
  markRunWebhooksQueued,
  recordAttempt,
  runsAwaitingWebhooks,
  takeOverdueDeliveries,
  type ChangeEvent,
  type CorrectionKind,
  type WebhookFilters,
  type WebhookRow,
} from "../db/webhooks.ts";

export type WebhookMessage = { kind: "deliver"; deliveryId: number };

export const RETRY_BASE_SECONDS = 30;
const MAX_DELAY_SECONDS = 12 * 3600; // the longest delay a queue message may have
export const GIVE_UP_AFTER_MS = 24 * 3600_000;
const TIMEOUT_MS = 10_000;

/** Whether a change event passes a webhook's filters (every filter given must match). */
export function matchesFilters(change: ChangeEvent, filters: WebhookFilters): boolean {
  return (
    (filters.rule === undefined || filters.rule === change.rule_id) &&
    (filters.source === undefined || filters.source === change.source_id) &&
    (filters.scorecard === undefined || filters.scorecard === change.scorecard_id) &&
    (filters.dimension === undefined || filters.dimension === change.dimension) &&
    (filters.direction === undefined || filters.direction === change.direction) &&
    (filters.kind === undefined || filters.kind === change.kind)
  );
}

/**
 * The delay before the next attempt, after `attempts` failed ones, or null when the day is up:
 * doubling from 30 s, never past 12 h, and the last one falls on the deadline.
 */
export function nextDelaySeconds(attempts: number, createdAt: Date, now: Date): number | null {
  const remaining = Math.floor((createdAt.getTime() + GIVE_UP_AFTER_MS - now.getTime()) / 1000);
  if (remaining <= 0) return null;
  const backoff = RETRY_BASE_SECONDS * 2 ** Math.max(0, attempts - 1);
  return Math.max(1, Math.min(backoff, MAX_DELAY_SECONDS, remaining));
}

export async function signature(secret: string, body: string, unixSeconds: number): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${unixSeconds}.${body}`));
  const hex = [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `t=${unixSeconds},v1=${hex}`;
}

/**
 * Records a delivery of each of a run's change events to each webhook that wants it, and queues
 * them. Called by the jobs consumer after a run: the run's writes have landed whatever happens
 * here, so a failure is logged, never a failed run. `only`: the events to tell of, when not all
 * (a reprocess writes again, under new ids, events subscribers were told of).
 */
export async function fanOutChanges(env: Env, runId: number, only?: ReadonlySet<number>): Promise<number> {
  const [changes, hooks] = await Promise.all([
    changeEventsOfRun(env.DB, runId),
    listWebhooks(env.DB, { enabledOnly: true }),
  ]);
  const pairs = changes
    .filter((change) => only === undefined || only.has(change.id))
    .flatMap((change) =>
      hooks
        .filter((hook) => matchesFilters(change, hook.filters))
        .map((hook) => ({ webhookId: hook.id, changeId: change.id })),
    );
  // Recorded first, queued second: a delivery whose message is lost is still in D1, and the
  // scheduled tick sends it again (resendWebhooks); a pair recorded once is never recorded twice.
  const ids = await insertDeliveries(env.DB, pairs, new Date().toISOString());
  await queueDeliveries(env, ids);
  await markRunWebhooksQueued(env.DB, runId, new Date().toISOString());
  return ids.length;
}

/**
 * Records a delivery of a newsroom correction (an override made or reverted) to each webhook that
 * wants it and was subscribed by then, and queues them. Called when the correction is made, and
 * by every tick for a day after (a correction delivered once to a webhook is never recorded again).
 */
export async function fanOutCorrection(env: Env, overrideId: number, kind: CorrectionKind): Promise<number> {
  return fanOutCorrectionTo(env, await listWebhooks(env.DB, { enabledOnly: true }), overrideId, kind);
}

async function fanOutCorrectionTo(
  env: Env,
  hooks: WebhookRow[],
  overrideId: number,
  kind: CorrectionKind,
): Promise<number> {
  if (hooks.length === 0) return 0;
  const event = await getCorrectionEvent(env.DB, overrideId, kind);
  if (!event) return 0;
  const pairs = hooks
    .filter((hook) => hook.created_at <= event.changed_at && matchesFilters(event, hook.filters))
    .map((hook) => ({ webhookId: hook.id, overrideId, overrideEvent: kind }));
  const ids = await insertDeliveries(env.DB, pairs, new Date().toISOString());
  await queueDeliveries(env, ids);
  return ids.length;
}

async function queueDeliveries(env: Env, ids: number[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 100)
    await env.WEBHOOK_QUEUE.sendBatch(
      ids.slice(i, i + 100).map((deliveryId) => ({ body: { kind: "deliver", deliveryId } satisfies WebhookMessage })),
    );
}

/** How long a queued delivery may stay unattempted before the tick takes its message for lost. */
export const LOST_MESSAGE_AFTER_MS = 10 * 60_000;

/**
 * The outbox's sweep, run by every scheduled tick: fans out the change events of runs whose
 * fan-out failed and the corrections of the day (within the day deliveries are retried), and
 * queues again the deliveries whose message was lost. Delivery is at least once: a receiver
 * tells repeats apart by `delivery_id`.
 */
export async function resendWebhooks(
  env: Env,
  now: Date,
): Promise<{ runs: number; corrections: number; deliveries: number }> {
  const since = new Date(now.getTime() - GIVE_UP_AFTER_MS).toISOString();
  // A run or a correction of a moment ago may be fanning out right now, in its own invocation.
  const settled = new Date(now.getTime() - 60_000).toISOString();
  const runs = await runsAwaitingWebhooks(env.DB, since, settled, 20);
  for (const runId of runs) await fanOutChanges(env, runId);
  let corrections = 0;
  const hooks = await listWebhooks(env.DB, { enabledOnly: true });
  if (hooks.length > 0)
    for (const { override_id, kind } of await correctionsBetween(env.DB, since, settled))
      corrections += await fanOutCorrectionTo(env, hooks, override_id, kind);
  const overdue = new Date(now.getTime() - LOST_MESSAGE_AFTER_MS).toISOString();
  const deliveries = await takeOverdueDeliveries(env.DB, overdue, now.toISOString(), 500);
  await queueDeliveries(env, deliveries);
  return { runs: runs.length, corrections, deliveries: deliveries.length };
}

/** What the receiver gets: the change, and which delivery of which webhook this is. */
export function deliveryBody(deliveryId: number, webhookId: number, change: ChangeEvent): string {
  return JSON.stringify({ type: "change", delivery_id: deliveryId, webhook_id: webhookId, change });
}

/** Makes one attempt at a delivery, records it, and queues the next one if it failed. */
export async function attemptDelivery(env: Env, deliveryId: number, now: () => Date = () => new Date()): Promise<void> {
  const delivery = await getDelivery(env.DB, deliveryId);
  if (!delivery || delivery.status !== "pending") return; // already settled: a duplicate message
  const [hook, change] = await Promise.all([
    getWebhook(env.DB, delivery.webhook_id),
    delivery.change_id !== null
      ? getChangeEvent(env.DB, delivery.change_id)
      : getCorrectionEvent(env.DB, delivery.override_id!, delivery.override_event!),
  ]);
  const at = now();
  const settle = (error: string) =>
    recordAttempt(env.DB, deliveryId, {
      at: at.toISOString(),
      status: "failed",
      httpStatus: null,
      error,
      nextAttemptAt: null,
    });
  if (!hook || !change) return settle("the webhook or the change no longer exists");
  if (!hook.enabled) return settle("the webhook was disabled");
  // Checked again at every attempt: the rules for local development may differ from when it was registered.
  const target = checkPublicUrl(hook.url, { allowLoopback: env.LOCAL_DEV_ALLOW_LOOPBACK === "true" });
  if (!target.ok) return settle(`the URL is refused: ${target.reason}`);

  const body = deliveryBody(delivery.id, hook.id, change);
  let httpStatus: number | null = null;
  let error: string | null = null;
  try {
    const response = await fetch(target.url, {
      method: "POST",
      body,
      // Never follow a redirect: it could lead anywhere, including inside a private network.
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: {
        "Content-Type": "application/json",
        "User-Agent": `ScorecardBot/0.1 webhooks${env.CONTACT_URL ? ` (+${env.CONTACT_URL})` : ""}`,
        "X-Scorecard-Delivery": String(delivery.id),
        "X-Scorecard-Event": "change",
        "X-Scorecard-Signature": await signature(hook.secret, body, Math.floor(at.getTime() / 1000)),
      },
    });
    httpStatus = response.status;
    await response.body?.cancel();
    if (response.status < 200 || response.status > 299)
      error =
        response.status >= 300 && response.status < 400
          ? `answered ${response.status}: redirects are not followed`
          : `answered ${response.status}`;
  } catch (failure) {
    error = failure instanceof Error ? `${failure.name}: ${failure.message}` : String(failure);
  }
  if (error === null) {
    await recordAttempt(env.DB, deliveryId, {
      at: at.toISOString(),
      status: "delivered",
      httpStatus,
      error,
      nextAttemptAt: null,
    });
    return;
  }
  const delay = nextDelaySeconds(delivery.attempts + 1, new Date(delivery.created_at), at);
  await recordAttempt(env.DB, deliveryId, {
    at: at.toISOString(),
    status: delay === null ? "failed" : "pending",
    httpStatus,
    error,
    nextAttemptAt: delay === null ? null : new Date(at.getTime() + delay * 1000).toISOString(),
  });
  if (delay !== null)
    await env.WEBHOOK_QUEUE.send({ kind: "deliver", deliveryId } satisfies WebhookMessage, { delaySeconds: delay });
}

/** The webhook queue's consumer: each message is one attempt at one delivery. */
export async function consumeDeliveries(batch: MessageBatch<WebhookMessage>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    try {
      await attemptDelivery(env, message.body.deliveryId);
      message.ack();
    } catch (error) {
      // A failure to record an attempt (D1 unavailable, say), not a receiver's failure.
      console.error(`webhook delivery ${message.body.deliveryId}:`, error);
      message.retry({ delaySeconds: 60 });
    }
  }
}
