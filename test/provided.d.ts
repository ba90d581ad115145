// What the global setup (test/support/global-setup.ts, in Node) provides to the tests (in workerd).
export {};

declare module "vitest" {
  export interface ProvidedContext {
    localServerPort: number;
    /** How many generated pages each property test tries: a few hundred in npm test, more in npm run test:fuzz. */
    fuzzRuns: number;
    /** The property tests' seed: fixed, so that a failure in CI can be replayed. */
    fuzzSeed: number;
  }
}
