// One commitment with its scorecards, its full rating history and provenance, and its change
// events, as the API serves it.
import { overrideView, overridesOfCommitment, type OverrideRow, type OverrideView } from "./overrides.ts";
import { type CommitmentView, detailsOf, ratingOf, type RatingView, sampleOf } from "./scorecards.ts";

export interface ObservationView extends RatingView {
  id: number;
  dimension: string;
  scorecard_id: string;
  /** When the rating took effect, as the publisher dates it; `observed_at` is when we fetched it. */
  effective_on: string;
  provenance: {
    snapshot_id: number;
    url: string;
    fetched_at: string;
    http_status: number;
    sha256: string;
    archive_key: string;
    /** `live` from the publisher, or `seed-archive`: replayed locally from the seeds. */
    origin: string;
    /** The seeds mark this document a reconstructed sample. */
    sample: boolean;
    /** When a reprocess found the archived document gone: the rating is kept, but can no longer be re-read. */
    archive_missing_since: string | null;
  };
}

/**
 * One change event. `moved`: a rating moved to another level of the common scale
 * (`band_changed` says whether its colour band moved too); `first-rating`: the subject's first
 * rating (`from` is the state it had before, or null); `removed`: the commitment left the
 * scorecard's publication, and `returned`: it came back (no dimension, from or to).
 */
export interface ChangeView {
  id: number;
  kind: "moved" | "first-rating" | "removed" | "returned";
  scorecard_id: string;
  dimension: string | null;
  from: { label: string; band: string; score: number | null } | null;
  to: { label: string; band: string; score: number | null } | null;
  band_changed: boolean;
  /** When the run that saw it fetched its evidence. */
  changed_at: string;
  /** When it took effect, as the publisher dates it. */
  effective_on: string | null;
}

export interface CommitmentDetail extends CommitmentView {
  scope: string;
  first_seen_at: string;
  last_seen_at: string;
  /** `details`: what each scorecard says of the commitment beside its ratings, verbatim, where it says anything. */
  scorecards: {
    id: string;
    title: string;
    published_on: string | null;
    sample: boolean;
    details?: Record<string, string | null>;
  }[];
  history: ObservationView[];
  changes: ChangeView[];
  /**
   * Editors' corrections of its ratings, in force or reverted, oldest first. The history above is
   * always what was scraped; a rating in force is served as the override's where ratings are.
   */
  overrides: (OverrideView & {
    scorecard_id: string;
    dimension: string;
    band: string;
    score: number | null;
    in_force: boolean;
    reverted: { by: string | null; at: string; reason: string | null } | null;
  })[];
}

/**
 * One commitment as the record holds it, or, with `asOf` (YYYY-MM-DD), as it stood then: the
 * observations, change events and scorecards in effect by that day. Null when there is no such
 * commitment, or none of it was in effect yet.
 */
export async function getCommitment(db: D1Database, id: string, asOf?: string): Promise<CommitmentDetail | null> {
  const day = asOf ?? "9999-12-31";
  const [commitment, scorecards, history, changes, details, overrides] = await db.batch([
    db
      .prepare(
        "SELECT id, scope, key, text, policy_area, target_date, source_url, first_seen_at, last_seen_at FROM commitments WHERE id = ?",
      )
      .bind(id),
    db
      .prepare(
        `SELECT s.id, s.title, s.published_on, ${sampleOf("s")} AS sample
         FROM scorecard_commitments m JOIN scorecards s ON s.id = m.scorecard_id
         WHERE m.commitment_id = ?1
           AND EXISTS (SELECT 1 FROM observations o WHERE o.scorecard_id = s.id AND o.effective_on <= ?2)
         ORDER BY s.published_on, s.id`,
      )
      .bind(id, day),
    db
      .prepare(
        `SELECT o.id, o.dimension, o.scorecard_id, o.label, o.band, o.score, o.vocabulary, o.observed_at, o.effective_on,
                o.assessed_by,
                p.id AS snapshot_id, p.url, p.fetched_at, p.http_status, p.sha256, p.archive_key, p.origin, p.sample,
                p.archive_missing_since
         FROM observations o JOIN snapshots p ON p.id = o.snapshot_id
         WHERE o.commitment_id = ?1 AND o.effective_on <= ?2 ORDER BY o.id`,
      )
      .bind(id, day),
    db
      .prepare(
        `SELECT c.id, c.kind, c.scorecard_id, c.dimension, c.from_label, c.from_band, f.score AS from_score,
                c.to_label, c.to_band, t.score AS to_score, c.band_changed, c.changed_at, c.effective_on
         FROM changes c LEFT JOIN observations f ON f.id = c.from_observation_id
           LEFT JOIN observations t ON t.id = c.to_observation_id
         WHERE c.commitment_id = ?1 AND COALESCE(c.effective_on, substr(c.changed_at, 1, 10)) <= ?2 ORDER BY c.id`,
      )
      .bind(id, day),
    db
      .prepare(
        "SELECT scorecard_id, details FROM scorecard_commitments WHERE commitment_id = ? AND details IS NOT NULL",
      )
      .bind(id),
    overridesOfCommitment(db, id),
  ]);
  const detailsByScorecard = new Map(
    (details!.results as { scorecard_id: string; details: string }[]).map((d) => [d.scorecard_id, d.details]),
  );
  const row = commitment!.results[0] as
    Omit<CommitmentDetail, "scorecards" | "history" | "changes" | "overrides"> | undefined;
  if (!row || (asOf !== undefined && history!.results.length === 0)) return null;
  type HistoryRow = Omit<ObservationView, "provenance"> &
    Omit<ObservationView["provenance"], "sample"> & { sample: number };
  type ScorecardLink = Omit<CommitmentDetail["scorecards"][number], "sample"> & { sample: number };
  type ChangeRow = Omit<ChangeView, "from" | "to" | "band_changed"> & {
    from_label: string | null;
    from_band: string | null;
    from_score: number | null;
    to_label: string | null;
    to_band: string | null;
    to_score: number | null;
    band_changed: number;
  };
  return {
    ...row,
    scorecards: (scorecards!.results as ScorecardLink[]).map((s) => ({
      ...s,
      sample: s.sample === 1,
      ...detailsOf(detailsByScorecard.get(s.id) ?? null),
    })),
    history: (history!.results as HistoryRow[]).map(
      ({
        snapshot_id,
        url,
        fetched_at,
        http_status,
        sha256,
        archive_key,
        origin,
        sample,
        archive_missing_since,
        ...observation
      }) => ({
        ...ratingOf(observation),
        provenance: {
          snapshot_id,
          url,
          fetched_at,
          http_status,
          sha256,
          archive_key,
          origin,
          sample: sample === 1,
          archive_missing_since,
        },
      }),
    ),
    changes: (changes!.results as ChangeRow[]).map(
      ({ from_label, from_band, from_score, to_label, to_band, to_score, band_changed, ...change }) => ({
        ...change,
        from: from_band === null ? null : { label: from_label ?? "", band: from_band, score: from_score },
        to: to_band === null ? null : { label: to_label ?? "", band: to_band, score: to_score },
        band_changed: band_changed === 1,
      }),
    ),
    overrides: (overrides!.results as OverrideRow[]).map((o) => ({
      ...overrideView(o),
      scorecard_id: o.scorecard_id,
      dimension: o.dimension,
      band: o.band,
      score: o.score,
      in_force: o.reverted_at === null,
      reverted: o.reverted_at === null ? null : { by: o.reverted_by, at: o.reverted_at, reason: o.revert_reason },
    })),
  };
}

/** What an id that names no commitment may name instead: a source, a scorecard, or a publisher's key. */
export async function resourcesNamed(
  db: D1Database,
  id: string,
): Promise<{ source: boolean; scorecard: boolean; commitmentsWithKey: string[] }> {
  const [sources, scorecards, keyed] = await db.batch([
    db.prepare("SELECT 1 FROM sources WHERE id = ?").bind(id),
    db.prepare("SELECT 1 FROM scorecards WHERE id = ?").bind(id),
    db.prepare("SELECT id FROM commitments WHERE key = ? ORDER BY id LIMIT 5").bind(id),
  ]);
  return {
    source: sources!.results.length > 0,
    scorecard: scorecards!.results.length > 0,
    commitmentsWithKey: (keyed!.results as { id: string }[]).map((r) => r.id),
  };
}
