// Deadlines as the API serves them: domain/deadlines.ts's pure functions over what D1 holds,
// with each rule's declared delivery dimension.
import { type Deadline, deadlineOf, type Delivery } from "../../domain/deadlines.ts";
import { findRule } from "../../scrapers/index.ts";
import { scoresOn } from "../db/search.ts";

export function deliveryOf(ruleId: string | null): Delivery | null {
  return (ruleId && findRule(ruleId)?.delivery) || null;
}

/** Today's date in UTC, YYYY-MM-DD: the day deadlines are judged on unless `as_of` names another. */
export const today = () => new Date().toISOString().slice(0, 10);

/** Each commitment's deadline on `day`, judged by its latest delivery rating effective by then. */
export async function deadlinesOn(
  db: D1Database,
  commitments: { id: string; target_date: string | null; rule_id: string | null }[],
  day: string,
): Promise<Map<string, Deadline | null>> {
  const dated = commitments.filter((c) => c.target_date !== null);
  const pairs = dated.flatMap((c) => {
    const delivery = deliveryOf(c.rule_id);
    return delivery ? [{ commitment_id: c.id, dimension: delivery.dimension }] : [];
  });
  const scores = await scoresOn(db, pairs, day);
  return new Map(
    commitments.map((c) => [
      c.id,
      c.target_date === null ? null : deadlineOf(c.target_date, day, deliveryOf(c.rule_id), scores.get(c.id) ?? null),
    ]),
  );
}
