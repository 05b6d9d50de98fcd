"""The report in a real browser: headless Chromium (Debian's), driven by Playwright.

Every claim section is there, every image has loaded, the console has no errors, every internal
link lands on an element, and the original (Chinese) sentences are drawn with a CJK font.
"""

import os
import re

import pytest

from study import claims
from study.report.html import chromium


@pytest.fixture(scope="module")
def page(smoke_report, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    browser_path = chromium()
    assert browser_path, "Chromium is installed by make test (Debian's chromium)"
    errors = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=["--no-sandbox", "--disable-gpu"])
        pg = browser.new_page(viewport={"width": 1200, "height": 1600})
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto((smoke_report / "index.html").as_uri(), wait_until="load")
        shot = tmp_path_factory.mktemp("browser") / "summary.png"
        pg.evaluate("document.getElementById('claims-and-verdicts').scrollIntoView()")
        pg.screenshot(path=str(shot))  # the claims table, as a reader first sees it
        yield pg, errors, shot
        browser.close()


def test_every_claim_section_is_there(page):
    pg, _, _ = page
    headings = pg.locator("h2").all_inner_texts()
    for m in claims.modules():
        assert any(h.startswith(f"{m.CLAIM}: ") for h in headings), m.CLAIM


def test_every_image_has_loaded(page):
    pg, _, _ = page
    widths = pg.eval_on_selector_all("img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
    assert len(widths) >= sum(len(m.FIGURES) for m in claims.modules())
    assert all(w > 0 for w in widths), widths


def test_no_console_errors(page):
    _, errors, _ = page
    assert errors == []


def test_every_internal_link_resolves(page):
    pg, _, _ = page
    targets = pg.eval_on_selector_all('a[href^="#"]', "links => links.map(a => a.getAttribute('href').slice(1))")
    assert len(targets) >= len(claims.modules())
    missing = [t for t in targets if pg.evaluate("id => document.getElementById(decodeURIComponent(id)) === null", t)]
    assert missing == []


def test_the_original_sentences_use_a_cjk_font(page):
    pg, _, _ = page
    fonts = pg.eval_on_selector_all('[lang="zh"]', "els => els.map(e => getComputedStyle(e).fontFamily)")
    assert len(fonts) >= len(claims.modules())
    assert all("CJK" in f for f in fonts)  # the PDF test checks the font is installed and embedded


def test_the_summary_screenshot_is_saved(page):
    _, _, shot = page
    assert shot.stat().st_size > 10_000
    keep = os.environ.get("STUDY_SCREENSHOTS")  # where CI keeps it, when set
    if keep:
        import shutil

        shutil.copy(shot, keep)
    assert re.match(rb"\x89PNG", shot.read_bytes()[:4])


def test_no_table_is_wider_than_the_page(page):
    pg, _, _ = page
    wide = pg.eval_on_selector_all(
        "table", "ts => ts.filter(t => t.scrollWidth > t.clientWidth + 1).map(t => t.rows[0].innerText.slice(0, 80))"
    )
    assert wide == []
    assert pg.evaluate("document.documentElement.scrollWidth") <= 1200
