// `npm run openapi` writes src/routes/openapi.json, the OpenAPI 3.1 document served at
// /openapi.json, from the same valibot schemas that validate each route's parameters and
// describe its responses. It runs here, not in the Worker, so that the converter is not bundled
// (26 KB); test/cli/openapi.unit.test.ts fails if the committed document differs from the schemas.
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import * as prettier from "prettier";
import { toJsonSchema } from "@valibot/to-json-schema";
import type * as v from "valibot";
import {
  ChangePageSchema,
  CommitmentPageSchema,
  AnyObjectSchema,
  ProblemSchema,
  RunSchema,
} from "../src/http/schemas.ts";
import { changeQuery } from "../src/routes/changes.ts";
import { commitmentListQuery, commitmentQuery } from "../src/routes/commitments.ts";
import { runParam } from "../src/routes/runs.ts";
import { scorecardListQuery, scorecardQuery } from "../src/routes/scorecards.ts";

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

/** The document, from the schemas as they are now. */
export function generateOpenApiDocument() {
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
    servers: [{ url: "/" }],
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

export const OPENAPI_PATH = fileURLToPath(new URL("../src/routes/openapi.json", import.meta.url));

export async function renderOpenApiDocument(): Promise<string> {
  const style = await prettier.resolveConfig(OPENAPI_PATH);
  return prettier.format(JSON.stringify(generateOpenApiDocument()), { ...style, filepath: OPENAPI_PATH });
}

if (import.meta.main) {
  await writeFile(OPENAPI_PATH, await renderOpenApiDocument());
  console.log(`wrote ${OPENAPI_PATH}`);
}
