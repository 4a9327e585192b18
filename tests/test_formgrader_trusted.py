"""Formgrader's Autograde button and ``nbgrader autograde``, on a real nbgrader course (real
sqlite gradebook, real notebook runs), go through nnlab's trusted grader: the demo's hostile
student cannot write the gradebook. No score is ever above its cell's maximum, and
``nnlab autograde`` repairs a gradebook that holds one."""
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import course as courselib
from autograder.demo import make_hostile_and_broken
from autograder.labs import LAB01
from grading_integrity import assert_nothing_above_max, grades_of, make_course, nnlab


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return make_course(tmp_path_factory.mktemp("formgrader") / "course", LAB01)


# ------------------------------------------------------------------ 1. formgrader's Autograde

def test_formgrader_autograde_button_runs_the_trusted_grader(course):
    make_hostile_and_broken(course)          # eve: patched numpy, a cell that writes gradebook.db
    api = courselib.nbgrader_api(course)     # configured from nbgrader_config.py, as formgrader is
    result = api.autograde(LAB01.name, "eve_hostile")       # what the Autograde button calls
    assert result["success"], result.get("error")
    assert "handing the grading to the trusted grader" in result["log"]

    outcome = courselib.read_outcome(course, LAB01, "eve_hostile")
    assert outcome is not None and outcome.score == 0
    grades = grades_of(course, LAB01, "eve_hostile")
    checks = {f.grade_cell_id for f in LAB01.functions}
    assert all(grades[c][0] == 0 and grades[c][1] is None for c in checks), grades
    assert_nothing_above_max(course)
    autograded = course / "autograded" / "eve_hostile" / LAB01.name / f"{LAB01.name}.ipynb"
    assert "Trusted grader: affine_forward did not pass" in autograded.read_text()


def test_nbgrader_autograde_command_runs_the_trusted_grader(course):
    before = courselib.read_outcome(course, LAB01, "eve_hostile")
    nbgrader = Path(sys.executable).parent / "nbgrader"
    done = subprocess.run([str(nbgrader), "autograde", LAB01.name, "--student", "eve_hostile",
                           "--force"], cwd=course, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "handing the grading to the trusted grader" in done.stderr
    after = courselib.read_outcome(course, LAB01, "eve_hostile")
    assert after.elapsed != before.elapsed and after.score == 0        # graded again, by nnlab
    grades = grades_of(course, LAB01, "eve_hostile")
    assert all(grades[f.grade_cell_id][0] == 0 for f in LAB01.functions)
    assert_nothing_above_max(course)


def test_nbgrader_autograde_of_every_lab_is_refused_with_the_command_to_run(course):
    api = courselib.nbgrader_api(course)
    before = (course / "gradebook.db").read_bytes()
    result = api.autograde("*", "eve_hostile")
    assert not result["success"]
    assert f"nnlab autograde LAB --course {course}" in result["error"]
    assert (course / "gradebook.db").read_bytes() == before
    assert (course / "autograded" / "eve_hostile" / LAB01.name).is_dir()   # nothing removed


def test_nnlab_autograde_repairs_scores_above_the_maximum(course):
    # what nbgrader's stock Autograde button let eve's kernel do before this fix
    with sqlite3.connect(course / "gradebook.db") as con:
        con.execute("UPDATE grade SET auto_score = 100, manual_score = 100")
    done = nnlab("autograde", LAB01.name, "--course", str(course), "--student", "eve_hostile")
    assert "Repaired the gradebook" in done.stderr
    assert "check_affine_forward held 100" in done.stderr
    assert_nothing_above_max(course)
    grades = grades_of(course, LAB01, "eve_hostile")
    assert sum(grades[f.grade_cell_id][0] for f in LAB01.functions) == 0
    assert all(grades[f.grade_cell_id][1] is None for f in LAB01.functions)
