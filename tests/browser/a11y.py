"""Accessibility smoke checks a journey runs on every page it visits.

``check_page``: not a full audit, the structural rules the layout promises (one <h1>, a <main> landmark, the skip link first in
the tab order, a label on every form control, alt text on every image, a page language, unique ids, ARIA
references that resolve). ``assert_no_axe_violations``: axe-core's WCAG 2.1 A/AA rules, run by the crawl of every
page (tests/browser/test_accessibility_crawl.py).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.services import unavailable

LANGUAGE = re.compile(r"^(lv|en|ru)$")

# Form controls without an accessible name: no <label for>, no wrapping <label>, no aria-label(ledby). A label's
# name counts the text alternatives of its images (the admin's search box is labelled by a magnifier with alt text);
# a control that is not rendered (display: none, a formset's template row) is in no one's way until it is shown.
UNLABELLED_CONTROLS_JS = """
(ignored) => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter((el) => !['hidden', 'submit', 'button', 'reset', 'image'].includes((el.type || '').toLowerCase()))
  .filter((el) => el.getClientRects().length > 0 && !(ignored && el.matches(ignored)))
  .filter((el) => {
    const named = (label) => label.textContent.trim() !== ''
      || Array.from(label.querySelectorAll('img[alt]')).some((img) => img.alt.trim() !== '');
    const labelled = (el.labels && Array.from(el.labels).some(named));
    const aria = (el.getAttribute('aria-label') || '').trim() !== '';
    const ids = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
    const byRef = ids.some((id) => {
      const ref = document.getElementById(id);
      return ref && ref.textContent.trim() !== '';
    });
    return !(labelled || aria || byRef);
  })
  .map((el) => el.outerHTML.slice(0, 160))
"""

IMAGES_WITHOUT_ALT_JS = """
() => Array.from(document.querySelectorAll('img:not([alt]), input[type=image]:not([alt])'))
  .map((el) => el.outerHTML.slice(0, 160))
"""

DUPLICATE_IDS_JS = """
() => {
  const seen = new Map();
  for (const el of document.querySelectorAll('[id]')) seen.set(el.id, (seen.get(el.id) || 0) + 1);
  return Array.from(seen).filter(([, count]) => count > 1).map(([id]) => id);
}
"""

# aria-describedby / aria-labelledby naming an id that is not on the page: the description is silently lost.
DANGLING_ARIA_REFERENCES_JS = """
(ignored) => Array.from(document.querySelectorAll('[aria-describedby], [aria-labelledby]'))
  .flatMap((el) => ['aria-describedby', 'aria-labelledby'].flatMap((attr) =>
    (el.getAttribute(attr) || '').split(/\\s+/).filter(Boolean)
      .filter((id) => !document.getElementById(id) && !ignored.includes(id))
      .map((id) => `${attr}="${id}" on ${el.outerHTML.slice(0, 120)}`)))
"""

FOCUSED_ELEMENT_JS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const rect = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    className: el.className,
    href: el.getAttribute('href'),
    visible: rect.width > 0 && rect.height > 0 && rect.bottom > 0 && rect.top < window.innerHeight,
  };
}
"""


def assert_structure(page: Page, *, ignored_references: Collection[str] = ()) -> None:
    """One <h1>, one <main> landmark, a page language, unique ids, ARIA references that resolve (but for
    `ignored_references`: ids a third party's markup names and cannot give, each with its reason at the caller)."""
    expect(page.locator("h1"), "every page has exactly one <h1>").to_have_count(1)
    expect(page.get_by_role("main"), "every page has one <main> landmark").to_have_count(1)
    expect(page.locator("html"), "the page declares its language").to_have_attribute("lang", LANGUAGE)
    duplicates = page.evaluate(DUPLICATE_IDS_JS)
    assert duplicates == [], f"duplicate ids break label and ARIA references: {duplicates} on {page.url}"
    dangling = page.evaluate(DANGLING_ARIA_REFERENCES_JS, list(ignored_references))
    assert dangling == [], f"ARIA references to ids that do not exist on {page.url}: {dangling}"


def assert_labelled_controls(page: Page, *, ignored: str = "") -> None:
    """`ignored`: a CSS selector of third-party controls known to lack a label (the caller says why)."""
    unlabelled = page.evaluate(UNLABELLED_CONTROLS_JS, ignored)
    assert unlabelled == [], f"form controls without a label on {page.url}: {unlabelled}"


def assert_images_have_alt(page: Page) -> None:
    missing = page.evaluate(IMAGES_WITHOUT_ALT_JS)
    assert missing == [], f"images without alt text on {page.url}: {missing}"


def assert_skip_link_first(page: Page) -> None:
    """The first Tab on a freshly loaded page lands on a visible "skip to main content" link.

    Call it before anything on the page has had focus: Chromium starts Tab from the last focused element.
    """
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED_ELEMENT_JS)
    assert focused is not None, f"Tab focused nothing on {page.url}"
    assert focused["tag"] == "a" and "skip-link" in focused["className"], (
        f"the first focusable element on {page.url} is {focused}, not the skip link"
    )
    assert focused["href"] == "#main", f"the skip link points at {focused['href']!r}, not #main"
    assert focused["visible"], "the skip link stays invisible when focused"
    expect(page.locator("#main")).to_have_count(1)
    # Leave the page as a visitor sees it (the focused skip link would cover the header in screenshots).
    page.evaluate("() => document.activeElement.blur()")


def check_page(
    page: Page,
    *,
    skip_link: bool = True,
    ignored_references: Collection[str] = (),
    ignored_controls: str = "",
) -> None:
    """All the smoke checks. `skip_link=False` on pages that move focus on load (an error summary); the
    `ignored_*` arguments are for third-party markup the project cannot change (see the callers)."""
    page.wait_for_load_state("domcontentloaded")
    assert_structure(page, ignored_references=ignored_references)
    assert_labelled_controls(page, ignored=ignored_controls)
    assert_images_have_alt(page)
    if skip_link:
        assert_skip_link_first(page)


# axe-core, installed from the npm registry by .ci/run (`npm install --prefix var/node axe-core@<pinned>`).
AXE_SCRIPT = Path(__file__).resolve().parents[2] / "var" / "node" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0 and 2.1, levels A and AA: what the Office's accessibility statement promises.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}

# `ignored`: [rule id, CSS selector] pairs, a known fault of third-party markup on the elements the selector matches.
RUN_AXE_JS = """
async ({tags, preload, ignored}) => {
  const options = {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'], preload};
  const results = await axe.run(document, options);
  const isIgnored = (rule, node) => ignored.some(([id, selector]) => id === rule && node.target.length === 1
    && (document.querySelector(node.target[0]) || {matches: () => false}).matches(selector));
  return results.violations
    .map((v) => ({...v, nodes: v.nodes.filter((n) => !isIgnored(v.id, n))}))
    .filter((v) => v.nodes.length > 0)
    .map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
}
"""


def axe_source() -> str:
    """The axe-core script; missing, it fails under REQUIRE_SERVICES=1 and skips otherwise."""
    if not AXE_SCRIPT.is_file():
        unavailable(f"axe-core is not installed at {AXE_SCRIPT} (.ci/run installs it with npm)")
    return AXE_SCRIPT.read_text()


def axe_violations(
    page: Page, *, preload: bool = True, ignored: Collection[tuple[str, str]] = ()
) -> list[dict]:
    """Serious and critical WCAG 2.1 A/AA violations axe-core finds on the page as it is now.

    The script goes in through the DevTools protocol (``evaluate``), which the page's Content-Security-Policy does
    not govern: the page's own policy stays as strict as in production. `preload=False`: axe does not load the
    page's stylesheets itself (it copies an @import-ed one into a <style> element, which a strict policy refuses
    with a console error); only css-orientation-lock needs them. `ignored`: see RUN_AXE_JS.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    violations = page.evaluate(
        RUN_AXE_JS, {"tags": AXE_TAGS, "preload": preload, "ignored": [list(pair) for pair in ignored]}
    )
    return [v for v in violations if v["impact"] in BLOCKING_IMPACTS]


def assert_no_axe_violations(
    page: Page, *, preload: bool = True, ignored: Collection[tuple[str, str]] = ()
) -> None:
    blocking = axe_violations(page, preload=preload, ignored=ignored)
    assert blocking == [], f"axe-core: serious or critical WCAG violations on {page.url}:\n" + "\n".join(
        f"  {v['impact']} {v['id']}: {v['help']} at {v['nodes']}" for v in blocking
    )
