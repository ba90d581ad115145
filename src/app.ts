import { Hono } from "hono";
import { cors } from "hono/cors";
import { etag } from "hono/etag";
import { prettyJSON } from "hono/pretty-json";
import { notFound, onError } from "./problem.ts";
import { admin } from "./routes/admin.ts";
import { commitmentList, commitments } from "./routes/commitments.ts";
import { health } from "./routes/health.ts";
import { scorecards } from "./routes/scorecards.ts";
import { sources } from "./routes/sources.ts";

export const app = new Hono<{ Bindings: Env }>();

app.use("/v1/*", cors({ origin: "*", allowMethods: ["GET", "HEAD", "OPTIONS"] }), etag(), prettyJSON());
app.use("/v1/*", async (c, next) => {
  await next();
  if (c.req.path.startsWith("/v1/admin/")) return;
  // Newsrooms embed these; a minute of staleness is cheap, and the data changes at most per scrape.
  if (c.req.method === "GET" && c.res.status === 200)
    c.header("Cache-Control", "public, max-age=60, stale-while-revalidate=600");
});

app.route("/health", health);
app.route("/v1/scorecards", scorecards);
app.route("/v1/commitments", commitments);
app.route("/v1/commitments.csv", commitmentList);
app.route("/v1/sources", sources);
app.route("/v1/admin", admin);

app.onError(onError);
app.notFound(notFound);
