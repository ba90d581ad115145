// GOV.UK's Content API: every page at https://www.gov.uk<path> has its content item, as JSON,
// at https://www.gov.uk/api/content<path>.
import { load } from "cheerio/slim";
import * as v from "valibot";
import { collapseWhitespace } from "../../domain/text.ts";
import { ExtractionError } from "./expect.ts";

const GOVUK = "https://www.gov.uk";

export function contentApiUrl(pageUrl: string): string {
  return `${GOVUK}/api/content${new URL(pageUrl, GOVUK).pathname}`;
}

const ContentItemSchema = v.object({
  base_path: v.string(),
  title: v.string(),
  document_type: v.optional(v.string()),
  first_public_at: v.optional(v.string()),
  first_published_at: v.optional(v.string()),
  public_updated_at: v.optional(v.string()),
  links: v.optional(v.object({ organisations: v.optional(v.array(v.object({ title: v.string() }))) })),
  details: v.object({
    body: v.optional(v.string()),
    documents: v.optional(v.array(v.string())),
    first_public_at: v.optional(v.string()),
  }),
});

export type ContentItem = v.InferOutput<typeof ContentItemSchema>;

export function parseContentItem(json: string): ContentItem {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    throw new ExtractionError("the Content API answer is not JSON", "content item");
  }
  const result = v.safeParse(ContentItemSchema, data);
  if (!result.success) {
    const where = result.issues.map((issue) => v.getDotPath(issue) ?? "item").join(", ");
    throw new ExtractionError(`the Content API item is not shaped as expected (${where})`, "content item");
  }
  return result.output;
}

/** The public page of a content item. */
export function pageUrl(item: ContentItem): string {
  return `${GOVUK}${item.base_path}`;
}

/** The date it was first published, as YYYY-MM-DD, if the item says. */
export function publishedOn(item: ContentItem): string | null {
  const date = item.first_published_at ?? item.details.first_public_at ?? item.first_public_at;
  return date?.slice(0, 10) ?? null;
}

export function organisation(item: ContentItem): string | null {
  return item.links?.organisations?.[0]?.title ?? null;
}

export interface Attachment {
  title: string;
  url: string;
  /** As the page labels it: CSV, PDF, MS Excel Spreadsheet… */
  type: string;
}

/** The attachments listed in a publication's `details.documents`. */
export function attachments(item: ContentItem): Attachment[] {
  return (item.details.documents ?? []).flatMap((snippet) => {
    const $ = load(snippet);
    const link = $(".title a").first();
    const href = link.attr("href");
    if (!href) return [];
    const type =
      collapseWhitespace($(".metadata .type").first().text()) || (/\.(\w+)$/.exec(href)?.[1] ?? "").toUpperCase();
    return [{ title: collapseWhitespace(link.text()), url: new URL(href, GOVUK).toString(), type }];
  });
}
