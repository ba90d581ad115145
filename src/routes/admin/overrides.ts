// Editorial overrides (editors and admins): correct one rating of one commitment on the record,
// and revert the correction. The scraped observations are never changed.
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import * as v from "valibot";
import { checkPublicUrl } from "../../../domain/address.ts";
import { isRating, mapLabel, type VocabularyId } from "../../../domain/vocabularies.ts";
import {
  commitmentExists,
  getOverride,
  insertOverride,
  listOverrides,
  overrideView,
  ratedIn,
  revertOverride,
  type OverrideRow,
} from "../../db/overrides.ts";
import type { CorrectionKind } from "../../db/webhooks.ts";
import { bumpReadVersion } from "../../http/cache.ts";
import { fanOutCorrection } from "../../pipeline/webhooks.ts";
import { valid } from "../../problem.ts";
import { editors, type AdminEnv } from "./auth.ts";
import { numericId, page, slug, text } from "./schemas.ts";

const NewOverride = v.strictObject({
  commitment: slug,
  dimension: slug,
  /** Needed only where the commitment is rated on this dimension in more than one scorecard. */
  scorecard: v.optional(slug),
  label: text(200),
  reason: text(2000),
  evidence_url: v.pipe(v.string(), v.maxLength(2000)),
});

const Revert = v.strictObject({ reason: v.optional(text(2000)) });

/**
 * Tells readers and webhooks of a correction once it is on the record. A failure here fails
 * nothing: the next scheduled tick fans out the day's corrections again, none recorded twice.
 */
async function announce(env: Env, overrideId: number, kind: CorrectionKind): Promise<void> {
  // Cached reads are left behind at once, as after a run that applies something.
  await bumpReadVersion(env);
  try {
    await fanOutCorrection(env, overrideId, kind);
  } catch (error) {
    console.error(`could not fan out override ${overrideId} (${kind}) to webhooks:`, error);
  }
}

/** An override as the admin API shows it: what it says, and whether (and why) it has ended. */
function present(o: OverrideRow) {
  return {
    ...overrideView(o),
    scorecard_id: o.scorecard_id,
    commitment_id: o.commitment_id,
    dimension: o.dimension,
    band: o.band,
    score: o.score,
    vocabulary: o.vocabulary,
    in_force: o.reverted_at === null,
    reverted: o.reverted_at === null ? null : { by: o.reverted_by, at: o.reverted_at, reason: o.revert_reason },
  };
}

export const adminOverrides = new Hono<AdminEnv>()
  .use(editors)
  .get(
    "/",
    valid(
      "query",
      v.object({
        commitment: v.optional(slug),
        scorecard: v.optional(slug),
        state: v.optional(v.picklist(["in-force", "reverted", "all"]), "all"),
        ...page(),
      }),
    ),
    async (c) => {
      const query = c.req.valid("query");
      const rows = await listOverrides(c.env.DB, query);
      return c.json({ data: rows.map(present), meta: { limit: query.limit, offset: query.offset } });
    },
  )
  .get("/:id", valid("param", numericId), async (c) => {
    const { id } = c.req.valid("param");
    const override = await getOverride(c.env.DB, id);
    if (!override) throw new HTTPException(404, { message: `There is no override ${id}.` });
    return c.json(present(override));
  })
  .post("/", valid("json", NewOverride), async (c) => {
    const body = c.req.valid("json");
    const evidence = checkPublicUrl(body.evidence_url);
    if (!evidence.ok) throw new HTTPException(400, { message: `evidence_url: ${evidence.reason}` });
    if (!(await commitmentExists(c.env.DB, body.commitment)))
      throw new HTTPException(404, { message: `There is no commitment "${body.commitment}".` });
    const places = await ratedIn(c.env.DB, body.commitment, body.dimension);
    if (places.length === 0)
      throw new HTTPException(409, {
        message: `Commitment "${body.commitment}" has no scraped rating on "${body.dimension}" to correct: Scorecard never fills in a rating the publisher did not give.`,
      });
    const target = body.scorecard
      ? places.find((p) => p.scorecard_id === body.scorecard)
      : places.length === 1
        ? places[0]
        : undefined;
    if (!target)
      throw new HTTPException(400, {
        message: body.scorecard
          ? `scorecard: "${body.scorecard}" does not rate "${body.commitment}" on "${body.dimension}"; these do: ${places.map((p) => p.scorecard_id).join(", ")}`
          : `scorecard: the commitment is rated on "${body.dimension}" in several scorecards; say which: ${places.map((p) => p.scorecard_id).join(", ")}`,
      });
    let rating;
    try {
      rating = mapLabel(target.vocabulary as VocabularyId, body.label);
    } catch {
      throw new HTTPException(409, { message: `The scorecard's vocabulary "${target.vocabulary}" is unknown.` });
    }
    if (rating.band === "unmapped")
      throw new HTTPException(400, {
        message: `label: "${body.label}" is not a label of the vocabulary "${target.vocabulary}" that the scorecard rates in`,
      });
    const actor = c.get("actor");
    const { override, replaced } = await insertOverride(
      c.env.DB,
      {
        scorecard_id: target.scorecard_id,
        commitment_id: body.commitment,
        dimension: body.dimension,
        label: rating.label,
        vocabulary: rating.vocabulary,
        band: rating.band,
        score: rating.score,
        reason: body.reason,
        evidence_url: evidence.url.href,
        created_by: actor.name,
        created_at: new Date().toISOString(),
      },
      actor,
    );
    await announce(c.env, override.id, "corrected");
    c.header("Location", new URL(`/v1/admin/overrides/${override.id}`, c.req.url).href);
    return c.json(
      {
        ...present(override),
        scraped: { label: target.label },
        replaces: replaced ? replaced.id : null,
        is_rating: isRating(rating.band),
      },
      201,
    );
  })
  .post("/:id/revert", valid("param", numericId), valid("json", Revert), async (c) => {
    const { id } = c.req.valid("param");
    const existing = await getOverride(c.env.DB, id);
    if (!existing) throw new HTTPException(404, { message: `There is no override ${id}.` });
    const reverted = await revertOverride(
      c.env.DB,
      id,
      { at: new Date().toISOString(), reason: c.req.valid("json").reason ?? null },
      c.get("actor"),
    );
    if (!reverted) throw new HTTPException(409, { message: `Override ${id} is no longer in force.` });
    await announce(c.env, id, "correction-reverted");
    return c.json(present(reverted));
  });
