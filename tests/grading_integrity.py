"""Shared by the grading-integrity tests: a real nbgrader course, a reference submission, the
gradebook read back through nbgrader's API."""
import shutil
import subprocess
import sys
from pathlib import Path

from autograder import course as courselib
from autograder.demo import _answer_question
from autograder.labs import LAB04

NNLAB = [str(Path(sys.executable).parent / "nnlab")]
SOLUTIONS = Path(courselib.REPO_ROOT) / "solutions" / "nnlab"


def nnlab(*args, check=True):
    """Run the ``nnlab`` command as a TA would; fail with its output unless it succeeds."""
    done = subprocess.run([*NNLAB, *args], capture_output=True, text=True)
    if check and done.returncode != 0:
        raise AssertionError(f"nnlab {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def make_course(path, *labs):
    courselib.create_course(path)
    for lab in labs:
        courselib.release(path, lab)
    return path


def reference_submission(course, student, lab=LAB04, submitted_at=None):
    """``student`` hands in the reference solution and answers the written questions."""
    target = course / "submitted" / student / lab.name
    shutil.copytree(course / "release" / lab.name, target)
    courselib._copy_package(SOLUTIONS, target / "nnlab")
    _answer_question(target / f"{lab.name}.ipynb")
    if submitted_at is not None:
        (target / "timestamp.txt").write_text(submitted_at.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
    return student


def grades_of(course, lab, student):
    """``{grade cell: (auto_score, manual_score, max_score, needs_manual_grade)}``."""
    with courselib.gradebook(course) as gb:
        submission = gb.find_submission(lab.name, student)
        return {g.name: (g.auto_score, g.manual_score, g.max_score, g.needs_manual_grade)
                for nb in submission.notebooks for g in nb.grades}


def assert_nothing_above_max(course):
    from nbgrader.api import Grade
    with courselib.gradebook(course) as gb:
        grades = gb.db.query(Grade).all()
        assert grades
        above = [(g.name, g.auto_score, g.manual_score, g.max_score) for g in grades
                 if max(g.auto_score or 0, g.manual_score or 0) > g.max_score + 1e-9]
    assert not above, above


# ------------------------------------------------------------------ nbgrader's exchange

NBGRADER = str(Path(sys.executable).parent / "nbgrader")


def nbgrader(*args, cwd):
    done = subprocess.run([NBGRADER, *args], cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def use_exchange(course, exchange):
    """Point the course at an exchange directory of its own, as on a JupyterHub."""
    exchange.mkdir(mode=0o777, parents=True, exist_ok=True)
    exchange.chmod(0o777)
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text() + f"\nc.Exchange.root = {str(exchange)!r}\n")


def submit_through_exchange(course, exchange, lab, student, home):
    """``student`` fetches the released lab, writes the reference solution and the answers,
    and submits it with ``nbgrader submit`` (the exchange records the time)."""
    home.mkdir(parents=True, exist_ok=True)
    common = ["--course", courselib.COURSE_ID, f"--Exchange.root={exchange}"]
    nbgrader("fetch_assignment", lab.name, *common, cwd=home)
    courselib._copy_package(SOLUTIONS, home / lab.name / "nnlab")
    _answer_question(home / lab.name / f"{lab.name}.ipynb")
    nbgrader("submit", lab.name, f"--student={student}", *common, cwd=home)
    return student
