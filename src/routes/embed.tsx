/** @jsxImportSource hono/jsx */
// /embed/scorecards/:id and /embed/commitments/:id: self-contained HTML widgets that any site
// may frame, and /embed.js, the loader that sizes them.
import { Hono } from "hono";
import type { Context } from "hono";
import { etag } from "hono/etag";
import { HTTPException } from "hono/http-exception";
import * as v from "valibot";
import type { Delivery } from "../../domain/deadlines.ts";
import { findRule } from "../../scrapers/index.ts";
import { getCommitmentForEmbed, getScorecardForEmbed } from "../db/embeds.ts";
import { idParam, valid } from "../problem.ts";
import { assetHashes, LOADER_SCRIPT } from "../views/assets.ts";
import { todayUtc } from "../views/format.ts";
import { CommitmentWidget, ScorecardWidget, type WidgetContext } from "../views/widgets.tsx";

/** Widgets may be a minute stale: the data changes at most once per scrape. ETags make revalidation cheap. */
export const WIDGET_CACHE = "public, max-age=60";

const asOfSchema = v.optional(
  v.pipe(
    v.string(),
    v.regex(/^\d{4}-\d{2}-\d{2}(?:T[0-9:.]+Z?)?$/, "as_of is a date, YYYY-MM-DD"),
    v.transform((s) => s.slice(0, 10)),
    v.check((s) => !Number.isNaN(Date.parse(s)) && new Date(s).toISOString().startsWith(s), "as_of is not a real date"),
    v.check((s) => s <= todayUtc(), "as_of may not be in the future"),
  ),
);
const theme = v.optional(v.picklist(["light", "dark", "auto"], "theme must be light, dark or auto"), "light");

const scorecardQuery = v.object({
  layout: v.optional(v.picklist(["compact", "full"], "layout must be compact or full"), "full"),
  theme,
  as_of: asOfSchema,
});
const commitmentQuery = v.object({ theme, as_of: asOfSchema });

/** The rule's delivery declaration, where it has one; without one a deadline is never reported met. */
export function deliveryOf(ruleId: string): Delivery | null {
  return findRule(ruleId)?.delivery ?? null;
}

export async function widgetHeaders(c: Context): Promise<void> {
  const hashes = await assetHashes();
  c.header(
    "Content-Security-Policy",
    `default-src 'none'; style-src ${hashes.widgetCss}; script-src ${hashes.height}; img-src data:; ` +
      "base-uri 'none'; form-action 'none'; frame-ancestors *",
  );
  c.header("Cache-Control", WIDGET_CACHE);
  c.header("X-Content-Type-Options", "nosniff");
}

function context(c: Context, kind: "scorecards" | "commitments", id: string, query: object & { as_of?: string }) {
  const url = new URL(c.req.url);
  const current = new URL(url.pathname, url.origin);
  for (const [key, value] of url.searchParams) if (key !== "as_of") current.searchParams.set(key, value);
  const page = new URL(`/embed/${kind}/${id}`, url.origin);
  if (query.as_of) page.searchParams.set("as_of", query.as_of);
  const oembed = new URL("/oembed", url.origin);
  oembed.searchParams.set("url", page.href);
  oembed.searchParams.set("format", "json");
  return {
    asOf: query.as_of ?? null,
    today: query.as_of ?? todayUtc(),
    origin: url.origin,
    currentUrl: current.href,
    oembedUrl: oembed.href,
  };
}

export const embed = new Hono<{ Bindings: Env }>()
  .use("*", etag())
  .get("/scorecards/:id", valid("param", idParam), valid("query", scorecardQuery), async (c) => {
    const { id } = c.req.valid("param");
    const query = c.req.valid("query");
    const scorecard = await getScorecardForEmbed(c.env.DB, id, query.as_of ?? null);
    if (!scorecard)
      throw new HTTPException(404, {
        message: query.as_of
          ? `There is no rating of scorecard "${id}" on or before ${query.as_of}.`
          : `There is no scorecard "${id}".`,
      });
    const ctx: WidgetContext = {
      theme: query.theme,
      delivery: deliveryOf(scorecard.rule_id),
      ...context(c, "scorecards", id, query),
    };
    await widgetHeaders(c);
    const dimensions = findRule(scorecard.rule_id)?.dimensions ?? [];
    return c.html(<ScorecardWidget scorecard={scorecard} dimensions={dimensions} layout={query.layout} ctx={ctx} />);
  })
  .get("/commitments/:id", valid("param", idParam), valid("query", commitmentQuery), async (c) => {
    const { id } = c.req.valid("param");
    const query = c.req.valid("query");
    const commitment = await getCommitmentForEmbed(c.env.DB, id, query.as_of ?? null);
    if (!commitment) throw new HTTPException(404, { message: `There is no commitment "${id}".` });
    const ctx: WidgetContext = {
      theme: query.theme,
      delivery: deliveryOf(commitment.rule_id),
      ...context(c, "commitments", id, query),
    };
    await widgetHeaders(c);
    const dimensions = findRule(commitment.rule_id)?.dimensions ?? [];
    return c.html(<CommitmentWidget commitment={commitment} dimensions={dimensions} ctx={ctx} />);
  });

/** /embed.js: the same bytes for every page; browsers may keep it an hour. */
export const loader = new Hono<{ Bindings: Env }>().use("*", etag()).get("/", (c) => {
  c.header("Cache-Control", "public, max-age=3600");
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Access-Control-Allow-Origin", "*");
  return c.body(LOADER_SCRIPT, 200, { "Content-Type": "text/javascript; charset=utf-8" });
});
