"""Grade on submit (issue 11): a real ``nnlab autograde LAB --watch`` process, submissions
through nbgrader's real exchange (``nbgrader submit``) and straight into submitted/, a broken
one that must not stop it, a per-student daily limit, and Ctrl-C."""
import json
import os
import signal
import shutil
import subprocess
import time

import pytest

from autograder import course as courselib
from autograder.course_lock import LOCK_NAME
from autograder.labs import LAB01
from autograder.watch import WAITING_NOTE
from grading_integrity import (NNLAB, make_course, nbgrader, submit_through_exchange,
                               use_exchange)

LIMIT = 2


def _wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def _feedback(course, student):
    return course / "feedback" / student / LAB01.name / f"{LAB01.name}.html"


@pytest.fixture(scope="module")
def watched(tmp_path_factory):
    root = tmp_path_factory.mktemp("watch")
    course = make_course(root / "course", LAB01)
    exchange = root / "exchange"
    use_exchange(course, exchange)
    nbgrader("release_assignment", LAB01.name, cwd=course)
    log = open(root / "watch.log", "w")
    proc = subprocess.Popen([*NNLAB, "autograde", LAB01.name, "--course", str(course), "--watch",
                             "--no-execute", "--poll", "0.5", "--max-per-day", str(LIMIT)],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    _wait_for(lambda: "Watching" in (root / "watch.log").read_text(), 60, "the watch to start")
    yield course, exchange, root, proc
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    log.close()


def test_a_submission_through_the_exchange_gets_feedback_within_seconds(watched):
    course, exchange, root, _ = watched
    submit_through_exchange(course, exchange, LAB01, "ada", root / "ada")
    submitted = time.monotonic()
    _wait_for(lambda: _feedback(course, "ada").exists(), 90, "ada's feedback")
    seconds = time.monotonic() - submitted
    print(f"\nsubmission to feedback: {seconds:.1f} s")
    outcome = courselib.read_outcome(course, LAB01, "ada")
    assert outcome.status == "graded" and outcome.score == LAB01.max_points
    assert (course / "submitted" / "ada" / LAB01.name / "timestamp.txt").exists()  # collected
    assert "Trusted grader" in _feedback(course, "ada").read_text()
    # released to the exchange, where `nbgrader fetch_feedback` finds it
    _wait_for(lambda: list((exchange / courselib.COURSE_ID / "feedback").glob("*.html")), 30,
              "the released feedback")


def test_a_broken_submission_does_not_stop_the_watch(watched):
    course, exchange, root, proc = watched
    broken = course / "submitted" / "finn_broken" / LAB01.name
    shutil.copytree(course / "release" / LAB01.name, broken)
    (broken / f"{LAB01.name}.ipynb").write_text("{ this is not a notebook")
    (broken / "nnlab" / "layers.py").write_text("def affine_forward(:\n")
    _wait_for(lambda: courselib.read_outcome(course, LAB01, "finn_broken") is not None, 90,
              "the broken submission's status")
    assert courselib.read_outcome(course, LAB01, "finn_broken").status == "invalid_notebook"
    assert proc.poll() is None
    submit_through_exchange(course, exchange, LAB01, "bea", root / "bea")
    _wait_for(lambda: _feedback(course, "bea").exists(), 90, "bea's feedback after the broken one")
    assert courselib.read_outcome(course, LAB01, "bea").score == LAB01.max_points


def test_the_daily_limit_holds_later_submissions_back(watched):
    course, exchange, root, _ = watched
    common = ["--course", courselib.COURSE_ID, f"--Exchange.root={exchange}"]
    home = root / "ada"
    status = courselib._status_path(course, LAB01, "ada")
    # ada's second submission of the day is graded (her first was in the first test) ...
    first = status.stat().st_mtime_ns
    time.sleep(1.1)    # nbgrader's timestamps: a newer submission must be newer
    nbgrader("submit", LAB01.name, "--student=ada", *common, cwd=home)
    _wait_for(lambda: status.exists() and status.stat().st_mtime_ns != first, 90,
              "ada's second grade")
    # the watch counts a submission once its grade is written: wait for the count too
    ledger = course / courselib.STATUS_DIR / LAB01.name / "watch_ledger.json"
    _wait_for(lambda: json.loads(ledger.read_text())["ada"]["count"] == LIMIT, 30,
              "ada's second submission counted")
    # ... her third waits, and her feedback folder says so
    second = status.stat().st_mtime_ns
    time.sleep(1.1)
    nbgrader("submit", LAB01.name, "--student=ada", *common, cwd=home)
    note = course / "feedback" / "ada" / LAB01.name / WAITING_NOTE
    _wait_for(note.exists, 60, "ada's waiting note")
    assert "graded today" in note.read_text() and "after midnight" in note.read_text()
    time.sleep(2)
    assert status.stat().st_mtime_ns == second, "a submission over the limit was graded"


def test_ctrl_c_stops_the_watch_cleanly(watched):
    course, _, root, proc = watched
    os.killpg(proc.pid, signal.SIGINT)
    assert proc.wait(timeout=60) == 0
    log = (root / "watch.log").read_text()
    assert "Stopped watching" in log and "Traceback" not in log
    lock = course / courselib.STATUS_DIR / LOCK_NAME
    assert lock.read_text() == "", "the course lock was left held"
