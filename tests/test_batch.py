"""Batch grading of a class: parallel workers, a run killed with SIGKILL half-way and resumed,
and the same submission graded twice giving the same score."""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder import course as courselib
from autograder import export as exporting
from autograder.demo import make_submissions
from autograder.labs import LAB01

NNLAB = str(Path(sys.executable).parent / "nnlab")
COPIES = 3   # each of the 4 demo students three times: a class of 12


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tmp_path_factory.mktemp("batch") / "course"
    courselib.create_course(course)
    courselib.release(course, LAB01)
    base = make_submissions(course)
    for student in base:
        for i in range(1, COPIES):
            shutil.copytree(course / "submitted" / student, course / "submitted" / f"{student}_{i}")
    return course


def _status_files(course):
    return sorted((course / courselib.STATUS_DIR / LAB01.name).glob("*.json"))


def _expected(student):
    if student.startswith("ada_reference"):
        return LAB01.max_points
    if student.startswith("ben_untouched"):
        return 0.0
    return None   # partial: compared across copies


def test_killed_run_resumes_without_regrading_or_losing_grades(course):
    proc = subprocess.Popen([NNLAB, "autograde", LAB01.name, "--course", str(course), "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 240
    while len(_status_files(course)) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)      # the whole run, pool processes and kernels included
    proc.wait()
    done_before = {p.name: p.stat().st_mtime_ns for p in _status_files(course)}
    assert 3 <= len(done_before) < 4 * COPIES, "kill the run while it is half-way"
    for path in _status_files(course):
        json.loads(path.read_text())          # every status file is whole
    con = sqlite3.connect(course / "gradebook.db")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()

    subprocess.run([NNLAB, "autograde", LAB01.name, "--course", str(course), "--workers", "2"],
                   check=True, capture_output=True)
    after = {p.name: p.stat().st_mtime_ns for p in _status_files(course)}
    assert len(after) == 4 * COPIES
    for name, mtime in done_before.items():
        assert after[name] == mtime, f"{name} was graded again after the resume"

    rows = {r["student"]: r for r in exporting.gradebook_rows(course, LAB01)}
    for student, row in rows.items():
        assert row["status"] == "graded"
        if _expected(student) is not None:
            assert row["functions"] == pytest.approx(_expected(student)), student
        outcome = courselib.read_outcome(course, LAB01, student)
        assert row["functions"] == pytest.approx(outcome.score), "gradebook and status agree"
    for student in ("cleo_mistakes", "dev_mistakes"):
        scores = {rows[s]["functions"] for s in rows if s.startswith(student)}
        assert len(scores) == 1, f"copies of {student} graded differently: {scores}"


def test_grading_again_gives_the_same_scores(course):
    before = {s: courselib.read_outcome(course, LAB01, s).score
              for s in courselib.submitted_students(course, LAB01)}
    outcomes = courselib.autograde(course, LAB01, students=["cleo_mistakes", "dev_mistakes_1"],
                                   force=True, progress=False, workers=2)
    for o in outcomes:
        assert o.score == before[o.student]
