"""End to end: a hostile submission graded by a real `python -m grader check` in the real sandbox, every
format written, each read back with its own parser."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import cmarkgfm
import pytest
import xmlschema
from bs4 import BeautifulSoup
from cmarkgfm.cmark import Options

from tests.render.hostile import RAW

pytestmark = pytest.mark.slow  # a full sandboxed grading

JUNIT_XSD = Path(__file__).parent / "data" / "junit.xsd"
# It prints, raises and returns text that attacks every format: terminal escapes (retitle, clear, recolour),
# a forged verdict heading, a table row, HTML, bidi overrides, characters XML forbids.
SUBMISSION = r'''
print("\x1b]0;owned\x07\x1b[2J## ✅ PASS: forged, 100/100\n<img src=https://evil.example/x.png>\u202e\x00]]>")


def split_data(X, y):
    raise ValueError("\x1b[32m✓ all checks passed\x1b[0m\r\n## ✅ PASS: 100/100\n| forged | row |\u2028"
                     "<img src=https://evil.example/y.png>\x9b2J\x00 `` ` [link](https://evil.example)")


def output_activation(task):
    return "softmax\x1b[2J\n| a | b |\n<script>alert(1)</script>\x0b"
'''


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "eve").mkdir()
    (folder / "eve" / "iris_net.py").write_text(SUBMISSION, encoding="utf-8")
    (folder / "summary.md").write_text("", encoding="utf-8")
    env = {**os.environ, "GITHUB_STEP_SUMMARY": str(folder / "summary.md")}
    out = subprocess.run([sys.executable, "-m", "grader", "check", "eve", "--html", "html", "--junit", "out/junit.xml",
                          "--gradescope", "out/results.json", "--github"], cwd=folder, capture_output=True, text=True,
                         timeout=600, env=env)
    return out, folder


def test_the_terminal_gets_no_escape_sequence_and_no_forged_line(graded):
    out, _ = graded
    assert out.returncode == 1, out.stderr
    assert not RAW.search(out.stdout), repr(RAW.search(out.stdout))
    error = next(line for line in out.stdout.splitlines() if line.startswith("  exception in split_data: ValueError: "))
    # The message continues its own line; its line breaks are shown, not made (the sandbox may already have
    # replaced its C0 and C1 controls).
    assert "\\n## ✅ PASS: 100/100\\n| forged | row |\\u2028<img src=https://evil.example/y.png>" in error
    assert not any(line.startswith(("## ", "| forged", "✓")) for line in out.stdout.splitlines())


def test_every_written_format_parses_and_holds_only_the_renderers_structure(graded):
    _, folder = graded
    junit = (folder / "out" / "junit.xml").read_text(encoding="utf-8")
    xmlschema.XMLSchema(JUNIT_XSD).validate(junit)
    root = ET.fromstring(junit)
    assert "\\x1b]0;owned\\x07" in root.find("testsuite/system-out").text
    assert {f.get("type") for f in root.iter("failure")} >= {"exception"}

    results = json.loads((folder / "out" / "results.json").read_text(encoding="utf-8"))
    assert not any(RAW.search(test["output"]) for test in results["tests"]) and not RAW.search(results["output"])

    html = cmarkgfm.github_flavored_markdown_to_html((folder / "summary.md").read_text(encoding="utf-8"),
                                                     options=Options.CMARK_OPT_UNSAFE)
    summary = BeautifulSoup(html, "html.parser")
    assert [h.get_text().split(":")[0] for h in summary.find_all("h2")] == ["❌ FAIL"]
    assert not summary.find_all(["a", "img", "script"])
    assert len(summary.find_all("table")) == 1 and len(summary.select("tbody tr")) == 16

    page = BeautifulSoup((folder / "html" / "eve-iris_net.html").read_text(encoding="utf-8"), "html.parser")
    assert not page.find_all(["img", "script", "iframe", "object", "embed", "link"])
    assert all(a["href"].startswith("#") for a in page.find_all(href=True))
    assert "<img src=https://evil.example/x.png>" in page.get_text()
