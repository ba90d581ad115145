// /openapi.json checked by a real OpenAPI 3.1 validator (@seriousme/openapi-schema-validator,
// which compiles the official schema with ajv, so it runs in Node rather than workerd), and
// against the valibot schemas it is generated from, so that the two cannot drift.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import { generateOpenApiDocument, OPENAPI_PATH, renderOpenApiDocument } from "../../scripts/openapi.ts";
import { openApiDocument } from "../../src/routes/openapi.ts";

describe("the OpenAPI document", () => {
  it("is what the routes' schemas generate now (npm run openapi writes it)", async () => {
    assert.deepEqual(openApiDocument(), generateOpenApiDocument());
    assert.equal(await readFile(OPENAPI_PATH, "utf8"), await renderOpenApiDocument());
  });

  it("is valid OpenAPI 3.1", async () => {
    const document = openApiDocument("https://scorecard.example");
    const validator = new Validator();
    const result = await validator.validate(document as unknown as Record<string, unknown>);
    assert.deepEqual(result.errors, undefined, JSON.stringify(result.errors, null, 2));
    assert.equal(result.valid, true);
    assert.equal(validator.version, "3.1");
  });

  it("lists every query parameter the routes accept, with its meaning", () => {
    const document = openApiDocument();
    const list = document.paths["/v1/commitments"].get.parameters.map((p) => p.name);
    for (const name of ["q", "rule", "dimension", "band", "deadline", "as_of", "limit", "cursor"])
      assert.ok(list.includes(name), name);
    const changes = document.paths["/v1/changes"].get.parameters;
    assert.ok(changes.every((p) => typeof p.description === "string" && p.description.length > 0));
  });
});
