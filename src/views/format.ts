// Small, pure helpers for the pages people see: dates in words, safe links, dimension names.
import type { DeadlineStatus } from "../../domain/deadlines.ts";

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** "2024-03-14" or an ISO instant → "14 March 2024" (UTC); "2025-03" → "March 2025"; "2030" → "2030". */
export function formatDate(value: string): string {
  const match = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(value);
  if (!match) return value;
  const [, year, month, day] = match;
  if (!month) return year!;
  const name = MONTHS[Number(month) - 1] ?? month;
  return day ? `${Number(day)} ${name} ${year}` : `${name} ${year}`;
}

/** A link target only if it is an absolute http(s) URL: scraped links never become `javascript:` or `data:`. */
export function safeHttpUrl(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

/** A column's short visible name; its accessible name is the dimension's question. */
const ACRONYMS = new Set(["dca", "ipa", "sro"]);

export function shortName(key: string): string {
  if (ACRONYMS.has(key)) return key.toUpperCase();
  return key.charAt(0).toUpperCase() + key.slice(1).replace(/[-_]/g, " ");
}

export const DEADLINE_WORDS: Record<DeadlineStatus, string> = {
  upcoming: "upcoming",
  "due-soon": "due soon",
  "passed-met": "passed, met",
  "passed-not-met": "passed, not met",
  "passed-unrated": "passed, not rated as met",
};

/** A rating label as shown: the publisher's words, or what a blank one means. */
export function labelText(label: string, band: string): string {
  if (label.trim() !== "") return label;
  return band === "not-rated" ? "Not rated" : band;
}

export const BANDS = ["green", "amber-green", "amber", "amber-red", "red"] as const;

/** A CSS class for a band: the five colour bands, or `st` for every state that is not a rating. */
export function bandClass(band: string): string {
  return (BANDS as readonly string[]).includes(band) ? `b-${band}` : "b-st";
}

/** Today in UTC, YYYY-MM-DD. */
export const todayUtc = (now: Date = new Date()) => now.toISOString().slice(0, 10);
