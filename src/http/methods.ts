// 405 Method Not Allowed, with Allow, for a path that is served but not with the method asked:
// `DELETE /v1/scorecards/x` is not "nothing here" (404) but "not that way" (RFC 9110 §15.5.6).
import type { Context } from "hono";
import { TrieRouter } from "hono/router/trie-router";

interface RouteInfo {
  method: string;
  path: string;
}

const cache = new WeakMap<readonly RouteInfo[], TrieRouter<string>>();

/** The methods some route serves at `path`, other than middleware (`ALL`); HEAD goes with GET. */
export function allowedMethods(routes: readonly RouteInfo[], path: string): string[] {
  let router = cache.get(routes);
  if (!router) {
    router = new TrieRouter<string>();
    for (const route of routes) if (route.method !== "ALL") router.add("ALL", route.path, route.method);
    cache.set(routes, router);
  }
  const [matches] = router.match("ALL", path);
  const methods = new Set(matches.map(([method]) => method));
  if (methods.has("GET")) methods.add("HEAD");
  if (methods.size > 0) methods.add("OPTIONS");
  return [...methods].sort();
}

/** A 405 problem for a path served only with other methods; null if nothing serves the path. */
export function methodNotAllowed(
  c: Context,
  routes: readonly RouteInfo[],
  problem: (c: Context, status: 405, detail: string) => Response,
): Response | null {
  const allowed = allowedMethods(routes, c.req.path);
  if (allowed.length === 0 || allowed.includes(c.req.method)) return null;
  const response = problem(c, 405, `${c.req.path} is served with ${allowed.join(", ")}, not ${c.req.method}.`);
  response.headers.set("Allow", allowed.join(", "));
  return response;
}
