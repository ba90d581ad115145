/** @jsxImportSource hono/jsx */
// The embeddable widgets: a scorecard (compact or full) and a commitment card. Everything they
// show from a scraped page is text or an http(s) link, escaped by hono/jsx.
import { type Deadline, deadlineOf, type Delivery } from "../../domain/deadlines.ts";
import type { EmbedCommitment, EmbedScorecard, SourceCheck } from "../db/embeds.ts";
import { HEIGHT_SCRIPT, WIDGET_CSS } from "./assets.ts";
import { Document, type Theme } from "./document.tsx";
import { DEADLINE_WORDS, formatDate, safeHttpUrl, shortName } from "./format.ts";
import { Rating } from "./rating.tsx";

export interface Dimension {
  key: string;
  question: string;
}

export type Layout = "compact" | "full";

export interface WidgetContext {
  theme: Theme;
  /** The day the widget is frozen at, or null for now. */
  asOf: string | null;
  /** The day deadlines are measured on: `asOf`, or today. */
  today: string;
  /** This deployment's origin, for links back to it. */
  origin: string;
  /** The same widget unfrozen, for "see current ratings". */
  currentUrl: string;
  /** The oEmbed endpoint for this widget (discovery link). */
  oembedUrl: string;
  delivery: Delivery | null;
}

/** The dimension a compact scorecard shows: the overall rating if the rule has one, else its last. */
export function headlineDimension(dimensions: Dimension[]): Dimension | null {
  return dimensions.find((d) => d.key === "overall") ?? dimensions.at(-1) ?? null;
}

function DeadlineNote({ deadline }: { deadline: Deadline | null }) {
  if (!deadline) return null;
  return (
    <span class={`dl dl-${deadline.status}`}>
      Deadline {formatDate(deadline.target_date)}: {DEADLINE_WORDS[deadline.status]}
    </span>
  );
}

function deadlineFor(
  targetDate: string | null,
  ratings: Record<string, { score: number | null }>,
  ctx: WidgetContext,
): Deadline | null {
  if (!targetDate) return null;
  const score = ctx.delivery ? (ratings[ctx.delivery.dimension]?.score ?? null) : null;
  return deadlineOf(targetDate, ctx.today, ctx.delivery, score);
}

function Checked({ check, asOf }: { check: SourceCheck; asOf: string | null }) {
  return (
    <>
      {check.last_success_at ? (
        <span>Last checked {formatDate(check.last_success_at)}</span>
      ) : (
        <span>Not yet checked</span>
      )}
      {check.consecutive_failures > 0 && !asOf ? (
        <span>; the latest check failed, so this may be out of date</span>
      ) : null}
    </>
  );
}

function Frozen({ ctx }: { ctx: WidgetContext }) {
  if (!ctx.asOf) return null;
  return (
    <p class="note" role="note">
      <strong>As of {formatDate(ctx.asOf)}.</strong> These are the ratings in effect on that day; they may have changed
      since.{" "}
      <a href={ctx.currentUrl} target="_blank" rel="noopener noreferrer">
        See the current ratings
      </a>
      .
    </p>
  );
}

function SampleNote({ sample }: { sample: boolean }) {
  if (!sample) return null;
  return (
    <p class="note" role="note">
      <strong>Sample data.</strong> Built from a reconstructed sample of the publication, not the document as published.
    </p>
  );
}

function ExternalLink({ href, children }: { href: string | null; children: string }) {
  return href ? (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  ) : null;
}

function discovery(ctx: WidgetContext, title: string) {
  return (
    <>
      <meta name="robots" content="noindex" />
      <link rel="alternate" type="application/json+oembed" href={ctx.oembedUrl} title={title} />
    </>
  );
}

/** Commitments grouped by policy area, in the publication's order of first appearance. */
function byPolicyArea<T extends { policy_area: string | null }>(items: T[]): [string | null, T[]][] {
  const groups = new Map<string | null, T[]>();
  for (const item of items) {
    const group = groups.get(item.policy_area) ?? [];
    group.push(item);
    groups.set(item.policy_area, group);
  }
  return [...groups];
}

export function ScorecardWidget(props: {
  scorecard: EmbedScorecard;
  dimensions: Dimension[];
  layout: Layout;
  ctx: WidgetContext;
}) {
  const { scorecard, ctx } = props;
  const headline = headlineDimension(props.dimensions);
  const columns = props.layout === "full" ? props.dimensions : headline ? [headline] : [];
  const groups = byPolicyArea(scorecard.commitments);
  const grouped = groups.length > 1 || groups[0]?.[0] != null;
  const width = columns.length + 1;
  const count = scorecard.commitments.length;
  const title = `${scorecard.title}: Scorecard`;
  return (
    <Document title={title} theme={ctx.theme} css={WIDGET_CSS} script={HEIGHT_SCRIPT} head={discovery(ctx, title)}>
      <div id="w">
        <div class="hd">
          <div>
            <h1>{scorecard.title}</h1>
            <p class="m">
              {scorecard.publisher}
              {scorecard.published_on ? `, ${formatDate(scorecard.published_on)}` : null}
              {scorecard.period ? ` · rates ${scorecard.period}` : null}
            </p>
          </div>
          {scorecard.overall ? (
            <p>
              <span class="m">Overall: </span>
              <Rating rating={scorecard.overall} />
            </p>
          ) : null}
        </div>
        <SampleNote sample={scorecard.sample} />
        <Frozen ctx={ctx} />
        <table class={props.layout}>
          <caption>
            {count} {count === 1 ? "commitment" : "commitments"}
            {columns.length === 0
              ? ", with their deadlines"
              : props.layout === "full"
                ? ", rated on each question"
                : `: ${headline!.question}`}
          </caption>
          <thead>
            <tr>
              <th scope="col">Commitment</th>
              {columns.map((d) => (
                <th scope="col" title={d.question}>
                  <span class="vh">{d.question}</span>
                  <span aria-hidden="true">{shortName(d.key)}</span>
                </th>
              ))}
            </tr>
          </thead>
          {groups.map(([area, items]) => (
            <tbody>
              {grouped ? (
                <tr>
                  <th scope="rowgroup" colspan={width}>
                    {area ?? "Other commitments"}
                  </th>
                </tr>
              ) : null}
              {items.map((c) => (
                <tr>
                  <th scope="row">
                    {c.text}
                    <DeadlineNote deadline={deadlineFor(c.target_date, c.ratings, ctx)} />
                  </th>
                  {columns.map((d) => (
                    <td data-l={shortName(d.key)}>
                      <Rating rating={c.ratings[d.key]} />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          ))}
        </table>
        <footer class="m">
          <p>
            <Checked check={scorecard.check} asOf={ctx.asOf} />.{" "}
            <ExternalLink href={safeHttpUrl(scorecard.url)}>Source document</ExternalLink>
            {" · "}
            <a href={`${ctx.origin}/`} target="_blank" rel="noopener noreferrer">
              Scorecard
            </a>
          </p>
        </footer>
      </div>
    </Document>
  );
}

export function CommitmentWidget(props: { commitment: EmbedCommitment; dimensions: Dimension[]; ctx: WidgetContext }) {
  const { commitment, ctx } = props;
  const scorecards = new Map(commitment.scorecards.map((s) => [s.id, s]));
  const known = new Set(props.dimensions.map((d) => d.key));
  // The rule's dimensions in its order, then any others the record holds.
  const dimensions = [
    ...props.dimensions.filter((d) => commitment.current[d.key]),
    ...Object.keys(commitment.current)
      .filter((key) => !known.has(key))
      .map((key) => ({ key, question: shortName(key) })),
  ];
  const question = new Map(dimensions.map((d) => [d.key, d.question]));
  const deadline = deadlineFor(commitment.target_date, commitment.current, ctx);
  const sample = Object.values(commitment.current).some((r) => scorecards.get(r.scorecard_id)?.sample);
  const latest = commitment.scorecards.at(-1);
  const evidence = safeHttpUrl(commitment.source_url) ?? safeHttpUrl(latest?.url);
  const title = `${commitment.text.slice(0, 120)}: Scorecard`;
  return (
    <Document title={title} theme={ctx.theme} css={WIDGET_CSS} script={HEIGHT_SCRIPT} head={discovery(ctx, title)}>
      <div id="w">
        <h1>{commitment.text}</h1>
        <p class="m">
          {commitment.policy_area ? `${commitment.policy_area} · ` : null}
          {latest ? `${latest.publisher}: ${latest.title}` : null}
        </p>
        <SampleNote sample={sample} />
        <Frozen ctx={ctx} />
        {commitment.target_date ? (
          <p>
            Target date: {formatDate(commitment.target_date)}
            {deadline ? ` (deadline ${DEADLINE_WORDS[deadline.status]})` : null}
          </p>
        ) : null}
        {dimensions.length > 0 ? (
          <table>
            <caption>Current status on each question</caption>
            <thead>
              <tr>
                <th scope="col">Question</th>
                <th scope="col">Rating</th>
                <th scope="col">Since</th>
              </tr>
            </thead>
            <tbody>
              {dimensions.map((d) => {
                const rating = commitment.current[d.key]!;
                return (
                  <tr>
                    <th scope="row">{d.question}</th>
                    <td>
                      <Rating rating={rating} />
                    </td>
                    <td>{formatDate(rating.effective_on)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ) : (
          <p class="m">No evaluation has rated this commitment yet.</p>
        )}
        {commitment.history.length > 1 ? (
          <>
            <h2>Timeline</h2>
            <ol class="tl">
              {commitment.history.map((event) => (
                <li>
                  <time datetime={event.effective_on}>{formatDate(event.effective_on)}</time>
                  <span>{question.get(event.dimension) ?? shortName(event.dimension)}:</span>
                  <Rating rating={event} />
                  <span class="m">{scorecards.get(event.scorecard_id)?.title}</span>
                </li>
              ))}
            </ol>
          </>
        ) : null}
        <footer class="m">
          <p>
            <Checked check={commitment.check} asOf={ctx.asOf} />. <ExternalLink href={evidence}>Evidence</ExternalLink>
            {" · "}
            <a href={`${ctx.origin}/`} target="_blank" rel="noopener noreferrer">
              Scorecard
            </a>
          </p>
        </footer>
      </div>
    </Document>
  );
}
