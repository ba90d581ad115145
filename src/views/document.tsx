/** @jsxImportSource hono/jsx */
// The HTML shell of every page people see. hono/jsx escapes every text and attribute; the only
// raw strings are the static styles and scripts of ./assets.ts.
import type { Child } from "hono/jsx";
import { raw } from "hono/html";

export type Theme = "light" | "dark" | "auto";

export function Document(props: {
  title: string;
  theme: Theme;
  css: string;
  script?: string;
  scriptSrc?: string;
  head?: Child;
  children: Child;
}) {
  return (
    <>
      {raw("<!doctype html>")}
      <html lang="en" class={props.theme}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="referrer" content="strict-origin-when-cross-origin" />
          <title>{props.title}</title>
          {props.head}
          <style>{raw(props.css)}</style>
        </head>
        <body>
          {props.children}
          {props.script === undefined ? null : <script>{raw(props.script)}</script>}
          {props.scriptSrc === undefined ? null : <script src={props.scriptSrc} async></script>}
        </body>
      </html>
    </>
  );
}
