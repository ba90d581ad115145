// Reads seeds/ from disk (in Node): the source list and the archive files it names.
import { readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import * as v from "valibot";
import { SeedFileSchema, type SeedArchive, type SeedFile } from "../src/seeds.ts";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
  ".json": "application/json",
};

export async function readSeeds(seedsDir: string): Promise<{ seeds: SeedFile; archive: SeedArchive }> {
  const seeds = v.parse(SeedFileSchema, JSON.parse(await readFile(join(seedsDir, "sources.json"), "utf8")));
  const archive: SeedArchive = {};
  for (const [url, file] of Object.entries(seeds.archive)) {
    archive[url] = {
      body: await readFile(join(seedsDir, file), "utf8"),
      contentType: CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
    };
  }
  return { seeds, archive };
}
