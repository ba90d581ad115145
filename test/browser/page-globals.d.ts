// What the functions these tests hand to Chromium use of the page's globals. They run in the page,
// not here; the DOM's own types would clash with the Worker types this world also loads (to seed).
declare const document: any;
declare const window: any;
declare function getComputedStyle(element: any): any;
type HTMLIFrameElement = any;
