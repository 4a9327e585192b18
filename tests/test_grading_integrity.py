"""Grades a TA can defend, on a real nbgrader course (exchange-style submitted/ folders, a real
sqlite gradebook, real notebook runs, the trusted grader):

- formgrader's Autograde button (``NbGraderAPI.autograde``, what its REST handler calls) goes
  through nnlab's trusted grader, so the hostile student cannot write the gradebook;
- no score is ever above its cell's maximum, and ``nnlab autograde`` repairs a gradebook that
  holds one;
- nbgrader's late policy applies to the final score (penalty "zero"; an extension is on time);
- a TA's override and marked written answers survive every regrade;
- a lab whose points changed in labs.py after release is refused, with the command that
  re-syncs it.
"""
import datetime
import json
import shutil
import sqlite3
import subprocess
import sys
import warnings
from pathlib import Path

import nbformat
import pytest

from autograder import course as courselib
from autograder.demo import _answer_question, make_hostile_and_broken
from autograder.labs import LAB01, LAB04

NNLAB = [str(Path(sys.executable).parent / "nnlab")]
SOLUTIONS = Path(courselib.REPO_ROOT) / "solutions" / "nnlab"
DUE = datetime.datetime(2026, 3, 1, 12, 0, 0)


def nnlab(*args, check=True):
    done = subprocess.run([*NNLAB, *args], capture_output=True, text=True)
    if check and done.returncode != 0:
        raise AssertionError(f"nnlab {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tmp_path_factory.mktemp("integrity") / "course"
    courselib.create_course(course)
    for lab in (LAB01, LAB04):
        courselib.release(course, lab)
    return course


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


# ------------------------------------------------------------------ 2. late policy

def test_late_policy_applies_to_the_final_score(course):
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text() + '\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
    late = reference_submission(course, "lou_late", submitted_at=DUE + datetime.timedelta(seconds=61836))
    extended = reference_submission(course, "ezra_extension",
                                    submitted_at=DUE + datetime.timedelta(seconds=61836))
    with courselib.gradebook(course) as gb:
        gb.update_or_create_assignment(LAB04.name, duedate=DUE)
        gb.update_or_create_student(extended)
        with warnings.catch_warnings():   # nbgrader's own SAWarning on a new submission
            warnings.simplefilter("ignore")
            gb.update_or_create_submission(LAB04.name, extended)   # what an extension hangs on
        gb.grant_extension(LAB04.name, extended, days=1)
    nnlab("autograde", LAB04.name, "--course", str(course), "--student", late, "--student", extended)
    outcomes = {s: courselib.read_outcome(course, LAB04, s) for s in (late, extended)}
    with courselib.gradebook(course) as gb:
        s = gb.find_submission(LAB04.name, late)
        assert s.total_seconds_late == pytest.approx(61836)
        assert s.score > LAB04.max_points - 1e-9               # the functions + written answers
        assert s.late_submission_penalty == pytest.approx(s.score)
        assert s.score - s.late_submission_penalty == 0        # penalty "zero": final score 0
        e = gb.find_submission(LAB04.name, extended)
        assert e.total_seconds_late == 0
        assert not e.late_submission_penalty
    assert outcomes[late].seconds_late == pytest.approx(61836)
    assert outcomes[late].late_penalty > 0 and outcomes[extended].late_penalty == 0


# ------------------------------------------------------------------ 3. overrides

def test_overrides_and_marked_answers_survive_every_regrade(course):
    student = reference_submission(course, "olga_override")
    grade = ("autograde", LAB04.name, "--course", str(course), "--student", student)
    nnlab(*grade)
    # the TA, in formgrader: adam gets 1.5 of 3, the first written answer 1 of 2
    with courselib.gradebook(course) as gb:
        adam = gb.find_grade("check_adam", LAB04.name, LAB04.name, student)
        adam.manual_score = 1.5
        answer = gb.find_grade("trajectories_question", LAB04.name, LAB04.name, student)
        answer.manual_score = 1.0
        answer.needs_manual_grade = False
        gb.db.commit()

    def assert_kept(outcome):
        grades = grades_of(course, LAB04, student)
        assert grades["check_adam"][:2] == (3.0, 1.5)          # grader's 3, the TA's 1.5 counts
        assert grades["check_adam"][3] is False
        assert grades["trajectories_question"][1] == 1.0
        assert grades["trajectories_question"][3] is False     # not "needs manual grading" again
        assert outcome.overrides == {"adam": {"grader": 3.0, "override": 1.5}}
        with courselib.gradebook(course) as gb:
            assert gb.find_grade("check_adam", LAB04.name, LAB04.name, student).score == 1.5

    outcome = lambda: courselib.read_outcome(course, LAB04, student)  # noqa: E731
    assert "override adam: 1.5 (grader 3)" in nnlab(*grade).stdout      # resumed: not regraded
    assert_kept(outcome())
    nnlab(*grade, "--force")
    assert_kept(outcome())
    # a grade recorded by another version of the grader (a points edit, new hidden checks)
    status = courselib._status_path(course, LAB04, student)
    recorded = json.loads(status.read_text())
    recorded["fingerprint"] = recorded["fingerprint"].split(":")[0] + ":an-older-grader"
    status.write_text(json.dumps(recorded))
    nnlab(*grade)
    assert outcome().fingerprint.split(":")[1] == courselib.grader_fingerprint()   # regraded
    assert_kept(outcome())


# ------------------------------------------------------------------ 7. points changed

def test_points_out_of_step_are_refused_then_resynced_by_release(course):
    student = reference_submission(course, "pia_points")
    source = course / "source" / LAB04.name / f"{LAB04.name}.ipynb"
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:      # the course was released when adam was worth 4 points
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "check_adam":
            cell.metadata["nbgrader"]["points"] = 4
    nbformat.write(nb, source)
    api = courselib.nbgrader_api(course)
    with courselib._in_directory(course):
        assert api.generate_assignment(LAB04.name)["success"]

    refused = nnlab("autograde", LAB04.name, "--course", str(course), "--student", student,
                    check=False)
    assert refused.returncode != 0
    assert "adam: 4 points in the release, 3 in labs.py" in refused.stderr
    assert f"nnlab release {LAB04.name} --course {course}" in refused.stderr
    assert courselib.read_outcome(course, LAB04, student) is None

    released = nnlab("release", LAB04.name, "--course", str(course))
    assert "re-synced from the built notebook (points: adam 4 -> 3)" in released.stderr
    nnlab("autograde", LAB04.name, "--course", str(course), "--student", student)
    assert courselib.read_outcome(course, LAB04, student).score == LAB04.max_points
    assert_nothing_above_max(course)
