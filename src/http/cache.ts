// Hot reads from the Workers Cache API, so that a popular scorecard or widget is answered without
// D1, rendering or hashing.
//
// Keys are versioned: every key carries the current read version, kept in the cache itself (no
// D1 read), and a run that applies anything bumps it (`bumpReadVersion`, called by the queue
// consumer), so that every cached variant of every URL is left behind at once. The Cache API
// is per data centre: elsewhere an entry lives out its max-age (60 s), which bounds how stale a
// reader can be anywhere. `READ_CACHE = "off"` turns it off (the tests do, to read their writes).
import type { MiddlewareHandler } from "hono";

/** Seconds a cached read may be served: the same as the public Cache-Control max-age. */
export const READ_CACHE_SECONDS = 60;

const VERSION_KEY = "https://read-cache.scorecard.internal/version";

function cacheOn(env: { READ_CACHE?: string }): boolean {
  return env.READ_CACHE !== "off" && typeof caches !== "undefined";
}

async function readVersion(): Promise<string> {
  const hit = await caches.default.match(VERSION_KEY);
  if (hit) return hit.text();
  const version = String(Date.now());
  await putVersion(version);
  return version;
}

async function putVersion(version: string): Promise<void> {
  await caches.default.put(
    VERSION_KEY,
    new Response(version, { headers: { "Cache-Control": "public, max-age=31536000" } }),
  );
}

/** Leaves every cached read behind: call after a run or reprocess applies anything. */
export async function bumpReadVersion(env: { READ_CACHE?: string }): Promise<void> {
  if (!cacheOn(env)) return;
  try {
    await putVersion(`${Date.now()}-${crypto.randomUUID()}`);
  } catch (error) {
    // The data has landed; readers see it within max-age whatever happens here.
    console.error("could not bump the read cache version:", error);
  }
}

/** The cache key of a read: version, host, path, sorted query, and the representation asked for. */
function keyOf(request: Request, version: string): string {
  const url = new URL(request.url);
  url.searchParams.sort();
  const accept = request.headers.get("Accept") ?? "";
  const variant = /text\/csv/i.test(accept) ? "csv" : /atom\+xml/i.test(accept) ? "atom" : "json";
  return `https://read-cache.scorecard.internal/${encodeURIComponent(version)}/${variant}/${url.host}${url.pathname}${url.search}`;
}

// The Cache API keeps an entry for its Cache-Control; the response's own (what browsers are told)
// travels beside it under this name and is restored on a hit.
const SERVED_CACHE_CONTROL = "X-Scorecard-Cache-Control";

// What a 304 keeps of the cached response (RFC 9110 §15.4.5), and CORS, so a browser may read it.
const NOT_MODIFIED_HEADERS = /^(?:cache-control|content-location|date|etag|expires|vary|access-control-.*|x-cache)$/i;

function matchesIfNoneMatch(ifNoneMatch: string | undefined, etag: string | null): boolean {
  if (!ifNoneMatch || !etag) return false;
  const weakless = (tag: string) => tag.trim().replace(/^W\//, "");
  return ifNoneMatch.split(",").some((tag) => tag.trim() === "*" || weakless(tag) === weakless(etag));
}

/**
 * Serves GET and HEAD reads from the cache, and caches successful ones (`X-Cache: HIT` or `MISS`).
 * Put it outside the ETag and header middleware, so that a hit is answered with the headers
 * computed once, and an If-None-Match that matches its ETag with a 304, without reading D1 or
 * hashing the body again.
 */
export const readCache: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  if (!cacheOn(c.env) || !["GET", "HEAD"].includes(c.req.method) || c.req.header("Authorization")) return next();
  const version = await readVersion();
  const key = keyOf(c.req.raw, version);
  const hit = await caches.default.match(key);
  if (hit) {
    const headers = new Headers(hit.headers);
    const served = headers.get(SERVED_CACHE_CONTROL);
    if (served) headers.set("Cache-Control", served);
    headers.delete(SERVED_CACHE_CONTROL);
    headers.set("X-Cache", "HIT");
    if (matchesIfNoneMatch(c.req.header("If-None-Match"), headers.get("ETag"))) {
      for (const name of [...headers.keys()]) if (!NOT_MODIFIED_HEADERS.test(name)) headers.delete(name);
      await hit.body?.cancel();
      c.res = new Response(null, { status: 304, headers });
      return;
    }
    c.res = new Response(hit.body, { status: hit.status, headers });
    return;
  }
  await next();
  const served = c.res.headers.get("Cache-Control");
  if (c.res.status !== 200 || /no-store|private/i.test(served ?? "")) return;
  c.res.headers.set("X-Cache", "MISS");
  const stored = new Response(c.res.clone().body, c.res);
  stored.headers.set("Cache-Control", `public, max-age=${READ_CACHE_SECONDS}`);
  if (served) stored.headers.set(SERVED_CACHE_CONTROL, served);
  const put = caches.default.put(key, stored);
  try {
    c.executionCtx.waitUntil(put);
  } catch {
    await put; // no execution context (called directly)
  }
};
