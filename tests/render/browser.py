"""A real headless browser for the HTML tests: Playwright driving Debian's Chromium.

Screenshots go under reports/ as test artifacts.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from tests.harness import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "reports"
VIEWPORTS = {"laptop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 800}}


def open_page(browser, path: Path, viewport: str):
    """Load a written page; collect console errors and every network request it makes."""
    page = browser.new_page(viewport=VIEWPORTS[viewport])
    problems, requests = [], []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(Path(path).as_uri())
    page.wait_for_load_state("load")
    return page, problems, requests


READABLE_PX = 11  # the smallest chart text, as drawn on the screen

# Every SVG text as drawn: its font size times the chart's scale (rotated labels included).
DRAWN_TEXT = """() => [...document.querySelectorAll('svg.chart text')].filter(t => t.textContent.trim()).map(t => {
  const m = t.getScreenCTM();
  return [parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b), t.textContent.trim()];
})"""
