// Query parameters the read API shares, as valibot schemas: the same schemas validate requests
// and describe them in /openapi.json. Bad input is a 400 naming the parameter, never a 500.
import { HTTPException } from "hono/http-exception";
import * as v from "valibot";

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

function validDate(text: string): boolean {
  const [y, m, d] = text.slice(0, 10).split("-").map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** A date (YYYY-MM-DD, the whole UTC day) or an ISO 8601 date-time with its offset, as an ISO UTC instant. */
export const instant = (description: string, endOfDay = false) =>
  v.pipe(
    v.string(),
    v.check(
      (text) => (DATE.test(text) || DATE_TIME.test(text)) && validDate(text) && !Number.isNaN(Date.parse(text)),
      "must be a date (YYYY-MM-DD) or an ISO 8601 date-time such as 2025-04-01T09:00:00Z",
    ),
    v.transform((text) =>
      DATE.test(text)
        ? `${text}T${endOfDay ? "23:59:59.999" : "00:00:00.000"}Z`
        : new Date(Date.parse(text)).toISOString(),
    ),
    v.description(description),
  );

export const AS_OF_DESCRIPTION =
  "The state as it stood then, rebuilt from the append-only observations by the date each rating took effect " +
  "(effective_on): a date (the whole day) or a date-time (its UTC day).";

/** `as_of`: the answer as it stood at the end of that day. */
export const asOfParam = v.optional(instant(AS_OF_DESCRIPTION, true));

/** The day (YYYY-MM-DD) an `as_of` instant falls on: effective_on is a date. */
export const dayOf = (iso: string | undefined) => iso?.slice(0, 10);

export const MAX_PAGE = 200;
/** The most rows one response carries when asked for all of them (`limit=all`). */
export const MAX_ALL = 5000;

export const limitParam = v.optional(
  v.pipe(
    v.string(),
    v.check(
      (text) => text === "all" || (/^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= MAX_PAGE),
      `must be a whole number from 1 to ${MAX_PAGE}, or "all" (up to ${MAX_ALL} rows)`,
    ),
    v.transform((text) => (text === "all" ? MAX_ALL : Number(text))),
    v.description(`Rows per page, 1 to ${MAX_PAGE} (default 50), or "all" for up to ${MAX_ALL} in one response.`),
  ),
  "50",
);

export const cursorParam = v.optional(
  v.pipe(
    v.string(),
    v.regex(/^[A-Za-z0-9_-]{1,2000}$/, "must be a cursor from a previous page's meta.next"),
    v.description("Opaque: the `cursor` of the previous page's `meta.next`."),
  ),
);

/** A comma-separated list of values from a closed set. */
export const listOf = <T extends string>(values: readonly T[], description: string) =>
  v.optional(
    v.pipe(
      v.string(),
      v.transform((text) => text.split(",").map((s) => s.trim())),
      v.check(
        (items) => items.every((item) => (values as readonly string[]).includes(item)),
        `must be one or more (comma-separated) of: ${values.join(", ")}`,
      ),
      v.transform((items) => [...new Set(items)] as T[]),
      v.description(description),
    ),
  );

export const slug = (description: string) =>
  v.optional(
    v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9-]{0,199}$/, "must be a lower-case id"), v.description(description)),
  );

/**
 * Keyset cursors: the sort key of the last row served, and a fingerprint of the query, so that
 * a cursor cannot be replayed against other filters. Opaque to clients (base64url JSON).
 */
export interface Cursor {
  after: (string | number | null)[];
  query: string;
}

export function encodeCursor(cursor: Cursor): string {
  const bytes = new TextEncoder().encode(JSON.stringify([cursor.after, cursor.query]));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeCursor(text: string | undefined, query: string): Cursor | null {
  if (text === undefined) return null;
  const bad = () => new HTTPException(400, { message: "cursor: not a cursor this endpoint gave out" });
  let parsed: unknown;
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    parsed = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0))));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || !Array.isArray(parsed[0]) || typeof parsed[1] !== "string")
    throw bad();
  if (parsed[1] !== query)
    throw new HTTPException(400, {
      message: "cursor: it belongs to a query with other parameters; start again without a cursor",
    });
  return { after: parsed[0] as Cursor["after"], query };
}

/** What identifies a query for its cursors: every parameter but the page's own, in a fixed order. */
export function queryFingerprint(query: Record<string, unknown>): string {
  return JSON.stringify(
    Object.entries(query)
      .filter(([key, value]) => key !== "cursor" && key !== "limit" && value !== undefined)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** The full URL of the next page: this request's URL with the new cursor. */
export function nextUrl(requestUrl: string, cursor: string | null): string | null {
  if (cursor === null) return null;
  const url = new URL(requestUrl);
  url.searchParams.set("cursor", cursor);
  return url.toString();
}

/** Compares two keyset sort keys: numbers before nulls, then strings. */
export function compareKeys(a: Cursor["after"], b: Cursor["after"]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    if (typeof x === "number" && typeof y === "number") return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}
