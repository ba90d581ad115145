// Commitment text that tries to run as code, put into a real Expert Panel page (HC 780) the way a
// publisher's page would carry it: as escaped text in its cells. The scraper reads it back as the
// raw characters below, which every widget, badge, feed and page must show as text.

export const PAYLOADS = [
  "<img src=x onerror=alert(1)>",
  '"><script>alert(2)</script>',
  "</script><script>alert(3)</script>",
  "' onmouseover='alert(4)",
] as const;

/** The hostile commitment text, as the scraper reads it. */
export const HOSTILE_TEXT = `${PAYLOADS.join(" ")} Roll out integrated health and care records for everyone`;
/** A hostile policy area. */
export const HOSTILE_AREA = "<svg onload=alert(5)> Care of patients";

const escapeHtml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** HC 780's page with a hostile commitment text and policy area. */
export function hostilePage(hc780: string): string {
  const page = hc780
    // A rated commitment (Inadequate overall), so that its text also reaches badges and change feeds.
    .replace(
      "Roll out integrated health and care records for everyone: a functionally single record",
      escapeHtml(HOSTILE_TEXT),
    )
    .replace(
      "Policy area 1: The care of patients and people who receive social care",
      `Policy area 1: ${escapeHtml(HOSTILE_AREA)}`,
    );
  if (!page.includes("alert(1)") || !page.includes("alert(5)"))
    throw new Error("the HC 780 page changed: update hostilePage");
  return page;
}
