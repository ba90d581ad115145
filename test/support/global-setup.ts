import type { TestProject } from "vitest/node";
import { startLocalServer } from "./local-server.ts";

export default async function setup(project: TestProject) {
  const { server, port } = await startLocalServer();
  project.provide("localServerPort", port);
  project.provide("fuzzRuns", Number(process.env.FUZZ_RUNS ?? 300));
  project.provide("fuzzSeed", Number(process.env.FUZZ_SEED ?? 20261124));
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
