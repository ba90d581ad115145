import type { TestProject } from "vitest/node";
import { startLocalServer } from "./local-server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    localServerPort: number;
    /** How many generated pages each property test tries: a few hundred in npm test, more in npm run test:fuzz. */
    fuzzRuns: number;
    /** The property tests' seed: fixed, so that a failure in CI can be replayed. */
    fuzzSeed: number;
  }
}

export default async function setup(project: TestProject) {
  const { server, port } = await startLocalServer();
  project.provide("localServerPort", port);
  project.provide("fuzzRuns", Number(process.env.FUZZ_RUNS ?? 300));
  project.provide("fuzzSeed", Number(process.env.FUZZ_SEED ?? 20261124));
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
