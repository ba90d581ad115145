import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { listSources, upsertSourcesScript } from "../src/db/sources.ts";
import { replayKey } from "../src/pipeline/archive.ts";
import { seedSources } from "../src/seeds.ts";
import { findRule } from "../scrapers/index.ts";
import { seed, seeded } from "./helpers.ts";

describe("seeds", () => {
  it("load every seeded source with its rule's schedule (the six Expert Panel evaluations, five GMPP years and three GOV.UK publications among them), with their saved documents", async () => {
    await seed();
    const sources = await listSources(env.DB);
    // Derived from the seed file, so that a maintainer's new source keeps this green.
    const expected = seeded.seeds.sources
      .map((s) => [s.id, s.rule, s.schedule ?? findRule(s.rule)!.schedule, 1])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(sources.map((s) => [s.id, s.rule_id, s.schedule, s.enabled])).toEqual(expected);
    expect(sources.map((s) => [s.id, s.rule_id, s.schedule])).toEqual(
      expect.arrayContaining([
        ["gmpp-2020-21", "gmpp", "1d"],
        ["gmpp-2021-22", "gmpp", "1d"],
        ["gmpp-2022-23", "gmpp", "1d"],
        ["gmpp-2024-25", "gmpp", "1d"],
        ["gmpp-2025-26", "gmpp", "1d"],
        ["govuk-dwp-single-departmental-plan-2015-to-2020", "govuk-commitments", "7d"],
        ["govuk-spring-budget-2017", "govuk-commitments", "7d"],
        ["govuk-strategic-vision-for-rail", "govuk-commitments", "7d"],
        ["hsc-expert-panel-hc-1025", "hsc-expert-panel", "7d"],
        ["hsc-expert-panel-hc-112", "hsc-expert-panel", "7d"],
        ["hsc-expert-panel-hc-1310", "hsc-expert-panel", "7d"],
        ["hsc-expert-panel-hc-18", "hsc-expert-panel", "7d"],
        ["hsc-expert-panel-hc-612", "hsc-expert-panel", "7d"],
        ["hsc-expert-panel-hc-780", "hsc-expert-panel", "7d"],
      ]),
    );
    for (const source of sources.filter((s) => s.rule_id === "hsc-expert-panel")) {
      expect(sources.filter((s) => s.url === source.url)).toHaveLength(1);
      expect(await env.ARCHIVE.head(replayKey(source.url)), source.id).not.toBeNull();
    }
    for (const url of Object.keys(seeded.seeds.archive))
      expect(await env.ARCHIVE.head(replayKey(url)), url).not.toBeNull();
  });

  it("can be loaded again without losing a source's health", async () => {
    await seed();
    await env.DB.prepare(
      "UPDATE sources SET consecutive_failures = 3, last_error = 'boom' WHERE id = 'hsc-expert-panel-hc-18'",
    ).run();
    await seed();
    const source = (await listSources(env.DB)).find((s) => s.id === "hsc-expert-panel-hc-18");
    expect(source).toMatchObject({ consecutive_failures: 3, last_error: "boom" });
  });

  it("render as a SQL script (for the deployed D1) that upserts the same rows", async () => {
    const script = upsertSourcesScript(seedSources(seeded.seeds));
    for (const statement of script.split(";\n").filter((s) => s.trim())) await env.DB.prepare(statement).run();
    const viaScript = await listSources(env.DB);
    await env.DB.prepare("DELETE FROM sources").run();
    await seed();
    const viaBinding = await listSources(env.DB);
    const strip = (rows: typeof viaScript) =>
      rows.map(({ id, rule_id, url, title, schedule, enabled }) => ({ id, rule_id, url, title, schedule, enabled }));
    expect(strip(viaScript)).toEqual(strip(viaBinding));
    expect(viaScript).toHaveLength(seeded.seeds.sources.length);
  });

  it("refuse a source that names a rule that does not exist", () => {
    expect(() =>
      seedSources({ sources: [{ id: "x", rule: "nope", title: "X", url: "https://example.org/" }], archive: {} }),
    ).toThrow(/rule "nope", which does not exist/);
  });

  it("refuse a source named like a rule, whose commitment ids could collide with the rule's", () => {
    expect(() =>
      seedSources({
        sources: [{ id: "gmpp", rule: "hsc-expert-panel", title: "X", url: "https://example.org/" }],
        archive: {},
      }),
    ).toThrow(/has the id of a rule/);
  });
});
