// One error shape for the whole API: RFC 9457 problem details.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { validator } from "hono/validator";
import * as v from "valibot";

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  429: "Too Many Requests",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
};

export function problem(c: Context, status: ContentfulStatusCode, detail: string): Response {
  const body = {
    type: "about:blank",
    title: TITLES[status] ?? "Error",
    status,
    detail,
    instance: new URL(c.req.url).pathname,
  };
  return c.body(JSON.stringify(body), status, { "Content-Type": "application/problem+json" });
}

/** The central error handler: expected errors keep their status, anything else is a logged 500. */
export function onError(error: Error, c: Context): Response {
  if (error instanceof HTTPException) return problem(c, error.status as ContentfulStatusCode, error.message);
  console.error(`${c.req.method} ${c.req.path}:`, error);
  return problem(c, 500, "Something went wrong on our side. It has been logged.");
}

export function notFound(c: Context): Response {
  return problem(c, 404, `Nothing is served at ${c.req.method} ${c.req.path}.`);
}

/** Validates a request part with a valibot schema; bad input is a 400 problem, never a 500. */
export function valid<T extends "param" | "query" | "json", S extends v.GenericSchema>(target: T, schema: S) {
  return validator(target, (value) => {
    if (target === "query") value = strictQuery(schema, value as Record<string, unknown>);
    const result = v.safeParse(schema, value);
    if (!result.success) {
      const detail = result.issues.map((issue) => `${v.getDotPath(issue) ?? target}: ${issue.message}`).join("; ");
      throw new HTTPException(400, { message: detail });
    }
    return result.output as v.InferOutput<S>;
  });
}

/** Parameters every read takes besides its own: `pretty` indents the JSON. */
const ANY_ROUTE_PARAMS = ["pretty"];

/**
 * Strict parameters: a parameter the route does not know is a 400 that lists the ones it does,
 * since a filter silently ignored (`?department=DHSC`) returns everything, which a reader takes
 * for an answer. A parameter given twice is refused by its schema (it arrives as a list).
 */
function strictQuery(schema: v.GenericSchema, query: Record<string, unknown>): Record<string, unknown> {
  const entries = "entries" in schema ? (schema.entries as Record<string, unknown>) : null;
  if (entries === null) return query;
  const known = Object.keys(entries);
  const unknown = Object.keys(query).filter((key) => !known.includes(key) && !ANY_ROUTE_PARAMS.includes(key));
  if (unknown.length > 0) {
    const names = unknown.map((key) => `"${key}"`).join(", ");
    throw new HTTPException(400, {
      message: `${unknown.length === 1 ? "unknown parameter" : "unknown parameters"} ${names}; this endpoint knows: ${
        [...known, ...ANY_ROUTE_PARAMS].join(", ") || "none"
      }`,
    });
  }
  return Object.fromEntries(Object.entries(query).filter(([key]) => !ANY_ROUTE_PARAMS.includes(key)));
}

export const idParam = v.object({
  id: v.pipe(
    v.string(),
    v.regex(/^[a-z0-9][a-z0-9-]{0,199}$/, "an id is a lower-case slug such as hsc-expert-panel-hc-780"),
  ),
});

const integer = (min: number, max: number, fallback: number) =>
  v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d+$/, "must be a whole number"),
      v.transform(Number),
      v.minValue(min),
      v.maxValue(max),
    ),
    String(fallback),
  );

export const pageQuery = v.object({ limit: integer(1, 200, 50), offset: integer(0, 1_000_000, 0) });
