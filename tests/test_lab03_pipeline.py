"""Lab 03 through the course pipeline with the real nbgrader: `nnlab release`, `autograde`,
`feedback` and `export` on a fresh course, with the demo's sample class of lab 03."""
import csv
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import course as courselib
from autograder import export as exporting
from autograder.demo import make_submissions
from autograder.labs import LAB03

NNLAB = [str(Path(sys.executable).parent / "nnlab")]


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    course = tmp_path_factory.mktemp("pipeline03") / "course"
    run = lambda *a: subprocess.run([*NNLAB, *a], capture_output=True, text=True, check=True)  # noqa: E731
    run("course", "create", str(course))
    run("release", LAB03.name, "--course", str(course))
    students = make_submissions(course, LAB03)
    run("autograde", LAB03.name, "--course", str(course))
    run("feedback", LAB03.name, "--course", str(course))
    return course, students


def test_release_holds_the_notebook_and_no_reference_code(graded_course):
    course, _ = graded_course
    released = course / "release" / LAB03.name
    assert (released / f"{LAB03.name}.ipynb").exists()
    for path in released.rglob("*.py"):
        assert "BEGIN SOLUTION" not in path.read_text(), path
    for name in ("dropout.py", "regularization.py", "augment.py"):
        assert "raise NotImplementedError" in (released / "nnlab" / name).read_text(), name
    assert not list(released.glob("*_regularization.py"))   # the notebook's builder stays home


def test_scores(graded_course):
    course, _ = graded_course
    rows = {r["student"]: r for r in exporting.gradebook_rows(course, LAB03)}
    assert rows["ada_reference"]["functions"] == pytest.approx(LAB03.max_points)
    assert rows["ben_untouched"]["functions"] == 0
    for student in ("cleo_mistakes", "dev_mistakes"):
        assert 0 < rows[student]["functions"] < LAB03.max_points, student
    with courselib.gradebook(course) as gb:
        grade = gb.find_grade("check_dropout_forward", LAB03.name, LAB03.name, "cleo_mistakes")
        assert grade.score < LAB03.function("dropout_forward").points
        grade = gb.find_grade("check_augment", LAB03.name, LAB03.name, "cleo_mistakes")
        assert grade.score == LAB03.function("augment").points


def test_feedback_and_export(graded_course, tmp_path):
    course, students = graded_course
    folder = course / "feedback" / "cleo_mistakes" / LAB03.name
    assert (folder / f"{LAB03.name}.html").exists()
    report = (folder / "nnlab_report.txt").read_text()
    assert "DROP probability" in report and "regularised too" in report
    # as every lab's report (issue 6): how each score was computed, and what graded it
    assert "How the scores were computed" in report and "Graded with python" in report
    out = tmp_path / "grades.csv"
    subprocess.run([*NNLAB, "export", "--course", str(course), "--to", str(out)], check=True,
                   capture_output=True)
    rows = [r for r in csv.DictReader(out.open()) if r["assignment"] == LAB03.name]
    assert {r["student_id"] for r in rows} == set(students)
    assert all(r["nnlab_status"] == "graded" for r in rows)
