// Loads the seed set (seeds/sources.json and its archive) into D1 and R2. Used by `npm start`
// through wrangler's local platform proxy, and by the tests.
import * as v from "valibot";
import { findRule } from "../scrapers/index.ts";
import { INTERVAL } from "../domain/schedule.ts";
import { upsertSources, type SourceInput } from "./db/sources.ts";
import { markSeededSnapshots } from "./db/runs.ts";
import { replayKey, SAMPLE_METADATA, sha256Hex } from "./pipeline/archive.ts";

export const SeedFileSchema = v.object({
  sources: v.array(
    v.object({
      id: v.pipe(v.string(), v.regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/)),
      rule: v.string(),
      title: v.pipe(v.string(), v.nonEmpty()),
      url: v.pipe(v.string(), v.url()),
      url_seen: v.optional(v.boolean()),
      schedule: v.optional(v.pipe(v.string(), v.regex(INTERVAL))),
    }),
  ),
  /**
   * Saved documents by the URL they stand in for: a path relative to seeds/, and whether the
   * document is a reconstructed sample (`true`) or a copy of the published one (`false`). Every
   * entry says which: a replayed sample is served as one, and so are the scorecards built on it.
   */
  archive: v.optional(
    v.record(
      v.pipe(v.string(), v.url()),
      v.strictObject({ file: v.pipe(v.string(), v.nonEmpty()), sample: v.boolean() }),
    ),
    {},
  ),
});

export type SeedFile = v.InferOutput<typeof SeedFileSchema>;

/**
 * Saved documents by the URL they stand in for: text, or bytes in base64 where they are not
 * UTF-8; and whether each is a reconstructed sample.
 */
export type SeedArchive = Record<string, { body: string; contentType: string; base64?: boolean; sample: boolean }>;

/** A saved document's bytes (or text), as the replay serves them. */
export function seedBody({ body, base64 }: SeedArchive[string]): string | Uint8Array {
  return base64 ? Uint8Array.from(atob(body), (c) => c.charCodeAt(0)) : body;
}

/** The seed file's sources as rows, each checked against the rule it names. */
export function seedSources(seeds: SeedFile): SourceInput[] {
  return seeds.sources.map((s) => {
    const rule = findRule(s.rule);
    if (!rule) throw new Error(`seed source "${s.id}" names rule "${s.rule}", which does not exist`);
    // A rule's id scopes the commitments its sources share, so no source may take that name.
    if (findRule(s.id)) throw new Error(`seed source "${s.id}" has the id of a rule; give it its own`);
    return { id: s.id, rule_id: rule.id, url: s.url, title: s.title, schedule: s.schedule ?? rule.schedule };
  });
}

export async function loadSeeds(
  env: Pick<Env, "DB" | "ARCHIVE">,
  seeds: SeedFile,
  archive: SeedArchive,
): Promise<void> {
  await upsertSources(env.DB, seedSources(seeds));
  for (const [url, document] of Object.entries(archive)) {
    await env.ARCHIVE.put(replayKey(url), seedBody(document), {
      httpMetadata: { contentType: document.contentType },
      customMetadata: { [SAMPLE_METADATA]: String(document.sample) },
    });
  }
  const documents = [];
  for (const [url, document] of Object.entries(archive)) {
    const body = seedBody(document);
    const sha256 = await sha256Hex(typeof body === "string" ? body : body.slice().buffer);
    documents.push({ url, sha256, sample: document.sample });
  }
  await markSeededSnapshots(env.DB, documents);
}
