// Readers' error reports: POST /v1/reports, public, no key. Validated, length-limited and
// rate-limited per client address (which is not stored). The text is untrusted: it is stored as
// given and only ever served as a JSON string, never as HTML.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import * as v from "valibot";
import { commitmentExists } from "../db/overrides.ts";
import { dimensionsOf, insertReport } from "../db/reports.ts";
import { valid } from "../problem.ts";
import { slug, text } from "./admin/schemas.ts";

export const REPORT_LIMITS = { message: 2000, contact: 200, bodyBytes: 8 * 1024 } as const;

const NewReport = v.strictObject({
  commitment: slug,
  dimension: v.optional(slug),
  message: v.pipe(text(REPORT_LIMITS.message), v.minLength(10, "must say what is wrong in at least 10 characters")),
  contact: v.optional(text(REPORT_LIMITS.contact)),
});

export const reports = new Hono<{ Bindings: Env }>()
  // A newsroom's page may offer the form: any origin may post, without credentials.
  .use(cors({ origin: "*", allowMethods: ["POST", "OPTIONS"], allowHeaders: ["Content-Type"], maxAge: 600 }))
  .post(
    "/",
    bodyLimit({
      maxSize: REPORT_LIMITS.bodyBytes,
      onError: () => {
        throw new HTTPException(413, { message: `A report is at most ${REPORT_LIMITS.bodyBytes} bytes.` });
      },
    }),
    async (c, next) => {
      const client = c.req.header("CF-Connecting-IP") ?? "unknown";
      const { success } = await c.env.REPORT_RATE_LIMITER.limit({ key: `report:${client}` });
      if (!success) {
        c.header("Retry-After", "60");
        throw new HTTPException(429, { message: "Too many reports from this address: wait a minute, then try again." });
      }
      await next();
    },
    valid("json", NewReport),
    async (c) => {
      const body = c.req.valid("json");
      if (!(await commitmentExists(c.env.DB, body.commitment)))
        throw new HTTPException(404, { message: `There is no commitment "${body.commitment}".` });
      if (body.dimension !== undefined) {
        const dimensions = await dimensionsOf(c.env.DB, body.commitment);
        if (!dimensions.includes(body.dimension))
          throw new HTTPException(400, {
            message: `dimension: "${body.commitment}" is rated on ${dimensions.join(", ") || "nothing yet"}`,
          });
      }
      const id = await insertReport(c.env.DB, {
        commitment: body.commitment,
        dimension: body.dimension ?? null,
        message: body.message,
        contact: body.contact ?? null,
        at: new Date().toISOString(),
      });
      c.header("Cache-Control", "no-store");
      return c.json({ report: { id, status: "open" }, detail: "Thank you: an editor will look at it." }, 202);
    },
  );
