"""Ctrl-C stops ``nnlab autograde``, with real processes and real signals.

Ctrl-C in a terminal sends SIGINT to the whole foreground process group (the grader, its pool
workers, nbgrader's kernel, the sandbox workers): the test does the same with ``killpg``. The run
must stop promptly, record nothing for the submissions in flight (no
``notebook_error: KeyboardInterrupt``), and the next run grades exactly those.
"""
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder import course as courselib
from autograder.labs import LAB04

NNLAB = [str(Path(sys.executable).parent / "nnlab")]
SOLUTIONS = Path(courselib.REPO_ROOT) / "solutions" / "nnlab"
STUDENTS = ("s1", "s2", "s3")
#: one more student than workers: at least one is in flight when the first is recorded
CLASS_SIZE = {1: 2, 2: 3}


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    course = tmp_path_factory.mktemp("interrupt") / "course"
    courselib.create_course(course)
    courselib.release(course, LAB04)
    return course


def make_class(released, tmp_path, size=len(STUDENTS)):
    course = tmp_path / "course"
    shutil.copytree(released, course)
    for student in STUDENTS[:size]:
        target = course / "submitted" / student / LAB04.name
        shutil.copytree(course / "release" / LAB04.name, target)
        courselib._copy_package(SOLUTIONS, target / "nnlab")
    return course


def recorded(course):
    """The students whose grading was recorded (a status file written)."""
    outcomes = {s: courselib.read_outcome(course, LAB04, s)
                for s in courselib.submitted_students(course, LAB04)}
    return {s: o for s, o in outcomes.items() if o is not None}


def start_autograde(course, *extra):
    return subprocess.Popen([*NNLAB, "autograde", LAB04.name, "--course", str(course), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)   # its own process group, like a terminal job


@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_stops_promptly_and_records_nothing_unfinished(released, tmp_path, workers):
    course = make_class(released, tmp_path, CLASS_SIZE[workers])
    students = STUDENTS[:CLASS_SIZE[workers]]
    run = start_autograde(course, "--workers", str(workers))
    deadline = time.monotonic() + 240
    while not recorded(course) and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.2)
    assert recorded(course), "no submission was graded"
    os.killpg(run.pid, signal.SIGINT)                  # Ctrl-C, with the next ones in flight
    interrupted_at = time.monotonic()
    out, err = run.communicate(timeout=60)
    stopped_after = time.monotonic() - interrupted_at
    assert run.returncode == 130, err
    assert stopped_after < 25, f"took {stopped_after:.1f} s to stop"
    assert "Interrupted:" in err and "Run the same command again" in err

    done = recorded(course)
    assert 0 < len(done) < len(students)
    for outcome in done.values():                      # what was recorded is a real grade
        assert outcome.status == "graded", outcome.detail
        assert "KeyboardInterrupt" not in outcome.detail
        assert outcome.score == LAB04.max_points

    rerun = start_autograde(course, "--workers", str(workers))
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    final = recorded(course)
    assert set(final) == set(students)
    assert all(o.status == "graded" and o.score == LAB04.max_points for o in final.values())
    for student, outcome in done.items():             # the finished ones were not graded again
        assert final[student].elapsed == outcome.elapsed
