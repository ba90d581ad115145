// When a rating took effect, as its publisher dates it: `effective_on` (YYYY-MM-DD). Pure.
//
// Two times are never confused: `observed_at` is when Scorecard fetched the evidence, and
// `effective_on` is the date the rating speaks for: a row's own "as at" date where the page gives
// one, else the end of the period the document rates (a GMPP year "2024-25" gives its ratings as
// at 31 March 2025, whenever it is published), else the document's publication date, else the
// day it was observed. The same order as migration 0005's backfill.
// History and `as_of` follow `effective_on`; "what changed since" follows `observed_at`.

const FINANCIAL_YEAR = /^(\d{4})-(\d{2})$/;

/**
 * The last day of a period a rule reads: a UK financial year such as "2024-25" ends on
 * 31 March 2025; a calendar year "2024" on 31 December. Null for anything else.
 */
export function periodEnd(period: string | null | undefined): string | null {
  if (!period) return null;
  const fy = FINANCIAL_YEAR.exec(period);
  if (fy) {
    const start = Number(fy[1]);
    // "2024-25" names consecutive years; "2024-03" is a month, which no rule reads as a period.
    if ((start + 1) % 100 !== Number(fy[2])) return null;
    return `${start + 1}-03-31`;
  }
  if (/^\d{4}$/.test(period)) return `${period}-12-31`;
  return null;
}

/** Where a rating's own effective date comes from, most specific first. */
export interface EffectiveSources {
  /** The row's own "as at" date, where the page gives one. */
  record?: string | null;
  published_on?: string | null;
  period?: string | null;
  /** ISO 8601 timestamp of the fetch. */
  observed_at: string;
}

/** The date a rating takes effect: the row's own date, else period end, else publication, else observation. */
export function effectiveOn({ record, published_on, period, observed_at }: EffectiveSources): string {
  return record || periodEnd(period) || published_on || observed_at.slice(0, 10);
}
