"""Ctrl-C and concurrent runs of ``nnlab autograde``, with real processes and real signals.

Ctrl-C in a terminal sends SIGINT to the whole foreground process group (the grader, its pool
workers, nbgrader's kernel, the sandbox workers): the tests do the same with ``killpg``. The run
must stop promptly, record nothing for the submissions in flight (no
``notebook_error: KeyboardInterrupt``), and the next run grades exactly those. A second run on
a course being graded refuses (or waits, with ``--wait``); a lock left by a killed run does not
block.
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
from autograder.course_lock import course_lock
from autograder.labs import LAB04

NNLAB = [str(Path(sys.executable).parent / "nnlab")]
SOLUTIONS = Path(courselib.REPO_ROOT) / "solutions" / "nnlab"
STUDENTS = ("s1", "s2", "s3")


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    course = tmp_path_factory.mktemp("interrupt") / "course"
    courselib.create_course(course)
    courselib.release(course, LAB04)
    return course


def class_of_three(released, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(released, course)
    for student in STUDENTS:
        target = course / "submitted" / student / LAB04.name
        shutil.copytree(course / "release" / LAB04.name, target)
        courselib._copy_package(SOLUTIONS, target / "nnlab")
    return course


def recorded(course):
    return {s: courselib.read_outcome(course, LAB04, s) for s in STUDENTS
            if courselib.read_outcome(course, LAB04, s) is not None}


def start_autograde(course, *extra):
    return subprocess.Popen([*NNLAB, "autograde", LAB04.name, "--course", str(course), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)   # its own process group, like a terminal job


@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_stops_promptly_and_records_nothing_unfinished(released, tmp_path, workers):
    course = class_of_three(released, tmp_path)
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
    assert 0 < len(done) < len(STUDENTS)
    for outcome in done.values():                      # what was recorded is a real grade
        assert outcome.status == "graded", outcome.detail
        assert "KeyboardInterrupt" not in outcome.detail
        assert outcome.score == LAB04.max_points

    rerun = start_autograde(course, "--workers", str(workers))
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    final = recorded(course)
    assert set(final) == set(STUDENTS)
    assert all(o.status == "graded" and o.score == LAB04.max_points for o in final.values())
    for student, outcome in done.items():             # the finished ones were not graded again
        assert final[student].elapsed == outcome.elapsed


def test_a_second_run_refuses_or_waits_and_a_killed_run_does_not_block(released, tmp_path):
    course = class_of_three(released, tmp_path)
    one = ("--student", "s1")

    with course_lock(course, command="nnlab autograde 04_optimizers (a TA's other terminal)"):
        refused = start_autograde(course, *one)
        out, err = refused.communicate(timeout=120)
    assert refused.returncode == 1
    assert f"Another grading run holds this course (pid {os.getpid()}" in err
    assert "a TA's other terminal" in err and "--wait SECONDS" in err
    assert recorded(course) == {}

    # a run killed with SIGKILL leaves the lock file behind, but not the lock
    holder = subprocess.Popen([sys.executable, "-c",
                               "import sys, time\nfrom autograder.course_lock import course_lock\n"
                               f"with course_lock({str(course)!r}):\n"
                               "    print('held', flush=True); time.sleep(600)"],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    holder.kill()
    holder.wait()

    # while another run holds it, --wait queues behind it, and grades once it is released
    with course_lock(course, command="a short run"):
        waiting = start_autograde(course, *one, "--wait", "120")
        first_line = waiting.stderr.readline()
        assert "Waiting for another grading run on this course to finish" in first_line
        assert "a short run" in first_line
        time.sleep(1)
        assert waiting.poll() is None and recorded(course) == {}
    out, err = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, err
    assert recorded(course)["s1"].status == "graded"
