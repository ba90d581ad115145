import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import worker from "../src/index.ts";
import type { JobMessage } from "../src/pipeline/jobs.ts";
import { replayKey } from "../src/pipeline/archive.ts";
import { loadSeeds, type SeedFile } from "../src/seeds.ts";

export const seeded = env.TEST_SEEDS;

export const HSC_SOURCES = seeded.seeds.sources.filter((s) => s.rule === "hsc-expert-panel").map((s) => s.id);
export const GMPP_SOURCES = seeded.seeds.sources.filter((s) => s.rule === "gmpp").map((s) => s.id);

export function seedUrl(sourceId: string): string {
  const source = seeded.seeds.sources.find((s) => s.id === sourceId);
  if (!source) throw new Error(`no seed source ${sourceId}`);
  return source.url;
}

export function seedPage(sourceId: string): string {
  return seeded.archive[seedUrl(sourceId)]!.body;
}

/** Loads the seed set, optionally only some of its sources. */
export async function seed(only?: string[]): Promise<void> {
  const seeds: SeedFile = {
    ...seeded.seeds,
    sources: seeded.seeds.sources.filter((s) => !only || only.includes(s.id)),
  };
  await loadSeeds(env, seeds, seeded.archive);
}

/** Replaces what the local replay serves for a URL, as if the publisher had edited the page. */
export async function publish(url: string, html: string): Promise<void> {
  await env.ARCHIVE.put(replayKey(url), html, { httpMetadata: { contentType: "text/html; charset=utf-8" } });
}

/** Runs the Worker's scheduled handler as a Cron Trigger would, capturing what it enqueues. */
export async function enqueueByCron(at: Date = new Date()): Promise<JobMessage[]> {
  const { env: envWithQueue, sent } = capturingQueue();
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: at, cron: "*/15 * * * *" }), envWithQueue, ctx);
  await waitOnExecutionContext(ctx);
  return sent;
}

/** The test env with another SCRAPE_QUEUE. */
export function withQueue(queue: object): Env {
  return new Proxy(env, { get: (target, key) => (key === "SCRAPE_QUEUE" ? queue : Reflect.get(target, key)) });
}

/** An env whose queue records what is sent to it instead of delivering it. */
export function capturingQueue(): { env: Env; sent: JobMessage[] } {
  const sent: JobMessage[] = [];
  const queue = {
    async send(body: JobMessage) {
      sent.push(body);
    },
    async sendBatch(messages: Iterable<{ body: JobMessage }>) {
      for (const message of messages) sent.push(message.body);
    },
  };
  return { env: withQueue(queue), sent };
}

/** An env whose queue refuses every message. */
export function failingQueue(): Env {
  const fail = async () => {
    throw new Error("queue unavailable");
  };
  return withQueue({ send: fail, sendBatch: fail });
}

/**
 * How long `vi.waitFor` polls for work that the real local queue does in the background, after
 * the invocation that enqueued it has ended (so no execution context can be waited on).
 */
export const QUEUE_WAIT = { timeout: 30_000, interval: 100 };

/** Delivers jobs to the queue consumer one per batch, as production's max_batch_size = 1 does. */
export async function deliver(jobs: JobMessage[], consumerEnv: Env = env) {
  const results = [];
  for (const [index, body] of jobs.entries()) {
    const batch = createMessageBatch<JobMessage>("scorecard-scrape", [
      { id: `job-${index}`, timestamp: new Date(), attempts: 1, body },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, consumerEnv);
    results.push(await getQueueResult(batch, ctx));
  }
  return results;
}

/** A scheduled tick, then the queue delivering every job it enqueued. */
export async function runCron(at: Date = new Date()): Promise<JobMessage[]> {
  const jobs = await enqueueByCron(at);
  await deliver(jobs);
  return jobs;
}

/** Makes every seeded source due again. */
export async function makeAllDue(): Promise<void> {
  await env.DB.prepare("UPDATE sources SET next_run_at = NULL").run();
}

export async function api(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(`https://scorecard.test${path}`, init);
}

export async function count(table: string): Promise<number> {
  const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>();
  return row!.n;
}
