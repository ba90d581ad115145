// The widgets in a real browser (Debian's Chromium, driven by playwright-core): they render at
// 320 and 800 px in both themes without overflowing, the loader sizes its iframes on a page of
// another origin, hostile scraped text stays text everywhere, and axe finds nothing serious.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { HOSTILE_AREA, HOSTILE_TEXT, PAYLOADS } from "../support/hostile.ts";
import { CHROMIUM_ARGS, chromiumPath, type Service, startService } from "./service.ts";

const HOSTILE_SCORECARD = "hsc-expert-panel-hc-780";
const SAMPLE_SCORECARD = "hsc-expert-panel-hc-18";
const LARGEST = "gmpp-infrastructure-and-projects-authority-annual-report-2022-23";
const UNRATED = "govuk-commitments-dwp-single-departmental-plan-2015-to-2020";

let service: Service;
let context: BrowserContext;
let profile: string;
let hostileCommitment: string;
let gmppCommitment: string;
const axeSource = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

before(async () => {
  const executablePath = chromiumPath();
  service = await startService();
  profile = await mkdtemp(join(tmpdir(), "scorecard-chromium-"));
  context = await chromium.launchPersistentContext(profile, { executablePath, args: CHROMIUM_ARGS, headless: true });
  const card = (await (await fetch(`${service.origin}/v1/scorecards/${HOSTILE_SCORECARD}`)).json()) as {
    commitments: { id: string; text: string }[];
  };
  hostileCommitment = card.commitments.find((c) => c.text === HOSTILE_TEXT)!.id;
  const gmpp = (await (await fetch(`${service.origin}/v1/scorecards/${LARGEST}`)).json()) as {
    commitments: { id: string }[];
  };
  gmppCommitment = gmpp.commitments[0]!.id;
});

after(async () => {
  await context?.close();
  await service?.stop();
  if (profile) await rm(profile, { recursive: true, force: true });
});

/** A page that fails the test if anything on it (or in its frames) opens a dialog: the payloads call alert(). */
async function watchedPage(): Promise<{ page: Page; dialogs: string[]; errors: string[] }> {
  const page = await context.newPage();
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  return { page, dialogs, errors };
}

function widgets(): Record<string, string> {
  return {
    "scorecard full": `/embed/scorecards/${SAMPLE_SCORECARD}?layout=full`,
    "scorecard compact": `/embed/scorecards/${SAMPLE_SCORECARD}?layout=compact`,
    "largest scorecard full": `/embed/scorecards/${LARGEST}?layout=full`,
    "unrated scorecard": `/embed/scorecards/${UNRATED}`,
    "hostile scorecard full": `/embed/scorecards/${HOSTILE_SCORECARD}?layout=full`,
    "commitment card": `/embed/commitments/${gmppCommitment}`,
    "hostile commitment card": `/embed/commitments/${hostileCommitment}`,
  };
}

describe("widgets in Chromium", () => {
  it("render at 320 and 800 px, light and dark: not blank, nothing overflowing sideways", async () => {
    const { page, errors } = await watchedPage();
    const blank: Record<number, number> = {};
    for (const width of [320, 800]) {
      await page.setViewportSize({ width, height: 700 });
      await page.goto("about:blank");
      blank[width] = (await page.screenshot()).length;
    }
    for (const [name, path] of Object.entries(widgets()))
      for (const width of [320, 800])
        for (const theme of ["light", "dark"] as const) {
          const what = `${name} at ${width}px, ${theme}`;
          await page.setViewportSize({ width, height: 700 });
          await page.goto(`${service.origin}${path}${path.includes("?") ? "&" : "?"}theme=${theme}`);
          const layout = await page.evaluate(() => ({
            scrollWidth: document.documentElement.scrollWidth,
            clientWidth: document.documentElement.clientWidth,
            background: getComputedStyle(document.body).backgroundColor,
            text: document.body.innerText.length,
            widest: Math.max(...[...document.querySelectorAll("#w *")].map((e) => e.getBoundingClientRect().right)),
          }));
          assert.ok(layout.scrollWidth <= layout.clientWidth, `${what} overflows: ${JSON.stringify(layout)}`);
          assert.ok(layout.widest <= layout.clientWidth + 0.5, `${what}: an element sticks out: ${layout.widest}px`);
          assert.equal(layout.background, theme === "light" ? "rgb(255, 255, 255)" : "rgb(22, 24, 28)", what);
          assert.ok(layout.text > 100, `${what} has almost no text`);
          const shot = await page.screenshot();
          assert.ok(shot.length > blank[width]! * 3, `${what} looks blank (${shot.length} bytes)`);
        }
    // theme=auto follows the reader's system.
    await page.emulateMedia({ colorScheme: "dark" });
    await page.goto(`${service.origin}/embed/scorecards/${SAMPLE_SCORECARD}?theme=auto`);
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), "rgb(22, 24, 28)");
    await page.emulateMedia({ colorScheme: "light" });
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), "rgb(255, 255, 255)");
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("the loader sizes its iframes on a page of another origin, and again when the width changes", async () => {
    const { page, errors } = await watchedPage();
    service.setHostPage(`<!doctype html><html><head><meta charset="utf-8"><title>An article</title></head>
<body style="margin:0"><main style="max-width:900px;margin:0 auto;padding:8px">
<p>Some article text.</p>
<div data-scorecard="${SAMPLE_SCORECARD}" data-layout="full"></div>
<div data-commitment="${gmppCommitment}" data-theme="dark"></div>
<div data-scorecard="${SAMPLE_SCORECARD}" data-layout="compact" data-as-of="2021-12-31"></div>
<div data-scorecard="bad id!"></div>
<script src="${service.origin}/embed.js" async></script>
<script src="${service.origin}/embed.js" async></script>
</main></body></html>`);
    await page.setViewportSize({ width: 900, height: 800 });
    await page.goto(`${service.hostOrigin}/host.html`);
    assert.notEqual(new URL(service.hostOrigin).origin, new URL(service.origin).origin);

    const fitted = async () => {
      const frames = await page.locator("iframe").elementHandles();
      const sizes = [];
      for (const handle of frames) {
        // Chromium does not lay out cross-origin iframes out of view; a reader's scrolling brings them in.
        await handle.scrollIntoViewIfNeeded();
        const frame = (await handle.contentFrame())!;
        await frame.waitForLoadState("load");
        const content = await frame.evaluate(() =>
          Math.ceil(document.getElementById("w")!.getBoundingClientRect().height),
        );
        sizes.push({ content, frame: (await handle.boundingBox())!.height });
      }
      return sizes;
    };
    const settle = async () => {
      let last = "";
      for (let i = 0; i < 40; i++) {
        const sizes = await fitted();
        const now = JSON.stringify(sizes);
        if (sizes.length === 3 && sizes.every((s) => Math.abs(s.content - s.frame) <= 1) && now === last) return sizes;
        last = now;
        await page.waitForTimeout(150);
      }
      throw new Error(`iframes never fitted their content: ${last}`);
    };
    const wide = await settle();
    assert.equal(
      await page.locator("iframe").count(),
      3,
      "one iframe per valid placeholder, even with the loader twice",
    );
    await page.setViewportSize({ width: 340, height: 800 });
    const narrow = await settle();
    assert.ok(
      narrow[0]!.frame > wide[0]!.frame,
      `a narrower column makes the full scorecard taller (${wide[0]!.frame} → ${narrow[0]!.frame})`,
    );

    // A message from anything but the loader's own iframes is ignored, whatever it claims.
    const before = await page
      .locator("iframe")
      .first()
      .evaluate((f) => f.getBoundingClientRect().height);
    await page.evaluate(() => window.postMessage({ type: "scorecard:height", height: 5 }, "*"));
    await page.waitForTimeout(200);
    assert.equal(
      await page
        .locator("iframe")
        .first()
        .evaluate((f) => f.getBoundingClientRect().height),
      before,
    );
    const titles = await page.locator("iframe").evaluateAll((fs) => fs.map((f) => (f as HTMLIFrameElement).title));
    assert.ok(
      titles.every((t) => t.endsWith(": Scorecard")),
      `iframes carry the widget's title: ${titles}`,
    );
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("shows hostile commitment text as text in every widget, badge, feed and the landing page; nothing runs", async () => {
    const { page, dialogs } = await watchedPage();
    const pages = [
      `/embed/scorecards/${HOSTILE_SCORECARD}?layout=full`,
      `/embed/scorecards/${HOSTILE_SCORECARD}?layout=compact&theme=dark`,
      `/embed/commitments/${hostileCommitment}`,
      "/",
    ];
    for (const path of pages) {
      await page.goto(`${service.origin}${path}`);
      await page.waitForLoadState("load");
      await page.waitForTimeout(300);
      for (const frame of page.frames()) {
        const injected = await frame.evaluate(
          () => document.querySelectorAll("img, svg[onload], [onerror], [onmouseover], script:not([src])").length,
        );
        // Each widget has exactly one script of its own (its height), allowed by hash; the landing page its copy buttons.
        assert.ok(injected <= 1, `${path} (${frame.url()}): ${injected} injected elements`);
      }
      if (path !== "/") {
        const text = await page.evaluate(() => document.body.innerText);
        for (const payload of PAYLOADS) assert.ok(text.includes(payload.trim()), `${path} shows ${payload} as text`);
        assert.ok(text.includes(HOSTILE_AREA) || path.includes("commitments"), `${path} shows the policy area as text`);
      }
    }
    // The landing page previews the hostile scorecard through the loader.
    await page.goto(`${service.origin}/`);
    await page.locator(`[data-scorecard="${HOSTILE_SCORECARD}"] iframe`).scrollIntoViewIfNeeded();
    const preview = page.frameLocator(`[data-scorecard="${HOSTILE_SCORECARD}"] iframe`);
    await preview.locator("table").waitFor();
    assert.ok((await preview.locator("body").innerText()).includes(PAYLOADS[0]));

    // The badge, opened as an image document.
    await page.goto(`${service.origin}/badge/commitments/${hostileCommitment}.svg`);
    assert.equal(await page.evaluate(() => document.querySelectorAll("script, [onload], [onerror]").length), 0);
    const title = await page.evaluate(() => document.querySelector("title")?.textContent ?? "");
    assert.ok(title.startsWith(HOSTILE_TEXT), `the badge's title is the text: ${title}`);

    // The feed and oEmbed carry it escaped.
    const atom = await (await fetch(`${service.origin}/v1/changes.atom`)).text();
    assert.ok(atom.includes("&lt;img src=x onerror=alert(1)&gt;"), "the Atom feed carries the text escaped");
    assert.ok(!atom.includes("<img"), "no raw markup in the Atom feed");
    const oembed = (await (
      await fetch(
        `${service.origin}/oembed?url=${encodeURIComponent(`${service.origin}/embed/commitments/${hostileCommitment}`)}`,
      )
    ).json()) as { html: string };
    assert.ok(!/<img|<script/.test(oembed.html));

    assert.deepEqual(dialogs, [], "no payload ran");
    await page.close();
  });

  it("axe finds no serious or critical violations on any widget or the landing page, in either theme", async () => {
    const { page } = await watchedPage();
    // The largest scorecard's markup is the others' repeated; its ratings' colours are checked on its commitment card.
    const targets = [
      ...Object.entries(widgets())
        .filter(([name]) => !name.startsWith("largest"))
        .map(([, p]) => p),
      "/",
    ];
    const found: string[] = [];
    for (const path of targets)
      for (const theme of ["light", "dark"] as const) {
        await page.emulateMedia({ colorScheme: theme });
        const url =
          path === "/"
            ? `${service.origin}/`
            : `${service.origin}${path}${path.includes("?") ? "&" : "?"}theme=${theme}`;
        await page.goto(url);
        await page.evaluate(axeSource);
        const violations = await page.evaluate(async () => {
          const axe = (
            window as unknown as {
              axe: {
                run: (
                  ctx: unknown,
                  opts: unknown,
                ) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }>;
              };
            }
          ).axe;
          const result = await axe.run(document, { iframes: false, resultTypes: ["violations"] });
          return result.violations.map((v) => ({
            id: v.id,
            impact: v.impact,
            where: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
          }));
        });
        for (const v of violations)
          if (v.impact === "serious" || v.impact === "critical")
            found.push(`${path} (${theme}): ${v.id} ${v.impact} at ${v.where.join(", ")}`);
      }
    assert.deepEqual(found, []);
    await page.close();
  });
});
