// scrapers/lib/html.ts: the text a reader sees, with footnote references left out where asked.
import { load } from "cheerio/slim";
import { describe, expect, it } from "vitest";
import { visibleText } from "../scrapers/lib/html.ts";

const text = (html: string, skipFootnotes = true) => {
  const $ = load(html);
  return visibleText($, $("td"), { skipFootnotes });
};

describe("visibleText with skipFootnotes", () => {
  it.each([
    ["<td>Install 500 charge points<sup>1</sup></td>"],
    ['<td>Install 500 charge points<sup><a href="#fn1">1</a></sup></td>'],
    ['<td>Install 500 charge points<a href="#fn1">1</a></td>'],
    ['<td>Install 500 charge points <a href="#note-2">[2]</a></td>'],
    ["<td>Install 500 charge points<sup>†</sup></td>"],
  ])("leaves out the reference in %s", (html) => {
    expect(text(html)).toBe("Install 500 charge points");
  });

  it("keeps a link's text when it is more than a reference, and every reference when not asked", () => {
    expect(text('<td>See <a href="#annex">Annex 1</a></td>')).toBe("See Annex 1");
    expect(text('<td>Install 500 charge points<a href="https://example.org/">1</a></td>')).toBe(
      "Install 500 charge points1",
    );
    expect(text("<td>Install 500 charge points<sup>1</sup></td>", false)).toBe("Install 500 charge points 1");
  });
});
