"""Time to autograde one lab-01 submission: `nnlab autograde` vs stock `nbgrader autograde`.

Both run as the command-line tools a TA would type, on the same course, the same submission
(the reference solution), in the same run; the ratio is what matters, not the seconds.

* stock nbgrader executes the notebook as written: the activation experiment trains in full;
* nnlab autograde runs nbgrader with NNLAB_GRADING=1 (the experiment shrinks) and scores the
  functions with the trusted grader in a sandboxed worker.

    python benchmarks/autograde_one.py [--repeats 3]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks"), str(ROOT / "tests")]

from autograder import course as courselib  # noqa: E402
from autograder.demo import make_submissions  # noqa: E402
from autograder.labs import LAB01  # noqa: E402
from batch_throughput import as_stock_nbgrader_course  # noqa: E402

BIN = Path(sys.executable).parent


def timed(cmd, cwd, env=None) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    env.pop("NNLAB_GRADING", None)
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp) / "course"
        courselib.create_course(course)
        courselib.release(course, LAB01)
        make_submissions(course)
        student = "ada_reference"
        stock_course = Path(tmp) / "stock"
        shutil.copytree(course, stock_course)
        as_stock_nbgrader_course(stock_course)
        stock, ours = [], []
        for _ in range(args.repeats):
            stock.append(timed([BIN / "nbgrader", "autograde", LAB01.name, "--student", student,
                                "--force"], cwd=stock_course, env=env))
            ours.append(timed([BIN / "nnlab", "autograde", LAB01.name, "--course", str(course),
                               "--student", student, "--force"], cwd=course, env=env))
        s, o = statistics.median(stock), statistics.median(ours)
        print(f"one lab-01 submission, median of {args.repeats} runs on {os.cpu_count()} cores")
        print(f"  stock nbgrader autograde : {s:7.2f} s   (runs {[round(t, 2) for t in stock]})")
        print(f"  nnlab autograde          : {o:7.2f} s   (runs {[round(t, 2) for t in ours]})")
        print(f"  ratio nbgrader / nnlab   : {s / o:7.2f}x")


if __name__ == "__main__":
    main()
