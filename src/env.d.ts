// Bindings that wrangler.toml does not declare, so `wrangler types` cannot see them.
interface Env {
  /** Secret (`wrangler secret put ADMIN_TOKEN`): bearer token for /v1/admin. Admin is off without it. */
  ADMIN_TOKEN?: string;
  FETCH_TIMEOUT_MS?: string;
  MAX_BODY_BYTES?: string;
  MIN_HOST_INTERVAL_MS?: string;
  RETRY_BASE_MS?: string;
  MAX_RETRY_AFTER_MS?: string;
  /** "true" lets the fetcher reach loopback addresses: set by `npm start` and the tests, never in production. */
  LOCAL_DEV_ALLOW_LOOPBACK?: string;
}
