// Types that the data layer and the pipeline both need, so that neither imports the other for
// them: what a run writes (planned by src/pipeline/plan.ts, written by src/db/observations.ts), and
// what the fetcher remembers between invocations (kept in D1 by src/db/politeness.ts).
import type { Rating } from "../domain/vocabularies.ts";

export interface ScorecardWrite {
  id: string;
  source_id: string;
  key: string;
  title: string;
  publisher: string;
  published_on: string | null;
  period: string | null;
  url: string;
  vocabulary: string;
}

export interface CommitmentWrite {
  id: string;
  scope: string;
  key: string;
  text: string;
  policy_area: string | null;
  target_date: string | null;
  source_url: string | null;
  position: number;
  /** What this scorecard says of the commitment beside its ratings, verbatim; null if nothing. */
  details: Record<string, string | null> | null;
}

export interface ObservationWrite {
  /** null for the scorecard's own rating. */
  commitment_id: string | null;
  dimension: string;
  rating: Rating;
  /** Who gave the rating, where the publication says (e.g. "ipa" or "sro"); null otherwise. */
  assessed_by: string | null;
  /** The commitment row's own "as at" date, where the page gives one; else the scorecard's (see domain/effective.ts). */
  effective_on?: string | null;
  /**
   * The change event this observation makes, if any: `moved` to another level of the common
   * scale (`band_changed` says whether its colour band moved too), or the subject's
   * `first-rating`. States such as "exempt" make none.
   */
  change: ObservationChange | null;
}

export interface ObservationChange {
  kind: "moved" | "first-rating";
  band_changed: boolean;
}

/** A commitment that left the scorecard's publication, or came back to it: a change event with no dimension. */
export interface MembershipChange {
  commitment_id: string;
  kind: "removed" | "returned";
}

export interface WritePlan {
  scorecard: ScorecardWrite;
  commitments: CommitmentWrite[];
  observations: ObservationWrite[];
  /** Commitments that left this publication since it was last applied, or came back. */
  membership: MembershipChange[];
}

export interface RobotsRecord {
  status: number;
  body: string;
  fetched_at: string;
}

export interface PolitenessStore {
  /** Reserves the next request slot for a host: the epoch ms at which the request may start. */
  reserveSlot(host: string, now: number, intervalMs: number): Promise<number>;
  /** Gives back a slot that will not be used. */
  releaseSlot(host: string, intervalMs: number): Promise<void>;
  getRobots(origin: string): Promise<RobotsRecord | null>;
  putRobots(origin: string, record: RobotsRecord): Promise<void>;
}
