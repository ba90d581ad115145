// The maintainer CLI, run as maintainers run it. Node's test runner: these are Node programs.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { createHash } from "node:crypto";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../..", import.meta.url));

/** Every file under a directory (node_modules aside), with a hash of its content. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = relative(dir, join(entry.parentPath, entry.name));
    if (path.startsWith("node_modules")) continue;
    files.set(
      path,
      createHash("sha256")
        .update(readFileSync(join(dir, path)))
        .digest("hex"),
    );
  }
  return files;
}

// A council's pledge tracker, as README's "Adding a new kind of source" walks through it.
const COUNCIL_PAGE = `<!DOCTYPE html>
<html lang="en">
<body>
  <h1>Our pledges: how we are doing</h1>
  <table class="ratings">
    <thead><tr><th>Pledge</th><th>Status</th><th>Last updated</th></tr></thead>
    <tbody>
      <tr><td>Install 500 electric vehicle charge points by 2026<sup><a href="#fn1">1</a></sup></td><td>On track</td><td>3 June 2025</td></tr>
      <tr><td>Plant 10,000 trees by March 2027</td><td>Complete</td><td>14 April 2025</td></tr>
      <tr><td>Open two new libraries by 2028</td><td>Not started</td><td></td></tr>
      <tr><td>Cut bus fares for under-25s by 2025</td><td>Off track</td><td>3 June 2025</td></tr>
    </tbody>
  </table>
  <p id="fn1">1. Public charge points, counted by the council.</p>
</body>
</html>
`;

function run(script: string, args: string[], cwd = repo) {
  const result = spawnSync(
    process.execPath,
    ["--disable-warning=ExperimentalWarning", join(cwd, "scripts", script), ...args],
    {
      cwd,
      encoding: "utf8",
      env: { ...process.env, FORCE_COLOR: "0" },
    },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("npm run scrape", () => {
  it("prints exactly one JSON document with --json", () => {
    const { code, stdout } = run("scrape.ts", ["hsc-expert-panel", "seeds/archive/hc-780-digitisation.html", "--json"]);
    assert.equal(code, 0);
    const output = JSON.parse(stdout);
    assert.equal(output.rule, "hsc-expert-panel");
    assert.equal(output.scorecards[0].key, "HC 780");
    assert.equal(output.commitments.length, 6);
    assert.deepEqual(output.commitments[4].ratings.funding, { label: "Requires improvement", band: "amber" });
    assert.deepEqual(Object.keys(output.commitments[0]).slice(0, 5), [
      "key",
      "text",
      "policy_area",
      "target_date",
      "source_url",
    ]);
  });

  it("prints a readable table by default", () => {
    const { code, stdout } = run("scrape.ts", ["hsc-expert-panel", "seeds/archive/hc-18-maternity.html"]);
    assert.equal(code, 0);
    assert.match(stdout, /overall: Requires improvement \(amber\)/);
    assert.match(stdout, /4 commitments, rule hsc-expert-panel \(cqc\)/);
    assert.match(stdout, /Inadequate \(red\)/);
  });

  it("runs the step that reads the kind of file it is given", () => {
    const publication = JSON.parse(
      run("scrape.ts", ["gmpp", "seeds/archive/govuk/nista-annual-report-2024-2025.json", "--json"]).stdout,
    );
    assert.equal(publication.step, "publication");
    assert.equal(
      publication.links[0].url,
      "https://assets.publishing.service.gov.uk/media/reconstructed-sample/gmpp_2024_25.csv",
    );
    const projects = JSON.parse(run("scrape.ts", ["gmpp", "seeds/archive/gmpp/gmpp_2024_25.csv", "--json"]).stdout);
    assert.equal(projects.commitments.length, 213);
  });

  it("says clearly what is wrong", () => {
    const cases: [string[], RegExp][] = [
      [["gmpp", "no/such/file.csv"], /There is no file no\/such\/file\.csv/],
      [
        ["no-such-rule", "seeds/archive/hc-18-maternity.html"],
        /There is no rule "no-such-rule"\. Rules: .*hsc-expert-panel/,
      ],
      [
        ["gmpp", "seeds/archive/hc-18-maternity.html"],
        /Rule "gmpp" has no step that reads html; its steps read: json \(step "publication"\), csv \(step "projects"\)/,
      ],
      [
        ["hsc-expert-panel", "seeds/archive/govuk/spring-budget-2017.json"],
        /Rule "hsc-expert-panel" has no step that reads json/,
      ],
    ];
    for (const [args, message] of cases) {
      const { code, stdout, stderr } = run("scrape.ts", args);
      assert.equal(code, 1, args.join(" "));
      assert.equal(stdout, "");
      assert.match(stderr, message);
    }
  });

  it("names the selector that found nothing, and how many it expected", () => {
    const dir = mkdtempSync(join(tmpdir(), "scorecard-cli-"));
    const page = join(dir, "empty.html");
    writeFileSync(page, "<html><body><p>HC 1</p><p>Overall rating: Good</p></body></html>");
    const { code, stderr } = run("scrape.ts", ["hsc-expert-panel", page]);
    assert.equal(code, 1);
    assert.match(stderr, /drift: .*selector "h1": expected exactly 1, found 0/);
    rmSync(dir, { recursive: true });
  });
});

describe("npm run rules:check and rules:new", () => {
  const copy = mkdtempSync(join(tmpdir(), "scorecard-repo-"));
  for (const part of [
    "domain",
    "scrapers",
    "scripts",
    "src",
    "seeds",
    "package.json",
    "tsconfig.json",
    "tsconfig.base.json",
  ])
    cpSync(join(repo, part), join(copy, part), { recursive: true });
  symlinkSync(join(repo, "node_modules"), join(copy, "node_modules"));
  after(() => rmSync(copy, { recursive: true }));

  it("passes on the repository's rules and saved pages", () => {
    const { code, stdout } = run("rules-check.ts", [], copy);
    assert.equal(code, 0, stdout);
    // Every golden file and every labelled page is checked, whatever rules exist.
    const pages = readdirSync(join(repo, "scrapers", "examples"), { recursive: true }).filter((f) =>
      /\.(?:expected|labels)\.json$/.test(String(f)),
    ).length;
    assert.match(stdout, new RegExp(`rules:check: ${pages} pages checked, 0 failed`));
  });

  it("scaffolds a new kind of source that checks clean, with no other code to change", () => {
    const created = run("new-rule.ts", ["city-pledges", "--kind", "csv"], copy);
    assert.equal(created.code, 0, created.stderr);
    for (const file of [
      "scrapers/city-pledges.ts",
      "scrapers/examples/city-pledges/example.csv",
      "scrapers/examples/city-pledges/example.expected.json",
    ]) {
      assert.ok(existsSync(join(copy, file)), file);
    }
    assert.match(
      readFileSync(join(copy, "scrapers/index.ts"), "utf8"),
      /import cityPledges from "\.\/city-pledges\.ts";/,
    );
    assert.equal(run("rules-check.ts", [], copy).code, 0);
    assert.equal(
      JSON.parse(
        run("scrape.ts", ["city-pledges", "scrapers/examples/city-pledges/example.csv", "--json"], copy).stdout,
      ).commitments.length,
      2,
    );
    assert.match(run("new-rule.ts", ["city-pledges"], copy).stderr, /already exists/);
  });

  it("shows a diff when a page's output changes, and --update accepts it", () => {
    const page = join(copy, "scrapers/examples/city-pledges/example.csv");
    writeFileSync(page, readFileSync(page, "utf8").replace(",On track", ",Off track"));
    const failed = run("rules-check.ts", ["city-pledges"], copy);
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /- +"label": "On track"/);
    assert.match(failed.stdout, /\+ +"label": "Off track"/);
    assert.equal(run("rules-check.ts", ["--update", "city-pledges"], copy).code, 0);
    assert.equal(run("rules-check.ts", ["city-pledges"], copy).code, 0);
  });

  it("adds a new kind of source with its own vocabulary from the scaffold, touching no other file", () => {
    const before = snapshot(copy);
    const created = run("new-rule.ts", ["council-pledges"], copy);
    assert.equal(created.code, 0, created.stderr);
    const module = join(copy, "scrapers/council-pledges.ts");
    assert.match(readFileSync(module, "utf8"), /id: "council-pledges-status"/);
    // The maintainer saves the council's page over the example, with its own words.
    const page = join(copy, "scrapers/examples/council-pledges/example.html");
    writeFileSync(page, COUNCIL_PAGE);
    assert.equal(run("rules-check.ts", ["--update", "council-pledges"], copy).code, 0);
    const checked = run("rules-check.ts", [], copy);
    assert.equal(checked.code, 0, checked.stdout);
    const scraped = run(
      "scrape.ts",
      ["council-pledges", "scrapers/examples/council-pledges/example.html", "--json"],
      copy,
    );
    assert.equal(scraped.code, 0, scraped.stderr);
    const output = JSON.parse(scraped.stdout);
    assert.deepEqual(
      output.commitments.map((c: { text: string; ratings: { status: { label: string; band: string } } }) => [
        c.text,
        c.ratings.status.label,
        c.ratings.status.band,
      ]),
      [
        ["Install 500 electric vehicle charge points by 2026", "On track", "green"],
        ["Plant 10,000 trees by March 2027", "Complete", "green"],
        ["Open two new libraries by 2028", "Not started", "not-rated"],
        ["Cut bus fares for under-25s by 2025", "Off track", "red"],
      ],
    );
    // Each row's own "Last updated" date is its ratings' effective date; a row without one has none.
    assert.deepEqual(
      output.commitments.map((c: { effective_on?: string }) => c.effective_on ?? null),
      ["2025-06-03", "2025-04-14", null, "2025-06-03"],
    );
    // A date the rule cannot read is drift, naming the row, never a guess.
    writeFileSync(page, COUNCIL_PAGE.replace("14 April 2025", "mid-April"));
    const undated = run("scrape.ts", ["council-pledges", "scrapers/examples/council-pledges/example.html"], copy);
    assert.equal(undated.code, 1);
    assert.match(
      undated.stderr,
      /row "Plant 10,000 trees by March 2027": cannot read its "Last updated" date "mid-April"/,
    );
    writeFileSync(page, COUNCIL_PAGE);
    // The scorecard's key names the page's address, not its title.
    const golden = JSON.parse(
      readFileSync(join(copy, "scrapers/examples/council-pledges/example.expected.json"), "utf8"),
    );
    assert.equal(golden.output.scorecards[0].key, "example-org-council-pledges-example-html");
    // A word the vocabulary does not know is refused, naming it, before any golden file takes it in.
    writeFileSync(page, COUNCIL_PAGE.replace("Off track", "Paused"));
    const unknown = run("scrape.ts", ["council-pledges", "scrapers/examples/council-pledges/example.html"], copy);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /labels that the council-pledges-status vocabulary does not know: "Paused"/);
    const refused = run("rules-check.ts", ["council-pledges"], copy);
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /"check": "unknown labels"/);
    writeFileSync(page, COUNCIL_PAGE);
    // Nothing but the rule, its example page and golden file, and the generated registry changed.
    const after = snapshot(copy);
    const touched = [...new Set([...before.keys(), ...after.keys()])]
      .filter((file) => before.get(file) !== after.get(file))
      .sort();
    assert.deepEqual(touched, [
      "scrapers/council-pledges.ts",
      "scrapers/examples/council-pledges/example.expected.json",
      "scrapers/examples/council-pledges/example.html",
      "scrapers/index.ts",
    ]);
  });

  it("runs the new rule's source through the unit tests and a local run of every seeded source", () => {
    // A maintainer's next steps (README, "Adding a new kind of source", steps 7 and 8): a seeded
    // source with its saved page, then the test suites, which derive their lists from the
    // registry and the seeds, so the new rule is in them with no test edited.
    for (const part of [
      "test",
      "bench",
      "migrations",
      "wrangler.toml",
      "vitest.config.ts",
      "worker-configuration.d.ts",
    ])
      cpSync(join(repo, part), join(copy, part), { recursive: true });
    const seedsFile = join(copy, "seeds/sources.json");
    const seeds = JSON.parse(readFileSync(seedsFile, "utf8"));
    const url = "https://www.example.org/our-pledges";
    seeds.sources.push({
      id: "our-council-pledges",
      rule: "council-pledges",
      title: "Our pledges",
      url,
      schedule: "1d",
    });
    seeds.archive[url] = { file: "archive/council-pledges.html", sample: true };
    writeFileSync(seedsFile, `${JSON.stringify(seeds, null, 2)}\n`);
    writeFileSync(join(copy, "seeds/archive/council-pledges.html"), COUNCIL_PAGE);
    const result = spawnSync(
      process.execPath,
      [
        join(repo, "node_modules/vitest/vitest.mjs"),
        "run",
        "test/rule.unit.test.ts",
        "test/vocabularies.unit.test.ts",
        "test/seeds.integration.test.ts",
        "test/embed.integration.test.ts",
        "-t",
        "rule|vocabular|seed|every seeded scorecard",
        "--reporter=verbose",
      ],
      { cwd: copy, encoding: "utf8", env: { ...process.env, FORCE_COLOR: "0" }, timeout: 300_000 },
    );
    const output = result.stdout + result.stderr;
    assert.equal(result.status, 0, output.slice(-4000));
    // The local run scraped the new source with the others, through cron, queue, fetch and apply.
    assert.match(output, /run \d+ of our-council-pledges: ok \(\{"commitments_seen":4,"observations_added":4/);
    assert.match(output, /renders every seeded scorecard in both layouts/);
  });

  it("a rule that fails its checks fails alone, naming what is wrong", () => {
    const module = join(copy, "scrapers/council-pledges.ts");
    const sound = readFileSync(module, "utf8");
    writeFileSync(
      module,
      sound.replace('{ label: "At risk", band: "amber", score: 40 }', '{ label: "At risk", band: "amber", score: 90 }'),
    );
    const { code, stdout } = run("rules-check.ts", [], copy);
    assert.equal(code, 1);
    assert.match(
      stdout,
      /✗ council-pledges: Invalid rule "council-pledges": vocabulary "council-pledges-status": levels: levels run best first/,
    );
    assert.match(stdout, /✓ hsc-expert-panel: /); // the others still check
    const scraped = run("scrape.ts", ["council-pledges", "scrapers/examples/council-pledges/example.html"], copy);
    assert.equal(scraped.code, 1);
    assert.match(scraped.stderr, /levels run best first/);
    writeFileSync(module, sound);
  });

  it("creates the golden file of a second saved page with --add", () => {
    const second = "scrapers/examples/council-pledges/second.html";
    writeFileSync(join(copy, second), COUNCIL_PAGE.replace("Off track", "At risk"));
    const added = run("rules-check.ts", ["--add", second, "--url", "https://www.example.gov.uk/our-pledges"], copy);
    assert.equal(added.code, 0, added.stdout + added.stderr);
    const golden = JSON.parse(
      readFileSync(join(copy, "scrapers/examples/council-pledges/second.expected.json"), "utf8"),
    );
    assert.equal(golden.page, second);
    assert.equal(golden.output.scorecards[0].key, "www-example-gov-uk-our-pledges");
    assert.equal(run("rules-check.ts", ["council-pledges"], copy).code, 0);
    assert.match(run("rules-check.ts", ["--add", second], copy).stderr, /already exists/);
  });

  it("fails when a rule module was added without regenerating the registry", () => {
    const module = readFileSync(join(copy, "scrapers/city-pledges.ts"), "utf8").replace(
      'id: "city-pledges"',
      'id: "town-pledges"',
    );
    writeFileSync(join(copy, "scrapers/town-pledges.ts"), module);
    const { code, stdout } = run("rules-check.ts", [], copy);
    assert.equal(code, 1);
    assert.match(stdout, /scrapers\/index\.ts does not list every rule module/);
  });
});
