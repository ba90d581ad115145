/** @jsxImportSource hono/jsx */
// The landing page: every scorecard, newest first, a live preview of its widget and the code to
// embed it. The snippets are rendered by hono/jsx, then shown as text: escaped twice, as they must be.
import type { ScorecardSummary } from "../db/scorecards.ts";
import { COPY_SCRIPT, LANDING_CSS, WIDGET_CSS } from "./assets.ts";
import { Document } from "./document.tsx";
import { formatDate } from "./format.ts";
import { Rating } from "./rating.tsx";

export interface Snippets {
  iframe: string;
  loader: string;
  url: string;
}

export async function snippetsFor(origin: string, scorecard: ScorecardSummary): Promise<Snippets> {
  const url = `${origin}/embed/scorecards/${scorecard.id}`;
  const iframe = await (
    <iframe src={url} title={scorecard.title} width="100%" height="600" style="border:0" loading="lazy"></iframe>
  ).toString();
  const div = await (<div data-scorecard={scorecard.id} data-title={scorecard.title}></div>).toString();
  const script = await (<script src={`${origin}/embed.js`} async></script>).toString();
  return { iframe: String(iframe), loader: `${String(div)}\n${String(script)}`, url };
}

function Snippet(props: { id: string; label: string; value: string; rows: number }) {
  return (
    <div>
      <label for={props.id}>{props.label}</label>
      <textarea id={props.id} rows={props.rows} readonly spellcheck={false}>
        {props.value}
      </textarea>
      <button type="button" data-copy={props.id}>
        Copy
      </button>
      <span class="st" role="status" aria-live="polite"></span>
    </div>
  );
}

export function Landing(props: { origin: string; scorecards: (ScorecardSummary & { snippets: Snippets })[] }) {
  return (
    <Document
      title="Scorecard: are governments keeping their commitments?"
      theme="auto"
      css={WIDGET_CSS + LANDING_CSS}
      script={COPY_SCRIPT}
      scriptSrc="/embed.js"
    >
      <main>
        <header class="top">
          <h1>Scorecard</h1>
          <p>
            Independent ratings of whether governments keep their commitments, scraped from the evaluations that publish
            them, with every rating's history and source. Embed any scorecard in an article: paste its URL into a CMS
            that speaks oEmbed, add the loader, or use a plain iframe. Widgets take <code>?layout=compact</code> or{" "}
            <code>full</code>, <code>?theme=light</code>, <code>dark</code> or <code>auto</code>, and{" "}
            <code>?as_of=YYYY-MM-DD</code> to freeze them at the day an article was written. The data is also served as
            JSON at <a href="/v1/scorecards">/v1/scorecards</a>.
          </p>
        </header>
        <h2>
          {props.scorecards.length} {props.scorecards.length === 1 ? "scorecard" : "scorecards"}, newest first
        </h2>
        {props.scorecards.map((s) => (
          <article class="sc" aria-labelledby={`t-${s.id}`}>
            <h2 id={`t-${s.id}`}>{s.title}</h2>
            <p class="m">
              {s.publisher}
              {s.published_on ? `, ${formatDate(s.published_on)}` : null}
              {s.period ? ` · rates ${s.period}` : null} · {s.commitment_count}{" "}
              {s.commitment_count === 1 ? "commitment" : "commitments"}
            </p>
            {s.overall ? (
              <p>
                Overall: <Rating rating={s.overall} />
              </p>
            ) : null}
            {s.sample ? (
              <p class="note" role="note">
                <strong>Sample data.</strong> Built from a reconstructed sample of the publication.
              </p>
            ) : null}
            <div class="cols">
              <div class="pv" role="region" aria-label={`Preview: ${s.title}`} tabindex={0}>
                <div data-scorecard={s.id} data-layout="compact" data-title={`Preview: ${s.title}`}></div>
              </div>
              <div>
                <Snippet
                  id={`u-${s.id}`}
                  label="Widget URL (paste into a CMS with oEmbed)"
                  value={s.snippets.url}
                  rows={2}
                />
                <Snippet id={`l-${s.id}`} label="Loader (resizes itself)" value={s.snippets.loader} rows={3} />
                <Snippet id={`i-${s.id}`} label="Plain iframe" value={s.snippets.iframe} rows={3} />
              </div>
            </div>
          </article>
        ))}
      </main>
    </Document>
  );
}
