// Government Major Projects Portfolio: the Infrastructure and Projects Authority's (later
// NISTA's) yearly data on every major project, attached as CSV to a GOV.UK publication. A source
// is one year's publication; a project keeps its GMPP ID across years, so every year's source
// shares one set of commitments and a project's history runs across them.
//
// Each year rates each project once: the IPA gives a Delivery Confidence Assessment to some
// projects and the project's Senior Responsible Owner to the others (2020-21 has no SRO column:
// the IPA rated them all). `ipa` and `sro` keep both columns as published; `dca` is the one
// rating the project had that year, and `assessed_by` says whose it was, so that its history
// follows the project whoever rated it. Years rate on the three-point scale, or on the
// five-point one (2020-21), chosen from the labels in the file.
import { readTable, parseCsv } from "./lib/csv.ts";
import { attachments, contentApiUrl, organisation, pageUrl, parseContentItem, publishedOn } from "./lib/govuk.ts";
import { type CommitmentRecord, defineRule, type Extraction, type StepContext } from "./lib/rule.ts";
import { expectCount, ExtractionError } from "./lib/expect.ts";
import { collapseWhitespace, slugify } from "../domain/text.ts";
import { type Band, isRating, mapLabel, type VocabularyId } from "../domain/vocabularies.ts";

const PUBLISHER = "Infrastructure and Projects Authority";

// Headers differ from year to year ("GMPP ID Number", "GMPP ID", "Major Projects ID"), and
// some carry a paragraph of explanation after a line break.
const COLUMNS = {
  id: { header: /^(?:GMPP ID(?: Number)?|Major Projects ID)$/i, required: true },
  name: { header: /^Project Name$/i, required: true },
  department: { header: /^Department$/i, required: true },
  category: { header: /^Annual Report Category$/i, required: true },
  description: { header: /^(?:Description \/ Aims|Project Description)$/i, required: true },
  ipa: { header: /^IPA Delivery Confidence Assessment\b/i, required: true },
  // 2020-21 has none: that year's projects have no `sro` rating at all.
  sro: { header: /^SRO Delivery Confidence Assessment\b/i, required: false },
  start: { header: /^(?:Project - )?Start Date\b/i, required: true },
  end: { header: /^(?:Project - )?End Date\b/i, required: true },
  cost: { header: /^(?:TOTAL Baseline )?Whole Life Costs?\b/i, required: true },
};

/**
 * Departments as the five published years spell them ("MOD" and "MoD", "DFT" and "DfT" are one
 * department), by upper-cased code: a normalised code and the department's name. BEIS is not
 * DESNZ, DSIT or DBT, nor DLUHC MHCLG: a department that was split or renamed keeps its own entry.
 */
const DEPARTMENTS: Record<string, { code: string; name: string }> = {
  BEIS: { code: "BEIS", name: "Department for Business, Energy and Industrial Strategy" },
  CO: { code: "CO", name: "Cabinet Office" },
  DBT: { code: "DBT", name: "Department for Business and Trade" },
  // "Digital, Culture, Media and Sport" until February 2023.
  DCMS: { code: "DCMS", name: "Department for Culture, Media and Sport" },
  DEFRA: { code: "DEFRA", name: "Department for Environment, Food and Rural Affairs" },
  "DEFRA & DFT": {
    code: "DEFRA & DFT",
    name: "Department for Environment, Food and Rural Affairs and Department for Transport",
  },
  DESNZ: { code: "DESNZ", name: "Department for Energy Security and Net Zero" },
  DFE: { code: "DFE", name: "Department for Education" },
  DFT: { code: "DFT", name: "Department for Transport" },
  DHSC: { code: "DHSC", name: "Department of Health and Social Care" },
  DLUHC: { code: "DLUHC", name: "Department for Levelling Up, Housing and Communities" },
  DSIT: { code: "DSIT", name: "Department for Science, Innovation and Technology" },
  DWP: { code: "DWP", name: "Department for Work and Pensions" },
  FCDO: { code: "FCDO", name: "Foreign, Commonwealth and Development Office" },
  HMLR: { code: "HMLR", name: "HM Land Registry" },
  HMRC: { code: "HMRC", name: "HM Revenue and Customs" },
  HMT: { code: "HMT", name: "HM Treasury" },
  HO: { code: "HO", name: "Home Office" },
  MHCLG: { code: "MHCLG", name: "Ministry of Housing, Communities and Local Government" },
  MOD: { code: "MOD", name: "Ministry of Defence" },
  MOJ: { code: "MOJ", name: "Ministry of Justice" },
  NCA: { code: "NCA", name: "National Crime Agency" },
  ONS: { code: "ONS", name: "Office for National Statistics" },
  VOA: { code: "VOA", name: "Valuation Office Agency" },
};

function normaliseDepartment(published: string): { code: string; name: string } | null {
  return (
    DEPARTMENTS[
      collapseWhitespace(published)
        .toUpperCase()
        .replace(/\s*&\s*/g, " & ")
    ] ?? null
  );
}

/** "TOTAL Baseline Whole Life Costs (£m) (including Non-Government Costs)" → "£m, including Non-Government Costs". */
function unitOf(header: string): string | null {
  const parts = [...collapseWhitespace(header).matchAll(/\(([^()]*)\)/g)].map((m) => m[1]!.trim());
  return parts.length > 0 ? parts.join(", ") : null;
}

/** "…annual-report-2024-2025", "gmpp_2024_25.csv" → "2024-25": the financial year the data covers. */
function financialYear(...texts: (string | undefined)[]): string | null {
  for (const text of texts) {
    const match = /(20\d{2})[-_–](?:20)?(\d{2})(?!\d)/.exec(text ?? "");
    if (match && Number(match[2]) === (Number(match[1]) + 1) % 100) return `${match[1]}-${match[2]}`;
  }
  return null;
}

type BandOf = (vocabulary: VocabularyId, label: string) => Band;

/** `mapLabel`'s band, remembered for one file: a year repeats a handful of labels hundreds of times. */
function rememberedBands(): BandOf {
  const vocabularies = new Map<VocabularyId, Map<string, Band>>();
  return (vocabulary, label) => {
    let bands = vocabularies.get(vocabulary);
    if (!bands) vocabularies.set(vocabulary, (bands = new Map()));
    let band = bands.get(label);
    if (band === undefined) bands.set(label, (band = mapLabel(vocabulary, label).band));
    return band;
  };
}

/** The five-point scale where any assessment uses one of its own levels ("Amber/red", "Amber-Green"); else the three-point one. */
function scaleOf(labels: string[], bandOf: BandOf): VocabularyId {
  const fivePoint = labels.some((label) => ["amber-red", "amber-green"].includes(bandOf("ipa-dca-5", label)));
  return fivePoint ? "ipa-dca-5" : "ipa-dca-3";
}

type Assessor = "ipa" | "sro";

/**
 * The project's one Delivery Confidence Assessment that year, and whose rating it is. A row
 * rated by both, or by neither, breaks what every published year holds, and is drift.
 */
function deliveryConfidence(
  project: string,
  cells: [Assessor, string][],
  vocabulary: VocabularyId,
  bandOf: BandOf,
): { label: string; by?: Assessor } {
  const rated = cells.filter(([, cell]) => isRating(bandOf(vocabulary, cell)));
  if (rated.length > 1) {
    throw new ExtractionError(
      `project ${project} is rated by both the IPA (${JSON.stringify(rated[0]![1])}) and its SRO (${JSON.stringify(rated[1]![1])}): a year rates each project once`,
      "one assessment per project",
    );
  }
  if (rated.length === 1) return { label: rated[0]![1], by: rated[0]![0] };
  // No rating: an exemption, "early planning" and the like, given in one column or both alike.
  // A cell that says nothing: blank, "NA", "Not applicable" (the states every vocabulary reads as not rated).
  const said = cells.filter(([, cell]) => bandOf("unrated", cell) !== "not-rated");
  const distinct = new Set(said.map(([, cell]) => collapseWhitespace(cell)));
  if (distinct.size === 1) return { label: said[0]![1] };
  throw new ExtractionError(
    distinct.size === 0
      ? `project ${project} has no Delivery Confidence Assessment from the IPA or its SRO: a year rates each project once`
      : `project ${project} has two different assessments that are not ratings: ${[...distinct].map((d) => JSON.stringify(d)).join(" and ")}`,
    "one assessment per project",
  );
}

function findCsv(json: string, { url }: StepContext) {
  const item = parseContentItem(json);
  const csvs = attachments(item).filter((a) => /\bcsv\b/i.test(a.type));
  expectCount(`CSV attachments of ${url}`, csvs.length, 1);
  return csvs.map((csv) => ({
    url: csv.url,
    carry: {
      scorecard_key: item.base_path.split("/").pop() ?? item.base_path,
      title: item.title,
      publisher: organisation(item) ?? PUBLISHER,
      published_on: publishedOn(item) ?? "",
      publication_url: pageUrl(item),
    },
  }));
}

function readProjects(csv: string, { url, carried }: StepContext): Extraction {
  const table = parseCsv(csv);
  if (table.length === 0) throw new Error("the CSV is empty");
  const { headers, rows, column } = readTable(table, COLUMNS);
  // A year without an SRO column has no SRO ratings; one whose SRO column was renamed is drift.
  if (column.sro === null) {
    const renamed = headers.find((h) => /\bSRO\b.*\b(?:confidence|DCA|RAG|rating)\b/i.test(collapseWhitespace(h)));
    if (renamed)
      throw new ExtractionError(
        `no header matches column "sro" (${COLUMNS.sro.header}), but ${JSON.stringify(collapseWhitespace(renamed))} looks like it`,
        'csv column "sro"',
      );
  }
  const cell = (row: string[], index: number | null) => (index === null ? "" : (row[index] ?? "").trim());
  const assessments = (row: string[]): [Assessor, string][] =>
    column.sro === null
      ? [["ipa", cell(row, column.ipa)]]
      : [
          ["ipa", cell(row, column.ipa)],
          ["sro", cell(row, column.sro)],
        ];
  const bandOf = rememberedBands();
  const vocabulary = scaleOf(
    rows.flatMap((row) => assessments(row).map(([, label]) => label)),
    bandOf,
  );
  const unit = unitOf(headers[column.cost!] ?? "");
  const orNull = (text: string) => (text === "" ? null : text);

  const commitments: CommitmentRecord[] = rows.map((row) => {
    const name = cell(row, column.name);
    const department = cell(row, column.department);
    // A few rows have no ID; keyed by name, they still count, but cannot be followed across years.
    const key = cell(row, column.id) || `unnumbered-${slugify(`${department} ${name}`)}`;
    const published = assessments(row);
    const dca = deliveryConfidence(key, published, vocabulary, bandOf);
    const normalised = normaliseDepartment(department);
    const cost = cell(row, column.cost);
    return {
      key,
      text: name,
      policy_area: department || null,
      // A project's end date is its schedule, not a promise: it is kept in details, not as a target.
      target_date: null,
      source_url: null,
      // Both columns as published (blank and "NA" are read as not rated), and the one rating of the year.
      ratings: { ...Object.fromEntries(published), dca: dca.label },
      ...(dca.by ? { assessed_by: { dca: dca.by } } : {}),
      details: {
        department: orNull(department),
        department_code: normalised?.code ?? null,
        department_name: normalised?.name ?? null,
        category: orNull(cell(row, column.category)),
        description: orNull(cell(row, column.description)),
        start_date: orNull(cell(row, column.start)),
        end_date: orNull(cell(row, column.end)),
        whole_life_cost: orNull(cost),
        whole_life_cost_unit: cost === "" ? null : unit,
      },
    };
  });
  const file = decodeURIComponent(new URL(url).pathname.split("/").pop() ?? url);
  return {
    scorecard: {
      key: carried.scorecard_key || file,
      title: carried.title || `Government Major Projects Portfolio data (${file})`,
      publisher: carried.publisher || PUBLISHER,
      published_on: carried.published_on || null,
      url: carried.publication_url || url,
      overall: null,
      period: financialYear(carried.scorecard_key, carried.title, file),
      vocabulary,
    },
    commitments,
  };
}

export default defineRule({
  id: "gmpp",
  title: "Government Major Projects Portfolio: Delivery Confidence Assessments",
  vocabulary: "ipa-dca-3",
  vocabularies: ["ipa-dca-3", "ipa-dca-5"],
  schedule: "1d",
  allowedHosts: ["www.gov.uk", "assets.publishing.service.gov.uk"],
  // Reading the CSV costs about 3 times its size (npm run bench:memory), beside the body and its
  // text: 10 MB stays near 60 MB. The published files are under 1 MB.
  maxBodyBytes: 10 * 1024 * 1024,
  dimensions: [
    { key: "ipa", question: "The IPA's Delivery Confidence Assessment" },
    { key: "sro", question: "The Senior Responsible Owner's Delivery Confidence Assessment" },
    {
      key: "dca",
      question: "The project's Delivery Confidence Assessment that year, whether the IPA or its SRO gave it",
    },
  ],
  entry: contentApiUrl,
  steps: [
    { kind: "follow", name: "publication", accepts: "json", follow: findCsv, expect: 1 },
    { kind: "extract", name: "projects", accepts: "csv", extract: readProjects },
  ],
  commitmentScope: "rule",
  // The portfolio has held 150 to 250 projects; a file of a handful is a broken file.
  expect: { commitments: { min: 50 }, maxDrop: 0.2 },
});
