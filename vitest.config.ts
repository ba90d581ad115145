import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { readSeeds } from "./scripts/read-seeds.ts";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  const seedSet = await readSeeds(path.join(import.meta.dirname, "seeds"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            TEST_SEEDS: seedSet,
            FETCH_MODE: "replay",
            // Politeness delays are tested with their own policy; elsewhere they only slow tests down.
            MIN_HOST_INTERVAL_MS: "0",
            RETRY_BASE_MS: "10",
            ADMIN_TOKEN: "test-admin-token",
          },
          // Tests never reach the internet: any fetch a test has not mocked fails here.
          outboundService: (request: Request) =>
            new Response(`tests may not fetch ${request.url}`, { status: 599 }),
        },
      }),
    ],
    test: {
      setupFiles: ["./test/apply-migrations.ts"],
    },
  };
});
