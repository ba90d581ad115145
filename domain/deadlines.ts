// A commitment's own promised date, and where it stands today. Pure: the caller passes today.
//
// A target date is as precise as the promise: "2030" ends on 31 December 2030, "2025-03" on
// 31 March 2025 (a UK financial year such as "2024-25" is read as "2025-03"), "2025-03-14" on
// that day. A deadline passes the day after it ends.

export const DEADLINE_STATUSES = ["upcoming", "due-soon", "passed-met", "passed-not-met", "passed-unrated"] as const;
export type DeadlineStatus = (typeof DEADLINE_STATUSES)[number];

/** Within this many days a deadline is due soon. */
export const DUE_SOON_DAYS = 90;

export interface Deadline {
  target_date: string;
  status: DeadlineStatus;
  /** Signed whole days from today to the last day of the target date: negative once it has passed. */
  days: number;
}

/**
 * How a rule tells a delivered commitment: the dimension that means delivery, and the lowest
 * score on the common scale that counts as delivered (e.g. `met` at 67, "Good", for the
 * Expert Panel). A rule without one never reports a deadline as met.
 */
export interface Delivery {
  dimension: string;
  deliveredFrom: number;
}

const DAY_MS = 86_400_000;

function utcDay(isoDate: string): number {
  const [y, m, d] = isoDate.split("-").map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d);
}

const isoOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The last day a target date covers, as YYYY-MM-DD; null if it is not YYYY, YYYY-MM or YYYY-MM-DD. */
export function deadlineEnd(targetDate: string): string | null {
  const match = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(targetDate);
  if (!match) return null;
  const year = Number(match[1]);
  const month = match[2] === undefined ? 12 : Number(match[2]);
  if (month < 1 || month > 12) return null;
  if (match[3]) {
    // A real day of that month, or nothing ("2025-02-30" is no date).
    const day = Date.UTC(year, month - 1, Number(match[3]));
    return isoOf(day) === targetDate ? targetDate : null;
  }
  // Day 0 of the next month is the last day of this one.
  if (match[2]) return isoOf(Date.UTC(year, month, 0));
  return `${year}-12-31`;
}

/** The day a deadline passes: the day after its last day. */
export function deadlinePassesOn(targetDate: string): string | null {
  const end = deadlineEnd(targetDate);
  if (end === null) return null;
  const next = isoOf(utcDay(end) + DAY_MS);
  // After 9999-12-31 there is no YYYY-MM-DD day to name (as in SQLite's date()).
  return /^\d{4}-\d{2}-\d{2}$/.test(next) ? next : null;
}

/**
 * Where a deadline stands on `today` (YYYY-MM-DD). `deliveryScore` is the commitment's latest
 * rating on the rule's delivery dimension, on the common 0-100 scale, or null where it has no
 * rating there (not rated, exempt, withheld, or never rated).
 */
export function deadlineOf(
  targetDate: string,
  today: string,
  delivery: Delivery | null,
  deliveryScore: number | null,
): Deadline | null {
  const end = deadlineEnd(targetDate);
  if (end === null) return null;
  const days = Math.round((utcDay(end) - utcDay(today)) / DAY_MS);
  let status: DeadlineStatus;
  if (days > DUE_SOON_DAYS) status = "upcoming";
  else if (days >= 0) status = "due-soon";
  else if (delivery === null || deliveryScore === null) status = "passed-unrated";
  else status = deliveryScore >= delivery.deliveredFrom ? "passed-met" : "passed-not-met";
  return { target_date: targetDate, status, days };
}
