// Small text helpers shared by rules.

/** A URL-safe key from free text, cut at a word boundary. */
export function slugify(text: string, maxLength = 60): string {
  const slug = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/%/g, " percent ")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (slug.length <= maxLength) return slug;
  const cut = slug.slice(0, maxLength + 1);
  const lastDash = cut.lastIndexOf("-");
  return (lastDash > 0 ? cut.slice(0, lastDash) : slug.slice(0, maxLength)).replace(/-+$/, "");
}

const MONTHS = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];

// "by 2030", "by March 2025", "by the end of 2018", and UK financial years: "by 2020-21", "by 2020/21",
// "by 2019 to 2020", which end in March of their second year.
const DEADLINE = new RegExp(
  `\\bby (?:the end of |end |the )?(?:(${MONTHS.join("|")}) )?((?:19|20)\\d{2})(?:(?:-|–|/| to )((?:19|20)?\\d{2}))?(?![\\d/])`,
  "gi",
);

/**
 * The deadline a commitment states, as "YYYY" or "YYYY-MM": the latest "by <date>" in the
 * text, since interim milestones ("68% by March 2023") come before the final target.
 */
export function parseTargetDate(text: string): string | null {
  let latest: { value: string; sortKey: number } | null = null;
  for (const match of text.matchAll(DEADLINE)) {
    let year = Number(match[2]);
    let month = match[1] ? MONTHS.indexOf(match[1].toLowerCase()) + 1 : 0;
    if (match[3] && !match[1]) {
      // A financial year: its second year must follow the first.
      const second = Number(match[3].length === 2 ? `${String(year).slice(0, 2)}${match[3]}` : match[3]);
      if (second !== year + 1) continue;
      year = second;
      month = 3;
    }
    const sortKey = year * 100 + (month || 12);
    const value = month ? `${year}-${String(month).padStart(2, "0")}` : String(year);
    if (!latest || sortKey > latest.sortKey) latest = { value, sortKey };
  }
  return latest?.value ?? null;
}

/** "17 February 2023" → "2023-02-17"; null if the text is not such a date. */
export function parseLongDate(text: string): string | null {
  const match = /^(\d{1,2}) ([A-Za-z]+) (\d{4})$/.exec(text.trim());
  if (!match) return null;
  const month = MONTHS.indexOf(match[2]!.toLowerCase()) + 1;
  if (month === 0) return null;
  return `${match[3]}-${String(month).padStart(2, "0")}-${match[1]!.padStart(2, "0")}`;
}
