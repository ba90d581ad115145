// The fetcher's configuration: who it says it is, and its limits, read from the Worker's
// variables (or, for the CLI, the process environment). Every number has a default.

export const PRODUCT_TOKEN = "ScorecardBot";
const VERSION = "0.1";

export interface FetchPolicy {
  userAgent: string;
  timeoutMs: number;
  maxBodyBytes: number;
  minHostIntervalMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  /** A Retry-After longer than this fails the run rather than holding the invocation. */
  maxRetryAfterMs: number;
  robotsTtlMs: number;
  /**
   * Loopback addresses may be fetched: local development and tests only (LOCAL_DEV_ALLOW_LOOPBACK,
   * which `npm start` and the tests set and production never does).
   */
  allowLoopback: boolean;
}

type PolicyEnv = Partial<
  Record<
    | "CONTACT_URL"
    | "FETCH_TIMEOUT_MS"
    | "MAX_BODY_BYTES"
    | "MIN_HOST_INTERVAL_MS"
    | "RETRY_BASE_MS"
    | "MAX_RETRY_AFTER_MS"
    | "LOCAL_DEV_ALLOW_LOOPBACK",
    string
  >
>;

export function fetchPolicy(env: PolicyEnv): FetchPolicy {
  // A setting that is not a non-negative number falls back to its default.
  const number = (value: string | undefined, fallback: number) =>
    value && Number.isFinite(Number(value)) && Number(value) >= 0 ? Number(value) : fallback;
  const contact = env.CONTACT_URL?.trim();
  return {
    userAgent: `${PRODUCT_TOKEN}/${VERSION} (+${contact || "no contact URL configured"})`,
    timeoutMs: number(env.FETCH_TIMEOUT_MS, 30_000),
    maxBodyBytes: number(env.MAX_BODY_BYTES, 10 * 1024 * 1024),
    minHostIntervalMs: number(env.MIN_HOST_INTERVAL_MS, 5_000),
    maxAttempts: 3,
    retryBaseMs: number(env.RETRY_BASE_MS, 2_000),
    maxRetryAfterMs: number(env.MAX_RETRY_AFTER_MS, 60_000),
    robotsTtlMs: 24 * 3_600_000,
    allowLoopback: env.LOCAL_DEV_ALLOW_LOOPBACK === "true",
  };
}
