"""The report and its one-page summary printed to PDF in headless Chromium (Debian's
``chromium`` through the ``playwright`` client): A4 portrait, nothing wider than the page, the
summary on one page; in Dutch and in English.

Skipped without a browser unless ``BINNENSTAD_REQUIRE_BROWSER`` is set (see
``test_app_browser.py``). The PDFs go to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest

from tests.conftest import REPO

ARTIFACTS = REPO / "test-artifacts"
A4_POINTS = (595, 842)  # 210 x 297 mm
MARGIN_MM = (12, 14)  # the report's @page margins (left/right, top/bottom)


def _chromium() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return None
    return (os.environ.get("BINNENSTAD_CHROMIUM") or shutil.which("chromium")
            or shutil.which("chromium-browser"))


CHROMIUM = _chromium()
if CHROMIUM is None:
    reason = ("browser tests need Debian's chromium (apt-get install chromium) and the "
              "playwright client (pip install -e '.[dev]')")
    if os.environ.get("BINNENSTAD_REQUIRE_BROWSER"):
        pytest.fail(f"BINNENSTAD_REQUIRE_BROWSER is set but {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def folders(compare_out, compare_out_en):
    return {"nl": compare_out, "en": compare_out_en}


def _pages(pdf: bytes) -> list[tuple[float, float]]:
    """The (width, height) of every page of a PDF, in points."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    return [(float(w), float(h)) for w, h in boxes]


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("name", ["report.html", "summary.html"])
def test_prints_on_a4_portrait_without_clipping(browser, folders, lang, name):
    page = browser.new_page()
    try:
        page.goto((folders[lang] / name).as_uri())
        page.emulate_media(media="print")
        # the printable width of A4 at CSS pixels (96 per inch), inside the @page margins
        printable_px = int((210 - 2 * MARGIN_MM[0]) / 25.4 * 96)
        page.set_viewport_size({"width": printable_px, "height": 1000})
        widest = page.evaluate("""() => {
            let widest = document.documentElement.scrollWidth;
            for (const el of document.querySelectorAll('body *')) {
                const r = el.getBoundingClientRect();
                if (r.width > 0) widest = Math.max(widest, Math.ceil(r.right));
            }
            return widest;
        }""")
        assert widest <= printable_px, f"{name} ({lang}) is {widest} px wide on A4"
        assert page.evaluate("document.documentElement.lang") == lang
        pdf = page.pdf(prefer_css_page_size=True)
    finally:
        page.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"{name.removesuffix('.html')}_{lang}.pdf").write_bytes(pdf)
    pages = _pages(pdf)
    assert pages and all(abs(w - A4_POINTS[0]) < 2 and abs(h - A4_POINTS[1]) < 2
                         for w, h in pages), pages
    if name == "summary.html":
        assert len(pages) == 1, f"the summary takes {len(pages)} pages"
