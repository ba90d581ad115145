// Text helpers that the rules and the service share: whitespace as published, and the slugs
// that keys and ids are made of. Pure, and imports nothing.

/** Whitespace as published is markup, not meaning: collapse it, including non-breaking spaces. */
export function collapseWhitespace(text: string): string {
  return text.replace(/[\s\u00a0\u200b\u2060\ufeff]+/g, " ").trim();
}

/** A URL-safe key from free text, cut at a word boundary. */
export function slugify(text: string, maxLength = 60): string {
  return cutSlug(
    text
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/%/g, " percent ")
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, ""),
    maxLength,
  );
}

/** A slug cut at a word boundary to at most `maxLength`. */
function cutSlug(slug: string, maxLength: number): string {
  if (slug.length <= maxLength) return slug;
  const cut = slug.slice(0, maxLength + 1);
  const lastDash = cut.lastIndexOf("-");
  return (lastDash > 0 ? cut.slice(0, lastDash) : slug.slice(0, maxLength)).replace(/-+$/, "");
}

/**
 * A stable key for something known only by its words: its slug, and, where the slug had to be
 * cut, a hash of the whole text, so that two long texts that begin alike stay two keys.
 */
export function textKey(text: string, maxLength = 60): string {
  const full = slugify(text, Number.POSITIVE_INFINITY);
  if (full.length <= maxLength) return full;
  // FNV-1a: small, synchronous and stable; collisions among one page's commitments are not a concern.
  let hash = 0x811c9dc5;
  for (let i = 0; i < full.length; i++) hash = Math.imul(hash ^ full.charCodeAt(i), 0x01000193) >>> 0;
  return `${cutSlug(full, maxLength)}-${hash.toString(16).padStart(8, "0")}`;
}
