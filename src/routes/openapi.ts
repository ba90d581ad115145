// `GET /openapi.json`: an OpenAPI 3.1 document generated from the same valibot schemas that
// validate each route's parameters and describe its responses, so the two cannot drift.
import { toJsonSchema } from "@valibot/to-json-schema";
import { Hono } from "hono";
import type * as v from "valibot";
import { ChangePageSchema, CommitmentPageSchema, AnyObjectSchema, ProblemSchema, RunSchema } from "../http/schemas.ts";
import { changeQuery } from "./changes.ts";
import { commitmentListQuery, commitmentQuery } from "./commitments.ts";
import { runParam } from "./runs.ts";
import { scorecardListQuery, scorecardQuery } from "./scorecards.ts";

type ObjectSchema = v.ObjectSchema<v.ObjectEntries, v.ErrorMessage<v.ObjectIssue> | undefined>;

function jsonSchema(schema: v.GenericSchema): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = toJsonSchema(schema, {
    errorMode: "ignore",
    target: "draft-2020-12",
  }) as Record<string, unknown>;
  return rest;
}

function parameters(where: "query" | "path", schema: ObjectSchema) {
  return Object.entries(schema.entries).map(([name, entry]) => {
    const { description, ...rest } = jsonSchema(entry as v.GenericSchema);
    return {
      name,
      in: where,
      required: where === "path",
      ...(description ? { description } : {}),
      schema: { type: "string", ...rest },
    };
  });
}

const problem = {
  description: "A problem (RFC 9457): a bad parameter names itself in `detail`.",
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
};

function operation(
  summary: string,
  query: ObjectSchema,
  response: string,
  options: { path?: ObjectSchema; formats?: ("text/csv" | "application/atom+xml")[]; description?: string } = {},
) {
  return {
    get: {
      summary,
      ...(options.description ? { description: options.description } : {}),
      parameters: [...(options.path ? parameters("path", options.path) : []), ...parameters("query", query)],
      responses: {
        "200": {
          description: summary,
          headers: { ETag: { schema: { type: "string" } }, "Cache-Control": { schema: { type: "string" } } },
          content: {
            "application/json": { schema: { $ref: `#/components/schemas/${response}` } },
            ...Object.fromEntries((options.formats ?? []).map((type) => [type, { schema: { type: "string" } }])),
          },
        },
        "304": { description: "Not modified: the If-None-Match ETag is current." },
        "400": problem,
        "404": problem,
      },
    },
  };
}

const idPath = { entries: { id: { kind: "schema", type: "string", expects: "string" } } } as unknown as ObjectSchema;

/** The document, built once per isolate. */
export function openApiDocument(serverUrl = "/") {
  return {
    openapi: "3.1.0",
    info: {
      title: "Scorecard API",
      version: "1",
      summary: "Whether governments keep their commitments: ratings, their history and provenance.",
      description:
        "Every list is `{ data, meta }` with `meta.next` (a full URL, or null). Errors are application/problem+json. " +
        "Two times are never confused: `observed_at` is when Scorecard fetched the evidence; `effective_on` is the date " +
        "the publisher's rating speaks for. `as_of` follows effective_on; `since` follows observed_at. Unknown " +
        "parameters are refused. Every GET has an ETag and may be cached for 60 seconds.",
      license: { name: "MIT", identifier: "MIT" },
    },
    servers: [{ url: serverUrl }],
    paths: {
      "/v1/commitments": operation("Commitments matching a query", commitmentListQuery, "CommitmentPage", {
        formats: ["text/csv"],
        description:
          "Also as CSV: /v1/commitments.csv or Accept: text/csv (limit=all for every page, up to 5000 rows).",
      }),
      "/v1/commitments/{id}": operation("One commitment with its history", commitmentQuery, "Object", { path: idPath }),
      "/v1/scorecards": operation("Every scorecard, newest first", scorecardListQuery, "Object"),
      "/v1/scorecards/{id}": operation("One scorecard with its commitments", scorecardQuery, "Object", {
        path: idPath,
        formats: ["text/csv"],
      }),
      "/v1/changes": operation("Change events, newest first", changeQuery, "ChangePage", {
        formats: ["text/csv", "application/atom+xml"],
        description: "Also as CSV (/v1/changes.csv) and as an Atom feed (/v1/changes.atom), with the same filters.",
      }),
      "/v1/runs/{id}": operation("One run of a source", { entries: {} } as unknown as ObjectSchema, "Run", {
        path: runParam,
      }),
    },
    components: {
      schemas: {
        CommitmentPage: jsonSchema(CommitmentPageSchema),
        ChangePage: jsonSchema(ChangePageSchema),
        Run: jsonSchema(RunSchema),
        Problem: jsonSchema(ProblemSchema),
        Object: jsonSchema(AnyObjectSchema),
      },
    },
  };
}

export const openapi = new Hono<{ Bindings: Env }>().get("/", (c) =>
  c.json(openApiDocument(new URL(c.req.url).origin)),
);
