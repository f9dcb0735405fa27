"""The review report in a real browser: headless Chromium (Debian's `chromium`) driven by Playwright.

The page of a dev document is opened from disk (no server, no network); the test checks the
highlighted spans hold each value's evidence text, that clicking a value activates its span
and clicking a span activates its value, and saves a screenshot under the test's tmp output.
With PROFILES_SCREENSHOT=path (e.g. docs/review-screenshot.png) the screenshot is copied
there too: that is how the README's picture is made.
"""
from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT
from pipeline.cli import main
from pipeline.readers import read_document

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser"))
                 if p and Path(p).is_file()), None)
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
DOC = "reiessg.txt"

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium executable (/usr/bin/chromium): "
                                 "install Debian's `chromium` package (.ci/run does) to run the browser test")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The review report of the dev corpus, written to a temporary folder."""
    root = tmp_path_factory.mktemp("browser")
    main(["extract", str(CORPUS), "--out", str(root / "out"), "--curation", str(root / "curation"), "--quiet"])
    assert main(["review", "--records", str(root / "out"), "--raw", str(CORPUS), "--curation",
                 str(root / "curation"), "--out", str(root / "review")]) == 0
    return root


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, report: Path):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 900}, offline=True)
    tab = context.new_page()
    tab.goto((report / "review" / "records" / "reiessg.html").as_uri())
    yield tab
    context.close()


def test_highlighted_spans_hold_the_values_evidence_text(page, report: Path) -> None:  # type: ignore[no-untyped-def]
    record = json.loads((report / "out" / "reiessg.json").read_text(encoding="utf-8"))
    text = read_document(CORPUS / DOC, DOC, (CORPUS / DOC).read_bytes()).text
    shown = page.evaluate("""() => Array.from(document.querySelectorAll('.value[data-v]')).map(el => [
        el.dataset.ptr,
        Array.from(document.querySelectorAll('.hl')).filter(s => s.dataset.v.split(' ').includes(el.dataset.v))
             .map(s => s.textContent).join('')])""")
    assert len(shown) == len(record["evidence"])
    for pointer, spans in shown:
        ev = record["evidence"][pointer]
        assert spans == text[ev["start"]:ev["end"]], pointer


def test_clicking_a_value_activates_its_span(page, report: Path) -> None:  # type: ignore[no-untyped-def]
    value = page.locator('.value[data-ptr="/founded/date"]')
    value.click()
    vid = value.get_attribute("data-v")
    spans = page.locator(f'.hl[data-v~="{vid}"]')
    assert spans.count() >= 1
    for n in range(spans.count()):
        assert "active" in (spans.nth(n).get_attribute("class") or "").split()
    assert "active" in (value.get_attribute("class") or "").split()
    assert spans.first.text_content() == "January 31, 2015"
    assert spans.first.is_visible()
    assert page.locator(".active").count() == spans.count() + 1  # nothing else is active
    screenshot = report / "review-reiessg.png"
    page.screenshot(path=str(screenshot))
    assert screenshot.stat().st_size > 10_000
    if os.environ.get("PROFILES_SCREENSHOT"):
        target = Path(os.environ["PROFILES_SCREENSHOT"])
        target = target if target.is_absolute() else ROOT / target
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(screenshot, target)


def test_clicking_a_span_activates_its_value(page) -> None:  # type: ignore[no-untyped-def]
    span = page.locator(".hl", has_text="Youssef Ellouxe").first
    span.click()
    value = page.locator('.value[data-ptr="/chair"]')
    assert "active" in (value.get_attribute("class") or "").split()
    assert value.is_visible()


def test_the_index_filters_and_sorts(browser, report: Path) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(offline=True)
    tab = context.new_page()
    tab.goto((report / "review" / "index.html").as_uri())
    rows = tab.locator("#docs tbody tr")
    total = rows.count()
    assert total >= 10
    tab.fill("#filter", "reiessg")
    assert [r for r in range(total) if rows.nth(r).is_visible()] and \
        sum(rows.nth(r).is_visible() for r in range(total)) == 1
    tab.fill("#filter", "")
    tab.locator("#docs thead th button", has_text="warnings").click()
    tab.locator("#docs thead th button", has_text="warnings").click()  # descending
    first = rows.first.locator("td").nth(4).get_attribute("data-sort")
    assert int(first or 0) == max(int(rows.nth(r).locator("td").nth(4).get_attribute("data-sort") or 0)
                                  for r in range(total))
    context.close()
