import type { D1Migration } from "cloudflare:test";
import type { SeedArchive, SeedFile } from "../src/seeds.ts";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      TEST_SEEDS: { seeds: SeedFile; archive: SeedArchive };
      /** The local HTTP server of test/support/local-server.ts. */
      TEST_SERVER: string;
    }
  }
}
