"""The pages of the live preview: a built page with the server's script, and the PDF view.

Built HTML editions have no script and a Content-Security-Policy that allows none. The
server alone adds a small script to the copy it sends (``inject``): it shows the build's
state and problems in a panel of its own (a shadow root: the report's CSS and the panel's
never meet) and reloads the page after a rebuild, asking the server with a long poll. The
page's own policy is kept, with two changes: scripts carrying this response's nonce may
run, and they may talk to the server that sent the page (``preview_policy``).
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

__all__ = ["BASE_POLICY", "inject", "pdf_view", "placeholder", "preview_policy"]

# The policy a page gets when it brings none (the engine's, for an HTML edition).
BASE_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
               "base-uri 'none'; form-action 'none'")
_REPLACED = ("script-src", "script-src-elem", "script-src-attr", "connect-src")
_META_CSP = re.compile(
    r"<meta\s(?=[^>]*http-equiv\s*=\s*[\"']?content-security-policy)[^>]*>", re.I)
_CONTENT = re.compile(r"""\scontent\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_BODY_END = re.compile(r"</body\s*>", re.I)


def preview_policy(policy: str, nonce: str, extra: tuple[str, ...] = ()) -> str:
    """Return ``policy`` that also lets scripts with ``nonce`` run and call this server."""
    kept = [d.strip() for d in policy.split(";") if d.strip()
            and d.split()[0].lower() not in _REPLACED]
    return "; ".join([*kept, f"script-src 'nonce-{nonce}'", "connect-src 'self'", *extra])


def inject(page: str, nonce: str, state: dict[str, Any]) -> tuple[str, str]:
    """Return the page with the preview's script, and the policy to send it with."""
    policies: list[str] = []

    def rewrite(match: re.Match[str]) -> str:
        tag = match.group(0)
        found = _CONTENT.search(tag)
        if found is None:
            return tag
        value = next(g for g in found.groups() if g is not None)
        policy = preview_policy(html.unescape(value), nonce)
        policies.append(policy)
        return tag[:found.start()] + f' content="{html.escape(policy)}"' + tag[found.end():]

    page = _META_CSP.sub(rewrite, page)
    tail = _scripts(nonce, state)
    ends = list(_BODY_END.finditer(page))
    page = page[:ends[-1].start()] + tail + page[ends[-1].start():] if ends else page + tail
    return page, policies[0] if policies else preview_policy(BASE_POLICY, nonce)


def placeholder(nonce: str, state: dict[str, Any], title: str) -> tuple[str, str]:
    """A page that stands in for an edition no build has produced yet."""
    page = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title><style>{_PAGE_CSS}</style></head>"
            f"<body><main><h1>{html.escape(title)}</h1><p>No build of this edition "
            f"succeeded yet; the panel lists what stops it.</p></main></body></html>")
    return inject(page, nonce, state)


def pdf_view(nonce: str, state: dict[str, Any], pdf: str) -> tuple[str, str]:
    """A page that shows one PDF and loads it again when it is laid out anew."""
    page = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(pdf)}</title><style>{_PDF_CSS}</style></head>"
            f'<body><iframe id="reportgen-pdf" title="{html.escape(pdf)}"></iframe>'
            "</body></html>")
    policy = preview_policy(BASE_POLICY, nonce, ("frame-src 'self'", "object-src 'self'"))
    return inject(page, nonce, state)[0], policy


def _scripts(nonce: str, state: dict[str, Any]) -> str:
    # "<" escaped: nothing in the state can close the script element.
    data = json.dumps(state, ensure_ascii=False).replace("<", "\\u003c")
    return (f'<script nonce="{nonce}" type="application/json" id="reportgen-preview-state">'
            f'{data}</script><script nonce="{nonce}">{_CLIENT}</script>')


_PAGE_CSS = ("body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}"
             "main{max-width:40em;margin:4em auto;padding:0 1em}")
_PDF_CSS = ("html,body{height:100%;margin:0;background:#525659}"
            "iframe{border:0;width:100%;height:100%;display:block}")

_PANEL_CSS = """
:host{all:initial}
.bar{position:fixed;right:12px;bottom:12px;z-index:2147483647;display:flex;gap:10px;
 align-items:center;padding:6px 12px;border-radius:16px;background:#1d2330;color:#f2f4f8;
 font:13px/1.4 system-ui,sans-serif;box-shadow:0 2px 10px rgba(0,0,0,.35)}
.dot{width:9px;height:9px;border-radius:50%;background:#3fb950}
.dot.busy{background:#d29922}.dot.bad{background:#f85149}.dot.gone{background:#8b949e}
a{color:#9ecbff;text-decoration:none}a:hover{text-decoration:underline}
.panel{position:fixed;left:12px;right:12px;top:12px;z-index:2147483647;max-height:60vh;
 overflow:auto;padding:10px 14px;border-radius:8px;background:#fff5f5;color:#3b0a0a;
 border:2px solid #f85149;font:13px/1.45 system-ui,sans-serif;
 box-shadow:0 2px 12px rgba(0,0,0,.3)}
.panel h2{font-size:14px;margin:0 0 6px}
.panel pre{margin:0;white-space:pre-wrap;font:12.5px/1.5 ui-monospace,monospace}
.panel .warn{color:#5a4300}
"""

_CLIENT = """(() => {
"use strict";
const boot = JSON.parse(document.getElementById("reportgen-preview-state").textContent);
const host = document.createElement("reportgen-preview");
const root = host.attachShadow({mode: "open"});
const sheet = new CSSStyleSheet();
sheet.replaceSync(PANEL_CSS);
root.adoptedStyleSheets = [sheet];
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};
const panel = el("section", "panel"), bar = el("div", "bar"), dot = el("span", "dot");
const status = el("span", "status"), link = el("a", "switch");
panel.setAttribute("role", "alert");
bar.append(dot, status, link);
root.append(panel, bar);
(document.body || document.documentElement).append(host);
const frame = document.getElementById("reportgen-pdf");
let shownPdf = null;
const pdfOf = s => s.pdfs[boot.pdf] || {};
function draw(s, gone) {
  const pdf = pdfOf(s), bad = s.problems.length + (pdf.problems || []).length;
  dot.className = "dot" + (gone ? " gone" : s.building || pdf.busy ? " busy" : bad ? " bad" : "");
  let text = gone ? "preview server stopped" : s.building ? "rebuilding\\u2026" :
    s.problems.length ? s.problems.length + (s.problems.length === 1 ? " problem" : " problems") :
    "up to date \\u00b7 " + s.seconds.toFixed(2) + " s";
  if (!gone && boot.kind === "pdf") {
    text += " \\u00b7 PDF " + (pdf.generation === undefined || pdf.generation === null ?
      "laying out\\u2026" : (pdf.current ? "current" : "from an earlier edit") +
      (pdf.busy ? ", laying out\\u2026" : "") + " \\u00b7 " + pdf.pages + " pages");
  }
  status.textContent = text;
  if (boot.kind === "pdf") {
    link.textContent = "HTML"; link.href = "/" + boot.page;
  } else {
    link.textContent = "PDF"; link.href = "/_reportgen/pdf/" + encodeURIComponent(boot.pdf);
  }
  const notes = boot.kind === "pdf" && !bad ? (pdf.notes || []) : [];
  panel.replaceChildren();
  panel.hidden = !bad && !notes.length;
  if (bad) {
    panel.append(el("h2", "", bad + (bad === 1 ? " problem" : " problems") +
      " \\u2014 " + (boot.kind === "pdf" ? "the PDF shown is the last good one" :
      "the page shows the last good build")));
    panel.append(el("pre", "", [...s.problems, ...(pdf.problems || [])].join("\\n")));
    if (s.warnings.length) panel.append(el("pre", "warn", s.warnings.join("\\n")));
  } else if (notes.length) {
    panel.append(el("h2", "", notes.length + (notes.length === 1 ? " layout note" :
      " layout notes") + " \\u2014 the PDF is up to date; these pages read worse than " +
      "they should"));
    panel.append(el("pre", "warn", notes.join("\\n")));
  }
  if (frame && pdf.generation !== undefined && pdf.generation !== null &&
      pdf.stamp !== shownPdf) {
    shownPdf = pdf.stamp;
    frame.src = "/" + encodeURIComponent(boot.pdf) + "?v=" + pdf.stamp;
  }
}
draw(boot, false);
const sleep = ms => new Promise(done => setTimeout(done, ms));
(async () => {
  let version = boot.version, failures = 0;
  for (;;) {
    let s;
    try {
      const r = await fetch("/_reportgen/wait?since=" + version + "&page=" +
        encodeURIComponent(boot.page), {cache: "no-store"});
      if (!r.ok) throw new Error("HTTP " + r.status);
      s = await r.json();
    } catch (e) {
      failures += 1;
      if (failures > 2) draw(boot, true);
      await sleep(Math.min(5000, 400 * failures));
      continue;
    }
    if (failures > 2 || s.server !== boot.server ||
        (boot.kind === "page" && (s.page_versions[boot.page] || 0) !== boot.page_version) ||
        (boot.kind === "index" && Object.keys(s.page_versions).length)) {
      location.reload();
      return;
    }
    failures = 0;
    version = s.version;
    draw(s, false);
  }
})();
})();
""".replace("PANEL_CSS", json.dumps(_PANEL_CSS))
