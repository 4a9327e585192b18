"""Lab 05 through the course pipeline with the real nbgrader: `nnlab release`, `autograde`,
`feedback` and `export` on a fresh course, with the demo's sample class of lab 05."""
import csv
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.labs import LAB05


def test_course_release_autograde_feedback_export(tmp_path):
    """`nnlab` verbs on lab 05 with the demo's class: release (no reference code), autograde,
    feedback, export."""
    from autograder import course as courselib
    from autograder import demo
    from autograder import export as exporting
    nnlab = str(Path(sys.executable).parent / "nnlab")
    course = tmp_path / "course"
    run = lambda *a: subprocess.run([nnlab, *a], capture_output=True, text=True, check=True)  # noqa: E731
    run("course", "create", str(course))
    run("release", LAB05.name, "--course", str(course))
    released = course / "release" / LAB05.name
    assert (released / f"{LAB05.name}.ipynb").exists()
    for path in released.rglob("*.py"):
        assert "BEGIN SOLUTION" not in path.read_text(), path
    for name in ("initializers.py", "init_stats.py"):
        assert "raise NotImplementedError" in (released / "nnlab" / name).read_text()
    students = demo.make_submissions(course, LAB05)
    run("autograde", LAB05.name, "--course", str(course))
    rows = {r["student"]: r for r in exporting.gradebook_rows(course, LAB05)}
    assert rows["ada_reference"]["functions"] == pytest.approx(LAB05.max_points)
    assert rows["ben_untouched"]["functions"] == 0
    for student in ("cleo_mistakes", "dev_mistakes"):
        assert 0 < rows[student]["functions"] < LAB05.max_points, student
    with courselib.gradebook(course) as gb:
        assert gb.find_grade("check_he_normal", LAB05.name, LAB05.name,
                             "cleo_mistakes").score < LAB05.function("he_normal").points
        assert gb.find_grade("check_gaussian", LAB05.name, LAB05.name,
                             "cleo_mistakes").score == LAB05.function("gaussian").points
    run("feedback", LAB05.name, "--course", str(course))
    report = (course / "feedback" / "cleo_mistakes" / LAB05.name / "nnlab_report.txt").read_text()
    assert "typo" in report and "normal formula" in report
    out = tmp_path / "grades.csv"
    run("export", "--course", str(course), "--to", str(out))
    exported = [r for r in csv.DictReader(out.open()) if r["assignment"] == LAB05.name]
    assert {r["student_id"] for r in exported} == set(students)
    assert all(r["nnlab_status"] == "graded" for r in exported)
