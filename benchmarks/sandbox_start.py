"""How long a submission waits for its sandbox: a cold start against a fork from the warm zygote.

    python benchmarks/sandbox_start.py [--jobs N]

For each isolation level available here it times: a bare `python -c "import tensorflow"`;
a cold sandbox (start, import TensorFlow, run one job: what a fresh interpreter per
submission costs); and N further jobs on the same warm sandbox (a fork each). The job is a
small submission that imports keras and builds a model, so the worker really uses the
preloaded TensorFlow.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grader.sandbox.calls import Call, Limits
from grader.sandbox.isolation import detect, fallback
from grader.sandbox.runner import run_submission
from grader.sandbox.server import Sandbox

SUBMISSION = '''
import keras

def build(n):
    model = keras.Sequential([keras.Input((n,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(3)])
    return len(model.layers)
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20)
    args = parser.parse_args()
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import tensorflow"], check=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    print(f"python -c 'import tensorflow': {time.perf_counter() - started:.2f} s")
    levels = [detect()] + ([fallback("benchmark")] if detect().level == "bubblewrap" else [])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "submission.py"
        path.write_text(SUBMISSION)
        calls = [Call("build", "build", (4,))]
        for isolation in levels:
            with Sandbox(isolation) as sandbox:
                started = time.perf_counter()
                first = run_submission(path, calls, [], Limits(), sandbox)
                cold = time.perf_counter() - started
                assert first.outcomes["build"].value == 2, first.outcomes
                warm = []
                for _ in range(args.jobs):
                    started = time.perf_counter()
                    run_submission(path, calls, [], Limits(), sandbox)
                    warm.append(time.perf_counter() - started)
            warm.sort()
            p95 = warm[min(len(warm) - 1, int(0.95 * len(warm)))]
            print(f"{isolation.level:>15}: cold start + first job {cold:.2f} s; warm job p50 "
                  f"{statistics.median(warm) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms ({args.jobs} jobs); "
                  f"{cold / statistics.median(warm):.0f}x faster warm")


if __name__ == "__main__":
    main()
