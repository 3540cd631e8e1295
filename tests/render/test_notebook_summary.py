"""The verdict a notebook shows (grader.render.notebook) on real graded reports: as text, in the terminal's
words, and as HTML in a real Chromium, inside a page standing for a notebook's output area, light and dark,
on a laptop and a phone."""
from __future__ import annotations

import dataclasses
import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from grader.authoring.generate import solution_notebook
from grader.exercises import load
from grader.grading import grade_path, grader_fault
from grader.render.escape import visible
from grader.render.notebook import summary_html, summary_text
from grader.render.terminal import COLORS, GRADER_FAULT
from grader.report import submission_report
from tests.harness import REFERENCE
from tests.render.browser import ARTIFACTS, VIEWPORTS, open_page
from tests.render.conftest import ISOLATION, report_for
from tests.render.hostile import PAYLOADS, untrusted

BREAKOUT = "</iframe></details></div><script>alert('out')</script><img src=x onerror=alert('img')>"
# A submission whose names, messages and output are HTML: a layer name (Keras refuses a "/" in it), an
# exception's message and what it prints.
HOSTILE = f'''
import keras

def normalize(X_train, X_test):
    print({BREAKOUT!r})
    raise ValueError({BREAKOUT!r})

def build_model(n_features, n_classes):
    model = keras.Sequential([keras.Input(shape=(n_features,)),
                              keras.layers.Dense(16, name="<img src=x onerror=alert(1)>"),
                              keras.layers.Dense(n_classes, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
'''
SGR = re.compile("\x1b\\[[0-9;]*m")
THEMES = {"light": "background:#ffffff;color:#1f1f1f", "dark": "background:#1e1e1e;color:#d4d4d4"}
# The smallest contrast of any text against what is behind it (WCAG AA for body text).
MIN_CONTRAST = 4.5


@pytest.fixture(scope="module")
def summaries(reports) -> dict[str, dict]:
    """Real reports: the reference, a sample's mistakes, a function that raises, a hostile submission (graded,
    then with hostile text in every field it controls), and a fault of the grader itself."""
    hostile = report_for(HOSTILE, "<b>hostile</b>")
    try:
        {}["model"]
    except KeyError as exc:
        fault = submission_report("students/f/iris_net.py", [grader_fault(load("iris_net"), exc)], ISOLATION)
    return {"reference": reports["reference"], "linear_hidden": reports["linear_hidden"],
            "erroring": reports["erroring"], "hostile": hostile,
            "hostile_fields": untrusted(reports["erroring"], PAYLOADS["all"] + BREAKOUT), "grader_fault": fault}


def failed_ids(report: dict) -> list[str]:
    return [c["id"] for ex in report["exercises"] for c in ex["checks"] if not c["passed"]]


def mistake_ids(report: dict) -> list[str]:
    return [m["id"] for ex in report["exercises"] for m in ex["mistakes"]]


# --- text --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["reference", "linear_hidden", "erroring", "hostile", "hostile_fields", "grader_fault"])
def test_the_text_names_the_reports_failed_checks_and_mistakes(summaries, name):
    report = summaries[name]
    [ex] = report["exercises"]
    text = summary_text(report)
    assert SGR.search(text) is None  # no colour unless asked for (not a terminal)
    first = text.splitlines()[0]
    assert first.startswith(f"{ex['exercise']}: ") and first.endswith(f"{'PASS' if ex['passed'] else 'FAIL'} "
                                                                     f"(pass mark {ex['pass_mark']:g})")
    assert f" {ex['score']:g}/{ex['max_score']:g} " in first
    # Only what failed is listed: exactly the report's failed checks, then its mistakes, by id.
    assert re.findall(r"^  ✗ (\S+) ", text, re.M) == failed_ids(report)
    assert "✓" not in text
    assert re.findall(r"^  (?:error|warning) (\S+) \(", text, re.M) == mistake_ids(report)
    passed = sum(c["passed"] for c in ex["checks"])
    assert (f"  {passed} of {len(ex['checks'])} checks passed" in text.splitlines()) == bool(ex["checks"])
    for error in ex["errors"]:
        assert f"  {visible(error['kind'])} in {error['function']}" in text
    assert "Traceback" not in text  # the summary is compact: tracebacks are in the full report
    coloured = summary_text(report, color=True)
    assert SGR.search(coloured) and SGR.sub("", coloured) == text


def test_the_text_says_a_grader_fault_in_its_one_sentence(summaries):
    text = summary_text(summaries["grader_fault"])
    assert "FAIL" in text.splitlines()[0]
    assert "  grader error: KeyError: 'model'" in text and f"      {GRADER_FAULT}" in text


def test_the_text_says_where_the_full_report_is_only_when_told(summaries):
    report = summaries["linear_hidden"]
    assert "full report" not in summary_text(report)
    assert summary_text(report, report_path="reports/iris_net.html").endswith("\nfull report: reports/iris_net.html")


def test_hostile_text_is_shown_inert_in_the_text(summaries):
    text = summary_text(summaries["hostile_fields"], color=True)
    own = re.compile("\x1b\\[(?:%s)m" % "|".join(["0", *COLORS.values()]))
    assert "\x1b" not in own.sub("", text) and "\r" not in text and "\u202e" not in text
    assert "</iframe>" in text  # shown as it was written, for the student to read


# --- cells as the student's kernel numbers them -----------------------------------------------------------

@pytest.fixture(scope="module")
def notebook_report(warm, tmp_path_factory) -> dict:
    """A real notebook graded in the real sandbox (one light training): a linear hidden layer in the
    build_model cell, and a try-out cell at the end that raises."""
    notebook = nbformat.reads(solution_notebook("iris_net", REFERENCE), as_version=4)
    for cell in notebook.cells:
        cell.source = cell.source.replace('keras.layers.Dense(16, activation="relu")', "keras.layers.Dense(16)")
    notebook.cells.append(new_code_cell("print(split_data(X, y))"))
    path = tmp_path_factory.mktemp("notebook") / "iris_net.ipynb"
    path.write_text(nbformat.writes(notebook))
    spec = load("iris_net")
    light = tuple(dataclasses.replace(p, seeds=(0,), budget=dataclasses.replace(p.budget, epochs=40))
                  if hasattr(p, "budget") else p for p in spec.parts)
    return grade_path(path, dataclasses.replace(spec, parts=light), warm)


def test_cells_are_named_as_the_student_sees_them(notebook_report):
    [ex] = notebook_report["exercises"]
    [mistake] = [m for m in ex["mistakes"] if m["id"] == "linear-hidden-activation"]
    [error] = ex["errors"]
    assert error["function"] == "<module>" and f"(cell {error['cell']}, line 1)" in error["message"]
    labels = {mistake["cell"]: "In [12]", error["cell"]: "In [31]"}
    text = summary_text(notebook_report, cells=labels)
    assert f"error linear-hidden-activation (build_model, In [12], line {mistake['cell_line']})" in text
    assert "exception in <module>: NameError: name 'X' is not defined (In [31], line 1)" in text
    assert not re.search(rf"\bcell ({mistake['cell']}|{error['cell']}),", text)
    # Without labels, the cells of the saved notebook, as every other format says them.
    plain = summary_text(notebook_report)
    assert f"(build_model, cell {mistake['cell']}, line {mistake['cell_line']})" in plain
    assert f"(cell {error['cell']}, line 1)" in plain
    html = summary_html(notebook_report, cells=labels)
    assert f"In <code>build_model</code>, In [12], line {mistake['cell_line']}" in html
    assert "(In [31], line 1)" in html
    assert notebook_report["exercises"][0]["errors"][0]["message"] == error["message"]  # the report is untouched


# --- HTML in a real browser -------------------------------------------------------------------------------

def output_page(tmp_path, name: str, markup: str, theme: str):
    """The summary as a notebook's output area holds it: inside the front end's page, in its theme."""
    path = tmp_path / f"{name}-{theme}.html"
    path.write_text(f'<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" '
                    f'content="width=device-width, initial-scale=1"></head><body style="{THEMES[theme]};'
                    f'font:14px/1.4 sans-serif;margin:8px"><div class="output">{markup}</div></body></html>',
                    encoding="utf-8")
    return path


# Every piece of text with what it is drawn on: its colour (with the opacity of its ancestors) blended over
# the first background behind it that is not transparent.
CONTRASTS = """() => {
  const rgba = s => { const m = s.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
                     return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const out = [];
  for (const el of document.querySelectorAll('.nn-grader-summary, .nn-grader-summary *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    let bg = null, alpha = 1;
    for (let e = el; e; e = e.parentElement) {
      const style = getComputedStyle(e);
      alpha *= parseFloat(style.opacity);
      const b = rgba(style.backgroundColor);
      if (!bg && b[3] > 0) bg = b;
    }
    const fg = rgba(getComputedStyle(el).color);
    const a = fg[3] * alpha;
    const drawn = [0, 1, 2].map(i => a * fg[i] + (1 - a) * bg[i]);
    const [l1, l2] = [lum(drawn), lum(bg)].sort((x, y) => y - x);
    out.push([(l1 + 0.05) / (l2 + 0.05), el.tagName, el.textContent.trim().slice(0, 40)]);
  }
  return out;
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("viewport", ["phone", "laptop"])
@pytest.mark.parametrize("name", ["reference", "linear_hidden", "erroring", "hostile", "grader_fault"])
def test_the_summary_shows_the_reports_verdict_readably(browser, summaries, tmp_path, name, viewport, theme):
    report = summaries[name]
    [ex] = report["exercises"]
    page, problems, requests = open_page(browser, output_page(tmp_path, name, summary_html(report), theme), viewport)
    assert problems == [] and len(requests) == 1  # the page itself: the summary fetches nothing
    verdict = page.get_by_test_id("verdict")
    assert verdict.is_visible() and verdict.inner_text() == ("PASS" if ex["passed"] else "FAIL")
    assert page.get_by_test_id("score").inner_text() == f"{ex['score']:g} / {ex['max_score']:g} points"
    assert ex["title"] in page.locator("section[data-exercise]").inner_text()
    # The failed checks and the mistakes shown are the report's, in its order, and every one can be read.
    checks = page.locator("[data-check]")
    assert [checks.nth(i).get_attribute("data-check") for i in range(checks.count())] == failed_ids(report)
    mistakes = page.locator("[data-mistake]")
    assert [mistakes.nth(i).get_attribute("data-mistake") for i in range(mistakes.count())] == mistake_ids(report)
    for i, mistake in enumerate(ex["mistakes"]):
        shown = mistakes.nth(i)
        assert shown.is_visible() and mistake["fix"] in shown.locator(".fix").inner_text()
        assert mistake["observed"] in shown.locator(".observed").inner_text()
    for i, check in enumerate(c for c in ex["checks"] if not c["passed"]):
        assert checks.nth(i).is_visible() and check["title"] in checks.nth(i).inner_text()
    passed = sum(c["passed"] for c in ex["checks"])
    if ex["checks"]:
        assert page.get_by_test_id("checks-passed").inner_text() == f"{passed} of {len(ex['checks'])} checks passed"
    else:  # the grader failed to grade it: its one sentence says so, no count of checks it never ran
        assert page.get_by_test_id("checks-passed").count() == 0
        assert GRADER_FAULT in page.locator("[data-error=grader-error]").inner_text()
    # Readable: nothing scrolls sideways on a phone, and every text stands out from what is behind it.
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") < 1
    low = [(round(ratio, 2), tag, text) for ratio, tag, text in page.evaluate(CONTRASTS) if ratio < MIN_CONTRAST]
    assert low == []
    # The full report is folded: opened, it is the HTML report of the same verdict, as wide as the output.
    frame = page.locator("iframe")
    assert frame.count() == 1 and not frame.is_visible()
    page.get_by_text("The full report", exact=True).click()
    assert frame.is_visible()
    box = frame.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORTS[viewport]["width"] and box["height"] > 300
    inside = page.frame_locator("iframe")
    assert inside.get_by_test_id("verdict").inner_text() == verdict.inner_text()
    assert inside.get_by_test_id("score").inner_text().startswith(f"{ex['score']:g} / {ex['max_score']:g}")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"notebook-summary-{name}-{viewport}-{theme}.png"), full_page=True)
    page.close()


@pytest.mark.parametrize("name", ["hostile", "hostile_fields"])
def test_no_script_runs_and_nothing_breaks_out_of_the_full_report(browser, summaries, tmp_path, name):
    report = summaries[name]
    markup = summary_html(report, report_path="reports/<b>x</b>.html")
    assert "<script" not in markup.lower()
    page, problems, requests = open_page(browser, output_page(tmp_path, name, markup, "light"), "laptop")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.get_by_text("The full report", exact=True).click()
    page.frame_locator("iframe").locator("body").wait_for()
    assert problems == [] and dialogs == [] and len(requests) == 1  # no image fetched, no script run
    # One summary, one iframe, sandboxed; no element of the submission's among them.
    assert page.evaluate("document.querySelectorAll('script, img, details details').length") == 0
    assert page.locator("iframe").count() == 1 and page.locator("iframe").get_attribute("sandbox") == ""
    assert page.locator("details").count() == 1
    assert page.frame_locator("iframe").locator("script, img").count() == 0
    # What the submission wrote is read as text.
    assert any("</iframe>" in text for text in page.locator("[data-error]").all_inner_texts())
    assert page.get_by_test_id("report-path").inner_text() == "Full report written to reports/<b>x</b>.html"
    page.close()


def test_the_full_reports_path_is_said_only_when_given(summaries):
    report = summaries["reference"]
    assert 'data-testid="report-path"' not in summary_html(report)
    assert "Full report written to <code>reports/iris_net.html</code>" in summary_html(report, report_path="reports/iris_net.html")
