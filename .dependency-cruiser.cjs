// `npm run lint:deps`: data flows one way (cron → queue → fetch → archive → extract → validate →
// plan → apply → serve), and a module imports only what is to its left or below it.
const OURS = "^(domain|src|scrapers|scripts|test|bench)/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      comment: "Modules that import each other cannot be understood, or tested, one at a time.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "domain-imports-nothing-of-ours",
      comment: "domain/ is what the rules and the service share: vocabularies, text helpers, schedules.",
      severity: "error",
      from: { path: "^domain/" },
      to: { path: OURS, pathNot: "^domain/" },
    },
    {
      name: "scrapers-import-only-domain",
      comment: "Rules know their pages and the domain, never the service that runs them.",
      severity: "error",
      from: { path: "^scrapers/" },
      to: { path: OURS, pathNot: "^(domain|scrapers)/" },
    },
    {
      name: "db-imports-no-routes-or-pipeline",
      comment: "The data layer is below both: shared types live in src/types.ts.",
      severity: "error",
      from: { path: "^src/db/" },
      to: { path: "^src/(routes|pipeline)/" },
    },
    {
      name: "routes-import-no-rule-internals",
      comment: "Routes serve what the pipeline stored; of the rules they may know only the registry.",
      severity: "error",
      from: { path: "^src/routes/" },
      to: { path: "^scrapers/", pathNot: "^scrapers/index\\.ts$" },
    },
    {
      name: "pipeline-imports-no-routes",
      comment: "Serving is the end of the flow: nothing upstream depends on it.",
      severity: "error",
      from: { path: "^src/(pipeline|db)/" },
      to: { path: "^src/(routes|app\\.ts|problem\\.ts|index\\.ts)" },
    },
    {
      name: "worker-imports-no-tools",
      comment: "The Worker bundles domain/, scrapers/ and src/ only: scripts, tests and benchmarks run beside it.",
      severity: "error",
      from: { path: "^(domain|scrapers|src)/" },
      to: { path: "^(scripts|test|bench)/" },
    },
    {
      name: "not-to-unresolvable",
      comment: "workerd's own modules (cloudflare:workers, cloudflare:test) resolve only inside it.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true, pathNot: "^cloudflare:" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^scrapers/examples/|^node_modules/" },
    tsPreCompilationDeps: true,
    moduleSystems: ["es6"],
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types", "workerd"],
      extensions: [".ts", ".js", ".mjs", ".cjs", ".d.ts", ".json"],
    },
  },
};
