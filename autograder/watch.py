"""Grade on submit: ``nnlab autograde LAB --watch``.

A loop that looks, every ``poll`` seconds, at the two places a submission arrives:

- nbgrader's exchange inbound folder (``<Exchange.root>/<course_id>/inbound``, where ``nbgrader
  submit`` puts ``student+lab+timestamp+random``): a new entry is collected with nbgrader's own
  ``collect`` for that student, which copies it into ``submitted/``;
- ``submitted/<student>/<lab>/`` itself (filled by ``nnlab collect`` or by hand): a submission
  whose files differ from the ones last graded (their fingerprint, the one the status files keep).

Each new or changed submission is graded as ``nnlab autograde`` grades it (the same function, so
the same scores, statuses, status file and resumability), then its feedback is written with
``nbgrader generate_feedback`` for that student, and released to the exchange when it came from
there (``nbgrader fetch_feedback`` gets it). A hostile or broken submission costs its own grade
and nothing else; the loop goes on. Ctrl-C stops it cleanly: the submission being graded is not
recorded and is graded again next time.

``max_per_day``: at most that many graded submissions per student per day (UTC). Later ones wait
until the next day, and the student's feedback folder says so (``nnlab_waiting.txt``).
"""
from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from . import course as courselib
from .course_lock import CourseBusy, course_lock, interrupts_caught
from .labs import Lab

LEDGER = "watch_ledger.json"
WAITING_NOTE = "nnlab_waiting.txt"


def _say(text: str) -> None:
    print(f"{datetime.now().strftime('%H:%M:%S')}  {text}", flush=True)


def _today() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d")


class DailyLimit:
    """How many submissions each student had graded today, kept in
    ``nnlab_grading/<lab>/watch_ledger.json`` so that a restarted watch still counts them."""

    def __init__(self, course: Path, lab: Lab, limit: int | None):
        if limit is not None and limit < 1:
            raise SystemExit(f"--max-per-day {limit}: give 1 or more (or leave it out).")
        self.limit = limit
        self.path = course / courselib.STATUS_DIR / lab.name / LEDGER
        self.course, self.lab = course, lab
        self.counts = json.loads(self.path.read_text()) if self.path.exists() else {}

    def used_today(self, student: str) -> int:
        entry = self.counts.get(student, {})
        return entry.get("count", 0) if entry.get("day") == _today() else 0

    def allows(self, student: str) -> bool:
        return self.limit is None or self.used_today(student) < self.limit

    def count(self, student: str) -> None:
        self.counts[student] = {"day": _today(), "count": self.used_today(student) + 1}
        courselib._write_atomically(self.path, json.dumps(self.counts, indent=1))
        (self._note(student)).unlink(missing_ok=True)

    def tell_waiting(self, student: str) -> bool:
        """Write the student's "your submission waits" note; False if it was already there."""
        note = self._note(student)
        if note.exists():
            return False
        note.parent.mkdir(parents=True, exist_ok=True)
        note.write_text(
            f"You have already had {self.limit} submission(s) of {self.lab.name} graded today, "
            f"the most this course grades per day.\nYour latest submission is safely received: "
            f"it will be graded after midnight (UTC), and your feedback will then be updated.\n")
        return True

    def _note(self, student: str) -> Path:
        return self.course / "feedback" / student / self.lab.name / WAITING_NOTE


def inbound_folder(api) -> Path:
    """The exchange's inbound folder of the course, as nbgrader's own exchange computes it."""
    from nbgrader.exchange.default.exchange import Exchange
    root = Exchange(config=api.config).root
    return Path(root) / api.coursedir.course_id / "inbound"


def new_inbound(api, lab: Lab, seen: set) -> dict[str, str]:
    """``{student: entry}``: the newest complete inbound submission of ``lab`` per student that
    ``seen`` does not hold yet. ``nbgrader submit`` writes ``timestamp.txt`` last: an entry
    without one is still being copied and waits for the next look."""
    folder = inbound_folder(api)
    if not folder.is_dir():
        return {}
    newest = {}
    for entry in sorted(folder.iterdir()):
        parts = entry.name.split("+")
        if len(parts) < 3 or parts[1] != lab.name or entry.name in seen:
            continue
        if (entry / "timestamp.txt").exists():
            newest[parts[0]] = entry.name
    return newest


def collect_student(api, lab: Lab, student: str) -> bool:
    """nbgrader's ``collect`` for one student (only newer submissions replace the old one)."""
    old = api.coursedir.student_id
    api.coursedir.student_id = student
    try:
        result = api.collect(lab.name, update=True)
    finally:
        api.coursedir.student_id = old
    if not result["success"]:
        _say(f"nbgrader could not collect {student}: "
             f"{((result.get('error') or result.get('log') or '').strip().splitlines() or [''])[-1]}")
    return bool(result["success"])


def needs_grading(course: Path, lab: Lab, student: str, execute: bool, tried: dict) -> str | None:
    """The files' fingerprint when ``student``'s submission is new or changed since it was last
    graded (or tried: a submission the grader failed on waits for a change, not a loop)."""
    submission = course / "submitted" / student / lab.name
    files = courselib._fingerprint(submission)
    if tried.get(student) == files:
        return None
    outcome = courselib.read_outcome(course, lab, student)
    wanted = f"{files}:{courselib.grader_fingerprint()}" + ("" if execute else ":fast")
    if outcome is not None and outcome.fingerprint == wanted and courselib.is_final(outcome):
        tried[student] = files
        return None
    return files


def watch(course: Path, lab: Lab, poll: float = 2.0, max_per_day: int | None = None,
          execute: bool | None = None, wait: float = 0.0, passes: int | None = None) -> int:
    """Grade submissions of ``lab`` as they arrive, until Ctrl-C (or ``passes`` looks)."""
    from .course_checks import ready_to_grade
    from .execute_choice import resolve_execute

    course = Path(course).resolve()
    ready_to_grade(course, lab)
    execute = resolve_execute(course, lab.name, execute)
    courselib._check_grader_importable()
    api = courselib.nbgrader_api(course)
    courselib._warn_if_formgrader_unguarded(course)
    feedback_api = courselib.feedback_api(course)
    limit = DailyLimit(course, lab, max_per_day)
    seen, tried, from_exchange, busy_told = set(), {}, set(), False
    graded = 0
    _say(f"Watching {lab.name} in {course} ({'re-running notebooks' if execute else 'fast path'}"
         f"{f', at most {max_per_day} per student per day' if max_per_day else ''}); "
         f"Ctrl-C stops.")
    with interrupts_caught():
        try:
            look = 0
            while passes is None or look < passes:
                look += 1
                for student, entry in new_inbound(api, lab, seen).items():
                    if collect_student(api, lab, student):
                        seen.add(entry)
                        from_exchange.add(student)
                try:
                    with course_lock(course, wait=wait, command=f"nnlab autograde {lab.name} --watch"):
                        busy_told = False
                        graded += _grade_pass(course, lab, execute, limit, tried, from_exchange,
                                              feedback_api)
                except CourseBusy as busy:
                    if not busy_told:
                        _say(f"{str(busy).splitlines()[0]} Waiting for it.")
                        busy_told = True
                time.sleep(poll)
        except KeyboardInterrupt:
            print(file=sys.stderr)
            _say(f"Stopped watching {lab.name}: {graded} submission(s) graded. A submission "
                 f"being graded when you stopped was not recorded; it is graded next time.")
    return 0


def _grade_pass(course: Path, lab: Lab, execute: bool, limit: DailyLimit, tried: dict,
                from_exchange: set, feedback_api) -> int:
    """Grade every new or changed submission once; returns how many were graded."""
    also_force = frozenset(courselib._check_gradebook(course, lab))
    graded = 0
    for student in courselib.submitted_students(course, lab):
        files = needs_grading(course, lab, student, execute, tried)
        if files is None and student not in also_force:
            continue
        if not limit.allows(student):
            if limit.tell_waiting(student):
                _say(f"{student}: {limit.limit} graded today already; the new submission waits "
                     f"for tomorrow (UTC).")
            continue
        started = time.perf_counter()
        outcome = courselib._grade_in_worker(str(course), lab.name, student, False, also_force,
                                             execute)
        tried[student] = courselib._fingerprint(course / "submitted" / student / lab.name)
        limit.count(student)
        courselib.feedback_one(course, lab, student, feedback_api)
        if student in from_exchange:
            result = feedback_api.release_feedback(lab.name, student)
            if not result["success"]:
                _say(f"{student}: feedback written, but nbgrader could not release it to the "
                     f"exchange (run nbgrader release_feedback {lab.name}).")
        graded += 1
        _say(f"{student}: {outcome.score:g} / {outcome.max_score:g}, "
             f"{courselib.STATUS_TEXT.get(outcome.status, outcome.status)}; feedback written "
             f"({time.perf_counter() - started:.1f} s)")
    return graded
