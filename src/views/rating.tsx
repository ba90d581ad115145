/** @jsxImportSource hono/jsx */
// A rating as people see it: always its words, the colour only beside them.
import type { RatingView } from "../db/scorecards.ts";
import { bandClass, labelText } from "./format.ts";

export function Rating({ rating }: { rating: RatingView | null | undefined }) {
  if (!rating) return <span class="m">Not rated here</span>;
  return (
    <span class={`r ${bandClass(rating.band)}`}>
      {labelText(rating.label, rating.band)}
      {rating.assessed_by ? ` (${rating.assessed_by.toUpperCase()})` : null}
      {rating.override ? (
        <span class="m"> (corrected by the newsroom; published as “{rating.scraped?.label ?? ""}”)</span>
      ) : null}
    </span>
  );
}
