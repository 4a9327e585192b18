"""`nnlab autograde --scheduler local` (a Dask cluster on this machine) vs the process pool.

The same generated class (benchmarks/batch_throughput.py's mix: reference, stubs, one mistake,
hostile) is graded twice, on fresh copies of one course, with the same number of workers: once
by the default process pool (``--workers N``), once by a local Dask cluster of N single-threaded
worker processes (``--scheduler local --workers N``). Both as the command a TA types; the ratio is
what matters. Scores must agree.

    python benchmarks/dask_vs_pool.py --students 30 --workers 2                # executed path
    python benchmarks/dask_vs_pool.py --students 100 --workers 2 --no-execute  # fast path
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks"), str(ROOT / "tests")]

from autograder import course as courselib  # noqa: E402
from autograder.labs import LAB01  # noqa: E402
from batch_throughput import _course_copy, class_course  # noqa: E402

BIN = Path(sys.executable).parent


def grade(template: Path, extra: list) -> tuple[float, dict]:
    """Seconds to grade the class with ``nnlab autograde ... extra``, and the scores."""
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp) / "course"
        _course_copy(template, course)
        started = time.perf_counter()
        subprocess.run([BIN / "nnlab", "autograde", LAB01.name, "--course", str(course), *extra],
                       check=True, capture_output=True)
        seconds = time.perf_counter() - started
        scores = {s: courselib.read_outcome(course, LAB01, s).score
                  for s in courselib.submitted_students(course, LAB01)}
        return seconds, scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-execute", action="store_true",
                        help="compare them on the fast path (the notebooks not re-run)")
    parser.add_argument("--json", default=None, help="also write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "course"
        class_course(template, args.students)
        n, w = args.students, str(args.workers)
        path = ["--no-execute"] if args.no_execute else ["--execute"]
        pool, pool_scores = grade(template, ["--workers", w, *path])
        dask, dask_scores = grade(template, ["--workers", w, "--scheduler", "local", *path])
        assert pool_scores == dask_scores, "the two engines disagree on a score"
        print(f"{n} submissions, {args.workers} workers, {os.cpu_count()} CPU cores, "
              f"{'fast path' if args.no_execute else 'executed path'}")
        print(f"process pool        : {pool:6.1f} s = {n / pool * 60:5.1f} submissions/min")
        print(f"local Dask cluster  : {dask:6.1f} s = {n / dask * 60:5.1f} submissions/min "
              f"({pool / dask:.2f}x the pool)")
        if args.json:
            Path(args.json).write_text(json.dumps({"students": n, "workers": args.workers,
                                                   "execute": not args.no_execute,
                                                   "pool_s": pool, "dask_s": dask}, indent=1))


if __name__ == "__main__":
    main()
