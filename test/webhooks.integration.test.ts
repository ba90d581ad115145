// Webhooks end to end: registered over the API, a run's changes delivered from the queue to a
// receiver on the local test server that verifies signatures and fails twice, retried with
// backoff, logged, and redelivered. URLs follow the same rules as sources.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../src/app.ts";
import worker from "../src/index.ts";
import { LOST_MESSAGE_AFTER_MS, resendWebhooks, type WebhookMessage } from "../src/pipeline/webhooks.ts";
import { deliver, enqueueByCron, makeAllDue, publish, runCron, seed, seedPage, seedUrl } from "./helpers.ts";
import { BOOTSTRAP, call } from "./support/admin.ts";

const HC_780 = "hsc-expert-panel-hc-780";

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  attempt: number;
}

async function received(path: string): Promise<Received[]> {
  const all = await (await fetch(`${env.TEST_SERVER}/__hooks`)).json<Received[]>();
  return all.filter((r) => r.path === path);
}

/** Verifies X-Scorecard-Signature as a receiver would (Stripe's scheme). */
async function verify(secret: string, header: string, body: string): Promise<boolean> {
  const parts = Object.fromEntries(header.split(",").map((p) => p.split("=") as [string, string]));
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  const mac = new Uint8Array(parts.v1!.match(/../g)!.map((h) => parseInt(h, 16)));
  const fresh = Math.abs(Date.now() / 1000 - Number(parts.t)) < 300;
  return fresh && crypto.subtle.verify("HMAC", key, mac, new TextEncoder().encode(`${parts.t}.${body}`));
}

/** A webhook queue that records what is sent to it, and delivering those messages by hand. */
function webhookQueue() {
  const sent: { body: WebhookMessage; delaySeconds?: number }[] = [];
  const queue = {
    async send(body: WebhookMessage, options?: { delaySeconds?: number }) {
      sent.push({ body, ...options });
    },
    async sendBatch(messages: Iterable<{ body: WebhookMessage }>) {
      for (const m of messages) sent.push({ body: m.body });
    },
  };
  const queueEnv = new Proxy(env, { get: (t, k) => (k === "WEBHOOK_QUEUE" ? queue : Reflect.get(t, k)) });
  const deliverNext = async () => {
    const next = sent.shift()!;
    const batch = createMessageBatch<WebhookMessage>("scorecard-webhooks", [
      { id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body: next.body },
    ]);
    await worker.queue(batch, queueEnv);
    return { result: await getQueueResult(batch, createExecutionContext()), delaySeconds: next.delaySeconds };
  };
  return { sent, queueEnv, deliverNext };
}

/** An env whose webhook queue refuses every message, as during a Queues outage. */
function failingWebhookQueue(): Env {
  const fail = async () => {
    throw new Error("queue unavailable");
  };
  const queue = { send: fail, sendBatch: fail };
  return new Proxy(env, { get: (t, k) => (k === "WEBHOOK_QUEUE" ? queue : Reflect.get(t, k)) });
}

async function republishWithAChange(consumerEnv: Env) {
  const edited = seedPage(HC_780).replace(
    "a functionally single record</td>\n      <td></td><td></td><td></td><td></td><td>Inadequate</td>",
    "a functionally single record</td>\n      <td></td><td></td><td></td><td></td><td>Requires improvement</td>",
  );
  expect(edited).not.toBe(seedPage(HC_780));
  await publish(seedUrl(HC_780), edited);
  await makeAllDue();
  await deliver(await enqueueByCron(), consumerEnv);
}

describe("webhooks", () => {
  it("deliver matching changes, signed, retrying a receiver that fails twice; log and redeliver", async () => {
    await seed([HC_780]);
    await runCron();
    const path = `/hook/${crypto.randomUUID()}`;
    const made = await call("POST", "/v1/admin/webhooks", BOOTSTRAP, {
      url: `${env.TEST_SERVER}${path}?fail=2`,
      filters: { scorecard: HC_780, kind: "moved", direction: "better" },
    });
    expect(made.status, await made.clone().text()).toBe(201);
    const hook = await made.json<{ id: number; secret: string }>();
    expect(hook.secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    const other = await call("POST", "/v1/admin/webhooks", BOOTSTRAP, {
      url: `${env.TEST_SERVER}/hook/${crypto.randomUUID()}`,
      filters: { direction: "worse" },
    });
    expect(other.status).toBe(201);
    const listed = await (await call("GET", "/v1/admin/webhooks", BOOTSTRAP)).text();
    expect(listed).not.toContain(hook.secret);

    const queue = webhookQueue();
    await republishWithAChange(queue.queueEnv);
    // One change moved better; only the first webhook wants it.
    expect(queue.sent).toHaveLength(1);

    const first = await queue.deliverNext();
    expect(first.result.explicitAcks).toHaveLength(1);
    expect(queue.sent).toEqual([{ body: expect.objectContaining({ kind: "deliver" }), delaySeconds: 30 }]);
    expect((await queue.deliverNext()).result.explicitAcks).toHaveLength(1);
    expect(queue.sent[0]!.delaySeconds).toBe(60);
    await queue.deliverNext();
    expect(queue.sent).toEqual([]);

    const got = await received(path);
    expect(got.map((r) => r.attempt)).toEqual([1, 2, 3]);
    for (const r of got) {
      expect(await verify(hook.secret, r.headers["x-scorecard-signature"]!, r.body)).toBe(true);
      expect(await verify("whsec_wrong", r.headers["x-scorecard-signature"]!, r.body)).toBe(false);
      expect(r.headers["content-type"]).toBe("application/json");
    }
    const payload = JSON.parse(got[0]!.body) as {
      type: string;
      change: { kind: string; direction: string; from: { label: string }; to: { label: string } };
    };
    expect(payload).toMatchObject({
      type: "change",
      change: {
        kind: "moved",
        direction: "better",
        from: { label: "Inadequate" },
        to: { label: "Requires improvement" },
      },
    });

    const log = await (
      await call("GET", `/v1/admin/webhooks/${hook.id}/deliveries`, BOOTSTRAP)
    ).json<{ data: { id: number; status: string; attempts: number; last_status: number }[] }>();
    expect(log.data).toEqual([expect.objectContaining({ status: "delivered", attempts: 3, last_status: 204 })]);

    // Through the app with the recording queue, so that no message is left in the real local
    // queue to be consumed during a later test (whose delivery ids start again at 1).
    const again = await app.request(
      `/v1/admin/webhooks/${hook.id}/deliveries/${log.data[0]!.id}/redeliver`,
      { method: "POST", headers: { Authorization: `Bearer ${BOOTSTRAP}` } },
      queue.queueEnv,
    );
    expect(again.status).toBe(202);
    const redelivery = await again.json<{ id: number; redelivery_of: number }>();
    expect(redelivery.redelivery_of).toBe(log.data[0]!.id);
    expect(queue.sent).toEqual([{ body: { kind: "deliver", deliveryId: redelivery.id } }]);
    await queue.deliverNext();
    const after = await received(path);
    expect(after.length).toBeGreaterThanOrEqual(4);
    expect(JSON.parse(after.at(-1)!.body).delivery_id).toBe(redelivery.id);
  });

  it("mark a delivery failed after a day of failures, and never follow a redirect", async () => {
    await seed([HC_780]);
    await runCron();
    const made = await call("POST", "/v1/admin/webhooks", BOOTSTRAP, {
      url: `${env.TEST_SERVER}/redirect?to=${encodeURIComponent("http://169.254.169.254/")}&status=302`,
    });
    const hook = await made.json<{ id: number }>();
    const queue = webhookQueue();
    await republishWithAChange(queue.queueEnv);
    expect(queue.sent.length).toBeGreaterThan(0);
    const id = queue.sent[0]!.body.deliveryId;
    await queue.deliverNext();
    const row = await env.DB.prepare("SELECT * FROM webhook_deliveries WHERE id = ?")
      .bind(id)
      .first<{ status: string; last_status: number; last_error: string }>();
    expect(row).toMatchObject({
      status: "pending",
      last_status: 302,
      last_error: expect.stringMatching(/redirects are not followed/),
    });
    // A day later, the next failure is the last.
    await env.DB.prepare("UPDATE webhook_deliveries SET created_at = ? WHERE id = ?")
      .bind(new Date(Date.now() - 86_400_000).toISOString(), id)
      .run();
    queue.sent.length = 0;
    queue.sent.push({ body: { kind: "deliver", deliveryId: id } });
    await queue.deliverNext();
    expect(queue.sent).toEqual([]);
    const failed = await env.DB.prepare("SELECT status, attempts FROM webhook_deliveries WHERE id = ?")
      .bind(id)
      .first();
    expect(failed).toEqual({ status: "failed", attempts: 2 });
    expect(hook.id).toBeGreaterThan(0);
  });

  it("refuse URLs as sources do: schemes, credentials, private and link-local addresses", async () => {
    for (const url of [
      "ftp://hooks.example.org/",
      "https://u:p@hooks.example.org/",
      "http://10.0.0.8/",
      "http://[fe80::1]/",
      "http://169.254.169.254/",
      "http://0x0a000001/",
    ]) {
      const response = await call("POST", "/v1/admin/webhooks", BOOTSTRAP, { url });
      expect(response.status, url).toBe(400);
    }
    expect(
      (await call("POST", "/v1/admin/webhooks", BOOTSTRAP, { url: "https://hooks.example.org/scorecard" })).status,
    ).toBe(201);
  });

  it("lose nothing when the queue refuses them: the next scheduled tick fans out and sends again, once", async () => {
    await seed([HC_780]);
    await runCron();
    const path = `/hook/${crypto.randomUUID()}`;
    const made = await call("POST", "/v1/admin/webhooks", BOOTSTRAP, { url: `${env.TEST_SERVER}${path}` });
    const hook = await made.json<{ id: number }>();

    // The run applies its change; queueing its delivery fails (the run stays ok).
    await republishWithAChange(failingWebhookQueue());
    const run = await env.DB.prepare(
      "SELECT id, changes_added, webhooks_queued_at FROM runs ORDER BY id DESC LIMIT 1",
    ).first<{ id: number; changes_added: number; webhooks_queued_at: string | null }>();
    expect(run).toMatchObject({ changes_added: 1, webhooks_queued_at: null });
    const pending = await env.DB.prepare("SELECT id, status FROM webhook_deliveries WHERE webhook_id = ?")
      .bind(hook.id)
      .all<{ id: number; status: string }>();
    expect(pending.results).toEqual([{ id: expect.any(Number), status: "pending" }]);

    // A tick within the minute leaves a run that may still be fanning out alone.
    const queue = webhookQueue();
    const finished = Date.parse(
      (await env.DB.prepare("SELECT finished_at FROM runs WHERE id = ?").bind(run!.id).first<string>("finished_at"))!,
    );
    expect(await resendWebhooks(queue.queueEnv, new Date(finished + 1_000))).toEqual({
      runs: 0,
      corrections: 0,
      deliveries: 0,
    });
    // Two minutes on: the run is fanned out again (its delivery already recorded, so not twice).
    expect(await resendWebhooks(queue.queueEnv, new Date(finished + 120_000))).toEqual({
      runs: 1,
      corrections: 0,
      deliveries: 0,
    });
    expect(queue.sent).toEqual([]);
    // Past the time a queued message is taken for lost: the recorded delivery is sent again, once.
    const later = new Date(finished + LOST_MESSAGE_AFTER_MS + 120_000);
    expect(await resendWebhooks(queue.queueEnv, later)).toEqual({ runs: 0, corrections: 0, deliveries: 1 });
    expect(await resendWebhooks(queue.queueEnv, later)).toEqual({ runs: 0, corrections: 0, deliveries: 0 });
    expect(queue.sent).toEqual([{ body: { kind: "deliver", deliveryId: pending.results[0]!.id } }]);
    await queue.deliverNext();
    expect((await received(path)).map((r) => r.attempt)).toEqual([1]);
    const log = await (
      await call("GET", `/v1/admin/webhooks/${hook.id}/deliveries`, BOOTSTRAP)
    ).json<{ data: { status: string }[] }>();
    expect(log.data).toEqual([expect.objectContaining({ status: "delivered" })]);
  });

  it("fan out a run whose fan-out never happened, from the scheduled tick", async () => {
    await seed([HC_780]);
    await runCron();
    const path = `/hook/${crypto.randomUUID()}`;
    await call("POST", "/v1/admin/webhooks", BOOTSTRAP, { url: `${env.TEST_SERVER}${path}` });
    // As if the consumer had been cut off before it recorded any delivery.
    const broken = new Proxy(env, {
      get: (t, k) => (k === "WEBHOOK_QUEUE" ? { send: fail, sendBatch: fail } : Reflect.get(t, k)),
    });
    async function fail() {
      throw new Error("queue unavailable");
    }
    await republishWithAChange(broken);
    await env.DB.prepare("DELETE FROM webhook_deliveries").run();
    const queue = webhookQueue();
    const finished = Date.parse((await env.DB.prepare("SELECT max(finished_at) AS f FROM runs").first<string>("f"))!);
    expect(await resendWebhooks(queue.queueEnv, new Date(finished + 120_000))).toEqual({
      runs: 1,
      corrections: 0,
      deliveries: 0,
    });
    expect(queue.sent).toHaveLength(1);
    await queue.deliverNext();
    expect(await received(path)).toHaveLength(1);
    expect(
      await env.DB.prepare(
        "SELECT count(*) AS n FROM runs WHERE webhooks_queued_at IS NULL AND changes_added > 0",
      ).first("n"),
    ).toBe(0);
  });
  it("deliver newsroom corrections and their reverts; a tick sends what a request could not, once", async () => {
    await seed([HC_780]);
    await runCron();
    const target = (await env.DB.prepare(
      `SELECT commitment_id AS commitment, dimension, label FROM observations
       WHERE scorecard_id = ? AND commitment_id IS NOT NULL AND band != 'not-rated' ORDER BY id LIMIT 1`,
    )
      .bind(HC_780)
      .first<{ commitment: string; dimension: string; label: string }>())!;
    const subscribe = async (filters: object) => {
      const path = `/hook/${crypto.randomUUID()}`;
      const made = await call("POST", "/v1/admin/webhooks", BOOTSTRAP, { url: `${env.TEST_SERVER}${path}`, filters });
      expect(made.status).toBe(201);
      return { path, ...(await made.json<{ id: number; secret: string }>()) };
    };
    const corrections = await subscribe({ scorecard: HC_780, kind: "corrected" });
    const everything = await subscribe({});
    const publisherOnly = await subscribe({ kind: "moved" });
    const admin = (path: string, body: object, through: Env) =>
      app.request(
        path,
        {
          method: "POST",
          headers: { Authorization: `Bearer ${BOOTSTRAP}`, "Content-Type": "application/json" },
          body: JSON.stringify(body),
        },
        through,
      );

    // The correction is told at once to the two webhooks that want it.
    const queue = webhookQueue();
    const label = target.label === "Good" ? "Inadequate" : "Good";
    const made = await admin(
      "/v1/admin/overrides",
      {
        ...target,
        label,
        reason: "The panel's erratum corrects this rating.",
        evidence_url: "https://committees.parliament.uk/erratum",
      },
      queue.queueEnv,
    );
    expect(made.status, await made.clone().text()).toBe(201);
    const override = await made.json<{ id: number }>();
    expect(queue.sent).toHaveLength(2);
    await queue.deliverNext();
    await queue.deliverNext();
    const [told] = await received(corrections.path);
    expect(await verify(corrections.secret, told!.headers["x-scorecard-signature"]!, told!.body)).toBe(true);
    expect(JSON.parse(told!.body)).toMatchObject({
      type: "change",
      webhook_id: corrections.id,
      change: {
        id: null,
        kind: "corrected",
        scorecard_id: HC_780,
        commitment_id: target.commitment,
        dimension: target.dimension,
        from: { label: target.label },
        to: { label },
        band_changed: true,
        run_id: null,
        correction: {
          override_id: override.id,
          reason: "The panel's erratum corrects this rating.",
          evidence_url: "https://committees.parliament.uk/erratum",
          revert_reason: null,
        },
      },
    });
    expect(await received(everything.path)).toHaveLength(1);

    // The revert is recorded while the queue refuses everything; and its deliveries are lost too.
    const reverted = await admin(
      `/v1/admin/overrides/${override.id}/revert`,
      { reason: "The erratum was withdrawn." },
      failingWebhookQueue(),
    );
    expect(reverted.status, await reverted.clone().text()).toBe(200);
    await env.DB.prepare("DELETE FROM webhook_deliveries WHERE override_event = 'correction-reverted'").run();
    const late = await subscribe({});

    // A tick within the minute leaves it alone; two minutes on, it is fanned out, and only once.
    const now = Date.now();
    expect(await resendWebhooks(queue.queueEnv, new Date(now))).toEqual({ runs: 0, corrections: 0, deliveries: 0 });
    expect(await resendWebhooks(queue.queueEnv, new Date(now + 120_000))).toEqual({
      runs: 0,
      corrections: 1,
      deliveries: 0,
    });
    expect(await resendWebhooks(queue.queueEnv, new Date(now + 180_000))).toEqual({
      runs: 0,
      corrections: 0,
      deliveries: 0,
    });
    expect(queue.sent).toHaveLength(1);
    await queue.deliverNext();
    const told2 = await received(everything.path);
    expect(told2.map((r) => JSON.parse(r.body).change)).toEqual([
      expect.objectContaining({ kind: "corrected" }),
      expect.objectContaining({
        kind: "correction-reverted",
        from: expect.objectContaining({ label }),
        to: expect.objectContaining({ label: target.label }),
        correction: expect.objectContaining({ override_id: override.id, revert_reason: "The erratum was withdrawn." }),
      }),
    ]);
    // Neither the publisher's subscriber nor one subscribed after the events is told of them.
    expect(await received(publisherOnly.path)).toEqual([]);
    expect(await received(late.path)).toEqual([]);

    // The log names the correction each delivery carried, and one can be sent again.
    const log = await (
      await call("GET", `/v1/admin/webhooks/${everything.id}/deliveries`, BOOTSTRAP)
    ).json<{ data: { id: number; change_id: number | null; override_id: number; override_event: string }[] }>();
    expect(log.data).toEqual([
      expect.objectContaining({ change_id: null, override_id: override.id, override_event: "correction-reverted" }),
      expect.objectContaining({ change_id: null, override_id: override.id, override_event: "corrected" }),
    ]);
    const again = await app.request(
      `/v1/admin/webhooks/${everything.id}/deliveries/${log.data[1]!.id}/redeliver`,
      { method: "POST", headers: { Authorization: `Bearer ${BOOTSTRAP}` } },
      queue.queueEnv,
    );
    expect(again.status).toBe(202);
    await queue.deliverNext();
    const last = JSON.parse((await received(everything.path)).at(-1)!.body);
    expect(last).toMatchObject({ delivery_id: (await again.json<{ id: number }>()).id, change: { kind: "corrected" } });
  });
});
