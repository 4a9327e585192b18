"""Lab 02 through the course pipeline with the `nnlab` commands: release, autograde (nbgrader +
the trusted grader), feedback, export — on the demo's lab-02 class (reference, untouched stubs,
two students with catalogued normalization mistakes)."""
import csv
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import course as courselib
from autograder import export as exporting
from autograder.demo import make_submissions
from autograder.labs import LAB02

NNLAB = [str(Path(sys.executable).parent / "nnlab")]


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    course = tmp_path_factory.mktemp("lab02-pipeline") / "course"
    run = lambda *a: subprocess.run([*NNLAB, *a], capture_output=True, text=True, check=True)  # noqa: E731
    run("course", "create", str(course))
    run("release", LAB02.name, "--course", str(course))
    students = make_submissions(course, LAB02)
    run("autograde", LAB02.name, "--course", str(course))
    run("feedback", LAB02.name, "--course", str(course))
    return course, students


def test_release_holds_the_notebook_and_no_reference_code(graded_course):
    course, _ = graded_course
    released = course / "release" / LAB02.name
    assert (released / f"{LAB02.name}.ipynb").exists()
    assert (released / "nnlab" / "normalization.py").exists()
    for path in released.rglob("*.py"):
        assert "BEGIN SOLUTION" not in path.read_text(), path


def test_scores_in_the_gradebook(graded_course):
    course, _ = graded_course
    rows = {r["student"]: r for r in exporting.gradebook_rows(course, LAB02)}
    assert rows["ada_reference"]["functions"] == pytest.approx(LAB02.max_points)
    assert rows["ben_untouched"]["functions"] == 0
    for student in ("cleo_mistakes", "dev_mistakes"):
        assert 0 < rows[student]["functions"] < LAB02.max_points
    with courselib.gradebook(course) as gb:
        # cleo's forward uses the unbiased variance: her (correct) backward keeps its points
        grade = gb.find_grade("check_batchnorm_backward", LAB02.name, LAB02.name, "cleo_mistakes")
        assert grade.score == LAB02.function("batchnorm_backward").points
        grade = gb.find_grade("check_batchnorm_forward", LAB02.name, LAB02.name, "cleo_mistakes")
        assert grade.score < LAB02.function("batchnorm_forward").points


def test_feedback_names_the_mistakes_and_export(graded_course, tmp_path):
    course, students = graded_course
    report = (course / "feedback" / "dev_mistakes" / LAB02.name / "nnlab_report.txt").read_text()
    assert "momentum the wrong way round" in report
    assert "CONSECUTIVE" in report and "dgamma SUMS" in report
    out = tmp_path / "grades.csv"
    subprocess.run([*NNLAB, "export", "--course", str(course), "--to", str(out)], check=True,
                   capture_output=True)
    rows = [r for r in csv.DictReader(out.open()) if r["assignment"] == LAB02.name]
    assert {r["student_id"] for r in rows} == set(students)
