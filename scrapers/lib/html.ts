// The text of an element as a reader meets it.
import type { CheerioAPI } from "cheerio/slim";
import { type AnyNode, type Element, isTag } from "domhandler";
import { collapseWhitespace } from "../../domain/text.ts";
import type { Selection } from "./expect.ts";

// Never shown to a reader: their text must not leak into a rating or a commitment.
const INVISIBLE = new Set(["script", "style", "template", "noscript", "head", "title", "meta", "link"]);
// Elements that stand on their own line: their text never runs into a neighbour's.
const BLOCKS = new Set([
  ...["address", "article", "aside", "blockquote", "caption", "dd", "details", "div", "dl", "dt", "figcaption"],
  ...["figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol"],
  ...["p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"],
]);
// A footnote reference: "1", "12", "a", "*", "†", "[3]", "(4)".
const FOOTNOTE_REFERENCE = /^\s*(?:\[\s*\w{1,3}\s*\]|\(\s*\w{1,3}\s*\)|\d{1,3}|[a-z]|[*†‡§¶#]+)\s*$/i;

export interface TextOptions {
  /** Leave out tables nested inside the element (a table cell's own text, not a nested table's). */
  skipTables?: boolean;
  /**
   * Leave out footnote references, as in running text: a superscript one (`<sup>12</sup>`,
   * `<sup><a href="#fn1">1</a></sup>`) or a link to a note on the page whose text is one
   * (`<a href="#fn1">[1]</a>`).
   */
  skipFootnotes?: boolean;
}

function isElement(node: AnyNode): node is Element {
  return node.type === "tag" || node.type === "script" || node.type === "style";
}

/** An image's text alternative, or an element's accessible name, when it shows no text of its own. */
function accessibleName(element: Element): string {
  const { alt, "aria-label": ariaLabel, title } = element.attribs;
  if (element.name === "img" || element.name === "area" || element.name === "input")
    return alt ?? ariaLabel ?? title ?? "";
  return ariaLabel ?? title ?? "";
}

function collect(node: AnyNode, options: TextOptions, out: string[]): void {
  if (node.type === "text") {
    out.push(node.data);
    return;
  }
  if (node.type === "root") {
    for (const child of node.children) collect(child, options, out);
    return;
  }
  if (!isElement(node) || node.type !== "tag") return;
  const name = node.name;
  if (INVISIBLE.has(name) || "hidden" in node.attribs) return;
  if (name === "br" || name === "wbr") {
    out.push(" ");
    return;
  }
  if (name === "img" || name === "area" || (name === "input" && node.attribs.type === "image")) {
    out.push(" ", accessibleName(node), " ");
    return;
  }
  if (options.skipTables && name === "table") return;
  const block = BLOCKS.has(name);
  if (block) out.push(" ");
  const start = out.length;
  if (
    options.skipFootnotes &&
    name === "a" &&
    (node.attribs.href ?? "").startsWith("#") &&
    FOOTNOTE_REFERENCE.test(plainText(node))
  )
    return;
  if (name === "sup") {
    if (options.skipFootnotes && (FOOTNOTE_REFERENCE.test(plainText(node)) || hasFootnoteLink(node))) return;
    // "Good<sup>12</sup>" is "Good 12", never "Good12".
    out.push(" ");
  }
  for (const child of node.children) collect(child, options, out);
  // An icon or badge that carries its meaning in aria-label or title, with no text of its own.
  if (onlyWhitespaceFrom(out, start)) {
    const name = accessibleName(node).trim();
    if (name) out.push(" ", name, " ");
  }
  if (block) out.push(" ");
}

/** Whether `out[start…]` joined would trim to nothing, without joining it (the first piece usually answers). */
function onlyWhitespaceFrom(out: string[], start: number): boolean {
  for (let i = start; i < out.length; i++) if (out[i]!.trim() !== "") return false;
  return true;
}

function plainText(node: AnyNode): string {
  const out: string[] = [];
  collect(node, {}, out);
  return out.join("");
}

function hasFootnoteLink(node: Element): boolean {
  return node.children.some(
    (child) =>
      child.type === "tag" &&
      ((child.name === "a" && (child.attribs.href ?? "").startsWith("#")) || hasFootnoteLink(child)),
  );
}

/**
 * The text of a node as a reader sees or hears it: no script, style, template or noscript
 * content; images by their alt text; icons by their aria-label or title; line breaks and
 * block boundaries as spaces; whitespace collapsed.
 */
export function textOf(node: AnyNode | undefined, options: TextOptions = {}): string {
  if (!node) return "";
  const plain = onlyText(node);
  if (plain) return plain;
  const out: string[] = [];
  collect(node, options, out);
  return collapseWhitespace(out.join(""));
}

// Elements whose text `collect` reads in some other way than its text child's.
const NOT_PLAIN = new Set(["br", "wbr", "img", "area", "input", "table", "a", "sup"]);

/**
 * The text of an element whose only child is text (most table cells), as `collect` would read
 * it, without collecting; "" when `collect` must decide (no visible text, or a special element).
 */
function onlyText(node: AnyNode): string {
  if (node.type !== "tag" || node.children.length !== 1) return "";
  const child = node.children[0]!;
  if (child.type !== "text" || INVISIBLE.has(node.name) || NOT_PLAIN.has(node.name) || "hidden" in node.attribs)
    return "";
  return collapseWhitespace(child.data);
}

/** `textOf` for the elements of a selection, joined. */
export function visibleText(_$: CheerioAPI, selection: Selection, options: TextOptions = {}): string {
  return collapseWhitespace(
    selection
      .toArray()
      .map((node) => textOf(node, options))
      .join(" "),
  );
}

/**
 * The elements with a text child matching `pattern`, in document order: one pass over the tree,
 * so that a rule can find a few statements in a large page without reading every block's text.
 * Text that a reader never sees (script, style, template, noscript) is passed over.
 */
export function elementsWithText(root: AnyNode, pattern: RegExp): Element[] {
  const found: Element[] = [];
  const stack: AnyNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === "text") {
      const parent = node.parent;
      if (parent && parent.type === "tag" && pattern.test(node.data) && found.at(-1) !== parent) found.push(parent);
      continue;
    }
    if (node.type === "tag" && (INVISIBLE.has(node.name) || "hidden" in node.attribs)) continue;
    if (node.type === "tag" || node.type === "root") {
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
    }
  }
  return found;
}

export interface PageScan {
  /** For each pattern, the elements with a text child matching it, as `elementsWithText` finds them. */
  withText: Element[][];
  /** For each name asked, every element of that name in document order, hidden or not, as a selector finds them. */
  named: Map<string, Element[]>;
}

/**
 * `elementsWithText` for several patterns, and the elements of a few names, in one pass over the
 * tree: a large page is walked once, not once per question a rule asks of it.
 */
export function scanPage(root: AnyNode, patterns: RegExp[], names: string[]): PageScan {
  const withText = patterns.map((): Element[] => []);
  // Most text matches none of the patterns: one test of them all passes it over (their sources
  // joined, case-insensitive: it matches whatever any of them does, unless a flag or a numbered
  // backreference would change what a source means on its own).
  const joinable = patterns.every((pattern) => /^i?$/.test(pattern.flags) && !/\\[1-9]/.test(pattern.source));
  const any = joinable ? new RegExp(patterns.map((pattern) => pattern.source).join("|"), "i") : /(?:)/;
  const named = new Map(names.map((name): [string, Element[]] => [name, []]));
  const stack: AnyNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === "text") {
      const parent = node.parent;
      if (!parent || parent.type !== "tag" || !any.test(node.data)) continue;
      for (let i = 0; i < patterns.length; i++) {
        const found = withText[i]!;
        if (patterns[i]!.test(node.data) && found.at(-1) !== parent) found.push(parent);
      }
      continue;
    }
    if (isTag(node)) {
      named.get(node.name)?.push(node);
      if (node.type !== "tag" || INVISIBLE.has(node.name) || "hidden" in node.attribs) {
        // No text of theirs counts, but a selector still finds the elements inside them (in
        // document order: nothing after this element has been reached yet).
        for (const name of names) named.get(name)!.push(...descendantsNamed(node, new Set([name])));
        continue;
      }
    } else if (node.type !== "root") continue;
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return { withText, named };
}

/** The descendants of `node` named one of `names`, in document order (`$(node).find(names)`). */
export function descendantsNamed(node: AnyNode, names: ReadonlySet<string>): Element[] {
  const found: Element[] = [];
  const stack: AnyNode[] = "children" in node ? [...node.children].reverse() : [];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (isTag(next) && names.has(next.name)) found.push(next);
    if ("children" in next) for (let i = next.children.length - 1; i >= 0; i--) stack.push(next.children[i]!);
  }
  return found;
}

/** Whether any descendant of `node` is named one of `names` (`$(node).find(names).length > 0`). */
export function hasDescendantNamed(node: AnyNode, names: ReadonlySet<string>): boolean {
  const stack: AnyNode[] = "children" in node ? [...node.children] : [];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (isTag(next) && names.has(next.name)) return true;
    if ("children" in next) for (const child of next.children) stack.push(child);
  }
  return false;
}

/** The children of `node` that are elements named one of `names` (`$(node).children(names)`). */
export function childrenNamed(node: AnyNode, names: ReadonlySet<string>): Element[] {
  return "children" in node
    ? (node.children.filter((child) => isTag(child) && names.has(child.name)) as Element[])
    : [];
}

/** `node` itself or its nearest ancestor named one of `names`, below the document (`$(node).closest(names)`). */
export function closestNamed(node: AnyNode, names: ReadonlySet<string>): Element | null {
  for (let at: AnyNode | null = node; at && at.type !== "root"; at = at.parent)
    if (isTag(at) && names.has(at.name)) return at;
  return null;
}

/** The previous sibling that is an element (`$(node).prev()`). */
export function previousElement(node: AnyNode): Element | null {
  let prev = node.prev;
  while (prev && !isTag(prev)) prev = prev.prev;
  return prev;
}

/** The next sibling that is an element (`$(node).next()`). */
export function nextElement(node: AnyNode): Element | null {
  let next = node.next;
  while (next && !isTag(next)) next = next.next;
  return next;
}

/** The siblings before `node` that are elements, nearest first (`$(node).prevAll()`). */
export function previousElements(node: AnyNode): Element[] {
  const found: Element[] = [];
  for (let prev = node.prev; prev; prev = prev.prev) if (isTag(prev)) found.push(prev);
  return found;
}

/** The nearest block element at or above `element` (a paragraph, cell, list item, heading…). */
export function closestBlock(element: Element): Element {
  let node: Element = element;
  while (!BLOCKS.has(node.name) && node.parent?.type === "tag") node = node.parent;
  return node;
}

/** Whether `element` lies inside one of `containers`. */
export function isInside(element: Element, containers: Set<AnyNode>): boolean {
  for (let node: AnyNode | null = element; node; node = node.parent) if (containers.has(node)) return true;
  return false;
}
