// The only styles and scripts the pages carry: static strings, inlined and allowed by their
// sha256 in each page's Content-Security-Policy. Nothing here is built from data.

const palette = {
  light: `--bg:#fff;--fg:#1b1b1b;--mu:#4f4f4f;--a:#0b57d0;--bd:#d4d4d4;--sub:#f3f4f6;--note:#fff6d6;--notefg:#4a3800;
--g:#d7f0dd;--gf:#0b4f1f;--ag:#e6f2c8;--agf:#334d00;--am:#fdebb3;--amf:#573a00;--ar:#fddcc4;--arf:#6e2a00;
--rd:#fbd5d5;--rdf:#7a1010;--st:#e6e6e6;--stf:#333;color-scheme:light`,
  dark: `--bg:#16181c;--fg:#ececec;--mu:#b9bcc2;--a:#8ab4f8;--bd:#3a3d44;--sub:#22252b;--note:#3b3210;--notefg:#ffe7a3;
--g:#143d22;--gf:#b8f0c8;--ag:#2f3d10;--agf:#dcf2a0;--am:#4a3600;--amf:#ffe08a;--ar:#4d2410;--arf:#ffc9a6;
--rd:#4d1414;--rdf:#ffc2c2;--st:#33363b;--stf:#ddd;color-scheme:dark`,
};

/** Shared by every widget: the two themes, `auto` following the reader's system. */
export const WIDGET_CSS = `:root,.light{${palette.light}}.dark{${palette.dark}}
@media (prefers-color-scheme:dark){.auto{${palette.dark}}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;background:var(--bg)}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;background:var(--bg);color:var(--fg)}
#w{padding:12px 14px;overflow-wrap:anywhere;min-width:0}
h1{font-size:1.05rem;line-height:1.3;margin:0}
h2{font-size:.95rem;margin:14px 0 4px}
p{margin:4px 0}
a{color:var(--a)}
a:focus-visible{outline:2px solid var(--a);outline-offset:2px}
.m{color:var(--mu);font-size:.82rem}
.hd{display:flex;flex-wrap:wrap;gap:6px 12px;align-items:baseline;justify-content:space-between}
.note{background:var(--note);color:var(--notefg);padding:6px 8px;border-radius:4px;font-size:.82rem;margin:8px 0}
table{width:100%;border-collapse:collapse;margin-top:8px}
caption{text-align:left;color:var(--mu);font-size:.82rem;padding-bottom:4px}
th,td{text-align:left;vertical-align:top;padding:6px 4px;border-top:1px solid var(--bd)}
thead th{font-size:.78rem;color:var(--mu);font-weight:600;border-top:0}
th[scope=row]{font-weight:400}
th[scope=rowgroup]{background:var(--sub);font-size:.82rem;font-weight:600}
.r{display:inline-block;padding:1px 7px;border-radius:3px;font-weight:600;font-size:.8rem;max-width:100%}
.b-green{background:var(--g);color:var(--gf)}.b-amber-green{background:var(--ag);color:var(--agf)}
.b-amber{background:var(--am);color:var(--amf)}.b-amber-red{background:var(--ar);color:var(--arf)}
.b-red{background:var(--rd);color:var(--rdf)}.b-st{background:var(--st);color:var(--stf);font-weight:400}
.dl{display:block;font-size:.78rem;color:var(--mu)}
.vh{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
ol.tl{list-style:none;padding:0;margin:4px 0}
ol.tl li{display:flex;flex-wrap:wrap;gap:4px 8px;align-items:baseline;padding:4px 0;border-top:1px solid var(--bd)}
footer{margin-top:10px}
@media (max-width:520px){
table.full thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
table.full tr,table.full td,table.full th[scope=row]{display:block}
table.full tr{border-top:1px solid var(--bd);padding:4px 0}
table.full td,table.full th[scope=row]{border:0;padding:2px 4px}
table.full td::before{content:attr(data-l) ": ";color:var(--mu);font-size:.78rem}
}`;

/** The one script an embed runs: it tells the page that frames it how tall it is, whenever that changes. */
export const HEIGHT_SCRIPT = `(function(){if(window.parent===window)return;var w=document.getElementById("w"),last=0;
function send(){var h=Math.ceil(w.getBoundingClientRect().height);if(h!==last){last=h;
window.parent.postMessage({type:"scorecard:height",height:h,title:document.title},"*")}}
new ResizeObserver(send).observe(w);window.addEventListener("load",send);window.addEventListener("resize",send);send()})();`;

/**
 * `/embed.js`: turns every `<div data-scorecard="ID">` and `<div data-commitment="ID">` into an
 * iframe of the right height. It believes a height only from its own iframes, on its own origin.
 */
export const LOADER_SCRIPT = `(function(){"use strict";
var me=document.currentScript;if(!me||!me.src)return;var origin=new URL(me.src).origin;
var reg=window.__scorecardEmbeds=window.__scorecardEmbeds||{frames:[],origins:{}};
var ID=/^[a-z0-9][a-z0-9-]{0,199}$/,OPT=/^[a-z0-9-]{1,20}$/;
function mount(el){if(el.getAttribute("data-scorecard-ready"))return;
var kind=el.hasAttribute("data-scorecard")?"scorecards":"commitments";
var id=el.getAttribute(kind==="scorecards"?"data-scorecard":"data-commitment")||"";if(!ID.test(id))return;
el.setAttribute("data-scorecard-ready","1");var q=new URLSearchParams();
["layout","theme","as-of"].forEach(function(k){var v=el.getAttribute("data-"+k);if(v&&OPT.test(v))q.set(k.replace("-","_"),v)});
var f=document.createElement("iframe");var qs=q.toString();
f.src=origin+"/embed/"+kind+"/"+id+(qs?"?"+qs:"");
f.title=el.getAttribute("data-title")||(kind==="scorecards"?"Scorecard":"Commitment");
f.setAttribute("scrolling","no");f.setAttribute("loading","lazy");
f.style.cssText="display:block;width:100%;min-width:280px;max-width:100%;border:0;height:200px;overflow:hidden";
el.appendChild(f);reg.frames.push({frame:f,origin:origin})}
function scan(root){var list=(root||document).querySelectorAll("[data-scorecard],[data-commitment]");
for(var i=0;i<list.length;i++)mount(list[i])}
if(!reg.origins[origin]){reg.origins[origin]=1;window.addEventListener("message",function(e){
var d=e.data;if(!d||typeof d!=="object"||d.type!=="scorecard:height")return;
for(var i=0;i<reg.frames.length;i++){var x=reg.frames[i];
if(x.frame.contentWindow===e.source&&x.origin===e.origin){var h=Number(d.height);
if(h>0&&h<100000)x.frame.style.height=Math.ceil(h)+"px";
if(typeof d.title==="string"&&d.title&&!x.frame.hasAttribute("data-titled")){x.frame.title=d.title.slice(0,200);x.frame.setAttribute("data-titled","1")}}}})}
window.ScorecardEmbed={scan:scan};
if(document.readyState==="loading")document.addEventListener("DOMContentLoaded",function(){scan()});else scan()})();`;

/** The landing page's copy buttons. */
export const COPY_SCRIPT = `(function(){document.addEventListener("click",function(e){
var b=e.target&&e.target.closest&&e.target.closest("button[data-copy]");if(!b)return;
var t=document.getElementById(b.getAttribute("data-copy"));if(!t)return;var s=b.nextElementSibling;
function done(ok){if(s)s.textContent=ok?"Copied":"Select the text and copy it";}
if(navigator.clipboard&&navigator.clipboard.writeText)navigator.clipboard.writeText(t.value).then(function(){done(true)},function(){t.select();done(false)});
else{t.select();done(document.execCommand&&document.execCommand("copy"))}})})();`;

export const LANDING_CSS = `main{max-width:980px;margin:0 auto;padding:16px}
header.top{border-bottom:1px solid var(--bd);padding-bottom:8px}
header.top h1{font-size:1.5rem}
article.sc{border:1px solid var(--bd);border-radius:6px;padding:12px;margin:16px 0}
article.sc h2{font-size:1.1rem;margin:0 0 4px}
.cols{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:16px;margin-top:10px}
@media (max-width:760px){.cols{grid-template-columns:minmax(0,1fr)}}
.pv{border:1px dashed var(--bd);border-radius:4px;min-height:120px}
.pv iframe{display:block;width:100%;border:0}
label{display:block;font-size:.82rem;font-weight:600;margin-top:8px}
textarea{width:100%;font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;background:var(--sub);color:var(--fg);border:1px solid var(--bd);border-radius:4px;padding:6px;resize:vertical}
button{font:inherit;font-size:.82rem;margin-top:4px;padding:4px 10px;border:1px solid var(--a);background:var(--bg);color:var(--a);border-radius:4px;cursor:pointer}
button:focus-visible,textarea:focus-visible{outline:2px solid var(--a);outline-offset:2px}
.st{margin-left:8px;font-size:.82rem;color:var(--mu)}`;

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return `'sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}'`;
}

let hashes: Promise<Record<"widgetCss" | "height" | "copy" | "landingCss", string>> | undefined;

/** The CSP source expressions of the inline styles and scripts, computed once per isolate. */
export function assetHashes() {
  hashes ??= (async () => ({
    widgetCss: await sha256(WIDGET_CSS),
    height: await sha256(HEIGHT_SCRIPT),
    copy: await sha256(COPY_SCRIPT),
    landingCss: await sha256(WIDGET_CSS + LANDING_CSS),
  }))();
  return hashes;
}
