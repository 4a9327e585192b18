"""Grading a class: the fast path and the executed path against stock `nbgrader autograde`.

One run measures, on the same generated class (default 200 submissions, lab 01):

- stock ``nbgrader autograde`` on a sample of the class (one process, as nbgrader grades; the
  sample leaves out the submissions that hang, which favours nbgrader);
- ``nnlab autograde --no-execute`` (the fast path) and ``nnlab autograde --execute`` on the same
  sample, then on the whole class, with ``--workers`` processes;
- the floor per submission: a fresh interpreter, importing numpy, starting and stopping the
  trusted grader's sandboxed worker, forked from its fork server (what no grading of a
  submission can avoid) and, for comparison, as a fresh jailed process;
- where the time of one (warm) fast-path submission goes, from a profile.

The class mixes 25% reference, 10% untouched stubs, 40% one realistic mistake each
(tests/catalogue/lab01_mistakes.py), 20% hostile (tests/hostile/catalogue.py) and 5% broken
(a notebook that is not JSON, a module that does not parse).

    python benchmarks/class_throughput.py --students 200 --workers 2 --stock-sample 20
    python benchmarks/class_throughput.py --students 20       # a quick try
"""
import argparse
import cProfile
import json
import os
import pstats
import random
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
from autograder.labs import LAB01  # noqa: E402
from batch_throughput import (HANGS, _course_copy, class_course,  # noqa: E402
                              grade_with_stock_nbgrader, make_class)

BIN = Path(sys.executable).parent


def make_mixed_class(course: Path, n: int, seed: int = 0) -> dict:
    """batch_throughput's class, with one submission in twenty made broken."""
    kinds = make_class(course, n, seed)
    rng = random.Random(seed + 1)
    for student in rng.sample(sorted(kinds), max(1, n // 20)):
        target = course / "submitted" / student / LAB01.name
        shutil.rmtree(target)
        shutil.copytree(course / "release" / LAB01.name, target)
        if rng.random() < 0.5:
            (target / f"{LAB01.name}.ipynb").write_text("{ not a notebook")
            kinds[student] = "broken:notebook"
        else:
            (target / "nnlab" / "layers.py").write_text("def affine_forward(:\n")
            kinds[student] = "broken:module"
    return kinds


def grade_with_nnlab(template: Path, workers: int, execute: bool, students=None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp) / "course"
        _course_copy(template, course, students)
        started = time.perf_counter()
        subprocess.run([BIN / "nnlab", "autograde", LAB01.name, "--course", str(course),
                        "--workers", str(workers), "--execute" if execute else "--no-execute"],
                       check=True, capture_output=True)
        seconds = time.perf_counter() - started
        outcomes = {p.stem: json.loads(p.read_text())
                    for p in (course / courselib.STATUS_DIR / LAB01.name).glob("*.json")}
        return {"seconds": seconds,
                "scores": {s: (o["status"], o["functions"]) for s, o in outcomes.items()},
                "elapsed": {s: o["elapsed"] for s, o in outcomes.items()}}


def time_by_kind(elapsed: dict, kinds: dict) -> dict:
    """Seconds of grading (summed over the workers) per kind of submission: where a class's
    time goes. Hostile kinds are kept apart (each has its own cost), the rest by family."""
    by_kind = {}
    for student, seconds in elapsed.items():
        kind = kinds[student]
        key = kind if kind.startswith("hostile:") else kind.split(":")[0]
        count, total = by_kind.get(key, (0, 0.0))
        by_kind[key] = (count + 1, total + seconds)
    return dict(sorted(by_kind.items(), key=lambda item: -item[1][1]))


def _median_seconds(command, repeats=5) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure_floor(template: Path, student: str) -> dict:
    """What a submission costs before any grading: interpreter, numpy, the sandboxed worker
    (forked from the fork server, as grading starts it, and as a fresh jailed process)."""
    from autograder.grade import find_package
    from autograder.sandbox import Sandbox

    package = find_package(template / "submitted" / student / LAB01.name)

    def worker_start(fork):
        starts = []
        for _ in range(6):
            started = time.perf_counter()
            with Sandbox(package, fork=fork) as sandbox:
                sandbox.import_module("layers")
            starts.append(time.perf_counter() - started)
        return statistics.median(starts[1:])     # the first forked one starts the server

    return {"interpreter": _median_seconds([sys.executable, "-c", "pass"]),
            "interpreter_numpy": _median_seconds([sys.executable, "-c", "import numpy"]),
            "sandbox_worker": worker_start(fork=True),
            "sandbox_worker_fresh_process": worker_start(fork=False)}


def profile_one(template: Path, student: str) -> dict:
    """Seconds of one warm fast-path submission, split by step."""
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp) / "course"
        _course_copy(template, course, [student])
        api = courselib.nbgrader_api(course, grading=True, execute=False)
        courselib.autograde_one(course, LAB01, student, api=api, force=True, execute=False)
        walls = []
        for _ in range(3):
            started = time.perf_counter()
            courselib.autograde_one(course, LAB01, student, api=api, force=True, execute=False)
            walls.append(time.perf_counter() - started)
        total = statistics.median(walls)
        profile = cProfile.Profile()
        profile.enable()
        courselib.autograde_one(course, LAB01, student, api=api, force=True, execute=False)
        profile.disable()
    stats = pstats.Stats(profile).stats
    steps = {"nbgrader import (no execution)": "autograde", "trusted grader": "grade_submission",
             "gradebook writes": "_record_scores", "late policy": "apply_late_penalty",
             "feedback notebook patch": "_patch_autograded_notebook",
             "fingerprints": "_fingerprint"}
    wanted = {name: 0.0 for name in steps}
    profiled_total = max(v[3] for v in stats.values())
    for (filename, _, function), (_, _, _, cumulative, _) in stats.items():
        for name, target in steps.items():
            if function == target and ("autograder" in filename or "nbgrader/apps" in filename):
                wanted[name] += cumulative
    # the profiler slows everything down alike: scale its figures to the measured wall time
    return {"wall_seconds": total,
            **{k: v / profiled_total * total for k, v in wanted.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--stock-sample", type=int, default=20)
    parser.add_argument("--no-executed-class", action="store_true",
                        help="run the executed path on the sample only, not the whole class")
    parser.add_argument("--json", default=None, help="also write the figures here")
    args = parser.parse_args()

    load = os.getloadavg()
    print(f"{os.cpu_count()} CPU cores, load average before the run {load[0]:.2f} "
          f"{load[1]:.2f} {load[2]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "course"
        kinds, mix = class_course(template, args.students, make_mixed_class)
        print(f"class of {args.students}: {mix}")
        results = {"students": args.students, "workers": args.workers, "cores": os.cpu_count(),
                   "load_before": load, "mix": mix}

        reference = next(s for s, k in kinds.items() if k == "reference")
        floor = measure_floor(template, reference)
        results["floor"] = floor
        print(f"floor: interpreter {floor['interpreter']:.2f} s, + numpy "
              f"{floor['interpreter_numpy']:.2f} s, sandboxed worker start/stop "
              f"{floor['sandbox_worker']:.2f} s forked from the fork server "
              f"({floor['sandbox_worker_fresh_process']:.2f} s as a fresh process)")
        profile = profile_one(template, reference)
        results["profile"] = profile
        print("one warm fast-path submission: " + ", ".join(f"{k} {v:.2f} s"
                                                            for k, v in profile.items()))

        rng = random.Random(1)
        calm = [s for s, k in kinds.items() if k.split(":")[-1] not in HANGS]
        sample = sorted(rng.sample(calm, min(args.stock_sample, len(calm))))
        stock = grade_with_stock_nbgrader(template, sample)
        stock_rate = len(sample) / stock * 60
        results["stock_sample"] = {"submissions": len(sample), "seconds": stock,
                                   "per_min": stock_rate}
        print(f"stock nbgrader autograde        : {len(sample):4d} in {stock:7.1f} s = "
              f"{stock_rate:6.1f}/min  1.00x")

        runs = [("fast, sample", False, sample), ("executed, sample", True, sample),
                ("fast, whole class", False, None)]
        if not args.no_executed_class:
            runs.append(("executed, whole class", True, None))
        scores = {}
        for name, execute, students in runs:
            run = grade_with_nnlab(template, args.workers, execute, students)
            n = len(students) if students else args.students
            rate = n / run["seconds"] * 60
            results[name] = {"submissions": n, "seconds": run["seconds"], "per_min": rate,
                             "vs_stock": rate / stock_rate,
                             "seconds_per_submission_per_core":
                                 run["seconds"] * min(args.workers, os.cpu_count()) / n}
            scores[name] = run["scores"]
            if students is None:
                spent = time_by_kind(run["elapsed"], kinds)
                results[name]["by_kind"] = spent
                total = sum(t for _, t in spent.values())
                print("    where the time goes (grading seconds summed over workers): " + ", ".join(
                    f"{k} {n}x {t:.0f} s ({t / total:.0%})" for k, (n, t) in list(spent.items())[:8]))
            print(f"nnlab {name:<26}: {n:4d} in {run['seconds']:7.1f} s = {rate:6.1f}/min "
                  f"{rate / stock_rate:5.2f}x  (-w {args.workers})")
        # the same function scores on both paths; statuses may differ only where running the
        # notebook finds what importing it cannot (its kernel died, a cell failed)
        for a, b in (("fast, sample", "executed, sample"),
                     ("fast, whole class", "executed, whole class")):
            if a in scores and b in scores:
                differ = sorted(s for s in scores[a] if scores[a][s][1] != scores[b][s][1])
                status = {s: (scores[a][s][0], scores[b][s][0]) for s in scores[a]
                          if scores[a][s][0] != scores[b][s][0]}
                results[f"scores differ: {a} / {b}"] = differ
                results[f"statuses differ: {a} / {b}"] = status
                print(f"{a} vs {b}: function scores differ for {len(differ)} submission(s)"
                      + (f" ({', '.join(f'{s} {kinds[s]}' for s in differ[:10])})" if differ else "")
                      + f"; statuses differ for {len(status)}"
                      + (" (" + ", ".join(f"{kinds[s]}: {x} / {y}"
                                          for s, (x, y) in list(status.items())[:10]) + ")"
                         if status else ""))
        results["load_after"] = os.getloadavg()
        print(f"load average after the run {results['load_after'][0]:.2f}")
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
