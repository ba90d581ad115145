/** @jsxImportSource hono/jsx */
// A shields.io-style SVG badge: "<dimension> | <label>", the right half coloured by band, with
// dark or white text as the colour needs for AA contrast. Text is escaped by hono/jsx.
import { BANDS } from "./format.ts";

const COLOURS: Record<string, { bg: string; fg: string; shields: string }> = {
  green: { bg: "#1e7b34", fg: "#fff", shields: "brightgreen" },
  "amber-green": { bg: "#a3c93a", fg: "#1b1b1b", shields: "yellowgreen" },
  amber: { bg: "#f2b705", fg: "#1b1b1b", shields: "yellow" },
  "amber-red": { bg: "#e8772e", fg: "#1b1b1b", shields: "orange" },
  red: { bg: "#c62828", fg: "#fff", shields: "red" },
  state: { bg: "#6b6b6b", fg: "#fff", shields: "lightgrey" },
};

export function badgeColour(band: string | null) {
  return band !== null && (BANDS as readonly string[]).includes(band) ? COLOURS[band]! : COLOURS.state!;
}

/** Verdana 11px, roughly: wide letters, narrow ones, the rest. Overestimates rather than clips. */
function textWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += /[mwMW@%]/.test(ch) ? 10 : /[ilIj.,:;'|!() ]/.test(ch) ? 4 : /[A-Z]/.test(ch) ? 8 : 7;
  return width;
}

export function truncate(text: string, max = 48): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function Badge(props: { label: string; message: string; band: string | null; title: string }) {
  const label = truncate(props.label);
  const message = truncate(props.message);
  const left = textWidth(label) + 12;
  const right = textWidth(message) + 12;
  const colour = badgeColour(props.band);
  const width = left + right;
  return (
    <svg
      xmlns="http://www.w3.org/2000/svg"
      width={String(width)}
      height="20"
      viewBox={`0 0 ${width} 20`}
      role="img"
      aria-label={`${label}: ${message}`}
    >
      <title>{props.title}</title>
      <rect width={String(left)} height="20" fill="#444" />
      <rect x={String(left)} width={String(right)} height="20" fill={colour.bg} />
      <g font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle">
        <text x={String(left / 2)} y="14" fill="#fff">
          {label}
        </text>
        <text x={String(left + right / 2)} y="14" fill={colour.fg}>
          {message}
        </text>
      </g>
    </svg>
  );
}
