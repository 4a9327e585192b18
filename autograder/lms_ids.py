"""Which LMS user each course student is: ``nnlab_lms_students.csv`` in the course folder.

``nnlab collect`` fills it from the LMS zip (Canvas user id, Moodle participant id, and the name
the LMS gave); ``nnlab export`` reads it to write a CSV the LMS can import. One row per student::

    student_id,lms,lms_user_id,lms_name,sis_user_id,sis_login_id,section
    smithjohn,canvas,12345,smithjohn,,,
    smithjohn_67890,canvas,67890,smithjohn,,,

The last three columns are never in a submission zip; course staff may fill them in (from the
LMS's own gradebook export) and nnlab keeps what they wrote. The LMS user id is also stored in
nbgrader's gradebook (``Student.lms_user_id``).
"""
from __future__ import annotations

import csv
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

MAPPING_FILE = "nnlab_lms_students.csv"


@dataclass
class LmsStudent:
    student_id: str          # the id in the course (submitted/<student_id>/, the gradebook)
    lms: str                 # "canvas" or "moodle"
    lms_user_id: str         # Canvas user id / Moodle participant id
    lms_name: str = ""       # the name as the LMS wrote it in the file names
    sis_user_id: str = ""    # filled in by course staff when they want them in the export
    sis_login_id: str = ""
    section: str = ""


FIELDS = [f.name for f in fields(LmsStudent)]


def mapping_path(course: Path) -> Path:
    return Path(course) / MAPPING_FILE


def read_mapping(course: Path) -> dict[str, LmsStudent]:
    """student id -> :class:`LmsStudent` ({} when the course has no LMS students)."""
    path = mapping_path(course)
    if not path.exists():
        return {}
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {r["student_id"]: LmsStudent(**{k: (r.get(k) or "") for k in FIELDS}) for r in rows
            if r.get("student_id")}


def write_mapping(course: Path, mapping: dict[str, LmsStudent]) -> None:
    """Write the file atomically, sorted by student id."""
    path = mapping_path(course)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    with open(tmp, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        for student in sorted(mapping):
            writer.writerow(asdict(mapping[student]))
    os.replace(tmp, path)


def student_of(mapping: dict[str, LmsStudent], lms: str, lms_user_id: str) -> str | None:
    """The course's id for this LMS user, if collected before."""
    for entry in mapping.values():
        if entry.lms == lms and entry.lms_user_id == lms_user_id:
            return entry.student_id
    return None
