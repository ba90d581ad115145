// Atom 1.0 (RFC 4287) feeds: escaped text, stable entry ids, and the required elements (feed id,
// title, updated; entry id, title, updated).

export interface AtomEntry {
  id: string;
  title: string;
  updated: string;
  link: string;
  summary: string;
  /** Further links, e.g. to the archived evidence. */
  related?: { href: string; title: string }[];
}

export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

export function atomFeed(feed: { id: string; title: string; self: string; alternate: string; entries: AtomEntry[] }) {
  const updated =
    feed.entries
      .map((e) => e.updated)
      .sort()
      .at(-1) ?? "1970-01-01T00:00:00.000Z";
  const entries = feed.entries.map(
    (e) => `  <entry>
    <id>${escapeXml(e.id)}</id>
    <title>${escapeXml(e.title)}</title>
    <updated>${escapeXml(e.updated)}</updated>
    <link rel="alternate" type="application/json" href="${escapeXml(e.link)}"/>
${(e.related ?? []).map((r) => `    <link rel="related" href="${escapeXml(r.href)}" title="${escapeXml(r.title)}"/>\n`).join("")}    <summary type="text">${escapeXml(e.summary)}</summary>
  </entry>`,
  );
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>${escapeXml(feed.id)}</id>
  <title>${escapeXml(feed.title)}</title>
  <updated>${updated}</updated>
  <author><name>Scorecard</name></author>
  <link rel="self" type="application/atom+xml" href="${escapeXml(feed.self)}"/>
  <link rel="alternate" type="application/json" href="${escapeXml(feed.alternate)}"/>
${entries.join("\n")}
</feed>
`;
}

export const ATOM_TYPE = "application/atom+xml; charset=utf-8";
