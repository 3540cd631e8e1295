"""Grading throughput: `grader bulk` against the naive way, and a cold `grader check` against
a bare TensorFlow import, in one run on this machine.

    python benchmarks/throughput.py [--submissions 40] [--jobs N] [--work DIR]

1. Generates N iris_net submissions, correct and buggy mixed, one folder per student.
2. Grades them with `grader bulk -j N` (warm workers, 3 seeds per submission, every check,
   HTML reports, gradebook), timing the whole run and each grading.
3. Grades the same submissions the naive way, N at a time: a fresh Python per submission
   that imports TensorFlow and runs the student's own `fit` on one seed
   (benchmarks/naive_grade.py).
4. Times a cold `grader check` of one submission against `python -c "import tensorflow"`
   (median of 3 each).
Peak memory is sampled from /proc for every process of each run: the peak resident set
(VmHWM) per process, and per bulk worker the proportional set size (PSS: shared pages
counted once) of the worker and its sandbox together.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.authoring.markers import make_stub, strip_markers  # noqa: E402

GIB = 1024**3


def submissions(count: int) -> list[str]:
    """count iris_net sources: about 60% correct variants, the rest with the lesson's mistakes."""
    reference = (ROOT / "reference" / "iris_net.py").read_text()
    solution = strip_markers(reference)
    correct = [solution.replace("Dense(16", f"Dense({units}").replace('"relu"', f'"{activation}"')
               for units in (8, 16, 32) for activation in ("relu", "tanh")]
    buggy = [(ROOT / "samples" / "linear_hidden" / "iris_net.py").read_text(),
             (ROOT / "samples" / "leaky_scaler" / "iris_net.py").read_text(),
             solution.replace("Dense(n_classes", "Dense(2"),
             solution.replace(", stratify=y", "").replace("shuffle=True", "shuffle=False"),
             make_stub(reference)]
    mix = [correct[i % len(correct)] if i % 5 < 3 else buggy[i % len(buggy)] for i in range(count)]
    return [f"# student {i:03d}\n{source}" for i, source in enumerate(mix)]


class MemorySampler:
    """Samples every descendant of a process: peak RSS per process, peak PSS per group."""

    def __init__(self, root: int, group=lambda pid, command: "all"):
        self.root, self.group = root, group
        self.peak_rss: dict[int, tuple[str, int]] = {}
        self.peak_group_pss: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            totals: dict[str, int] = {}
            for pid, command in _descendants(self.root):
                rss, pss = _memory(pid)
                if rss:
                    name = self.peak_rss.get(pid, (command, 0))
                    self.peak_rss[pid] = (command, max(name[1], rss))
                    key = self.group(pid, command)
                    totals[key] = totals.get(key, 0) + pss
            for key, value in totals.items():
                self.peak_group_pss[key] = max(self.peak_group_pss.get(key, 0), value)
            self._stop.wait(0.2)


def _descendants(root: int) -> list[tuple[int, str]]:
    parents, commands = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                commands[int(entry)] = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        found.append((pid, commands.get(pid, "")))
        frontier += [child for child, parent in parents.items() if parent == pid]
    return found


def _memory(pid: int) -> tuple[int, int]:
    """(peak RSS, current PSS) in bytes; zeros for a process that is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0, 0
    hwm = re.search(r"VmHWM:\s+(\d+) kB", status)
    pss = re.search(r"^Pss:\s+(\d+) kB", rollup, re.M)
    return (int(hwm.group(1)) * 1024 if hwm else 0), (int(pss.group(1)) * 1024 if pss else 0)


def _worker_of(pid: int, command: str, workers: dict[int, int]) -> str:
    """Which bulk worker a process belongs to (the worker itself or anything below it)."""
    current = pid
    while current > 1:
        if current in workers:
            return f"worker {workers[current]}"
        try:
            current = int(Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            break
    return "grader bulk itself"


def run_bulk(folder: Path, out: Path, jobs: int) -> dict:
    command = [sys.executable, "-m", "grader", "bulk", str(folder), "--out", str(out), "-j", str(jobs)]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    workers: dict[int, int] = {}

    def group(pid: int, command: str) -> str:
        if "grader.bulk.worker" in command and pid not in workers:
            workers[pid] = len(workers)
        return _worker_of(pid, command, workers)

    with MemorySampler(process.pid, group) as memory:
        stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"grader bulk failed:\n{stderr[-3000:]}")
    seconds = [float(s) for s in re.findall(r"\(([\d.]+) s\)", stderr)]
    return {"wall": wall, "seconds": seconds, "memory": memory}


def run_naive(paths: list[Path], jobs: int) -> dict:
    script = ROOT / "benchmarks" / "naive_grade.py"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    peaks: list[int] = []

    def grade(path: Path) -> float:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, str(script), str(path)], stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, env=env)
        with MemorySampler(process.pid) as memory:
            process.communicate()
        peaks.append(max((rss for _, rss in memory.peak_rss.values()), default=0))
        return time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        seconds = list(pool.map(grade, paths))
    return {"wall": time.perf_counter() - started, "seconds": seconds, "peak": max(peaks)}


def median_time(command: list[str], runs: int = 3, cwd: Path | None = None) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=cwd, capture_output=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--work", type=Path, help="keep the generated class and outputs here")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="grader-benchmark-"))
    folder = work / "class"
    paths = []
    for i, source in enumerate(submissions(args.submissions)):
        path = folder / f"student{i:03d}" / "iris_net.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
        paths.append(path)
    print(f"{args.submissions} iris_net submissions in {folder}; {args.jobs} at a time; {os.cpu_count()} cores")

    bulk = run_bulk(folder, work / f"bulk-{time.time_ns()}", args.jobs)
    naive = run_naive(paths, args.jobs)
    import_tf = median_time([sys.executable, "-c", "import tensorflow"])
    cold = median_time([sys.executable, "-m", "grader", "check", str(paths[0]), "--json", str(work / "cold.json"),
                        "--html", str(work / "cold")], cwd=work)

    n = args.submissions
    rows = [("grader bulk (3 seeds, all checks, reports)", bulk), ("naive: fresh python + student's fit (1 seed)", naive)]
    print(f"\n{'':46} {'subs/min':>9} {'p50 s/sub':>10} {'p95 s/sub':>10} {'wall s':>8}")
    for name, result in rows:
        print(f"{name:46} {n / result['wall'] * 60:9.1f} {statistics.median(result['seconds']):10.2f} "
              f"{percentile(result['seconds'], 0.95):10.2f} {result['wall']:8.1f}")
    print(f"\nthroughput ratio (bulk / naive): {naive['wall'] / bulk['wall']:.1f}x")
    memory = bulk["memory"]
    workers = {k: v for k, v in memory.peak_group_pss.items() if k.startswith("worker")}
    biggest = max(memory.peak_rss.values(), key=lambda item: item[1])
    print(f"peak memory per bulk worker (PSS of the worker and its sandbox): "
          f"{', '.join(f'{k} {v / GIB:.2f} GiB' for k, v in sorted(workers.items()))}")
    print(f"largest single process in bulk (peak RSS): {biggest[1] / GIB:.2f} GiB  ({biggest[0][:70]})")
    print(f"naive: largest process (peak RSS): {naive['peak'] / GIB:.2f} GiB")
    print(f"\ncold `grader check` of one submission: {cold:.1f} s; `python -c 'import tensorflow'`: {import_tf:.1f} s; "
          f"difference {cold - import_tf:+.1f} s")


if __name__ == "__main__":
    main()
