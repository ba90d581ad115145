// A polite fetcher. It says who it is, respects robots.txt, asks each host at most once per
// interval, sends conditional requests, gives up on slow or oversized answers, and retries
// 5xx and 429 with backoff, honouring Retry-After.
import robotsParser from "robots-parser";
import type { PolitenessStore } from "../../types.ts";
import { PRODUCT_TOKEN, type FetchPolicy } from "./policy.ts";

export interface FetchedDocument {
  url: string;
  status: number;
  body: ArrayBuffer;
  etag: string | null;
  lastModified: string | null;
  contentType: string | null;
  /** Where it came from: `live` (the default) from the publisher, or the local seed archive. */
  origin?: "live" | "seed-archive";
  /** The seeds mark it a reconstructed sample, not a copy of a published document. */
  sample?: boolean;
}

export interface Validators {
  etag: string | null;
  last_modified: string | null;
}

/** The server's answer to a conditional request: what we have is current. */
export interface NotModified {
  notModified: true;
  etag: string | null;
  lastModified: string | null;
}

const MAX_REDIRECTS = 5;
const ROBOTS_RETRY_MS = 10 * 60_000;
const retryable = (status: number) => status === 429 || status >= 500;
const unavailable = (status: number) => retryable(status);

export class FetchError extends Error {
  override name = "FetchError";
}

/** A host is asked by other jobs for longer than is worth waiting: try the source again later. */
export class HostBusyError extends FetchError {
  override name = "HostBusyError";
}

/** Answers a URL from somewhere other than the network, such as the seeded archive. */
export type Replay = (url: string) => Promise<FetchedDocument | null>;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function retryAfterMs(response: Response, now: number): number | null {
  const header = response.headers.get("retry-after");
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

export class Fetcher {
  private readonly policy: FetchPolicy;
  private readonly store: PolitenessStore;
  private readonly replay: Replay | undefined;

  constructor(policy: FetchPolicy, store: PolitenessStore, replay?: Replay) {
    this.policy = policy;
    this.store = store;
    this.replay = replay;
  }

  /** Fetches a document, or says it has not changed since `previous`. */
  async fetch(url: string, previous?: Validators | null): Promise<FetchedDocument | NotModified> {
    const replayed = await this.replay?.(url);
    if (replayed) return replayed;
    const headers: Record<string, string> = { Accept: "text/html, text/csv, application/json;q=0.9, */*;q=0.8" };
    if (previous?.etag) headers["If-None-Match"] = previous.etag;
    if (previous?.last_modified) headers["If-Modified-Since"] = previous.last_modified;
    const { response, url: found } = await this.requestFollowingRedirects(url, headers, (hop) => this.checkRobots(hop));
    if (response.status === 304) {
      return {
        notModified: true,
        etag: response.headers.get("etag"),
        lastModified: response.headers.get("last-modified"),
      };
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new FetchError(`${found} answered HTTP ${response.status}`);
    }
    return {
      url: found,
      status: response.status,
      body: await this.readCapped(response, found),
      etag: response.headers.get("etag"),
      lastModified: response.headers.get("last-modified"),
      contentType: response.headers.get("content-type"),
    };
  }

  private async checkRobots(url: string): Promise<void> {
    const { origin } = new URL(url);
    let record = await this.store.getRobots(origin);
    const age = record ? Date.now() - Date.parse(record.fetched_at) : Infinity;
    // A robots.txt that failed is asked again soon; one that answered is kept for a day.
    if (!record || age > (unavailable(record.status) ? ROBOTS_RETRY_MS : this.policy.robotsTtlMs)) {
      let response: Response;
      try {
        // RFC 9309 asks crawlers to follow robots.txt's redirects too.
        ({ response } = await this.requestFollowingRedirects(`${origin}/robots.txt`, { Accept: "text/plain" }));
      } catch (error) {
        if (error instanceof HostBusyError) throw error;
        throw new FetchError(
          `robots.txt at ${origin} could not be read, so nothing there is fetched: ${(error as Error).message}`,
        );
      }
      const body = response.ok ? new TextDecoder().decode(await this.readCapped(response, `${origin}/robots.txt`)) : "";
      if (!response.ok) await response.body?.cancel();
      record = { status: response.status, body, fetched_at: new Date().toISOString() };
      await this.store.putRobots(origin, record);
    }
    // As crawlers agree: a missing robots.txt (4xx) allows everything; an unavailable one
    // (5xx, or 429) allows nothing until it answers.
    if (unavailable(record.status)) {
      throw new FetchError(`robots.txt at ${origin} answered HTTP ${record.status}, so nothing there is fetched`);
    }
    if (record.status >= 400) return;
    if (robotsParser(`${origin}/robots.txt`, record.body).isAllowed(url, this.policy.userAgent) === false) {
      throw new FetchError(`robots.txt at ${origin} disallows ${url} for ${PRODUCT_TOKEN}`);
    }
  }

  /**
   * A request that follows redirects itself rather than leaving them to fetch(), so that every
   * hop waits for its own host's slot and passes `beforeEachHop` (a robots.txt check, say).
   */
  private async requestFollowingRedirects(
    url: string,
    headers: Record<string, string>,
    beforeEachHop?: (url: string) => Promise<void>,
  ): Promise<{ response: Response; url: string }> {
    let current = url;
    for (let hop = 0; ; hop++) {
      await beforeEachHop?.(current);
      const response = await this.request(current, headers);
      const location = response.headers.get("location");
      if (response.status < 300 || response.status >= 400 || response.status === 304 || !location) {
        return { response, url: current };
      }
      await response.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw new FetchError(`${url} redirected more than ${MAX_REDIRECTS} times`);
      current = new URL(location, current).toString();
    }
  }

  /** One request, after waiting for the host's slot, retried on 5xx and 429. */
  private async request(url: string, headers: Record<string, string>): Promise<Response> {
    const host = new URL(url).host;
    for (let attempt = 1; ; attempt++) {
      const slot = await this.store.reserveSlot(host, Date.now(), this.policy.minHostIntervalMs);
      const queued = slot - Date.now();
      if (queued > this.policy.maxRetryAfterMs) {
        await this.store.releaseSlot(host, this.policy.minHostIntervalMs);
        throw new HostBusyError(
          `${host} is busy with other requests for ${Math.round(queued / 1000)} s; trying again at the next tick`,
        );
      }
      if (queued > 0) await sleep(queued);
      let response: Response;
      try {
        response = await fetch(url, {
          headers: { ...headers, "User-Agent": this.policy.userAgent },
          redirect: "manual",
          signal: AbortSignal.timeout(this.policy.timeoutMs),
        });
      } catch (error) {
        const reason =
          error instanceof Error && error.name === "TimeoutError"
            ? `no answer within ${this.policy.timeoutMs} ms`
            : (error as Error).message;
        throw new FetchError(`could not fetch ${url}: ${reason}`);
      }
      if (!retryable(response.status) || attempt >= this.policy.maxAttempts) return response;
      const wait = retryAfterMs(response, Date.now()) ?? this.policy.retryBaseMs * 2 ** (attempt - 1);
      await response.body?.cancel();
      if (wait > this.policy.maxRetryAfterMs) {
        throw new FetchError(
          `${url} answered HTTP ${response.status} and asked to wait ${Math.round(wait / 1000)} s; trying again at the next scheduled run`,
        );
      }
      await sleep(wait);
    }
  }

  private async readCapped(response: Response, url: string): Promise<ArrayBuffer> {
    const cap = this.policy.maxBodyBytes;
    const declared = Number(response.headers.get("content-length") ?? 0);
    if (declared > cap) {
      await response.body?.cancel();
      throw new FetchError(`${url} is ${declared} bytes, over the ${cap}-byte cap`);
    }
    if (!response.body) return new ArrayBuffer(0);
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += chunk.byteLength;
      if (size > cap) throw new FetchError(`${url} is over the ${cap}-byte cap`);
      chunks.push(chunk);
    }
    const body = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return body.buffer;
  }
}
