"""``nnlab export`` and ``nnlab gradebook LAB``: what course staff read, from the gradebook.

Everything here is read back from nbgrader's gradebook (never from memory), through nbgrader's
own API:

* a function's score is its check cell's ``Grade.score`` (the TA's ``manual_score`` when one was
  set in formgrader: an **override**, shown as such; else the trusted grader's ``auto_score``);
* a submission's score is ``Submission.score`` minus ``Submission.late_submission_penalty``
  (never below 0), as nbgrader's own CSV export computes it; the lateness is
  ``Submission.total_seconds_late``.

Two files are written: ``grades.csv`` (nbgrader's columns, then one column per graded function,
lateness, overrides and nnlab's status) and ``grades.canvas.csv``, which Canvas' gradebook
import reads (Student, ID, SIS User ID, SIS Login ID, Section, then one column per lab), for
the students ``nnlab collect`` took from a Canvas zip (see :mod:`autograder.lms_ids`).
Scores are rounded to 2 decimals for display: the gradebook keeps the exact values.
"""
from __future__ import annotations

import contextlib
import csv
import sys
from pathlib import Path

from .course import STATUS_TEXT, gradebook, read_outcome, submitted_students
from .course_checks import require_gradebook
from .labs import Lab, get_lab
from .lms_ids import read_mapping

DECIMALS = 2

#: nbgrader's CSV columns, in its order (nbgrader.plugins.export.CsvExportPlugin)
NBGRADER_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name",
                    "first_name", "email", "raw_score", "late_submission_penalty", "score",
                    "max_score"]
NNLAB_COLUMNS = ["seconds_late", "notebook_answers", "overrides", "needs_manual_grading",
                 "nnlab_status", "nnlab_status_text", "nnlab_detail"]
CANVAS_ID_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]

#: the statuses of a submission that has no grading run yet (the others: course.STATUS_TEXT)
NOT_GRADED_TEXT = {"not_graded": "not graded yet: run nnlab autograde",
                   "no_submission": "nothing submitted"}


def status_text(status: str) -> str:
    return STATUS_TEXT.get(status) or NOT_GRADED_TEXT.get(status, status)


def display(value) -> str:
    """A score as people read it: ``37.867999999999995`` -> ``37.87``, ``44.0`` -> ``44``."""
    if value is None or value == "":
        return ""
    rounded = round(float(value), DECIMALS)
    return f"{rounded:.{DECIMALS}f}".rstrip("0").rstrip(".") if rounded != 0 else "0"


def _lab_or_none(name: str) -> Lab | None:
    with contextlib.suppress(SystemExit, KeyError):
        return get_lab(name)
    return None


# --------------------------------------------------------------------------------------------
# one submission, read from the gradebook
# --------------------------------------------------------------------------------------------

def submission_facts(gb, lab: Lab | str, student: str) -> dict | None:
    """What the gradebook holds about one submission, or None when there is none.

    ``lab``: an nnlab lab, or the name of an assignment of the course's own (no functions).

    ``functions``: name -> (score, auto_score, overridden); ``raw``: nbgrader's score of the
    whole notebook (functions + manually graded answers); ``penalty`` / ``seconds_late``:
    nbgrader's late policy; ``final``: raw - penalty, never below 0.
    """
    from nbgrader.api import MissingEntry
    name, graded = (lab, ()) if isinstance(lab, str) else (lab.name, lab.functions)
    try:
        submission = gb.find_submission(name, student)
    except MissingEntry:
        return None
    functions = {}
    for fn in graded:
        try:
            grade = gb.find_grade(fn.grade_cell_id, lab.name, lab.name, student)
        except MissingEntry:
            continue
        functions[fn.name] = (grade.score or 0.0, grade.auto_score,
                              grade.manual_score is not None)
    raw = submission.score or 0.0
    penalty = submission.late_submission_penalty or 0.0
    return {
        "functions": functions,
        "raw": raw,
        "max": submission.max_score,
        "penalty": penalty,
        "final": max(0.0, raw - penalty),
        "seconds_late": submission.total_seconds_late or 0.0,
        "timestamp": submission.timestamp,
        "needs_manual_grade": bool(submission.needs_manual_grade),
    }


def _overrides_text(functions: dict) -> str:
    return "; ".join(f"{name}: {display(score)} (grader gave {display(auto)})"
                     for name, (score, auto, overridden) in functions.items() if overridden)


def _status(course: Path, lab: Lab | None, student: str, submitted: bool) -> tuple[str, str]:
    if not submitted:
        return "no_submission", "nothing was submitted"
    if lab is None:
        return "", "not an nnlab lab: graded by nbgrader alone"
    outcome = read_outcome(course, lab, student)
    if outcome is None:
        return "not_graded", "no complete grading run recorded yet"
    return outcome.status, outcome.detail


# --------------------------------------------------------------------------------------------
# nnlab export
# --------------------------------------------------------------------------------------------

def _function_columns(labs: list[Lab]) -> dict[tuple, str]:
    """(lab, function) -> column name: the function's name, prefixed by the lab only if two
    labs share it."""
    names = [fn.name for lab in labs for fn in lab.functions]
    return {(lab.name, fn.name): fn.name if names.count(fn.name) == 1 else f"{lab.name}:{fn.name}"
            for lab in labs for fn in lab.functions}


def export_rows(course: Path) -> tuple[list[str], list[dict]]:
    """(columns, rows) of grades.csv: one row per (lab in the gradebook, student)."""
    course = Path(course).resolve()
    with gradebook(course) as gb:
        assignments = sorted(gb.assignments, key=lambda a: a.name)
        labs = [lab for lab in (_lab_or_none(a.name) for a in assignments) if lab]
        fcols = _function_columns(labs)
        columns = NBGRADER_COLUMNS + ["lms_user_id"] + list(fcols.values()) + NNLAB_COLUMNS
        rows = []
        for assignment in assignments:
            lab = _lab_or_none(assignment.name)
            for student in sorted(gb.students, key=lambda s: s.id):
                facts = submission_facts(gb, lab or assignment.name, student.id)
                row = {key: "" for key in columns}
                row.update(assignment=assignment.name, duedate=assignment.duedate or "",
                           student_id=student.id, last_name=student.last_name or "",
                           first_name=student.first_name or "", email=student.email or "",
                           lms_user_id=student.lms_user_id or "",
                           max_score=display(assignment.max_score))
                if facts is None:
                    row.update(raw_score="0", late_submission_penalty="0", score="0")
                else:
                    row.update(timestamp=facts["timestamp"] or "", raw_score=display(facts["raw"]),
                               late_submission_penalty=display(facts["penalty"]),
                               score=display(facts["final"]),
                               seconds_late=display(facts["seconds_late"]),
                               overrides=_overrides_text(facts["functions"]),
                               needs_manual_grading="yes" if facts["needs_manual_grade"] else "no")
                    functions = sum(score for score, _, _ in facts["functions"].values())
                    row["notebook_answers"] = display(facts["raw"] - functions)
                    for name, (score, _, _) in facts["functions"].items():
                        row[fcols[(lab.name, name)]] = display(score)
                status, detail = _status(course, lab, student.id, facts is not None)
                row.update(nnlab_status=status, nnlab_status_text=status_text(status),
                           nnlab_detail=detail)
                rows.append(row)
    return columns, rows


def canvas_rows(course: Path, rows: list[dict], headers: dict[str, str]) -> tuple[list, list, list]:
    """(columns, rows, left_out) of the Canvas import CSV.

    Canvas matches a row to a student by ``ID`` (the Canvas user id; SIS ids when given) and a
    column to an assignment by its header ``Name (assignment id)``; a header with no id creates
    a new assignment of that name. ``headers``: lab -> header (default: the lab's name).
    ``left_out``: students with grades but no Canvas id (collected another way).
    """
    mapping = {s: m for s, m in read_mapping(course).items() if m.lms == "canvas"}
    labs = sorted({r["assignment"] for r in rows})
    lab_columns = [headers.get(lab, lab) for lab in labs]
    columns = CANVAS_ID_COLUMNS + lab_columns
    max_scores = {r["assignment"]: r["max_score"] for r in rows}
    out = [dict(zip(columns, ["Points Possible", "", "", "", ""]
                    + [max_scores[lab] for lab in labs]))]
    by_student: dict[str, dict] = {}
    for r in rows:
        by_student.setdefault(r["student_id"], {})[r["assignment"]] = r
    left_out = []
    for student, per_lab in sorted(by_student.items()):
        entry = mapping.get(student)
        if entry is None:
            if any(r["nnlab_status"] != "no_submission" for r in per_lab.values()):
                left_out.append(student)
            continue
        row = {"Student": entry.lms_name or student, "ID": entry.lms_user_id,
               "SIS User ID": entry.sis_user_id, "SIS Login ID": entry.sis_login_id,
               "Section": entry.section}
        for lab, column in zip(labs, lab_columns):
            r = per_lab.get(lab)
            row[column] = r["score"] if r and r["nnlab_status"] != "no_submission" else ""
        out.append(row)
    return columns, out, left_out


def _write_csv(path: Path, columns: list, rows: list[dict]) -> None:
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def export(course: Path, to: Path, canvas_headers: dict[str, str] | None = None) -> Path:
    """Write ``to`` (grades.csv) and, when the course has Canvas students, ``<to>.canvas.csv``
    beside it. An error, and no file at all, when ``course`` is not a course with a gradebook."""
    course = Path(course).resolve()
    require_gradebook(course)
    columns, rows = export_rows(course)
    to = Path(to)
    _write_csv(to, columns, rows)
    if any(m.lms == "canvas" for m in read_mapping(course).values()):
        ccolumns, crows, left_out = canvas_rows(course, rows, canvas_headers or {})
        _write_csv(canvas_path(to), ccolumns, crows)
        if left_out:
            print(f"Not in the Canvas CSV (no Canvas user id: not collected from a Canvas zip): "
                  f"{', '.join(left_out)}", file=sys.stderr)
    return to


def canvas_path(to: Path) -> Path:
    """``grades.csv`` -> ``grades.canvas.csv``."""
    to = Path(to)
    return to.with_name(to.stem + ".canvas.csv")


# --------------------------------------------------------------------------------------------
# nnlab gradebook LAB
# --------------------------------------------------------------------------------------------

def gradebook_rows(course: Path, lab: Lab) -> list[dict]:
    """One row per submitted student, read back from the gradebook (not from memory).

    ``functions``: the sum of the function scores (overrides included); ``score``: nbgrader's
    notebook total; ``penalty`` and ``final`` (= score - penalty); ``overrides``: the functions
    a TA overrode.
    """
    course = Path(course).resolve()
    rows = []
    with gradebook(course) as gb:
        for student in submitted_students(course, lab):
            outcome = read_outcome(course, lab, student)
            facts = submission_facts(gb, lab, student)
            row = {"student": student, "functions": None, "functions_max": lab.max_points,
                   "score": None, "max_score": None, "penalty": 0.0, "final": None,
                   "seconds_late": 0.0, "overrides": [],
                   "status": outcome.status if outcome else "not_graded"}
            if facts is not None:
                row.update(functions=sum(s for s, _, _ in facts["functions"].values()),
                           score=facts["raw"], max_score=facts["max"], penalty=facts["penalty"],
                           final=facts["final"], seconds_late=facts["seconds_late"],
                           overrides=[n for n, (_, _, o) in facts["functions"].items() if o])
            rows.append(row)
    return rows


def late_text(seconds: float) -> str:
    """How late, in the unit a person reads best: "20 s late", "12 min late", "9.5 h late",
    "3.0 d late" (a few seconds late is not "0.0 h late")."""
    if not seconds:
        return ""
    if seconds < 60:
        return f"{seconds:.0f} s late"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min late"
    hours = seconds / 3600
    return f"{hours:.1f} h late" if hours < 48 else f"{hours / 24:.1f} d late"


def format_gradebook(rows: list[dict], lab: Lab) -> str:
    """The table ``nnlab demo`` and ``nnlab gradebook LAB`` print."""
    # the name column fits the longest name (an LMS id like smithjohn_10001, or longer)
    width = max([22] + [len(str(r["student"])) + 2 for r in rows])
    lines = [f"Gradebook for {lab.name} ({lab.title}) — read from gradebook.db",
             f"{'student':<{width}}{'functions':>16}{'notebook total':>18}{'late penalty':>14}"
             f"{'final':>10}  status"]
    for r in rows:
        fn = "—" if r["functions"] is None else \
            f"{display(r['functions'])} / {display(r['functions_max'])}"
        if r["overrides"]:
            fn = "*" + fn
        tot = "—" if r["score"] is None else f"{display(r['score'])} / {display(r['max_score'])}"
        late = f"-{display(r['penalty'])}" if r["penalty"] else ("" if not r["seconds_late"]
                                                                 else "0")
        final = "—" if r["final"] is None else display(r["final"])
        status = status_text(r["status"])
        if r["seconds_late"]:
            status += f"; {late_text(r['seconds_late'])}"
        lines.append(f"{r['student']:<{width}}{fn:>16}{tot:>18}{late:>14}{final:>10}  {status}")
    overridden = [(r["student"], r["overrides"]) for r in rows if r["overrides"]]
    lines.append("(the notebook total also holds manually graded answers; final = notebook "
                 "total - late penalty)")
    if overridden:
        lines.append("* a TA overrode the grader's score of: " + "; ".join(
            f"{student} ({', '.join(names)})" for student, names in overridden))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# CLI handlers
# --------------------------------------------------------------------------------------------

def _parse_canvas_columns(pairs: list[str]) -> dict[str, str]:
    headers = {}
    for pair in pairs or []:
        lab, sep, header = pair.partition("=")
        if not sep or not header.strip():
            raise SystemExit(f"--canvas-column {pair!r}: write LAB=HEADER, e.g. "
                             f"01_layers='Lab 1 (48213)'")
        headers[get_lab(lab.strip()).name] = header.strip()
    return headers


def cli_export(args) -> int:
    headers = _parse_canvas_columns(getattr(args, "canvas_column", []))
    path = export(Path(args.course), Path(args.to), headers)
    print(f"Grades exported to {path.resolve()}")
    if canvas_path(path).exists():
        print(f"Canvas gradebook import file: {canvas_path(path).resolve()}")
    return 0


def cli_gradebook(args) -> int:
    lab = get_lab(args.lab)
    require_gradebook(Path(args.course))
    print(format_gradebook(gradebook_rows(Path(args.course), lab), lab))
    return 0
