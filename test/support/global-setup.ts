import type { TestProject } from "vitest/node";
import { startLocalServer } from "./local-server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    localServerPort: number;
  }
}

export default async function setup(project: TestProject) {
  const { server, port } = await startLocalServer();
  project.provide("localServerPort", port);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
