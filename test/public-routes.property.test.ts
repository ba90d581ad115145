// Fuzzing every public route with fast-check: random paths, ids, query strings, methods and
// headers. Whatever arrives: never a 5xx, and every 4xx of the API is application/problem+json.
// A 405 names what is allowed. (Fixed seed; `npm run test:fuzz` tries more.)
import fc from "fast-check";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { api, runCron, seed } from "./helpers.ts";

const runs = Math.min(inject("fuzzRuns"), 400);
const fuzzSeed = inject("fuzzSeed");

const ids = ["hsc-expert-panel-hc-780", "gmpp-2024-25", "nope", "", "..", "%2e%2e", "A", "x".repeat(300), "%00", "1"];
const prefixes = [
  "/health",
  "/v1/scorecards",
  "/v1/commitments",
  "/v1/commitments.csv",
  "/v1/changes",
  "/v1/changes.csv",
  "/v1/changes.atom",
  "/v1/runs",
  "/v1/sources",
  "/v1/reports",
  "/v1/admin/sources",
  "/openapi.json",
  "/embed/scorecards",
  "/oembed",
  "/badge/scorecards",
  "/",
];
const params = [
  "limit",
  "offset",
  "rule",
  "as_of",
  "since",
  "until",
  "q",
  "status",
  "format",
  "pretty",
  "url",
  "deadline",
];
const values = fc.oneof(
  fc.constantFrom(
    "",
    "0",
    "-1",
    "1e9",
    "50",
    "abc",
    "2024-01-01",
    "2024-13-45",
    "null",
    "[]",
    "%",
    "'; DROP TABLE x;--",
  ),
  fc.string({ maxLength: 20 }),
  fc.integer().map(String),
);
const segment = fc.oneof(
  fc.constantFrom(...ids),
  fc.webSegment(),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
);
const request = fc.record({
  method: fc.constantFrom("GET", "GET", "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"),
  prefix: fc.constantFrom(...prefixes),
  segments: fc.array(segment, { maxLength: 3 }),
  query: fc.array(fc.tuple(fc.constantFrom(...params), values), { maxLength: 4 }),
  headers: fc.record(
    {
      Accept: fc.constantFrom("application/json", "text/csv", "application/atom+xml", "*/*", "text/html", "garbage/;;"),
      "If-None-Match": fc.constantFrom('"x"', "*", 'W/"abc"', "garbage"),
      Origin: fc.constantFrom("https://news.example", "null"),
      Authorization: fc.constantFrom("Bearer nope", "bearer test-admin-token-wrong", "Basic eDp5", ""),
      "Content-Type": fc.constantFrom("application/json", "text/plain"),
    },
    { requiredKeys: [] },
  ),
  body: fc.option(fc.oneof(fc.json(), fc.string({ maxLength: 50 })), { nil: undefined }),
});

beforeEach(async () => {
  await seed(["hsc-expert-panel-hc-780", "gmpp-2024-25"]);
  await runCron();
});

describe("every public route, fuzzed", () => {
  it("never answers 5xx, and answers the API's 4xx as problem+json", async () => {
    await fc.assert(
      fc.asyncProperty(request, async ({ method, prefix, segments, query, headers, body }) => {
        const path = [prefix.replace(/\/$/, ""), ...segments].join("/") || "/";
        const search = new URLSearchParams(query).toString();
        const url = `${path}${search ? `?${search}` : ""}`;
        const withBody = body !== undefined && method !== "GET" && method !== "HEAD";
        const response = await api(url, { method, headers, body: withBody ? body : undefined });
        const type = response.headers.get("Content-Type") ?? "";
        await response.arrayBuffer();
        const what = `${method} ${url} → ${response.status} ${type}`;
        expect(response.status, what).toBeLessThan(500);
        if (response.status >= 400 && /^\/(v1|health)/.test(path))
          expect(type, what).toMatch(/^application\/problem\+json/);
        if (response.status === 405) expect(response.headers.get("Allow"), what).toMatch(/^[A-Z]+(, [A-Z]+)*$/);
      }),
      { numRuns: runs, seed: fuzzSeed },
    );
  }, 120_000);

  it("answers a wrong method on a read route with 405 and Allow", async () => {
    for (const path of ["/v1/scorecards", "/v1/scorecards/hsc-expert-panel-hc-780", "/v1/sources", "/health"]) {
      const response = await api(path, { method: "DELETE" });
      expect(response.status, path).toBe(405);
      expect(response.headers.get("Allow"), path).toBe("GET, HEAD, OPTIONS");
      expect(response.headers.get("Content-Type")).toMatch(/^application\/problem\+json/);
      expect(((await response.json()) as { title: string }).title).toBe("Method Not Allowed");
    }
    expect((await api("/v1/no-such-thing", { method: "DELETE" })).status).toBe(404);
  });
});
