"""A TA's end-to-end course run of lab 01, as docs/instructor-guide.md tells a new TA to run it.

Two passes over one class (default 31 students), each on a fresh temporary course:

1. **nbgrader's exchange.** `nnlab course create`, the exchange configured as the guide says,
   `nnlab release` + `nbgrader release_assignment`; every student fetches and submits with
   `nbgrader fetch_assignment` / `nbgrader submit` from a home of their own; a due date under
   `penalty_method = "zero"` that one student misses and another misses with an extension;
   `nbgrader collect`; `nnlab autograde --workers 2` interrupted by Ctrl-C (SIGINT to its process
   group) part-way and resumed, a second run refused by the course lock meanwhile; the written
   answers and a TA's override set as formgrader's grade handler sets them, kept through
   `nnlab autograde --force`; formgrader's Autograde (NbGraderAPI.autograde) on the hostile
   student; `nnlab feedback`, `nbgrader release_feedback` + `fetch_feedback`, `nnlab export`,
   `nnlab gradebook`.
2. **A Canvas zip.** The same class as Canvas' "Download Submissions" names the files (two users
   with the same sortable name, one late), `nnlab collect`, `nnlab autograde`, `nnlab export`,
   the Canvas CSV's columns and ids.

Every expected grade is asserted along the way; a report with the time of each step is printed
and the exit status is non-zero on any failed expectation.

    python benchmarks/course_run.py                  # the 31-student run (minutes on 2 cores)
    python benchmarks/course_run.py --students 8     # a quick run
    python benchmarks/course_run.py --students 8 --passes canvas     # one pass only
"""
from __future__ import annotations

import argparse
import csv
import datetime
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from autograder import course as courselib  # noqa: E402
from autograder import demo  # noqa: E402
from autograder.export import gradebook_rows  # noqa: E402
from autograder.labs import LAB01  # noqa: E402
from autograder.lms_ids import read_mapping  # noqa: E402
from catalogue.lab01_correct_variants import VARIANTS  # noqa: E402
from catalogue.lab01_mistakes import MISTAKES  # noqa: E402

BIN = Path(sys.executable).parent
LAB = LAB01
EPS = 1e-6


class Expectation(AssertionError):
    """A grade or an outcome that is not what the course run expects."""


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise Expectation(what)


# ------------------------------------------------------------------ the class

def make_class(staging: Path, size: int) -> dict[str, tuple[str, str | None]]:
    """Write ``size`` students' lab-01 folders into ``staging/submitted/`` (``staging`` holds the
    released lab). Returns student -> (kind, the function a mistake costs or None).

    The demo's sample class (reference, untouched stubs, two with mistakes, the hostile student,
    a broken notebook), a late student and one with an extension (both the reference), then
    catalogued mistakes and correct variants in turn (tests/catalogue).
    """
    demo.make_submissions(staging, LAB)
    demo.make_hostile_and_broken(staging)
    kinds = {"ada_reference": ("reference", None), "ben_untouched": ("stubs", None),
             "cleo_mistakes": ("mistakes", None), "dev_mistakes": ("mistakes", None),
             "eve_hostile": ("hostile", None), "finn_broken": ("broken", None)}
    for student in ("lou_late", "ezra_extension"):
        shutil.copytree(staging / "submitted" / "ada_reference", staging / "submitted" / student)
        kinds[student] = ("reference", None)
    extra = max(0, size - len(kinds))
    mistakes, variants = iter(MISTAKES), iter(VARIANTS)
    for i in range(extra):
        entry = next(mistakes if i % 2 == 0 else variants, None) or next(mistakes)
        is_mistake = hasattr(entry, "function")
        student = f"{'m' if is_mistake else 'v'}{i:02d}_{entry.id}"[:40]
        target = staging / "submitted" / student / LAB.name
        shutil.copytree(staging / "submitted" / "ada_reference" / LAB.name, target)
        path = target / "nnlab" / f"{entry.module}.py"
        path.write_text(path.read_text() + "\n\n# --- the student's version ---\n" + entry.source)
        kinds[student] = ("mistake", entry.function) if is_mistake else ("variant", None)
    return kinds


def check_grades(course: Path, kinds: dict, stage: str) -> dict:
    """Every student's function score against what their kind must get; returns the outcomes."""
    outcomes = {s: courselib.read_outcome(course, LAB, s) for s in kinds}
    for student, (kind, function) in kinds.items():
        o = outcomes[student]
        expect(o is not None, f"{stage}: {student} has no recorded grade")
        full = LAB.max_points
        if kind in ("reference", "variant"):
            expect(o.status == "graded" and abs(o.score - full) < EPS,
                   f"{stage}: {student} ({kind}) scored {o.score} / {full}, status {o.status}")
        elif kind in ("stubs", "hostile"):
            expect(o.score == 0, f"{stage}: {student} ({kind}) scored {o.score}, not 0")
        elif kind == "mistake":
            lost = {n for n, (s, m) in o.functions.items() if s < m - EPS}
            expect(lost == {function}, f"{stage}: {student} lost points on {sorted(lost)}, "
                                       f"expected on {function} only")
        elif kind == "mistakes":
            expect(0 < o.score < full, f"{stage}: {student} scored {o.score} / {full}")
        elif kind == "broken":
            expect(o.status == "invalid_notebook" and 0 < o.score < full,
                   f"{stage}: {student}: status {o.status}, {o.score} / {full}")
    return outcomes


def check_nothing_above_max(course: Path, stage: str) -> None:
    from nbgrader.api import Grade
    with courselib.gradebook(course) as gb:
        above = [(g.name, g.auto_score, g.manual_score, g.max_score) for g in gb.db.query(Grade)
                 if max(g.auto_score or 0, g.manual_score or 0) > g.max_score + 1e-9]
    expect(not above, f"{stage}: scores above the maximum: {above[:5]}")


# ------------------------------------------------------------------ commands, as a TA types them

def run(*args, cwd=None, env=None, ok=True) -> subprocess.CompletedProcess:
    done = subprocess.run([str(BIN / args[0]), *args[1:]], cwd=cwd, env=env,
                          capture_output=True, text=True)
    if ok and done.returncode != 0:
        raise Expectation(f"`{' '.join(args)}` failed ({done.returncode}):\n"
                          f"{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return done


def student_env(home: Path) -> dict:
    return {**os.environ, "HOME": str(home)}


def formgrader_sets_grade(course: Path, student: str, cell: str, manual_score: float) -> None:
    """What formgrader's grade handler (PUT api/grade/<id>) does when a TA types a score."""
    with courselib.gradebook(course) as gb:
        grade = gb.find_grade(cell, LAB.name, LAB.name, student)
        grade.manual_score = manual_score
        grade.extra_credit = None
        grade.needs_manual_grade = grade.manual_score is None and grade.auto_score is None
        gb.db.commit()


def question_cells(course: Path) -> list[str]:
    import nbformat
    nb = nbformat.read(course / "release" / LAB.name / f"{LAB.name}.ipynb", as_version=4)
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "markdown"
            and c.metadata["nbgrader"].get("grade")]


def recorded(course: Path, kinds) -> set:
    return {s for s in kinds if courselib.read_outcome(course, LAB, s) is not None}


# ------------------------------------------------------------------ the run

class Report:
    def __init__(self):
        self.steps: list[tuple[str, float, str]] = []

    @contextmanager
    def step(self, name: str):
        started = time.perf_counter()
        note = []
        print(f"... {name}", flush=True)
        yield note
        self.steps.append((name, time.perf_counter() - started, "; ".join(note)))
        print(f"    {self.steps[-1][1]:.1f} s  {self.steps[-1][2]}", flush=True)

    def text(self) -> str:
        width = max(len(n) for n, _, _ in self.steps)
        lines = [f"{n:<{width}}  {s:7.1f} s  {note}" for n, s, note in self.steps]
        return "\n".join(lines + [f"{'total':<{width}}  {sum(s for _, s, _ in self.steps):7.1f} s"])


def exchange_pass(base: Path, kinds: dict, staging: Path, report: Report, workers: int) -> None:
    course, exchange = base / "course", base / "exchange"
    with report.step("create course, configure the exchange, release") as note:
        run("nnlab", "course", "create", str(course))
        exchange.mkdir(mode=0o777)
        exchange.chmod(0o777)                        # the guide: writable by everyone
        config = course / "nbgrader_config.py"
        expect(courselib.KEPT_SETTINGS_MARK in config.read_text(),
               "the course config has no 'your own settings' line to write under")
        config.write_text(config.read_text() + f"\nc.Exchange.root = {str(exchange)!r}\n"
                          f"c.CourseDirectory.course_id = {courselib.COURSE_ID!r}\n"
                          'c.LateSubmissionPlugin.penalty_method = "zero"\n')
        run("nnlab", "release", LAB.name, cwd=course)
        run("nbgrader", "release_assignment", LAB.name, cwd=course)
        note.append(f"exchange {exchange.name}/, penalty_method zero")

    students_config = (f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\n"
                       f"c.CourseDirectory.course_id = {courselib.COURSE_ID!r}\n")
    late_ones = ["ezra_extension", "lou_late"]
    with report.step(f"{len(kinds)} students fetch and submit through the exchange") as note:
        order = [s for s in kinds if s not in late_ones] + late_ones
        for student in order:
            if student == late_ones[0]:
                time.sleep(1.5)                     # the due date falls in this gap
            home = base / "homes" / student
            home.mkdir(parents=True)
            # the system-wide student config the guide describes, here one per student home
            (home / "nbgrader_config.py").write_text(students_config)
            run("nbgrader", "fetch_assignment", LAB.name, cwd=home, env=student_env(home))
            fetched = home / LAB.name
            work = staging / "submitted" / student / LAB.name
            shutil.rmtree(fetched)
            shutil.copytree(work, fetched, symlinks=True)
            run("nbgrader", "submit", LAB.name, f"--student={student}", cwd=home,
                env=student_env(home))
        note.append(f"{len(order)} fetch + submit")

    with report.step("nbgrader collect; due date, late policy, an extension") as note:
        run("nbgrader", "collect", LAB.name, cwd=course)
        expect(sorted(courselib.submitted_students(course, LAB)) == sorted(kinds),
               "nbgrader collect did not bring every student's submission")
        api = courselib.nbgrader_api(course)
        stamps = {s: api.coursedir.get_existing_timestamp(
            str(course / "submitted" / s / LAB.name)) for s in kinds}
        on_time = max(t for s, t in stamps.items() if s not in late_ones)
        due = on_time + (min(stamps[s] for s in late_ones) - on_time) / 2
        run("nbgrader", "db", "assignment", "add", LAB.name,
            f"--duedate={due.strftime('%Y-%m-%d %H:%M:%S.%f')} UTC", cwd=course)
        with courselib.gradebook(course) as gb, warnings.catch_warnings():
            warnings.simplefilter("ignore")          # nbgrader's own SAWarning
            gb.update_or_create_student("ezra_extension")
            gb.update_or_create_submission(LAB.name, "ezra_extension")
            gb.grant_extension(LAB.name, "ezra_extension", days=1)
        lou_late = (stamps["lou_late"] - due).total_seconds()
        note.append(f"lou_late {lou_late:.2f} s late, ezra_extension +1 day")

    with report.step(f"nnlab autograde --workers {workers}, Ctrl-C part-way") as note:
        grade = ["autograde", LAB.name, "--course", str(course), "--workers", str(workers)]
        first = subprocess.Popen([str(BIN / "nnlab"), *grade], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, start_new_session=True)
        target = max(1, len(kinds) // 3)
        deadline = time.monotonic() + 600
        while len(recorded(course, kinds)) < target and first.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.2)
        if first.poll() is not None:
            raise Expectation(f"the first run ended before Ctrl-C: {first.stderr.read()[-1500:]}")
        os.killpg(first.pid, signal.SIGINT)           # Ctrl-C in the TA's terminal
        interrupted = time.monotonic()
        _, err = first.communicate(timeout=120)
        stopped = time.monotonic() - interrupted
        done = recorded(course, kinds)
        expect(first.returncode == 130 and "Interrupted:" in err,
               f"Ctrl-C: exit {first.returncode}, {err[-1500:]}")
        expect(0 < len(done) < len(kinds), f"Ctrl-C recorded {len(done)} of {len(kinds)}")
        for s in done:
            o = courselib.read_outcome(course, LAB, s)
            expect("KeyboardInterrupt" not in o.detail, f"{s} recorded as interrupted")
        note.append(f"{len(done)}/{len(kinds)} recorded, stopped {stopped:.1f} s after Ctrl-C")
    first_done = {s: courselib.read_outcome(course, LAB, s).elapsed for s in done}

    with report.step("resume; a second concurrent run refused by the lock") as note:
        resumed = subprocess.Popen([str(BIN / "nnlab"), *grade], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        lock_file = course / courselib.STATUS_DIR / "course.lock"
        deadline = time.monotonic() + 60
        while not lock_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)
        second = run("nnlab", *grade, ok=False)
        expect(resumed.poll() is None, "the resumed run finished before the second one started")
        expect(second.returncode == 1 and "Another grading run holds this course" in second.stderr,
               f"second run: exit {second.returncode}, {second.stderr[-800:]}")
        out, err = resumed.communicate(timeout=1800)
        expect(resumed.returncode == 0, f"resumed run failed: {err[-2000:]}")
        outcomes = check_grades(course, kinds, "exchange")
        expect(all(outcomes[s].elapsed == e for s, e in first_done.items()),
               "the resume graded again a submission recorded before Ctrl-C")
        late = outcomes["lou_late"]
        # the status file keeps seconds_late to 0.1 s
        expect(abs(late.seconds_late - lou_late) <= 0.06 and late.late_penalty > 0,
               f"lou_late: {late.seconds_late} s late, penalty {late.late_penalty}")
        expect(outcomes["ezra_extension"].late_penalty == 0, "the extension was not applied")
        note.append(f"{len(kinds) - len(done)} graded on resume; second run: "
                    f"{second.stderr.strip().splitlines()[0][:60]}...")

    answers = question_cells(course)
    with report.step("formgrader: written answers marked, one override") as note:
        graded_answers = [s for s, (k, _) in kinds.items() if k in ("reference", "variant",
                                                                     "mistake", "mistakes")]
        with courselib.gradebook(course) as gb:
            maxima = {a: gb.find_grade(a, LAB.name, LAB.name, "ada_reference").max_score
                      for a in answers}
        for student in graded_answers:
            for cell in answers:
                formgrader_sets_grade(course, student, cell, maxima[cell])
        # the TA decides cleo's affine_backward is worth full marks after all
        affine = next(f for f in LAB.functions if f.name == "affine_backward")
        formgrader_sets_grade(course, "cleo_mistakes", affine.grade_cell_id, affine.points)
        note.append(f"{len(graded_answers)} x {len(answers)} answers; override cleo "
                    f"affine_backward -> {affine.points:g}")

    with report.step("nnlab autograde --force (override and answers kept)") as note:
        run("nnlab", *grade, "--force")
        outcomes = check_grades(course, kinds, "after --force")
        cleo = outcomes["cleo_mistakes"]
        expect(cleo.overrides.get("affine_backward", {}).get("override") == affine.points,
               f"cleo's override was not kept: {cleo.overrides}")
        rows = {r["student"]: r for r in gradebook_rows(course, LAB)}
        expect("affine_backward" in rows["cleo_mistakes"]["overrides"], "override not shown")
        with courselib.gradebook(course) as gb:
            for cell in answers:
                g = gb.find_grade(cell, LAB.name, LAB.name, "ada_reference")
                expect(g.score == maxima[cell] and not g.needs_manual_grade,
                       f"ada's marked answer {cell}: {g.score}, "
                       f"needs grading {g.needs_manual_grade}")
        total = LAB.max_points + sum(maxima.values())
        ada = rows["ada_reference"]
        expect(abs(ada["final"] - total) < EPS, f"ada_reference final {ada['final']} / {total}")
        lou = rows["lou_late"]
        expect(abs(lou["score"] - total) < EPS and lou["final"] == 0 and lou["penalty"] > 0,
               f"lou_late: raw {lou['score']}, penalty {lou['penalty']}, final {lou['final']}")
        ezra = rows["ezra_extension"]
        expect(abs(ezra["final"] - total) < EPS, f"ezra_extension final {ezra['final']}")
        check_nothing_above_max(course, "after --force")
        note.append(f"ada {ada['final']:g}/{total:g}, lou_late raw {lou['score']:g} -> final 0, "
                    f"ezra {ezra['final']:g}, cleo override kept")

    with report.step("formgrader's Autograde button on the hostile student") as note:
        result = courselib.nbgrader_api(course).autograde(LAB.name, "eve_hostile")
        expect(result["success"], f"formgrader autograde failed: {result.get('error')}")
        expect(courselib.read_outcome(course, LAB, "eve_hostile").score == 0, "eve scored")
        check_nothing_above_max(course, "formgrader autograde")
        note.append("eve_hostile 0, nothing above max")

    with report.step("nnlab feedback, nbgrader release_feedback + fetch_feedback") as note:
        run("nnlab", "feedback", LAB.name, "--course", str(course))
        run("nbgrader", "release_feedback", LAB.name, cwd=course)
        home = base / "homes" / "ada_reference"
        run("nbgrader", "fetch_feedback", LAB.name, cwd=home, env=student_env(home))
        fetched = list((home / LAB.name / "feedback").rglob(f"{LAB.name}.html"))
        expect(fetched, "ada_reference fetched no feedback")
        html = fetched[0].read_text()
        expect("affine_forward" in html, "the feedback does not name the functions")
        note.append(f"ada fetched {fetched[0].name} ({len(html) // 1024} KiB)")

    with report.step("nnlab export, nnlab gradebook") as note:
        to = base / "grades.csv"
        run("nnlab", "export", "--course", str(course), "--to", str(to))
        with open(to) as fh:
            rows = {r["student_id"]: r for r in csv.DictReader(fh) if r["assignment"] == LAB.name}
        expect(set(kinds) <= set(rows), "students missing from grades.csv")
        expect(float(rows["lou_late"]["score"]) == 0 and
               float(rows["lou_late"]["seconds_late"]) > 0, "grades.csv: lou_late")
        expect(float(rows["ben_untouched"]["score"]) == 0, "grades.csv: ben_untouched")
        expect("affine_backward" in rows["cleo_mistakes"]["overrides"], "grades.csv: override")
        table = run("nnlab", "gradebook", LAB.name, "--course", str(course)).stdout
        expect("*" in table and "lou_late" in table, "the gradebook table lacks the override/late")
        note.append(f"{len(rows)} rows")
        print(table)


def canvas_members(staging: Path, kinds: dict) -> tuple[list, dict]:
    """The class as Canvas' "Download Submissions" zip names it: flat files
    ``<sortable name>_[LATE_]<user id>_<file id>_<file name>``. Two users share the sortable name
    ``smithjohn`` (ada's and ben's work); lou is late. Returns (members, student -> user id)."""
    members, ids = [], {}
    on_time = (2026, 3, 1, 12, 0, 0)
    late = (2026, 3, 3, 12, 0, 0)
    for n, student in enumerate(kinds):
        user_id = 10001 + n
        login = "smithjohn" if student in ("ada_reference", "ben_untouched") else \
            student.replace("_", "")
        is_late = student == "lou_late"
        prefix = f"{login}_{'LATE_' if is_late else ''}{user_id}"
        folder = staging / "submitted" / student / LAB.name
        files = [folder / f"{LAB.name}.ipynb", *sorted((folder / "nnlab").glob("*.py"))]
        for k, path in enumerate(files):
            info = zipfile.ZipInfo(f"{prefix}_{50000 + 100 * n + k}_{path.name}",
                                   late if is_late else on_time)
            members.append((info, path.read_bytes()))
        ids[student] = str(user_id)
    return members, ids


def canvas_pass(base: Path, kinds: dict, staging: Path, report: Report, workers: int) -> None:
    course = base / "canvas-course"
    with report.step("Canvas: create course, release, collect the zip") as note:
        run("nnlab", "course", "create", str(course))
        config = course / "nbgrader_config.py"
        config.write_text(config.read_text() + 'c.LateSubmissionPlugin.penalty_method = "zero"\n')
        run("nnlab", "release", LAB.name, "--course", str(course))
        members, ids = canvas_members(staging, kinds)
        zpath = base / "submissions.zip"
        with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as zf:
            for info, data in members:
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data)
        out = run("nnlab", "collect", LAB.name, "--zip", str(zpath), "--course", str(course))
        by_id = {m.lms_user_id: s for s, m in read_mapping(course).items()}
        expect(set(by_id) == set(ids.values()), "a Canvas user was lost or merged")
        student_of = {s: by_id[ids[s]] for s in kinds}
        expect(student_of["ada_reference"] != student_of["ben_untouched"],
               "two Canvas users named John Smith were merged")
        text = out.stdout + out.stderr
        expect("late" in text.lower(), "nnlab collect did not report the late student")
        run("nbgrader", "db", "assignment", "add", LAB.name,
            "--duedate=2026-03-02 12:00:00 UTC", cwd=course)
        note.append(f"{len(members)} files, {len(kinds)} users; smithjohn -> "
                    f"{student_of['ada_reference']}, {student_of['ben_untouched']}")

    canvas_kinds = {student_of[s]: k for s, k in kinds.items()}
    with report.step(f"Canvas: nnlab autograde --workers {workers}") as note:
        run("nnlab", "autograde", LAB.name, "--course", str(course), "--workers", str(workers))
        outcomes = check_grades(course, canvas_kinds, "canvas")
        lou = outcomes[student_of["lou_late"]]
        expect(abs(lou.seconds_late - 86400) < 1 and lou.late_penalty > 0,
               f"canvas lou_late: {lou.seconds_late} s late, penalty {lou.late_penalty}")
        check_nothing_above_max(course, "canvas")
        note.append(f"lou_late {lou.seconds_late / 3600:.0f} h late, penalty {lou.late_penalty:g}")

    with report.step("Canvas: nnlab export, Canvas CSV checked") as note:
        to = base / "canvas-grades.csv"
        run("nnlab", "export", "--course", str(course), "--to", str(to))
        canvas = to.with_name("canvas-grades.canvas.csv")
        with open(canvas) as fh:
            reader = csv.DictReader(fh)
            columns, rows = reader.fieldnames, list(reader)
        expect(columns == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", LAB.name],
               f"Canvas CSV columns: {columns}")
        expect(rows[0]["Student"] == "Points Possible", "no Points Possible row")
        by_id = {r["ID"]: r for r in rows[1:]}
        expect(set(by_id) == set(ids.values()), "Canvas CSV ids differ from the zip's")
        full = LAB.max_points        # no written answer is marked in this pass
        ada, ben = by_id[ids["ada_reference"]], by_id[ids["ben_untouched"]]
        expect(abs(float(ada[LAB.name]) - full) < 0.01 and float(ben[LAB.name]) == 0,
               f"the two John Smiths: {ada[LAB.name]} and {ben[LAB.name]}")
        expect(float(by_id[ids["lou_late"]][LAB.name]) == 0, "Canvas CSV: late student not 0")
        note.append(f"{len(rows) - 1} rows, ids kept, smithjohn {ada[LAB.name]} / "
                    f"{ben[LAB.name]}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=31)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", help="run in this folder and keep it (default: a temporary one)")
    parser.add_argument("--passes", nargs="+", choices=("exchange", "canvas"),
                        default=["exchange", "canvas"], help="which passes to run (default: both)")
    args = parser.parse_args(argv)
    if args.students < 8:
        parser.error("--students: at least 8 (the demo's six students, a late one and one with "
                     "an extension: every expectation needs them)")
    # A TA's terminal delivers Ctrl-C. Started in the background (a CI job, `cmd &`) this process
    # may have inherited SIGINT *ignored*, which every child would inherit too; a handler of our
    # own is reset to the default in each child, as in a terminal.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    report = Report()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="nnlab-course-run-") as tmp:
        base = Path(args.keep).resolve() if args.keep else Path(tmp)
        base.mkdir(parents=True, exist_ok=True)
        try:
            with report.step(f"make the class ({args.students} students)") as note:
                staging = base / "staging"
                courselib.create_course(staging)
                courselib.release(staging, LAB)
                kinds = make_class(staging, args.students)
                counts: dict[str, int] = {}
                for kind, _ in kinds.values():
                    counts[kind] = counts.get(kind, 0) + 1
                note.append(", ".join(f"{n} {k}" for k, n in counts.items()))
            if "exchange" in args.passes:
                exchange_pass(base, kinds, staging, report, args.workers)
            if "canvas" in args.passes:
                canvas_pass(base, kinds, staging, report, args.workers)
        except Expectation as failed:
            print(report.text())
            print(f"\nFAILED: {failed}", file=sys.stderr)
            return 1
    print(f"\nCourse run of {LAB.name}, {len(kinds)} students, --workers {args.workers}: "
          f"every expectation held ({time.perf_counter() - started:.0f} s)\n")
    print(report.text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
