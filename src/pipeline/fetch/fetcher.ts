// A polite fetcher. It says who it is, respects robots.txt, asks each host at most once per
// interval, sends conditional requests, gives up on slow or oversized answers, and retries
// 5xx and 429 with backoff, honouring Retry-After.
import robotsParser from "robots-parser";
import { checkPublicUrl } from "../../../domain/address.ts";
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
  /** The URL that answered with these validators; they are sent to that URL only. Defaults to the URL asked for. */
  url?: string;
}

/** What one fetch may do, from the rule it fetches for. */
export interface FetchScope {
  /** The only hosts any hop may go to (see `Rule.allowedHosts`); none given, only loopback in local development. */
  allowedHosts?: readonly string[];
  /** A lower cap than the fetcher's, for a rule that cannot parse more. */
  maxBodyBytes?: number;
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

/** A hop that would leave the publisher's public hosts: refused before anything is sent. */
export class RefusedUrlError extends FetchError {
  override name = "RefusedUrlError";
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
  async fetch(
    url: string,
    previous?: Validators | null,
    scope: FetchScope = {},
  ): Promise<FetchedDocument | NotModified> {
    // A seeded copy (local replay) is not fetched from anywhere; everything else is checked hop by hop.
    const replayed = await this.replay?.(url);
    if (replayed) return replayed;
    const headers: Record<string, string> = { Accept: "text/html, text/csv, application/json;q=0.9, */*;q=0.8" };
    // Validators belong to the URL that gave them: a redirect elsewhere gets an unconditional request.
    const conditional: Record<string, string> = {};
    if (previous?.etag) conditional["If-None-Match"] = previous.etag;
    if (previous?.last_modified) conditional["If-Modified-Since"] = previous.last_modified;
    const validatedUrl = previous?.url ?? url;
    const { response, url: found } = await this.requestFollowingRedirects(
      url,
      (hop) => (hop === validatedUrl ? { ...headers, ...conditional } : headers),
      scope,
      (hop) => this.checkRobots(hop, scope),
    );
    if (response.status === 304) {
      // A 304 says "what you have is current" only to a request that said what it had.
      if (found !== validatedUrl || Object.keys(conditional).length === 0) {
        throw new FetchError(
          `${found} answered 304 Not Modified to a request that was not conditional, so nothing was fetched`,
        );
      }
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
      body: await this.readCapped(response, found, scope),
      etag: response.headers.get("etag"),
      lastModified: response.headers.get("last-modified"),
      contentType: response.headers.get("content-type"),
    };
  }

  /** Every hop passes here before anything is sent to it. */
  private checkHop(url: string, hop: string, scope: FetchScope): void {
    const check = checkPublicUrl(url, {
      allowedHosts: scope.allowedHosts ?? [],
      allowLoopback: this.policy.allowLoopback,
    });
    if (!check.ok) throw new RefusedUrlError(`refused to fetch ${url} (${hop}): ${check.reason}`);
  }

  private async checkRobots(url: string, scope: FetchScope): Promise<void> {
    const { origin } = new URL(url);
    let record = await this.store.getRobots(origin);
    const age = record ? Date.now() - Date.parse(record.fetched_at) : Infinity;
    // A robots.txt that failed is asked again soon; one that answered is kept for a day.
    if (!record || age > (unavailable(record.status) ? ROBOTS_RETRY_MS : this.policy.robotsTtlMs)) {
      let response: Response;
      try {
        // RFC 9309 asks crawlers to follow robots.txt's redirects too.
        ({ response } = await this.requestFollowingRedirects(
          `${origin}/robots.txt`,
          () => ({ Accept: "text/plain" }),
          scope,
          undefined,
          "robots.txt",
        ));
      } catch (error) {
        if (error instanceof HostBusyError || error instanceof RefusedUrlError) throw error;
        throw new FetchError(
          `robots.txt at ${origin} could not be read, so nothing there is fetched: ${(error as Error).message}`,
        );
      }
      // RFC 9309 asks crawlers to read at least 500 KiB of robots.txt; more is not worth holding.
      const body = response.ok
        ? new TextDecoder().decode(
            await this.readCapped(response, `${origin}/robots.txt`, { maxBodyBytes: 512 * 1024 }),
          )
        : "";
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
    headersFor: (url: string) => Record<string, string>,
    scope: FetchScope,
    beforeEachHop?: (url: string) => Promise<void>,
    what = "the URL asked for",
  ): Promise<{ response: Response; url: string }> {
    let current = url;
    for (let hop = 0; ; hop++) {
      // Checked before robots.txt is asked, so that not even robots.txt goes where it should not.
      this.checkHop(current, hop === 0 ? what : `redirect ${hop} from ${url}`, scope);
      await beforeEachHop?.(current);
      const response = await this.request(current, headersFor(current));
      const location = response.headers.get("location");
      if (response.status < 300 || response.status >= 400 || response.status === 304 || !location) {
        return { response, url: current };
      }
      await response.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw new FetchError(`${url} redirected more than ${MAX_REDIRECTS} times`);
      try {
        current = new URL(location, current).toString();
      } catch {
        throw new FetchError(`${current} redirected to ${JSON.stringify(location)}, which is not a URL`);
      }
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

  /** The body, refused as soon as it passes the cap: before it is parsed, or even all read. */
  private async readCapped(response: Response, url: string, scope: FetchScope): Promise<ArrayBuffer> {
    const cap = Math.min(this.policy.maxBodyBytes, scope.maxBodyBytes ?? Infinity);
    const declared = Number(response.headers.get("content-length") ?? 0);
    if (declared > cap) {
      await response.body?.cancel();
      throw new FetchError(`${url} is ${declared} bytes, over the ${cap}-byte cap, so it was not read`);
    }
    if (!response.body) return new ArrayBuffer(0);
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body) {
        size += chunk.byteLength;
        if (size > cap) throw new FetchError(`${url} is over the ${cap}-byte cap, so it was not read to the end`);
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof FetchError) throw error;
      const reason =
        error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")
          ? `it stalled, and the whole answer did not arrive within ${this.policy.timeoutMs} ms`
          : (error as Error).message;
      throw new FetchError(`could not read the body of ${url} after ${size} bytes: ${reason}`);
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
