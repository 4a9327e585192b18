"""One grading run per course: a second ``nnlab autograde`` on a course being graded refuses,
naming the run that holds it, or waits with ``--wait``; a lock left by a run killed with
SIGKILL does not block. Real processes, a real nbgrader course."""
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder import course as courselib
from autograder.course_lock import course_lock
from autograder.labs import LAB04
from grading_integrity import SOLUTIONS, make_course

NNLAB = [str(Path(sys.executable).parent / "nnlab")]


@pytest.fixture
def course(tmp_path):
    course = make_course(tmp_path / "course", LAB04)
    target = course / "submitted" / "s1" / LAB04.name
    shutil.copytree(course / "release" / LAB04.name, target)
    courselib._copy_package(SOLUTIONS, target / "nnlab")
    return course


def recorded(course):
    outcome = courselib.read_outcome(course, LAB04, "s1")
    return {} if outcome is None else {"s1": outcome}


def start_autograde(course, *extra):
    return subprocess.Popen([*NNLAB, "autograde", LAB04.name, "--course", str(course), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_second_run_refuses_or_waits_and_a_killed_run_does_not_block(course):
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
