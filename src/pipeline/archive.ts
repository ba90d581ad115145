// Raw documents live in R2, keyed by the sha256 of their bytes, so a page fetched a thousand
// times unchanged is stored once.
import { decodeBody } from "./fetch/decode.ts";
import type { Replay } from "./fetch/fetcher.ts";

export async function sha256Hex(data: ArrayBuffer | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function archiveKey(sha256: string): string {
  return `${ARCHIVE_PREFIX}${sha256}`;
}

/** The prefix under which fetched documents are archived. */
export const ARCHIVE_PREFIX = "snapshots/sha256/";

/**
 * What an archived object says of itself (R2 custom metadata, all strings), so that an operator
 * listing the archive knows what each object is, and `npm run archive:rebuild` can recreate the
 * snapshots table from the archive alone. It describes the first fetch that stored these bytes.
 */
export interface ArchiveRecord {
  source: string;
  step: string;
  url: string;
  requested_url: string;
  fetched_at: string;
  http_status: string;
  content_type: string;
  etag: string;
  last_modified: string;
  /** JSON: what earlier steps passed on with the link (e.g. a publication's title). */
  context: string;
  origin: string;
  sample: string;
}

/** R2 allows 2,048 bytes of custom metadata: long values are cut, never the object refused. */
function fitMetadata(record: ArchiveRecord): Record<string, string> {
  const out: Record<string, string> = { ...record };
  const size = () => Object.entries(out).reduce((n, [k, v]) => n + k.length + new TextEncoder().encode(v).length, 0);
  for (const key of ["context", "requested_url", "url"] as const) {
    if (size() <= 2000) break;
    out[key] = "";
    out[`${key}_truncated`] = "true";
  }
  return out;
}

export async function archiveBody(
  bucket: R2Bucket,
  body: ArrayBuffer,
  sha256: string,
  contentType: string | null,
  record?: ArchiveRecord,
): Promise<string> {
  const key = archiveKey(sha256);
  if (!(await bucket.head(key))) {
    await bucket.put(key, body, {
      sha256,
      httpMetadata: contentType ? { contentType } : undefined,
      customMetadata: record ? fitMetadata(record) : undefined,
    });
  }
  return key;
}

export async function readArchived(bucket: R2Bucket, key: string): Promise<ArrayBuffer> {
  const object = await bucket.get(key);
  if (!object) throw new Error(`the archive has lost ${key}`);
  return object.arrayBuffer();
}

/** An archived document as text, decoded as it was when fetched. */
export async function readArchivedText(bucket: R2Bucket, key: string, contentType: string | null): Promise<string> {
  return decodeBody(await readArchived(bucket, key), contentType);
}

/** Where the seeded copy of a URL is kept for local replay. */
export function replayKey(url: string): string {
  return `replay/${encodeURIComponent(url)}`;
}

/** How a seeded copy says whether it is a reconstructed sample (R2 custom metadata). */
export const SAMPLE_METADATA = "sample";

/**
 * Answers seeded URLs from the seeded archive (FETCH_MODE=replay, local only), saying so: the
 * document's origin is the seed archive, and it is a sample where the seeds mark it one.
 */
export function r2Replay(bucket: R2Bucket): Replay {
  return async (url) => {
    const seeded = await bucket.get(replayKey(url));
    if (!seeded) return null;
    const contentType = seeded.httpMetadata?.contentType ?? null;
    return {
      url,
      status: 200,
      body: await seeded.arrayBuffer(),
      etag: null,
      lastModified: null,
      contentType,
      origin: "seed-archive",
      sample: seeded.customMetadata?.[SAMPLE_METADATA] === "true",
    };
  };
}
