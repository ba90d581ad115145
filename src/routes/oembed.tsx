/** @jsxImportSource hono/jsx */
// /oembed (https://oembed.com): a CMS that is given a widget's URL asks here for its iframe.
import { Hono } from "hono";
import { etag } from "hono/etag";
import { HTTPException } from "hono/http-exception";
import * as v from "valibot";
import { getCommitmentForEmbed, getScorecardForEmbed } from "../db/embeds.ts";
import { valid } from "../problem.ts";
import { WIDGET_CACHE } from "./embed.tsx";

const size = v.optional(
  v.pipe(v.string(), v.regex(/^\d{1,5}$/, "must be a whole number of pixels"), v.transform(Number), v.minValue(1)),
);
const oembedQuery = v.object({
  url: v.pipe(v.string("url is required"), v.maxLength(2000)),
  format: v.optional(v.string(), "json"),
  maxwidth: size,
  maxheight: size,
});

const WIDGET_PATH = /^\/embed\/(scorecards|commitments)\/([a-z0-9][a-z0-9-]{0,199})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const WIDTH = 640;

export const oembed = new Hono<{ Bindings: Env }>()
  .use("*", etag())
  .get("/", valid("query", oembedQuery), async (c) => {
    const query = c.req.valid("query");
    if (query.format === "xml") throw new HTTPException(501, { message: "Only format=json is supported." });
    if (query.format !== "json")
      throw new HTTPException(501, { message: `format=${query.format} is not supported; use json.` });
    const here = new URL(c.req.url);
    let target: URL;
    try {
      target = new URL(query.url);
    } catch {
      throw new HTTPException(404, { message: "url is not a Scorecard widget URL." });
    }
    const match = WIDGET_PATH.exec(target.pathname);
    if (target.host !== here.host || !/^https?:$/.test(target.protocol) || !match)
      throw new HTTPException(404, { message: `${query.url} is not a widget of this Scorecard.` });
    const [, kind, id] = match as unknown as [string, "scorecards" | "commitments", string];
    const asOfParam = target.searchParams.get("as_of");
    const asOf = asOfParam !== null && DATE.test(asOfParam) ? asOfParam : null;

    let title: string;
    let estimate: number;
    if (kind === "scorecards") {
      const scorecard = await getScorecardForEmbed(c.env.DB, id, asOf);
      if (!scorecard) throw new HTTPException(404, { message: `There is no scorecard "${id}".` });
      title = scorecard.title;
      const areas = new Set(scorecard.commitments.map((x) => x.policy_area)).size;
      estimate = 170 + 48 * scorecard.commitments.length + (areas > 1 ? 32 * areas : 0);
    } else {
      const commitment = await getCommitmentForEmbed(c.env.DB, id, asOf);
      if (!commitment) throw new HTTPException(404, { message: `There is no commitment "${id}".` });
      title = commitment.text;
      estimate = 220 + 40 * Object.keys(commitment.current).length + 30 * commitment.history.length;
    }
    const width = Math.min(query.maxwidth ?? WIDTH, WIDTH);
    const height = Math.min(query.maxheight ?? estimate, estimate);
    const src = new URL(`/embed/${kind}/${id}`, here.origin);
    for (const [key, value] of target.searchParams)
      if (["layout", "theme", "as_of"].includes(key) && /^[a-z0-9-]{1,20}$/.test(value))
        src.searchParams.set(key, value);
    // Rendered by hono/jsx, so the title (scraped text) is escaped as an attribute.
    const html = String(
      await (
        <iframe
          src={src.href}
          title={title.slice(0, 200)}
          width={String(width)}
          height={String(height)}
          style="border:0;max-width:100%"
          loading="lazy"
        ></iframe>
      ).toString(),
    );
    c.header("Cache-Control", WIDGET_CACHE);
    return c.json({
      version: "1.0",
      type: "rich",
      provider_name: "Scorecard",
      provider_url: `${here.origin}/`,
      title,
      html,
      width,
      height,
      cache_age: 60,
    });
  });
