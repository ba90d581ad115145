// Hot reads from the Workers Cache API, so that a popular scorecard is answered without D1.
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

/** Serves GET and HEAD reads from the cache, and caches successful ones (`X-Cache: HIT` or `MISS`). */
export const readCache: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  if (!cacheOn(c.env) || !["GET", "HEAD"].includes(c.req.method) || c.req.header("Authorization")) return next();
  const version = await readVersion();
  const key = keyOf(c.req.raw, version);
  const hit = await caches.default.match(key);
  if (hit) {
    c.res = new Response(hit.body, hit);
    c.res.headers.set("X-Cache", "HIT");
    return;
  }
  await next();
  if (c.res.status !== 200) return;
  c.res.headers.set("X-Cache", "MISS");
  const stored = new Response(c.res.clone().body, c.res);
  stored.headers.set("Cache-Control", `public, max-age=${READ_CACHE_SECONDS}`);
  const put = caches.default.put(key, stored);
  try {
    c.executionCtx.waitUntil(put);
  } catch {
    await put; // no execution context (called directly)
  }
};
