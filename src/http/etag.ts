// ETags of the data itself. A body can hold fields that move on every unchanged scrape
// (`last_seen_at`: when the publication was last confirmed); an ETag over them would change
// every time, and clients would never get a 304. These ETags cover everything else, and are
// weak: two bodies with the same tag mean the same data, not the same bytes.

const VOLATILE = new Set(["last_seen_at"]);

export async function dataEtag(value: unknown): Promise<string> {
  const stable = JSON.stringify(value, (key, field: unknown) => (VOLATILE.has(key) ? undefined : field));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(stable));
  const hex = [...new Uint8Array(digest).slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `W/"${hex}"`;
}
