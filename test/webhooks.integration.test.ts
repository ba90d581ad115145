// Webhooks end to end: registered over the API, a run's changes delivered from the queue to a
// receiver on the local test server that verifies signatures and fails twice, retried with
// backoff, logged, and redelivered. URLs follow the same rules as sources.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../src/index.ts";
import type { WebhookMessage } from "../src/pipeline/webhooks.ts";
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

    const again = await call(
      "POST",
      `/v1/admin/webhooks/${hook.id}/deliveries/${log.data[0]!.id}/redeliver`,
      BOOTSTRAP,
    );
    expect(again.status).toBe(202);
    const redelivery = await again.json<{ id: number; redelivery_of: number }>();
    expect(redelivery.redelivery_of).toBe(log.data[0]!.id);
    // The redelivery went to the real local queue; deliver it by hand as well, idempotently.
    queue.sent.push({ body: { kind: "deliver", deliveryId: redelivery.id } });
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
});
