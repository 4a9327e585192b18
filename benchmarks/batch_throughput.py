"""Throughput of grading a class: `nnlab autograde --workers N` vs stock `nbgrader autograde`.

Generates a class of submissions (default 200): 30% the reference, 10% untouched stubs, 40%
one realistic mistake each (tests/catalogue/lab01_mistakes.py), 20% hostile
(tests/hostile/catalogue.py). Grades the whole class with 1, 2, 4, ... workers (a fresh copy of
the course each time), and grades a sample of the same notebooks with stock nbgrader, one at a
time as nbgrader does. Reports submissions per minute, the ratio against nbgrader and the
parallel efficiency (throughput with N workers / (N x throughput with 1)).

Stock nbgrader's sample leaves out the submissions that hang (an infinite loop costs nbgrader
its full cell timeout, 120 s, per cell that calls the function): that favours nbgrader.

    python benchmarks/batch_throughput.py --students 200 --workers 1 2 4 --stock-sample 20
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from autograder import course as courselib  # noqa: E402
from autograder.labs import LAB01  # noqa: E402
from catalogue.lab01_mistakes import MISTAKES  # noqa: E402
from hostile import catalogue as hostile  # noqa: E402

BIN = Path(sys.executable).parent
HANGS = {"infinite_loop", "memory_bomb"}


def make_class(course: Path, n: int, seed: int = 0) -> dict:
    """Fill submitted/ with n students; returns student -> kind."""
    rng = random.Random(seed)
    released = course / "release" / LAB01.name
    hostile_cases = [c for c in hostile.CASES if not c.needs_isolation]
    kinds = {}
    for i in range(n):
        r = rng.random()
        student = f"s{i:04d}"
        target = course / "submitted" / student / LAB01.name
        if r < 0.2:
            case = rng.choice(hostile_cases)
            hostile.build_submission(course, case, student)
            kinds[student] = f"hostile:{case.id}"
            continue
        shutil.copytree(released, target)
        if r < 0.3:
            kinds[student] = "stubs"
            continue
        courselib._copy_package(ROOT / "solutions" / "nnlab", target / "nnlab")
        if r < 0.6:
            kinds[student] = "reference"
        else:
            mistake = rng.choice(MISTAKES)
            path = target / "nnlab" / f"{mistake.module}.py"
            path.write_text(path.read_text() + "\n" + mistake.source)
            kinds[student] = f"mistake:{mistake.id}"
    return kinds


def class_course(template: Path, n: int, make=make_class) -> tuple[dict, dict]:
    """A course at ``template`` with lab 01 released and a class of ``n`` made by ``make``;
    returns (student -> kind, kind -> how many)."""
    courselib.create_course(template)
    courselib.release(template, LAB01)
    kinds = make(template, n)
    mix = {}
    for kind in kinds.values():
        mix[kind.split(":")[0]] = mix.get(kind.split(":")[0], 0) + 1
    return kinds, mix


def _course_copy(template: Path, course: Path, students=None) -> None:
    if students is None:
        shutil.copytree(template, course)
        return
    shutil.copytree(template, course, ignore=shutil.ignore_patterns("submitted"))
    for s in students:
        shutil.copytree(template / "submitted" / s, course / "submitted" / s)


def grade_with_nnlab(template: Path, workers: int, students=None) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp) / "course"
        _course_copy(template, course, students)
        started = time.perf_counter()
        subprocess.run([BIN / "nnlab", "autograde", LAB01.name, "--course", str(course),
                        "--workers", str(workers)], check=True, capture_output=True)
        return time.perf_counter() - started


def as_stock_nbgrader_course(course: Path) -> None:
    """Remove nnlab's hand-over from ``course``'s config: `nbgrader autograde` in an nnlab course
    hands the grading to `nnlab autograde` (autograder/nbgrader_plugin.py), so without this the
    "stock" baseline would time nnlab itself. The rest of the config (the submitted package kept,
    the gradebook) stays as nbgrader needs it to grade the lab."""
    config = course / "nbgrader_config.py"
    text = config.read_text()
    if courselib.CONFIG_LINES not in text:
        raise SystemExit(f"{config} does not hold nnlab's hand-over lines as written by "
                         f"`nnlab course create`: cannot make a stock nbgrader course of it")
    config.write_text(text.replace(courselib.CONFIG_LINES, "\n"))


def grade_with_stock_nbgrader(template: Path, students: list) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp) / "course"
        _course_copy(template, course, students)
        as_stock_nbgrader_course(course)
        env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
        env.pop("NNLAB_GRADING", None)
        started = time.perf_counter()
        # nbgrader exits non-zero when any submission fails; the time is what we measure.
        subprocess.run([BIN / "nbgrader", "autograde", LAB01.name], cwd=course, env=env,
                       capture_output=True)
        seconds = time.perf_counter() - started
        if (course / courselib.STATUS_DIR).exists():
            raise SystemExit("the stock nbgrader run handed the grading to nnlab: not a baseline")
        # (nbgrader fails the broken and tampered notebooks: fewer autograded than students)
        return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2, 4],
                        help="worker counts for the whole class (none: only the sample comparison)")
    parser.add_argument("--stock-sample", type=int, default=20)
    parser.add_argument("--json", default=None, help="also write the figures here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "course"
        kinds, counts = class_course(template, args.students)
        print(f"class of {args.students}: {counts}; {os.cpu_count()} CPU cores")

        rng = random.Random(1)
        calm = [s for s, k in kinds.items() if k.split(":")[-1] not in HANGS]
        sample = sorted(rng.sample(calm, min(args.stock_sample, len(calm))))
        stock = grade_with_stock_nbgrader(template, sample)
        stock_rate = len(sample) / stock * 60
        print(f"stock nbgrader autograde : {len(sample)} submissions in {stock:7.1f} s "
              f"= {stock_rate:6.1f} submissions/min")
        same = grade_with_nnlab(template, 1, sample)
        print(f"nnlab autograde -w 1     : the same {len(sample)} in {same:7.1f} s "
              f"= {len(sample) / same * 60:6.1f} submissions/min, {stock / same:5.2f}x nbgrader")

        results = {"students": args.students, "cores": os.cpu_count(), "mix": counts,
                   "stock": {"submissions": len(sample), "seconds": stock, "per_min": stock_rate},
                   "nnlab_same_sample": {"seconds": same, "per_min": len(sample) / same * 60},
                   "nnlab": []}
        base_rate = None
        for workers in args.workers:
            seconds = grade_with_nnlab(template, workers)
            rate = args.students / seconds * 60
            base_rate = base_rate or (rate if workers == 1 else None)
            efficiency = rate / (workers * base_rate) if base_rate else float("nan")
            results["nnlab"].append({"workers": workers, "seconds": seconds, "per_min": rate,
                                     "vs_stock": rate / stock_rate, "efficiency": efficiency})
            print(f"nnlab autograde -w {workers:<2}: {args.students} submissions in {seconds:7.1f} s "
                  f"= {rate:6.1f}/min, {rate / stock_rate:5.2f}x nbgrader, "
                  f"parallel efficiency {efficiency:.0%}")
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
