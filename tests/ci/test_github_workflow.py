"""The GitHub Actions workflow for student repositories (ci-templates/github/grade.yml).

Its pins and trust settings are read from the YAML; its grading steps run for real, with bash, in a
fake student repository laid out as the checkout steps would leave it, with GitHub's variables set
and the grader installed here standing in for the one the install step would put on PATH.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path, PurePosixPath

import pytest
import yaml

from grader.exercises import names
from tests.ci.summary_text import plain

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / "ci-templates" / "github" / "grade.yml"
GRADER_BIN = Path(sys.executable).parent  # the venv running these tests, which holds `grader`
# The steps that need GitHub or root (checkouts, installs, the upload); every other step runs here.
SETUP_STEPS = {"checkout-grader", "checkout-submission", "setup-python", "install-system-packages",
               "install-grader", "upload-report"}
ENV_EXPRESSION = re.compile(r"\$\{\{\s*env\.(\w+)\s*\}\}")


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def steps(workflow: dict) -> dict[str, dict]:
    return {step["id"]: step for step in workflow["jobs"]["grade"]["steps"]}


def expand(text: str, env: dict[str, str]) -> str:
    """`${{ env.NAME }}` as GitHub evaluates it."""
    return ENV_EXPRESSION.sub(lambda match: env[match.group(1)], text)


def student_repo(tmp_path: Path, workflow: dict, source: str) -> Path:
    """A workspace as the checkout steps leave it: the student's exercises/iris_net.py in $SUBMISSION."""
    return student_files(tmp_path, workflow, {"exercises/iris_net.py": source})


def student_files(tmp_path: Path, workflow: dict, files: dict[str, str]) -> Path:
    """A workspace whose $SUBMISSION checkout holds files (paths relative to the repository)."""
    workspace = tmp_path / "workspace"
    (workspace / workflow["env"]["SUBMISSION"]).mkdir(parents=True)
    for name, text in files.items():
        path = workspace / workflow["env"]["SUBMISSION"] / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return workspace


def declaring(workflow: dict, exercises: str) -> dict:
    """The workflow with another EXERCISES line, as an instructor would set it."""
    return {**workflow, "env": {**workflow["env"], "EXERCISES": exercises}}


def run_steps(workflow: dict, workspace: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run the steps outside SETUP_STEPS as GitHub would: in order, in bash, until one fails."""
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    env = {**os.environ, **workflow["env"], "CI": "true", "GITHUB_ACTIONS": "true",
           "GITHUB_WORKSPACE": str(workspace), "GITHUB_STEP_SUMMARY": str(tmp_path / "step-summary.md"),
           "GITHUB_PATH": str(runner_temp / "path"), "GITHUB_ENV": str(runner_temp / "env"),
           "RUNNER_TEMP": str(runner_temp), "PATH": f"{GRADER_BIN}{os.pathsep}{os.environ['PATH']}"}
    result = None
    for step_id, step in steps(workflow).items():
        if step_id in SETUP_STEPS:
            continue
        script = runner_temp / f"{step_id}.sh"
        script.write_text(step["run"], encoding="utf-8")
        # GitHub's command for `shell: bash`.
        result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace,
                                env={**env, **step.get("env", {})}, capture_output=True, text=True, timeout=600)
        if result.returncode:
            break
    assert result is not None, "the workflow has no grading step"
    return result


def report_folder(workflow: dict, workspace: Path) -> Path:
    """The folder the upload step names."""
    return workspace / expand(steps(workflow)["upload-report"]["with"]["path"], workflow["env"])


def test_the_grader_is_a_pinned_release_checked_out_apart_from_the_submission(workflow):
    env = workflow["env"]
    assert re.fullmatch(r"v\d+\.\d+\.\d+", env["GRADER_REF"])
    assert re.fullmatch(r"[\w.-]+/[\w.-]+", env["GRADER_REPO"])
    checkout = steps(workflow)["checkout-grader"]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"] == {"repository": "${{ env.GRADER_REPO }}", "ref": "${{ env.GRADER_REF }}",
                                "path": "${{ env.GRADER_SRC }}", "persist-credentials": False}
    folders = {PurePosixPath(env[name]) for name in ("GRADER_SRC", "SUBMISSION", "GRADER_VENV")}
    assert len(folders) == 3 and not any(a != b and a.is_relative_to(b) for a in folders for b in folders)


def test_the_grader_and_bubblewrap_are_installed_from_the_grader_checkout(workflow):
    install = steps(workflow)["install-grader"]["run"]
    assert re.search(r'pip" install .*-e "\$GITHUB_WORKSPACE/\$GRADER_SRC"', install)
    assert 'venv "$GITHUB_WORKSPACE/$GRADER_VENV"' in install
    assert '"$GITHUB_WORKSPACE/$GRADER_VENV/bin" >> "$GITHUB_PATH"' in install
    assert "SUBMISSION" not in install
    system = steps(workflow)["install-system-packages"]["run"]
    assert '"$GITHUB_WORKSPACE/$GRADER_SRC/scripts/install-system-packages"' in system


def test_a_pull_request_cannot_change_how_it_is_graded(workflow):
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert set(triggers) == {"pull_request_target"}  # this file from the default branch, not the PR's copy
    assert workflow["permissions"] == {"contents": "read"}
    assert not re.search(r"\$\{\{[^}]*secrets", WORKFLOW.read_text(encoding="utf-8"))
    checkouts = [s for s in steps(workflow).values() if s.get("uses", "").startswith("actions/checkout@")]
    assert len(checkouts) == 2 and all(s["with"]["persist-credentials"] is False for s in checkouts)
    submission = steps(workflow)["checkout-submission"]["with"]
    # the pull request's head commit; github.sha (the triggering commit) only where there is no pull request
    assert submission == {"ref": "${{ github.event.pull_request.head.sha || github.sha }}",
                          "path": "${{ env.SUBMISSION }}", "persist-credentials": False}
    assert not any("cache" in s.get("uses", "") or "cache" in s.get("with", {}) for s in steps(workflow).values())
    assert workflow["env"]["GRADER_SANDBOX"] == "bubblewrap"  # student code never runs with process limits only


def push_variant() -> dict:
    """The workflow with its commented `on:` alternative for students who push to main put in, as the comment says."""
    text = WORKFLOW.read_text(encoding="utf-8")
    lines = text.splitlines()
    start = lines.index("  # push:")
    block = []
    for line in lines[start:]:
        if not line.startswith("  # "):
            break
        block.append("  " + line[len("  # "):])
    on = lines.index("on:")
    assert lines[on + 1] == "  pull_request_target:"
    return yaml.safe_load("\n".join([*lines[:on + 1], *block, *lines[on + 2:]]))


def test_the_push_variant_for_students_who_push_to_main_is_valid_and_grades_the_pushed_commit(workflow):
    variant = push_variant()
    assert variant.get("on", variant.get(True)) == {"push": {"branches": ["main"]}, "workflow_dispatch": None}
    # Everything else is the same workflow: the same steps, pins and trust settings.
    assert {k: v for k, v in variant.items() if k not in ("on", True)} == \
           {k: v for k, v in workflow.items() if k not in ("on", True)}
    assert steps(variant)["checkout-submission"]["with"]["ref"].endswith("|| github.sha }}")  # no pull request here
    assert "github.ref" in variant["concurrency"]["group"]  # one grading at a time per branch
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "the student can edit it" in text and 'ci-templates/README.md, "Trust"' in text


def test_the_how_to_says_what_each_trigger_trusts_and_how_to_reach_the_grader():
    how_to = (ROOT / "ci-templates" / "README.md").read_text(encoding="utf-8")
    for heading in ("### The grader's repository must be readable by the students' repositories",
                    "### The template repository", "### Students who push to main: `push` and `workflow_dispatch`"):
        assert heading in how_to
    for said in ("`GRADER_REPO` must be **public**", "deploy key", "`.github/workflows/grade.yml`",
                 "the workflow file **in the pushed commit**", "CODEOWNERS", "Never give these triggers a secret"):
        assert said in how_to, said


def test_the_report_is_uploaded_even_when_grading_fails(workflow):
    upload = steps(workflow)["upload-report"]
    assert upload["uses"].startswith("actions/upload-artifact@")
    assert upload["if"] == "always()"
    assert upload["with"]["path"] == "${{ env.REPORT_DIR }}"


def test_run_steps_need_only_environment_variables(workflow):
    # So they run outside GitHub as they are, and no pull-request text is pasted into a script.
    assert all("${{" not in str(value) for value in workflow["env"].values())
    runs = [step["run"] for step in steps(workflow).values() if "run" in step]
    assert len(runs) == 3 and all("${{" not in run for run in runs)
    grade = steps(workflow)["grade"]["run"]
    assert all(option in grade for option in ("--github", "--html", "--junit"))


def test_the_workflow_grades_the_exercises_it_declares(workflow):
    declared = re.split(r"[\s,]+", workflow["env"]["EXERCISES"].strip())
    assert declared and set(declared) <= set(names())
    assert re.search(r'grader check "\$SUBMISSION/\$GRADE_PATH" --expect "\$EXERCISES" ', steps(workflow)["grade"]["run"])


@pytest.mark.slow
def test_a_passing_submission_passes_the_check(tmp_path, workflow):
    workspace = student_repo(tmp_path, workflow, (ROOT / "reference" / "iris_net.py").read_text(encoding="utf-8"))
    result = run_steps(workflow, workspace, tmp_path)
    assert result.returncode == 0, result.stderr
    summary = plain((tmp_path / "step-summary.md").read_text(encoding="utf-8"))
    assert "## ✅ PASS: submission/exercises/iris_net.py, 100/100" in summary
    reports = report_folder(workflow, workspace)
    assert (reports / "iris_net.html").read_text(encoding="utf-8").startswith("<!doctype html>")
    assert json.loads((reports / "iris_net.json").read_text(encoding="utf-8"))["exercises"][0]["score"] == 100
    assert ET.parse(reports / "junit.xml").getroot().find("testsuite").get("failures") == "0"


@pytest.mark.slow
def test_a_submission_below_the_pass_mark_fails_the_check(tmp_path, workflow):
    # leaky_scaler scores 49 (pass mark 70). The linear_hidden sample would pass: 83 despite its mistakes.
    source = (ROOT / "samples" / "leaky_scaler" / "iris_net.py").read_text(encoding="utf-8")
    workspace = student_repo(tmp_path, workflow, source)
    result = run_steps(workflow, workspace, tmp_path)
    assert result.returncode == 1, result.stderr
    summary = plain((tmp_path / "step-summary.md").read_text(encoding="utf-8"))
    assert "## ❌ FAIL: submission/exercises/iris_net.py, 49/100" in summary
    assert "test-statistics-leak" in summary
    reports = report_folder(workflow, workspace)
    assert "test-statistics-leak" in (reports / "iris_net.html").read_text(encoding="utf-8")
    assert int(ET.parse(reports / "junit.xml").getroot().find("testsuite").get("failures")) > 0


def test_a_symbolic_link_to_the_reference_is_not_graded(tmp_path, workflow):
    workspace = student_repo(tmp_path, workflow, "")
    reference = workspace / workflow["env"]["GRADER_SRC"] / "reference" / "iris_net.py"
    reference.parent.mkdir(parents=True)
    shutil.copy(ROOT / "reference" / "iris_net.py", reference)
    submitted = workspace / workflow["env"]["SUBMISSION"] / "exercises" / "iris_net.py"
    submitted.unlink()
    submitted.symlink_to(os.path.relpath(reference, submitted.parent))
    result = run_steps(workflow, workspace, tmp_path)
    assert result.returncode == 2
    assert "::error::Not graded: symbolic links are not accepted" in result.stdout
    assert "submission/exercises/iris_net.py" in (tmp_path / "step-summary.md").read_text(encoding="utf-8")
    assert not report_folder(workflow, workspace).exists()


def test_a_pull_request_that_deletes_an_exercise_fails_and_names_it(tmp_path, workflow):
    # What is left (another exercise's stub, a README) is not what the assignment declares.
    workspace = student_files(tmp_path, workflow, {"exercises/pass_fail.py": "", "README.md": "my work"})
    result = run_steps(workflow, workspace, tmp_path)
    assert result.returncode == 1, result.stderr
    missing = ("iris_net.py or iris_net.ipynb not found in submission/exercises/ (it holds: pass_fail.py). "
               "The assignment includes iris_net: add your iris_net.py, or your notebook iris_net.ipynb, "
               "with exactly that name.")
    assert f"missing in <module>: {missing}" in result.stdout  # the run's log
    summary = plain((tmp_path / "step-summary.md").read_text(encoding="utf-8"))
    assert "## ❌ FAIL: submission/exercises, 0/100" in summary
    assert "### iris_net: " in summary and f"- missing in <module>: {missing}" in summary
    reports = report_folder(workflow, workspace)
    assert 'data-error="missing"' in (reports / "iris_net.html").read_text(encoding="utf-8")
    suite = ET.parse(reports / "junit.xml").getroot().find("testsuite")
    assert suite.get("name") == "iris_net (submission/exercises)"
    assert suite.get("failures") == suite.get("tests") == "16"
    assert {failure.get("type") for failure in suite.iter("failure")} == {"missing"}
    assert not (reports / "pass_fail.json").exists()  # not declared, so not graded


def test_a_repository_without_the_exercises_folder_fails_naming_each_exercise(tmp_path, workflow):
    workflow = declaring(workflow, "iris_net, pass_fail")
    workspace = student_files(tmp_path, workflow, {"README.md": "nothing here"})
    result = run_steps(workflow, workspace, tmp_path)
    assert result.returncode == 1, result.stderr
    summary = plain((tmp_path / "step-summary.md").read_text(encoding="utf-8"))
    for name in ("iris_net", "pass_fail"):
        assert f"- missing in <module>: {name}.py or {name}.ipynb not found: the folder submission/exercises/ " \
               "does not exist." in summary


@pytest.mark.slow
def test_a_passing_exercise_does_not_make_up_for_a_deleted_one(tmp_path, workflow):
    workflow = declaring(workflow, "concepts, iris_net")
    concepts = (ROOT / "reference" / "concepts.py").read_text(encoding="utf-8")
    workspace = student_files(tmp_path, workflow, {"exercises/concepts.py": concepts})
    result = run_steps(workflow, workspace, tmp_path)
    assert result.returncode == 1, result.stderr
    summary = plain((tmp_path / "step-summary.md").read_text(encoding="utf-8"))
    assert "## ✅ PASS: submission/exercises/concepts.py, 80/80" in summary
    assert "## ❌ FAIL: submission/exercises, 0/100" in summary and "### iris_net: " in summary
    reports = report_folder(workflow, workspace)
    suites = ET.parse(reports / "junit.xml").getroot().iter("testsuite")
    assert [suite.get("failures") for suite in suites] == ["0", "16"]


def test_the_template_repositorys_stubs_of_undeclared_exercises_are_left_alone(tmp_path, workflow):
    # The template holds every exercise's stub; the assignment declares concepts, which the student did.
    stubs = {f"exercises/{path.name}": path.read_text(encoding="utf-8") for path in (ROOT / "exercises").iterdir()}
    concepts = (ROOT / "reference" / "concepts.py").read_text(encoding="utf-8")
    workflow = declaring(workflow, "concepts")
    workspace = student_files(tmp_path, workflow, {**stubs, "exercises/concepts.py": concepts})
    result = run_steps(workflow, workspace, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "skipped" not in result.stderr  # --expect: nothing is searched, so nothing is skipped
    assert sorted(path.name for path in report_folder(workflow, workspace).glob("*.json")) == ["concepts.json"]


def test_a_declared_exercise_left_as_the_stub_fails_with_0_points(tmp_path, workflow):
    stubs = {f"exercises/{path.name}": path.read_text(encoding="utf-8") for path in (ROOT / "exercises").iterdir()}
    workflow = declaring(workflow, "concepts")
    workspace = student_files(tmp_path, workflow, stubs)
    result = run_steps(workflow, workspace, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "skipped" not in result.stderr and "nothing graded" not in result.stdout
    summary = plain((tmp_path / "step-summary.md").read_text(encoding="utf-8"))
    assert "## ❌ FAIL: submission/exercises/concepts.py, 0/80" in summary
