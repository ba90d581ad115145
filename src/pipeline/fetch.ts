// Fetches a source's document. Locally (FETCH_MODE=replay) a seeded URL is answered from the
// seeded archive; every other URL, and every URL in production, is fetched live.
import { replayKey } from "./archive.ts";

const TIMEOUT_MS = 30_000;
const MAX_BODY_BYTES = 25 * 1024 * 1024;

export interface FetchedDocument {
  url: string;
  status: number;
  body: ArrayBuffer;
  etag: string | null;
  lastModified: string | null;
  contentType: string | null;
}

export class FetchError extends Error {
  override name = "FetchError";
}

async function readCapped(response: Response, url: string): Promise<ArrayBuffer> {
  const declared = Number(response.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES) throw new FetchError(`${url} is ${declared} bytes, over the ${MAX_BODY_BYTES}-byte cap`);
  if (!response.body) return new ArrayBuffer(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) throw new FetchError(`${url} is over the ${MAX_BODY_BYTES}-byte cap`);
    chunks.push(chunk);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body.buffer;
}

export async function fetchDocument(
  env: Pick<Env, "ARCHIVE" | "FETCH_MODE" | "USER_AGENT">,
  url: string,
  previous?: { etag: string | null; last_modified: string | null } | null,
): Promise<FetchedDocument | "not-modified"> {
  if (env.FETCH_MODE === "replay") {
    const seeded = await env.ARCHIVE.get(replayKey(url));
    if (seeded) {
      return {
        url,
        status: 200,
        body: await seeded.arrayBuffer(),
        etag: null,
        lastModified: null,
        contentType: seeded.httpMetadata?.contentType ?? null,
      };
    }
  }
  const headers = new Headers({ "User-Agent": env.USER_AGENT, Accept: "text/html, text/csv, application/json;q=0.9, */*;q=0.8" });
  if (previous?.etag) headers.set("If-None-Match", previous.etag);
  if (previous?.last_modified) headers.set("If-Modified-Since", previous.last_modified);
  let response: Response;
  try {
    response = await fetch(url, { headers, redirect: "follow", signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    throw new FetchError(`could not fetch ${url}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (response.status === 304) return "not-modified";
  if (!response.ok) {
    await response.body?.cancel();
    throw new FetchError(`${url} answered HTTP ${response.status}`);
  }
  return {
    url: response.url || url,
    status: response.status,
    body: await readCapped(response, url),
    etag: response.headers.get("etag"),
    lastModified: response.headers.get("last-modified"),
    contentType: response.headers.get("content-type"),
  };
}

/** Decodes a body in the charset its Content-Type names, UTF-8 otherwise. */
export function decodeBody(body: ArrayBuffer, contentType: string | null): string {
  const charset = /charset=["']?([\w-]+)/i.exec(contentType ?? "")?.[1] ?? "utf-8";
  try {
    return new TextDecoder(charset).decode(body);
  } catch {
    return new TextDecoder("utf-8").decode(body);
  }
}
