"""What course staff read and return, on a real nbgrader course collected from a Canvas zip:
`nnlab export` (nbgrader's CSV with a column per function, lateness, overrides; a Canvas import
CSV), `nnlab gradebook LAB`, the HTML feedback, and `nbgrader release_feedback` through a real
exchange directory, also for a course collected by an older nnlab (no timestamp.txt).

Lateness and a TA's override are written into the gradebook directly, as nbgrader's late-policy
plug-in and formgrader write them: this module tests what is read back, not how it got there.
"""
import csv
import io
import re
import shutil
import subprocess
import sys
import warnings
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from autograder import course as courselib
from autograder.demo import make_submissions
from autograder.export import display, late_text
from autograder.labs import LAB01

BIN = Path(sys.executable).parent
NNLAB = str(BIN / "nnlab")
NBGRADER = str(BIN / "nbgrader")

#: sample student -> (Canvas sortable name, Canvas user id, late?, time the zip gives the files)
CANVAS_CLASS = {
    "ada_reference": ("smithjohn", 12345, False, (2026, 3, 1, 12, 0, 0)),
    "cleo_mistakes": ("smithjohn", 67890, True, (2026, 3, 2, 9, 30, 0)),
}
#: two new Canvas users with one name in one zip: each id carries its Canvas user id
ADA, CLEO = "smithjohn_12345", "smithjohn_67890"
DUE = datetime(2026, 3, 2, 0, 0, 0)
SECONDS_LATE = 9.5 * 3600
PENALTY = 5.0


def run(*args, cwd=None, check=True):
    return subprocess.run([NNLAB, *map(str, args)], capture_output=True, text=True, check=check,
                          cwd=cwd)


def _canvas_zip(course: Path, path: Path) -> Path:
    """The sample class as Canvas' "Download Submissions" zip: flat files named
    ``<sortable name>_[LATE_]<user id>_<file id>_<original name>``, the package as a zip."""
    with zipfile.ZipFile(path, "w") as zf:
        for student, (login, user_id, late, when) in CANVAS_CLASS.items():
            folder = course / "submitted" / student / LAB01.name
            prefix = f"{login}_{'LATE_' if late else ''}{user_id}"
            package = io.BytesIO()
            with zipfile.ZipFile(package, "w") as inner:
                for p in sorted((folder / "nnlab").rglob("*")):
                    if p.is_file() and "__pycache__" not in p.parts:
                        inner.write(p, "nnlab/" + str(p.relative_to(folder / "nnlab")))
            zf.writestr(zipfile.ZipInfo(f"{prefix}_101_{LAB01.name}.ipynb", when),
                        (folder / f"{LAB01.name}.ipynb").read_bytes())
            zf.writestr(zipfile.ZipInfo(f"{prefix}_102_nnlab.zip", when), package.getvalue())
    return path


@pytest.fixture(scope="module")
def canvas_course(tmp_path_factory):
    root = tmp_path_factory.mktemp("staff")
    course = root / "course"
    run("course", "create", course)
    run("release", LAB01.name, "--course", course)
    make_submissions(course)
    zip_path = _canvas_zip(course, root / "submissions.zip")
    shutil.rmtree(course / "submitted")
    collected = run("collect", LAB01.name, "--zip", zip_path, "--course", course)
    run("autograde", LAB01.name, "--course", course)

    # nbgrader's late policy and a formgrader override, as they land in the gradebook
    with courselib.gradebook(course) as gb:
        gb.update_or_create_assignment(LAB01.name, duedate=DUE)
        gb.find_submission_notebook(LAB01.name, LAB01.name,
                                    CLEO).late_submission_penalty = PENALTY
        grade = gb.find_grade("check_affine_backward", LAB01.name, LAB01.name, CLEO)
        auto = grade.auto_score
        grade.manual_score = LAB01.function("affine_backward").points
        gb.db.commit()
        # an assignment of the course's own, graded by nbgrader alone, sits in the same gradebook
        gb.update_or_create_assignment("quiz1")
    with courselib.gradebook(course) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore")      # nbgrader's own autoflush notice (SAWarning)
        gb.update_or_create_submission("quiz1", ADA)
    return {"course": course, "root": root, "collect": collected.stdout, "auto": auto}


def test_canvas_users_with_one_name_are_two_students_with_their_times(canvas_course):
    course = canvas_course["course"]
    assert sorted(p.name for p in (course / "submitted").iterdir()) == [ADA, CLEO]
    with courselib.gradebook(course) as gb:
        late = gb.find_submission(LAB01.name, CLEO)
        assert late.total_seconds_late == pytest.approx(SECONDS_LATE)
        assert gb.find_student(CLEO).lms_user_id == "67890"
        # both graded on their own work: the reference full marks, the mistakes less
        assert gb.find_grade("check_affine_backward", LAB01.name, LAB01.name,
                             ADA).auto_score == LAB01.function("affine_backward").points
    assert canvas_course["auto"] < LAB01.function("affine_backward").points
    out = canvas_course["collect"]
    assert out.index("submitted late") < out.index(f"{CLEO}  ")


def _rows(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_export_has_a_rounded_column_per_function_lateness_and_overrides(canvas_course, tmp_path):
    course = canvas_course["course"]
    out = tmp_path / "grades.csv"
    result = run("export", "--course", course, "--to", out,
                 "--canvas-column", f"{LAB01.name}=Lab 1: layers (48213)")
    assert "Canvas gradebook import file" in result.stdout
    rows = {r["student_id"]: r for r in _rows(out) if r["assignment"] == LAB01.name}
    quiz = {r["student_id"]: r for r in _rows(out) if r["assignment"] == "quiz1"}
    assert quiz[ADA]["nnlab_status"] == "" and quiz[CLEO]["nnlab_status"] == "no_submission"
    header = list(next(iter(rows.values())))
    for fn in LAB01.functions:
        assert fn.name in header
    for column in ("seconds_late", "late_submission_penalty", "overrides", "nnlab_status"):
        assert column in header
    # no 37.867999999999995: every number has at most 2 decimals
    for row in rows.values():
        for key, value in row.items():
            if re.fullmatch(r"-?\d+\.\d+", value or ""):
                assert len(value.split(".")[1]) <= 2, (key, value)

    ada, cleo = rows[ADA], rows[CLEO]
    assert ada["lms_user_id"] == "12345" and cleo["lms_user_id"] == "67890"
    assert sum(float(ada[fn.name]) for fn in LAB01.functions) == pytest.approx(LAB01.max_points)
    assert ada["seconds_late"] == "0" and ada["late_submission_penalty"] == "0"
    assert ada["overrides"] == "" and ada["nnlab_status"] == "graded"

    assert cleo["seconds_late"] == display(SECONDS_LATE)
    assert cleo["late_submission_penalty"] == display(PENALTY)
    assert float(cleo["score"]) == pytest.approx(float(cleo["raw_score"]) - PENALTY, abs=0.01)
    assert cleo["affine_backward"] == display(LAB01.function("affine_backward").points)
    assert cleo["overrides"] == (f"affine_backward: {display(LAB01.function('affine_backward').points)}"
                                 f" (grader gave {display(canvas_course['auto'])})")
    assert float(cleo["softmax_loss"]) < LAB01.function("softmax_loss").points

    canvas = tmp_path / "grades.canvas.csv"
    with open(canvas, newline="") as fh:
        table = list(csv.reader(fh))
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                        "Lab 1: layers (48213)", "quiz1"]
    assert table[1] == ["Points Possible", "", "", "", "", ada["max_score"], "0"]
    by_id = {r[1]: r for r in table[2:]}
    assert set(by_id) == {"12345", "67890"}
    assert by_id["67890"][5] == cleo["score"] and by_id["12345"][5] == ada["score"]
    assert by_id["67890"][6] == "" and by_id["12345"][6] == "0"    # no submission: left blank


def test_gradebook_command_prints_the_table_for_a_real_course(canvas_course):
    course = canvas_course["course"]
    out = run("gradebook", LAB01.name, "--course", course).stdout
    line = next(l for l in out.splitlines() if l.startswith(CLEO))
    assert f"-{display(PENALTY)}" in line and "9.5 h late" in line and line.split()[1].startswith("*")
    assert f"a TA overrode the grader's score of: {CLEO} (affine_backward)" in out
    assert re.search(rf"^{ADA}\s+{display(LAB01.max_points)} / ", out, re.MULTILINE)


def test_lateness_is_shown_in_a_unit_a_person_reads():
    # found by the 31-student course run: a student 20 s late was shown "0.0 h late"
    assert late_text(0) == ""
    assert late_text(20.4) == "20 s late"
    assert late_text(12 * 60 + 5) == "12 min late"
    assert late_text(9.5 * 3600) == "9.5 h late"
    assert late_text(3 * 86400) == "3.0 d late"


def test_feedback_names_functions_wraps_lines_and_release_feedback_works(canvas_course):
    course, root = canvas_course["course"], canvas_course["root"]
    # a course collected by an older nnlab: no timestamp.txt nor submission_secret.txt for ADA
    for folder in ("submitted", "autograded"):
        for name in ("timestamp.txt", "submission_secret.txt"):
            (course / folder / ADA / LAB01.name / name).unlink(missing_ok=True)
    run("feedback", LAB01.name, "--course", course)
    html = (course / "feedback" / CLEO / LAB01.name / f"{LAB01.name}.html").read_text()
    assert "Function <code>affine_backward</code>" in html
    assert ">Test cell<" not in html
    assert "white-space: pre-wrap" in html
    assert (course / "feedback" / ADA / LAB01.name / "timestamp.txt").exists()
    assert (course / "feedback" / ADA / LAB01.name / "submission_secret.txt").exists()
    # repaired in the feedback folder only: the submission (and so its lateness) is untouched
    assert not (course / "submitted" / ADA / LAB01.name / "timestamp.txt").exists()

    exchange = root / "exchange"
    exchange.mkdir()
    result = subprocess.run([NBGRADER, "release_feedback", LAB01.name,
                             f"--Exchange.root={exchange}"], cwd=course, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    released = list((exchange / "nnlab" / "feedback").glob("*.html"))
    assert len(released) == 2


def test_gradebook_table_columns_fit_long_student_ids():
    """LMS ids and catalogue names run past 22 characters: the columns still line up."""
    from autograder.export import format_gradebook
    row = {"functions": 40.5, "functions_max": 42, "overrides": [], "score": 42.5,
           "max_score": 44, "penalty": 0, "seconds_late": 0, "final": 42.5, "status": "graded"}
    rows = [dict(row, student="ada"), dict(row, student="m18_svm_counts_correct_class_10001")]
    lines = format_gradebook(rows, LAB01).splitlines()[1:4]
    ends = {line.index("/ 42") for line in lines[1:]}
    assert len(ends) == 1, "\n".join(lines)
    assert lines[0].index("functions") + len("functions") == max(ends) + len("/ 42")
