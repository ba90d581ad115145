import { Hono } from "hono";
import { cors } from "hono/cors";
import { etag } from "hono/etag";
import { prettyJSON } from "hono/pretty-json";
import { readCache } from "./http/cache.ts";
import { methodNotAllowed } from "./http/methods.ts";
import { notFound, onError, problem } from "./problem.ts";
import { admin } from "./routes/admin.ts";
import { badges } from "./routes/badges.tsx";
import { changes } from "./routes/changes.ts";
import { commitmentList, commitments } from "./routes/commitments.ts";
import { docs } from "./routes/docs.tsx";
import { openapi } from "./routes/openapi.ts";
import { runs } from "./routes/runs.ts";
import { embed, loader } from "./routes/embed.tsx";
import { health } from "./routes/health.ts";
import { landing } from "./routes/landing.tsx";
import { oembed } from "./routes/oembed.tsx";
import { reports } from "./routes/reports.ts";
import { scorecards } from "./routes/scorecards.ts";
import { sources } from "./routes/sources.ts";

export const app = new Hono<{ Bindings: Env }>();

// Hot reads from the Workers Cache API, versioned by every run that applies something. First, so
// that a hit skips the ETag, CORS and header middleware below (the cached response has them).
app.use("/v1/*", async (c, next) => (c.req.path.startsWith("/v1/admin/") ? next() : readCache(c, next)));
app.use("/embed/*", readCache);

const readCors = cors({ origin: "*", allowMethods: ["GET", "HEAD", "OPTIONS"] });
// Reads answer any origin. /v1/admin answers none (no CORS headers at all, so a browser page
// elsewhere can never call it with someone's key), and /v1/reports has its own (POST).
const noCors = /^\/v1\/(?:admin|reports)(?:\/|$)/;
app.use("/v1/*", (c, next) => (noCors.test(c.req.path) ? next() : readCors(c, next)), etag(), prettyJSON());
app.use("/v1/*", async (c, next) => {
  await next();
  if (c.req.path.startsWith("/v1/admin/")) return;
  // Newsrooms embed these; a minute of staleness is cheap, and the data changes at most per scrape.
  // A route that says otherwise (a run still in progress, polled for its outcome) is left alone.
  const cacheable = (c.req.method === "GET" || c.req.method === "HEAD") && c.res.status === 200;
  if (cacheable && !c.res.headers.has("Cache-Control"))
    c.header("Cache-Control", "public, max-age=60, stale-while-revalidate=600");
});

app.route("/health", health);
app.route("/v1/scorecards", scorecards);
app.route("/v1/commitments", commitments);
app.route("/v1/commitments.csv", commitmentList);
app.route("/v1/changes", changes);
app.route("/v1/changes.csv", changes);
app.route("/v1/changes.atom", changes);
app.route("/v1/runs", runs);
app.use("/openapi.json", etag());
app.route("/openapi.json", openapi);
app.use("/docs", etag());
app.route("/docs", docs);
app.route("/v1/sources", sources);
app.route("/v1/admin", admin);
app.route("/v1/reports", reports);
// For people and the pages that embed Scorecard: widgets, their loader, oEmbed, badges, the landing page.
app.route("/embed", embed);
app.route("/embed.js", loader);
app.route("/oembed", oembed);
app.route("/badge", badges);
app.route("/", landing);

app.onError(onError);
// A path served with other methods is a 405 with Allow, not a 404.
app.notFound((c) => methodNotAllowed(c, app.routes, problem) ?? notFound(c));
