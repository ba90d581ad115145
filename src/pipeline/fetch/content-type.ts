// Does a document's Content-Type fit the kind of document a rule's step reads? Only clear
// contradictions are refused (a PDF, an image or a JSON answer where the step reads HTML):
// publishers label CSV as text/plain or application/octet-stream often enough that a generic
// type, or none, is left to the step's own checks.
import type { DocumentKind } from "../../../scrapers/lib/rule.ts";

type Family = DocumentKind | "binary" | null;

/** The family a Content-Type names: a kind a step reads, a binary format, or null (generic or absent). */
export function contentFamily(contentType: string | null): Family {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "text/html" || type === "application/xhtml+xml") return "html";
  if (type === "text/csv" || type === "application/csv" || type === "text/comma-separated-values") return "csv";
  if (type === "application/json" || type.endsWith("+json")) return "json";
  if (/^(image|audio|video|font)\//.test(type)) return "binary";
  if (/^application\/(pdf|zip|gzip|x-gzip|msword|vnd\.openxmlformats|vnd\.oasis|x-7z|x-tar|wasm)/.test(type))
    return "binary";
  return null;
}

/** Why a document of this Content-Type cannot be what a step reads; null if it may be. */
export function contentTypeMismatch(contentType: string | null, accepts: DocumentKind): string | null {
  const family = contentFamily(contentType);
  if (family === null || family === accepts) return null;
  return `its Content-Type is ${contentType}, not the ${accepts} this step reads`;
}
