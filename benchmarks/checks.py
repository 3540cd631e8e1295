"""How long a student waits for a check: cold, through the warm grading service, and in a Jupyter kernel.

    python benchmarks/checks.py [--runs 3] [--markdown FILE]

Side by side, in one run on this machine, each the median of --runs runs (wall time, from starting the
command to its exit, or to the kernel's reply):

1. a bare `python -c "import tensorflow"`, the floor of any cold start;
2. a cold `grader check --no-daemon` of reference/iris_net.py copied to a temporary exercises/ folder
   (TensorFlow imported, the sandbox started, the reference graded, its reports written);
3. the first `grader check` with the service on and none running: it starts the service, which grades it;
4. a second `grader check` of the same file, answered by the now warm service;
5. a check of the file with one function changed through the warm service: normalize (written another
   way each run; the network is one the service has trained already), then build_model (its hidden layer
   a few units wider each run: a network the service has not traced or trained before);
6. `grader.check("iris_net")` in a real Jupyter kernel (jupyter_client, ipykernel) that ran the
   solution's code: its first call (it starts a service of its own) and its second.

Every check must grade the reference as passing, through the service when it is on (stderr must not
say the service failed), or the benchmark stops. Each service-backed row uses a runtime folder of its
own (XDG_RUNTIME_DIR), stopped afterwards. The table is printed and written as Markdown (--markdown);
then the goals are asserted, here and never in the tests: a warm re-check (rows 4, 5 and the kernel's
second call) within 1.5 s, and a cold check within 1.5 s of the bare import. Exit status 0 when every
goal is met, 1 when one is not (each said on stderr), 2 when a check went wrong.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.authoring.markers import strip_markers  # noqa: E402

WARM_GOAL = 1.5  # seconds, wall, for a re-check through the warm service
COLD_MARGIN = 1.5  # seconds a cold check may take beyond a bare TensorFlow import
REFERENCE = ROOT / "reference" / "iris_net.py"
HIDDEN = 'keras.layers.Dense(16, activation="relu")'
SCALE = "std = np.where(std == 0, 1.0, std)"


class Failed(Exception):
    """A check did not give the expected verdict: the figures would mean nothing."""


def environment(runtime: Path | None) -> dict[str, str]:
    """The environment of a check: with a runtime folder, the service on there; without, off."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "GRADER_DAEMON": "on" if runtime else "off",
           "GRADER_DAEMON_IDLE": "600"}
    if runtime:
        env["XDG_RUNTIME_DIR"] = str(runtime)
    return env


@contextlib.contextmanager
def runtime_folder() -> Iterator[Path]:
    """A fresh runtime folder (a short path: a socket's path has at most 107 bytes); its service stopped after."""
    folder = Path(tempfile.mkdtemp(prefix="nn-bench-", dir="/tmp"))
    try:
        yield folder
    finally:
        subprocess.run([sys.executable, "-m", "grader", "service", "stop"], env=environment(folder),
                       capture_output=True, timeout=900)
        shutil.rmtree(folder, ignore_errors=True)


def timed(command: list[str], cwd: Path, env: dict[str, str], service: bool) -> float:
    """Seconds from starting command to its exit; Failed unless it passed (through the service when on)."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    seconds = time.perf_counter() - started
    if done.returncode != 0 or (service and "service failed" in done.stderr):
        raise Failed(f"{' '.join(command[2:])} exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return seconds


def check(folder: Path, runtime: Path | None, *options: str) -> float:
    return timed([sys.executable, "-m", "grader", "check", *options, "exercises/iris_net.py"], folder,
                 environment(runtime), service=runtime is not None)


def changed(solution: str, function: str, run: int) -> str:
    """The solution with one function changed: normalize written another way (the same numbers), or
    build_model's hidden layer made wider (a new network); each run differently."""
    if function == "normalize":
        edit = solution.replace(SCALE, f"std = np.where(std == 0, {2 + run}.0, std)")
    else:
        edit = solution.replace(HIDDEN, HIDDEN.replace("16", str(17 + run)))
    assert edit != solution
    return edit


def kernel_checks(folder: Path, runtime: Path, solution: str) -> tuple[float, float]:
    """Seconds of the first and the second grader.check() in a fresh kernel that ran the solution."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", env=environment(runtime), cwd=str(folder),
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # its own logs
    try:
        run_cell(client, solution)
        run_cell(client, "import grader")
        seconds = []
        for _ in range(2):
            started = time.perf_counter()
            run_cell(client, 'result = grader.check("iris_net")')
            seconds.append(time.perf_counter() - started)
            run_cell(client, "assert result.passed and result.score == 100, (result.score, result.message)")
        return seconds[0], seconds[1]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def run_cell(client, code: str) -> None:
    reply = client.execute_interactive(code, timeout=900, output_hook=lambda message: None)
    if reply["content"]["status"] != "ok":
        raise Failed(f"the kernel failed on {code[:60]!r}: {reply['content'].get('evalue')}")


def measure(runs: int, work: Path) -> dict[str, list[float]]:
    solution = strip_markers(REFERENCE.read_text())
    folder = work / "student"
    (folder / "exercises").mkdir(parents=True)
    exercise = folder / "exercises" / "iris_net.py"
    shutil.copy(REFERENCE, exercise)
    rows: dict[str, list[float]] = {key: [] for key in ROWS}
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import tensorflow"], env=environment(None), check=True,
                       capture_output=True)
        rows["import"].append(time.perf_counter() - started)
        rows["cold"].append(check(folder, None, "--no-daemon"))
        with runtime_folder() as runtime:
            rows["first"].append(check(folder, runtime))
    with runtime_folder() as runtime:
        check(folder, runtime)  # the service starts, and has graded this file once
        for run in range(runs):
            rows["again"].append(check(folder, runtime))
            for function in ("normalize", "build_model"):
                exercise.write_text(changed(solution, function, run))
                rows[f"changed {function}"].append(check(folder, runtime))
            shutil.copy(REFERENCE, exercise)
    for _ in range(runs):
        with runtime_folder() as runtime:
            first, second = kernel_checks(folder, runtime, solution)
            rows["kernel first"].append(first)
            rows["kernel second"].append(second)
    return rows


ROWS = {
    "import": '`python -c "import tensorflow"`',
    "cold": "cold `grader check --no-daemon exercises/iris_net.py`",
    "first": "first `grader check` with the service (starts it)",
    "again": "second `grader check` of the same file (warm service)",
    "changed normalize": "`grader check` after changing normalize (warm service)",
    "changed build_model": "`grader check` after changing build_model: a new network (warm service)",
    "kernel first": '`grader.check("iris_net")` in a Jupyter kernel, first call (starts a service)',
    "kernel second": '`grader.check("iris_net")` in the same kernel, second call',
}


def goals(rows: dict[str, list[float]]) -> list[tuple[str, bool]]:
    """Each goal, said with its figures, and whether it is met."""
    median = {key: statistics.median(values) for key, values in rows.items()}
    said = [(f"warm re-check ({ROWS[key]}): {median[key]:.2f} s <= {WARM_GOAL} s", median[key] <= WARM_GOAL)
            for key in ("again", "changed normalize", "changed build_model", "kernel second")]
    margin = median["cold"] - median["import"]
    said.append((f"cold check {median['cold']:.2f} s <= bare import {median['import']:.2f} s + {COLD_MARGIN} s "
                 f"(it is {margin:+.2f} s)", margin <= COLD_MARGIN))
    return said


def markdown(rows: dict[str, list[float]], load: tuple[float, float], runs: int) -> str:
    lines = [f"Measured with `python benchmarks/checks.py --runs {runs}` on {os.cpu_count()} cores, "
             f"load average {load[0]:.2f} before and {load[1]:.2f} after (1 minute):", "",
             "| | median s | runs s |", "| --- | --- | --- |"]
    for key, title in ROWS.items():
        lines.append(f"| {title} | {statistics.median(rows[key]):.2f} | "
                     f"{', '.join(f'{value:.2f}' for value in rows[key])} |")
    lines += ["", *(f"- {'met' if met else 'MISSED'}: {goal}" for goal, met in goals(rows))]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (default: 3)")
    parser.add_argument("--markdown", type=Path, default=ROOT / "reports" / "checks-benchmark.md",
                        help="where to write the table as Markdown (default: reports/checks-benchmark.md)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="grader-benchmark-checks-"))
    before = os.getloadavg()[0]
    try:
        rows = measure(args.runs, work)
    except Failed as exc:
        print(f"benchmark: a check went wrong, so no figures: {exc}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(work, ignore_errors=True)
    text = markdown(rows, (before, os.getloadavg()[0]), args.runs)
    print(text)
    args.markdown.parent.mkdir(parents=True, exist_ok=True)
    args.markdown.write_text(text)
    print(f"written to {args.markdown}")
    missed = [goal for goal, met in goals(rows) if not met]
    for goal in missed:
        print(f"benchmark: goal missed: {goal}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
