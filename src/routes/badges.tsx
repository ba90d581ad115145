/** @jsxImportSource hono/jsx */
// /badge/commitments/:id.svg and .json: a commitment's rating on one dimension as an SVG badge,
// and as a shields.io endpoint (https://shields.io/badges/endpoint-badge).
import { Hono } from "hono";
import { etag } from "hono/etag";
import { HTTPException } from "hono/http-exception";
import * as v from "valibot";
import { deadlineOf } from "../../domain/deadlines.ts";
import { findRule } from "../../scrapers/index.ts";
import { type EmbedCommitment, getCommitmentForEmbed } from "../db/embeds.ts";
import { valid } from "../problem.ts";
import { Badge, badgeColour } from "../views/badge.tsx";
import { DEADLINE_WORDS, formatDate, labelText, shortName, todayUtc } from "../views/format.ts";
import { headlineDimension } from "../views/widgets.tsx";
import { deliveryOf, WIDGET_CACHE } from "./embed.tsx";

const fileParam = v.object({
  file: v.pipe(
    v.string(),
    v.regex(/^[a-z0-9][a-z0-9-]{0,199}\.(?:svg|json)$/, "a badge is <commitment id>.svg or <commitment id>.json"),
  ),
});
const badgeQuery = v.object({
  dimension: v.optional(
    v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "dimension is a slug such as overall")),
  ),
});

interface BadgeText {
  label: string;
  message: string;
  band: string | null;
}

/** What a badge says: the asked dimension, else the headline one the commitment is rated on, else its deadline. */
function badgeText(commitment: EmbedCommitment, dimension: string | undefined): BadgeText {
  const rule = findRule(commitment.rule_id);
  const declared = rule?.dimensions ?? [];
  if (dimension !== undefined) {
    if (!declared.some((d) => d.key === dimension) && !commitment.current[dimension])
      throw new HTTPException(404, { message: `Commitment "${commitment.id}" has no dimension "${dimension}".` });
    const rating = commitment.current[dimension];
    return rating
      ? { label: shortName(dimension), message: labelText(rating.label, rating.band), band: rating.band }
      : { label: shortName(dimension), message: "not rated", band: null };
  }
  const rated = declared.filter((d) => commitment.current[d.key]);
  const headline =
    headlineDimension(rated) ??
    (Object.keys(commitment.current)[0] ? { key: Object.keys(commitment.current)[0]! } : null);
  if (headline) {
    const rating = commitment.current[headline.key]!;
    return { label: shortName(headline.key), message: labelText(rating.label, rating.band), band: rating.band };
  }
  if (commitment.target_date) {
    const deadline = deadlineOf(commitment.target_date, todayUtc(), deliveryOf(commitment.rule_id), null);
    if (deadline)
      return {
        label: "deadline",
        message: `${formatDate(deadline.target_date)}: ${DEADLINE_WORDS[deadline.status]}`,
        band: null,
      };
  }
  return { label: "rating", message: "not rated", band: null };
}

export const badges = new Hono<{ Bindings: Env }>()
  .use("*", etag())
  .get("/commitments/:file", valid("param", fileParam), valid("query", badgeQuery), async (c) => {
    const { file } = c.req.valid("param");
    const { dimension } = c.req.valid("query");
    const [id, format] = [file.slice(0, file.lastIndexOf(".")), file.slice(file.lastIndexOf(".") + 1)];
    const commitment = await getCommitmentForEmbed(c.env.DB, id, null);
    if (!commitment) throw new HTTPException(404, { message: `There is no commitment "${id}".` });
    const text = badgeText(commitment, dimension);
    c.header("Cache-Control", WIDGET_CACHE);
    c.header("X-Content-Type-Options", "nosniff");
    if (format === "json") {
      c.header("Access-Control-Allow-Origin", "*");
      return c.json({
        schemaVersion: 1,
        label: text.label,
        message: text.message,
        color: badgeColour(text.band).shields,
        cacheSeconds: 300,
      });
    }
    c.header("Content-Security-Policy", "default-src 'none'; frame-ancestors *");
    const svg = await (<Badge {...text} title={`${commitment.text}: ${text.label}: ${text.message}`} />).toString();
    return c.body(String(svg), 200, { "Content-Type": "image/svg+xml; charset=utf-8" });
  });
