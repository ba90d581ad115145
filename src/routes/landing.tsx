/** @jsxImportSource hono/jsx */
// GET /: the landing page, for people.
import { Hono } from "hono";
import { etag } from "hono/etag";
import { listScorecards } from "../db/scorecards.ts";
import { assetHashes } from "../views/assets.ts";
import { Landing, snippetsFor } from "../views/landing.tsx";
import { WIDGET_CACHE } from "./embed.tsx";

export const landing = new Hono<{ Bindings: Env }>().get("/", etag(), async (c) => {
  const origin = new URL(c.req.url).origin;
  const { scorecards } = await listScorecards(c.env.DB, { limit: 200, offset: 0 });
  const withSnippets = await Promise.all(
    scorecards.map(async (s) => ({ ...s, snippets: await snippetsFor(origin, s) })),
  );
  const hashes = await assetHashes();
  c.header(
    "Content-Security-Policy",
    `default-src 'none'; style-src ${hashes.landingCss}; script-src 'self' ${hashes.copy}; frame-src 'self'; ` +
      "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'",
  );
  c.header("Cache-Control", WIDGET_CACHE);
  c.header("X-Content-Type-Options", "nosniff");
  return c.html(<Landing origin={origin} scorecards={withSnippets} />);
});
