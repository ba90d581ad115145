import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { fetch as forward } from "miniflare";
import { configDefaults, defineConfig } from "vitest/config";
import { readSeeds } from "./scripts/read-seeds.ts";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  const seedSet = await readSeeds(path.join(import.meta.dirname, "seeds"));
  return {
    plugins: [
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            TEST_SEEDS: seedSet,
            TEST_SERVER: `http://127.0.0.1:${inject("localServerPort")}`,
            FETCH_MODE: "replay",
            // The fetcher may reach the local test server on 127.0.0.1, as in local development.
            LOCAL_DEV_ALLOW_LOOPBACK: "true",
            CONTACT_URL: "https://example.org/scorecard-contact",
            // Politeness delays are tested with their own policy; elsewhere they only slow tests down.
            MIN_HOST_INTERVAL_MS: "0",
            RETRY_BASE_MS: "10",
            ADMIN_TOKEN: "test-admin-token",
            // Tests read their own writes at once; test/cache.integration.test.ts turns it on for itself.
            READ_CACHE: "off",
          },
          // Tests never reach the internet: only the local test server on 127.0.0.1 answers.
          outboundService: async (request: Request) =>
            new URL(request.url).hostname === "127.0.0.1"
              ? forward(request.url, {
                  method: request.method,
                  headers: Object.fromEntries(request.headers.entries()),
                  // Buffered: a streamed body would need duplex: "half" (webhook deliveries POST one).
                  body: request.body === null ? null : await request.arrayBuffer(),
                  redirect: "manual",
                })
              : new Response(`tests may not fetch ${request.url}`, { status: 599 }),
        },
      })),
    ],
    test: {
      // test/cli and test/browser hold Node programs' tests, run by Node's test runner.
      exclude: [...configDefaults.exclude, "test/cli/**", "test/browser/**"],
      globalSetup: ["./test/support/global-setup.ts"],
      setupFiles: ["./test/apply-migrations.ts"],
    },
  };
});
