"""The class report and feedback pages as a reader sees them: opened in headless Chromium
(tests/chromium.py, the DevTools protocol over a pipe), with no console errors, every figure decoded
and shown, Japanese text drawn with a CJK font, and a screenshot of the whole page; the figures drawn
with every glyph they need.

The screenshots go to ``DLGRADE_SCREENSHOTS`` (a folder) where it is set, else beside the pages.
"""
import html
import os
import re
import warnings
from pathlib import Path

import pytest
from PIL import Image

import chromium
from report_class import LEAKED_IN, LEAKER

BROWSER = chromium.find()
needs_chromium = pytest.mark.skipif(BROWSER is None, reason="Chromium is not installed (apt-get install chromium)")

# Kana, CJK ideographs and the full-width forms: characters no Latin font draws.
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef\u3000-\u303f]")
CJK_FONT = re.compile(r"CJK|Gothic|Mincho|IPA|Hiragino|Meiryo|Source Han|Noto Sans JP", re.IGNORECASE)

PAGES = {
    "report": lambda course, language: course / f"report-{language}" / "report.html",
    "feedback": lambda course, language: course / f"feedback-{language}" / "carol" / LEAKED_IN / f"{LEAKED_IN}.dlgrade.html",
    "leaker": lambda course, language: course / f"feedback-{language}" / LEAKER / LEAKED_IN / f"{LEAKED_IN}.dlgrade.html",
}


def shots_folder(course: Path) -> Path:
    folder = Path(os.environ.get("DLGRADE_SCREENSHOTS") or course / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@needs_chromium
@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("kind", list(PAGES))
def test_the_page_opens_in_chromium_without_errors_and_shows_everything(report_class, kind, language):
    course = report_class["course"]
    path = PAGES[kind](course, language)
    shot = shots_folder(course) / f"{kind}-{language}.png"
    page = chromium.open_page(path, shot, executable=BROWSER)
    print(f"{kind} ({language}): {shot} ({page.height} px tall; fonts {page.fonts})")
    assert not page.problems, page.problems
    if kind == "report":
        assert len(page.images) == 4
    for image in page.images:
        assert image["complete"] and image["width"] > 500 and image["height"] > 300, image
        assert image["shown"] > 600, f"an image drawn {image['shown']} px wide"
    with Image.open(shot) as picture:
        assert picture.size == (1280, page.height) and page.height > 800
        assert len(picture.getcolors(1 << 24) or ()) > 50, "a blank screenshot"
    body = html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8").split("<body", 1)[1]))
    needed = len(CJK.findall(body))
    drawn = sum(n for family, n in page.fonts.items() if CJK_FONT.search(family) and "Mono" not in family)
    if language == "ja":
        assert needed > 100 and drawn >= needed, f"{needed} CJK characters, {drawn} glyphs in CJK fonts {page.fonts}"
    else:
        assert needed == 0, CJK.findall(body)[:20]


def test_the_figures_are_drawn_with_every_glyph_they_need(report_class, tmp_path):
    """Matplotlib warns "Glyph … missing from font(s)" where it draws a box: none does, in either language."""
    from autograder.report import write_report

    for language in ("en", "ja"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            written = write_report(report_class["names"], course=report_class["course"], out=tmp_path / language,
                                   language=language)
        missing = [str(w.message) for w in caught if "missing from" in str(w.message) or "Glyph" in str(w.message)]
        assert not missing, missing[:3]
        assert len(list(written.folder.glob("*.png"))) == 4


@needs_chromium
def test_the_browser_check_sees_a_console_error_an_exception_and_a_broken_image(tmp_path):
    """The checks above can fail: a page that logs an error, throws and holds an undecodable image."""
    page = tmp_path / "broken.html"
    page.write_text('<!doctype html><html><head><meta charset="utf-8"></head><body><p>ok</p>'
                    '<img src="data:image/png;base64,AAAA"><script>console.error("seen"); no_such_name();</script>'
                    '</body></html>', encoding="utf-8")
    seen = chromium.open_page(page, executable=BROWSER)
    assert any("seen" in p for p in seen.problems) and any("no_such_name" in p for p in seen.problems)
    assert seen.images and not seen.images[0]["width"]
