"""The whole nbgrader course pipeline on a temporary course: real nbgrader commands, a real
sqlite gradebook, real notebook execution, the trusted grader — the same path as `nnlab demo`."""
import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import course as courselib
from autograder import export as exporting
from autograder.demo import make_submissions
from autograder.labs import LAB01

NNLAB = [str(Path(sys.executable).parent / "nnlab")]


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    course = tmp_path_factory.mktemp("pipeline") / "course"
    run = lambda *a: subprocess.run([*NNLAB, *a], capture_output=True, text=True, check=True)  # noqa: E731
    run("course", "create", str(course))
    run("release", LAB01.name, "--course", str(course))
    students = make_submissions(course)

    # Broken submissions: a notebook that is not JSON, and one whose kernel dies mid-run.
    broken = course / "submitted" / "eve_not_json" / LAB01.name
    shutil.copytree(course / "submitted" / "ada_reference" / LAB01.name, broken)
    (broken / f"{LAB01.name}.ipynb").write_text('{"cells": [ this is not json')
    dying = course / "submitted" / "finn_kernel_dies" / LAB01.name
    shutil.copytree(course / "submitted" / "ada_reference" / LAB01.name, dying)
    nb = nbformat.read(dying / f"{LAB01.name}.ipynb", as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell("import os\nos._exit(1)"))
    nbformat.write(nb, dying / f"{LAB01.name}.ipynb")

    result = run("autograde", LAB01.name, "--course", str(course))
    return course, students + ["eve_not_json", "finn_kernel_dies"], result


def _outcome(course, student):
    return courselib.read_outcome(course, LAB01, student)


def test_reference_scores_full_marks_and_stubs_zero(graded_course):
    course, _, _ = graded_course
    rows = {r["student"]: r for r in exporting.gradebook_rows(course, LAB01)}
    assert rows["ada_reference"]["functions"] == pytest.approx(LAB01.max_points)
    assert rows["ada_reference"]["status"] == "graded"
    assert rows["ben_untouched"]["functions"] == 0
    for student in ("cleo_mistakes", "dev_mistakes"):
        assert 0 < rows[student]["functions"] < LAB01.max_points, student


def test_gradebook_holds_the_trusted_scores_per_function(graded_course):
    course, _, _ = graded_course
    with courselib.gradebook(course) as gb:
        grade = gb.find_grade("check_affine_backward", LAB01.name, LAB01.name, "cleo_mistakes")
        assert grade.score < LAB01.function("affine_backward").points
        grade = gb.find_grade("check_relu_forward", LAB01.name, LAB01.name, "cleo_mistakes")
        assert grade.score == LAB01.function("relu_forward").points


def test_broken_notebooks_are_reported_not_silently_zero(graded_course):
    course, _, _ = graded_course
    not_json = _outcome(course, "eve_not_json")
    assert not_json.status == "invalid_notebook"
    assert not_json.score == pytest.approx(LAB01.max_points)   # functions still graded
    dies = _outcome(course, "finn_kernel_dies")
    assert dies.status == "kernel_died"
    assert dies.score == pytest.approx(LAB01.max_points)


def test_feedback_and_export(graded_course, tmp_path):
    course, students, _ = graded_course
    subprocess.run([*NNLAB, "feedback", LAB01.name, "--course", str(course)], check=True,
                   capture_output=True)
    html = course / "feedback" / "cleo_mistakes" / LAB01.name / f"{LAB01.name}.html"
    assert html.exists()
    assert "Trusted grader" in html.read_text()
    report = (course / "feedback" / "cleo_mistakes" / LAB01.name / "nnlab_report.txt").read_text()
    assert "affine_backward" in report and "softmax_loss" in report
    assert "not a valid" in (course / "feedback" / "eve_not_json" / LAB01.name / "nnlab_report.txt").read_text()

    out = tmp_path / "grades.csv"
    subprocess.run([*NNLAB, "export", "--course", str(course), "--to", str(out)], check=True,
                   capture_output=True)
    rows = {r["student_id"]: r for r in csv.DictReader(out.open())}
    assert set(students) <= set(rows)
    assert rows["eve_not_json"]["nnlab_status"] == "invalid_notebook"
    assert rows["finn_kernel_dies"]["nnlab_status"] == "kernel_died"
    assert rows["ada_reference"]["nnlab_status"] == "graded"


def test_rerun_resumes_without_regrading(graded_course):
    course, students, _ = graded_course
    before = {s: _outcome(course, s) for s in students}
    outcomes = courselib.autograde(course, LAB01, progress=False)
    for o in outcomes:
        assert o.elapsed == before[o.student].elapsed   # read back, not regraded
        assert o.score == before[o.student].score


def test_release_holds_no_reference_code(graded_course):
    course, _, _ = graded_course
    released = course / "release" / LAB01.name
    for path in released.rglob("*.py"):
        assert "BEGIN SOLUTION" not in path.read_text(), path
    assert (released / "nnlab").is_dir() and (released / "data" / "digits_8x8.npz").exists()
