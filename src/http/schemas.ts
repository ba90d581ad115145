// What the read API answers, as valibot schemas: /openapi.json is generated from these and the
// request schemas beside each route, and the tests check each route's responses against them.
import * as v from "valibot";
import { DEADLINE_STATUSES } from "../../domain/deadlines.ts";
import { RATING_BANDS, STATE_BANDS } from "../../domain/vocabularies.ts";

const nullableString = v.nullable(v.string());
const band = v.picklist([...RATING_BANDS, ...STATE_BANDS]);

export const RatingSchema = v.object({
  label: v.pipe(v.string(), v.description("The publisher's own words, verbatim.")),
  band,
  score: v.pipe(
    v.nullable(v.number()),
    v.description("0 (worst) to 100 (best); null for states that are not ratings."),
  ),
  vocabulary: v.string(),
  observed_at: v.pipe(v.string(), v.description("When Scorecard fetched the evidence (ISO 8601 UTC).")),
  effective_on: v.optional(v.pipe(v.string(), v.description("The date the rating speaks for (YYYY-MM-DD)."))),
  assessed_by: v.optional(v.string()),
});

export const DeadlineSchema = v.nullable(
  v.object({
    target_date: v.string(),
    status: v.picklist(DEADLINE_STATUSES),
    days: v.pipe(v.number(), v.integer(), v.description("Signed days from today (or as_of) to the target date.")),
  }),
);

export const CommitmentItemSchema = v.object({
  id: v.string(),
  key: v.pipe(v.string(), v.description("The publisher's own id, or a key derived from the text.")),
  text: v.string(),
  policy_area: nullableString,
  target_date: nullableString,
  url: nullableString,
  first_seen_at: v.string(),
  last_seen_at: v.string(),
  scorecards: v.array(v.object({ id: v.string(), title: v.string(), url: v.string() })),
  ratings: v.record(v.string(), RatingSchema),
  deadline: DeadlineSchema,
});

const nextSchema = v.pipe(v.nullable(v.string()), v.description("The full URL of the next page, or null."));

export const CommitmentPageSchema = v.object({
  data: v.array(CommitmentItemSchema),
  meta: v.looseObject({
    total: v.number(),
    next: nextSchema,
    as_of: v.pipe(nullableString, v.description("The instant the answer stands for; null for now.")),
    limit: v.number(),
  }),
});

const EvidenceSchema = v.nullable(
  v.object({ url: v.string(), fetched_at: v.string(), sha256: v.string(), archive_key: v.string() }),
);
const SideSchema = v.nullable(
  v.object({ label: v.string(), band, score: v.nullable(v.number()), evidence: EvidenceSchema }),
);

/** Every kind of change event: the publisher's, deadlines passing, and the newsroom's corrections. */
export const CHANGE_KINDS = [
  "moved",
  "first-rating",
  "removed",
  "returned",
  "deadline-passed",
  "corrected",
  "correction-reverted",
] as const;

export const ChangeEventSchema = v.object({
  id: v.pipe(v.string(), v.description("Stable across runs and reprocesses.")),
  kind: v.picklist(CHANGE_KINDS),
  commitment: v.nullable(v.object({ id: v.string(), key: v.string(), text: v.string() })),
  scorecard: v.object({ id: v.string(), title: v.string() }),
  rule_id: v.string(),
  dimension: nullableString,
  from: SideSchema,
  to: SideSchema,
  direction: v.nullable(v.picklist(["worse", "better", "same"])),
  band_changed: v.boolean(),
  observed_at: v.string(),
  effective_on: nullableString,
  periods: v.optional(v.object({ from: v.string(), to: v.string(), consecutive: v.boolean() })),
  deadline: v.optional(v.object({ target_date: v.string(), status: v.string() })),
  correction: v.optional(
    v.pipe(
      v.object({
        override_id: v.number(),
        reason: v.string(),
        evidence_url: v.string(),
        by: v.string(),
        revert_reason: v.nullable(v.string()),
      }),
      v.description("A newsroom correction (corrected, correction-reverted): not the publisher's rating."),
    ),
  ),
});

export const ChangePageSchema = v.object({
  data: v.array(ChangeEventSchema),
  meta: v.looseObject({ next: nextSchema, limit: v.number() }),
});

export const RunSchema = v.object({
  id: v.number(),
  trigger: v.string(),
  started_at: v.string(),
  finished_at: nullableString,
  outcome: v.string(),
  commitments_seen: v.nullable(v.number()),
  observations_added: v.nullable(v.number()),
  changes_added: v.nullable(v.number()),
  error: nullableString,
  failed_check: nullableString,
  duration_ms: v.pipe(
    v.nullable(v.number()),
    v.description("Wall time from the run's start to its closing write, in ms (Workers show no CPU time)."),
  ),
  fetch_ms: v.pipe(v.nullable(v.number()), v.description("The part of duration_ms spent waiting on fetches.")),
  d1_statements: v.pipe(v.nullable(v.number()), v.description("D1 statements the run made.")),
  source: v.object({ id: v.string(), url: v.string() }),
});

export const ProblemSchema = v.object({
  type: v.string(),
  title: v.string(),
  status: v.number(),
  detail: v.string(),
  instance: v.string(),
});

/** Responses of endpoints whose shapes are described by their pages in the README. */
export const AnyObjectSchema = v.looseObject({});
