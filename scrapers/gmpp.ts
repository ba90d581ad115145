// Government Major Projects Portfolio: the Infrastructure and Projects Authority's (later
// NISTA's) yearly data on every major project, attached as CSV to a GOV.UK publication. Each
// project has two Delivery Confidence Assessments: the IPA's and its Senior Responsible Owner's.
// A source is one year's publication; a project keeps its GMPP ID across years, so every year's
// source shares one set of commitments and a project's history runs across them.
import { findColumns, parseCsv } from "./lib/csv.ts";
import { attachments, contentApiUrl, organisation, pageUrl, parseContentItem, publishedOn } from "./lib/govuk.ts";
import { defineRule, expectCount, type CommitmentRecord, type Extraction, type StepContext } from "./lib/rule.ts";
import { slugify } from "./lib/text.ts";

const PUBLISHER = "Infrastructure and Projects Authority";

// Headers differ from year to year ("GMPP ID Number", "GMPP ID", "Major Projects ID"), and
// the 2022-23 ones carry a paragraph of explanation after a line break.
const COLUMNS = {
  id: { header: /^(?:GMPP ID(?: Number)?|Major Projects ID)$/i, required: true },
  name: { header: /^Project Name$/i, required: true },
  department: { header: /^Department$/i, required: true },
  ipa: { header: /^IPA Delivery Confidence Assessment\b/i, required: true },
  sro: { header: /^SRO Delivery Confidence Assessment\b/i, required: true },
  end: { header: /^(?:Project - )?End Date\b/i, required: false },
};

/** "2028-03-31" or "31/03/2028" → "2028-03-31". A range ("Low: …, Mid: …") is no single date. */
function parseEndDate(text: string): string | null {
  const value = text.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const match = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
  return match ? `${match[3]}-${match[2]!.padStart(2, "0")}-${match[1]!.padStart(2, "0")}` : null;
}

/** "…annual-report-2024-2025", "gmpp_2024_25.csv" → "2024-25": the financial year the data covers. */
function financialYear(...texts: (string | undefined)[]): string | null {
  for (const text of texts) {
    const match = /(20\d{2})[-_–](?:20)?(\d{2})(?!\d)/.exec(text ?? "");
    if (match && Number(match[2]) === (Number(match[1]) + 1) % 100) return `${match[1]}-${match[2]}`;
  }
  return null;
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
  const [headers, ...rows] = parseCsv(csv);
  if (!headers) throw new Error("the CSV is empty");
  const column = findColumns(headers, COLUMNS);
  const cell = (row: string[], index: number | null) => (index === null ? "" : (row[index] ?? "").trim());
  const commitments: CommitmentRecord[] = rows.map((row) => {
    const name = cell(row, column.name);
    const department = cell(row, column.department);
    return {
      // A few rows have no ID; keyed by name, they still count, but cannot be followed across years.
      key: cell(row, column.id) || `unnumbered-${slugify(`${department} ${name}`)}`,
      text: name,
      policy_area: department || null,
      target_date: parseEndDate(cell(row, column.end)),
      source_url: null,
      // Blank and "NA" are kept: the vocabulary reads them as "not rated".
      ratings: { ipa: cell(row, column.ipa), sro: cell(row, column.sro) },
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
    },
    commitments,
  };
}

export default defineRule({
  id: "gmpp",
  title: "Government Major Projects Portfolio: Delivery Confidence Assessments",
  vocabulary: "ipa-dca-3",
  schedule: "1d",
  dimensions: [
    { key: "ipa", question: "The IPA's Delivery Confidence Assessment" },
    { key: "sro", question: "The Senior Responsible Owner's Delivery Confidence Assessment" },
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
