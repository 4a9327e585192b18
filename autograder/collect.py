"""``nnlab collect LAB --zip FILE``: import an LMS bulk download into nbgrader's ``submitted/``.

Layouts understood (detected per top-level entry of the zip, after stripping one wrapping
folder that holds a whole class):

* **Canvas** – flat files ``<sortable name>_<user id>_<file id>_<original name>``
  (``<sortable name>_LATE_<user id>_...`` for late work; the sortable name is "Smith, John"
  lowercased without punctuation: ``smithjohn``). A student's package arrives as flat
  ``layers.py``, ``activations.py``, ... or as a nested zip; Canvas' ``-1``/``-2``
  resubmission suffixes are understood.
* **Moodle** – one folder per student, ``Jane Smith_12345_assignsubmission_file_/`` (name,
  participant id), holding the files or a zip (``assignsubmission_onlinetext`` folders are
  ignored).
* **Plain** – one folder per student id holding ``<lab>.ipynb`` and ``nnlab/``, possibly inside
  one more wrapping folder (``alice/Lab01 final/...``).

Students are told apart by their LMS user id, never by name alone: two Canvas users both named
``smithjohn`` become ``smithjohn_12345`` and ``smithjohn_67890``. Each LMS user keeps the course
id they got the first time (``nnlab_lms_students.csv``, see :mod:`autograder.lms_ids`), and the id
also goes into nbgrader's gradebook, so ``nnlab export`` can write a CSV the LMS imports.
Every submission gets the two files ``nbgrader submit`` would have written, which
``nbgrader release_feedback`` needs: ``timestamp.txt`` (the time the zip gives the files, else
the time of the import; a LATE mark is reported) and ``submission_secret.txt``.

Safety: the zip's member names are never used as paths. Members are read into memory (with a
cap on the total uncompressed size and on the member count, counted while decompressing, so a
lying header does not help a zip bomb), and only the files nnlab needs are written, under names
built here: ``<lab>.ipynb``, ``nnlab/<validated relative path>``, ``timestamp.txt`` and
``submission_secret.txt``. Members whose normalised path escapes the archive (``../``, absolute
paths, drive letters), symlinks, encrypted members and zips nested more than one level deep are
refused and reported. Each
student's folder is built in a staging directory inside the course and moved into
``submitted/<student>/<lab>/`` with ``os.replace``, so an interrupted collect never leaves half a
submission; a submission whose content did not change is left untouched.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import posixpath
import re
import shutil
import stat
import sys
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .course_checks import format_timestamp, new_submission_secret
from .labs import Lab, get_lab
from .lms_ids import LmsStudent, read_mapping, student_of, write_mapping

MAX_TOTAL_BYTES = 200 * 1024 * 1024      # uncompressed, nested zips included
MAX_MEMBERS = 10_000                     # members, nested zips included
STAGING_DIR = ".nnlab_collect"           # inside the course: same filesystem, for os.replace

JUNK_PARTS = {"__MACOSX", "__pycache__", ".ipynb_checkpoints", ".git", ".svn", ".idea",
              ".vscode"}
JUNK_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}

CANVAS_RE = re.compile(
    r"^(?P<login>[^_/]+)_(?:(?P<late>LATE)_)?(?P<cid>\d+)_(?P<fid>\d+)_(?P<name>.+)$")
MOODLE_RE = re.compile(r"^(?P<name>.+?)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z]+)_?$")
RESUBMIT_SUFFIX = re.compile(r"^(?P<stem>.+?)(?:-\d+| \(\d+\))(?P<ext>\.[A-Za-z0-9]+)$")
STUDENT_ID_RE = re.compile(r"^[a-z0-9_][a-z0-9_.-]*$")
FILLED = "missing — filled from the released stub"


class CollectError(Exception):
    """The zip cannot be collected at all (corrupt, too big, not a course): nothing written."""


# --------------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------------

@dataclass
class StudentResult:
    student: str                 # sanitised id ("" when none could be derived)
    source: str                  # the entry's name in the zip
    status: str = "problem"      # new / updated / unchanged / problem (nothing written)
    problems: list = field(default_factory=list)
    files: int = 0               # files written (or that would have been, for unchanged)
    lms: str = ""                # "canvas" / "moodle" when the zip named the LMS user
    lms_user_id: str = ""
    time_known: bool = True      # the zip gave the submission time (else: the import time)


@dataclass
class CollectReport:
    lab: str
    zip: str
    students: list = field(default_factory=list)
    refused: list = field(default_factory=list)   # "member: reason" (unsafe members, never read)
    ignored: list = field(default_factory=list)   # top-level entries of no known layout
    skipped_junk: int = 0

    def by_student(self, student: str) -> StudentResult:
        matches = [s for s in self.students if s.student == student and s.status != "problem"]
        matches = matches or [s for s in self.students if s.student == student]
        if not matches:
            raise KeyError(student)
        return matches[0]

    def counts(self) -> dict:
        out = {"new": 0, "updated": 0, "unchanged": 0, "problem": 0}
        for s in self.students:
            out[s.status] = out.get(s.status, 0) + 1
        return out

    def to_text(self) -> str:
        """What a TA reads after ``nnlab collect``: the problems to look at first, then the
        files filled from the released stubs (summarised), then every submission."""
        rows = sorted(self.students, key=lambda s: (s.student, s.status == "problem", s.source))
        real = [(s, [p for p in s.problems if not p.endswith(FILLED)]) for s in rows]
        real = [(s, problems) for s, problems in real if problems]
        lines = [f"Collected {self.lab} from {self.zip}", ""]
        if real:
            lines.append(f"To look at ({len(real)} submission(s)):")
            for s, problems in real:
                lines.append(f"  {s.student or '?'} ({s.source}):")
                lines += [f"    - {p}" for p in problems]
        else:
            lines.append("Nothing to look at: every submission had a notebook and a package.")
        untimed = [s.student for s in rows if not s.time_known and s.status != "problem"]
        if untimed:
            lines.append("")
            lines.append(f"No submission time in the zip for {len(untimed)} submission(s): "
                         f"their timestamp.txt holds the import time, so a due date before it "
                         f"makes them late: {', '.join(untimed)}")
        if self.refused:
            lines.append("")
            lines.append(f"Refused {len(self.refused)} unsafe member(s) (nothing written for them):")
            lines += [f"  {r}" for r in self.refused]
        if self.ignored:
            lines.append("")
            lines.append(f"Ignored {len(self.ignored)} entr(y/ies) of no known layout:")
            lines += [f"  {r}" for r in self.ignored]
        filled: dict[str, list] = {}
        for s in rows:
            for p in s.problems:
                if p.endswith(FILLED):
                    filled.setdefault(p[: -len(FILLED)].strip(), []).append(s.student)
        if filled:
            who = {st for students in filled.values() for st in students}
            lines.append("")
            lines.append(f"Filled from the released stub (files missing from {len(who)} "
                         f"submission(s); the stub's functions score 0):")
            lines += [f"  {name}: {len(students)} — {', '.join(students)}"
                      for name, students in sorted(filled.items())]
        wid = max([len("student")] + [len(s.student or "?") for s in rows])
        wsrc = min(48, max([len("source in zip")] + [len(s.source) for s in rows]))
        lines.append("")
        lines.append(f"{'student':<{wid}}  {'source in zip':<{wsrc}}  {'status':<9}  LMS user")
        lines.append("-" * len(lines[-1]))
        for s in rows:
            src = s.source if len(s.source) <= wsrc else s.source[: wsrc - 1] + "…"
            user = f"{s.lms} {s.lms_user_id}" if s.lms else ""
            lines.append(f"{s.student or '?':<{wid}}  {src:<{wsrc}}  {s.status:<9}  {user}")
        c = self.counts()
        lines.append("")
        lines.append(f"{len(rows)} submission(s): {c['new']} new, {c['updated']} updated, "
                     f"{c['unchanged']} unchanged, {c['problem']} problem; "
                     f"{len(real)} to look at; {len(filled)} file(s) filled from the stub; "
                     f"{len(self.refused)} unsafe member(s) refused; "
                     f"{self.skipped_junk} junk file(s) skipped.")
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# reading the zip safely
# --------------------------------------------------------------------------------------------

@dataclass
class _Member:
    parts: tuple                 # validated path components, relative to the entry
    data: bytes
    date_time: tuple
    order: int = 0               # Canvas file id (later upload = larger), else 0


class _Budget:
    def __init__(self, max_bytes: int, max_members: int):
        self.bytes_left = max_bytes
        self.members_left = max_members


class _TooBig(Exception):
    pass


def _normalise_member_name(name: str) -> tuple[tuple, str | None]:
    """(parts, reason): reason is set when the member must be refused."""
    if "\x00" in name or any(ord(ch) < 32 for ch in name):
        return (), "control character in the name"
    raw = name.replace("\\", "/")
    if raw.startswith("/") or re.match(r"^[A-Za-z]:", raw):
        return (), "absolute path"
    norm = posixpath.normpath(raw)
    if norm == ".." or norm.startswith("../"):
        return (), "path escapes the target (../)"
    parts = tuple(p for p in norm.split("/") if p not in ("", "."))
    if any(p == ".." for p in parts):
        return (), "path escapes the target (../)"
    return parts, None


def _is_junk(parts: tuple) -> bool:
    if any(p in JUNK_PARTS for p in parts):
        return True
    base = parts[-1]
    return base in JUNK_NAMES or base.startswith("._") or base.endswith((".pyc", ".pyo"))


def _read_zip(zf: zipfile.ZipFile, budget: _Budget, where: str, refused: list,
              report: CollectReport) -> list[_Member]:
    """Every safe, non-junk file member of ``zf``, decompressed within ``budget``."""
    infos = zf.infolist()
    if len(infos) > budget.members_left:
        raise _TooBig(f"{where} holds {len(infos)} members, over the cap of "
                      f"{budget.members_left} left")
    budget.members_left -= len(infos)
    declared = sum(i.file_size for i in infos if not i.is_dir())
    if declared > budget.bytes_left:
        raise _TooBig(f"{where} unpacks to {declared / 2**20:.1f} MB, over the cap of "
                      f"{budget.bytes_left / 2**20:.1f} MB left (zip bomb?)")
    members: dict[tuple, _Member] = {}
    for info in infos:
        label = f"{where}/{info.filename}" if where else info.filename
        parts, reason = _normalise_member_name(info.filename)
        mode = info.external_attr >> 16
        if reason is None and stat.S_ISLNK(mode):
            reason = "symbolic link"
        if reason is None and info.flag_bits & 0x1:
            reason = "encrypted"
        if reason is not None:
            refused.append(f"{label}: {reason}")
            continue
        if info.is_dir() or not parts:
            continue
        if _is_junk(parts):
            report.skipped_junk += 1
            continue
        chunks, size = [], 0
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(1 << 20)
                if not chunk:
                    break
                size += len(chunk)
                if size > budget.bytes_left:
                    raise _TooBig(f"{label} unpacks past the size cap "
                                  f"({budget.bytes_left / 2**20:.1f} MB left; zip bomb?)")
                chunks.append(chunk)
        budget.bytes_left -= size
        members[parts] = _Member(parts, b"".join(chunks), info.date_time)
    return list(members.values())


# --------------------------------------------------------------------------------------------
# layouts
# --------------------------------------------------------------------------------------------

@dataclass
class _Entry:
    source: str
    raw_id: str
    layout: str
    files: list = field(default_factory=list)    # _Member, parts relative to the entry
    late: bool = False
    order: int = 0
    lms: str = ""                # "canvas" / "moodle": the zip names the LMS user
    lms_user_id: str = ""        # Canvas user id / Moodle participant id


def sanitise_student_id(raw: str) -> str:
    """``José Núñez`` -> ``jose_nunez``: lowercase ASCII ``[a-z0-9_.-]``, spaces to ``_``."""
    text = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode("ascii")
    text = text.strip().lower().replace(" ", "_")
    text = re.sub(r"[^a-z0-9_.-]", "", text)
    text = re.sub(r"_+", "_", text).strip("_").lstrip(".-")
    return text if text and text not in (".", "..") and STUDENT_ID_RE.match(text) else ""


def _strip_class_wrapper(members: list[_Member]) -> list[_Member]:
    """Drop one folder wrapping the whole class (``Lab 01 submissions/...``)."""
    tops = {m.parts[0] for m in members}
    if len(tops) != 1 or any(len(m.parts) < 2 for m in members):
        return members
    children = {m.parts[1] for m in members}
    child_dirs = {m.parts[1] for m in members if len(m.parts) > 2}
    looks_like_class = (any(CANVAS_RE.match(c) for c in children - child_dirs)
                        or any(MOODLE_RE.match(c) for c in child_dirs)
                        or (len(child_dirs) >= 2 and child_dirs == children
                            and "nnlab" not in children))
    if not looks_like_class:
        return members
    return [_Member(m.parts[1:], m.data, m.date_time, m.order) for m in members]


def _split_entries(members: list[_Member], report: CollectReport) -> list[_Entry]:
    entries: dict[tuple, _Entry] = {}
    for m in _strip_class_wrapper(members):
        top = m.parts[0]
        if len(m.parts) == 1:
            match = CANVAS_RE.match(top)
            if not match:
                report.ignored.append(f"{top}: a top-level file that is not a Canvas submission")
                continue
            # one entry per Canvas user: two users with one sortable name stay two students
            key = ("canvas", match["login"], match["cid"])
            entry = entries.setdefault(key, _Entry(f"{match['login']}_{match['cid']}_*",
                                                   match["login"], "canvas", lms="canvas",
                                                   lms_user_id=match["cid"]))
            entry.late |= bool(match["late"])
            fid = int(match["fid"])
            entry.order = max(entry.order, fid)
            entry.files.append(_Member((match["name"],), m.data, m.date_time, fid))
            continue
        match = MOODLE_RE.match(top)
        if match:
            if match["plugin"] != "file":
                continue      # online text etc.: nothing to grade
            key = ("moodle", match["name"], match["pid"])
            entry = entries.setdefault(key, _Entry(top + "/", match["name"], "moodle",
                                                   order=int(match["pid"]), lms="moodle",
                                                   lms_user_id=match["pid"]))
        else:
            key = ("plain", top)
            entry = entries.setdefault(key, _Entry(top + "/", top, "plain"))
        entry.files.append(_Member(m.parts[1:], m.data, m.date_time, m.order))
    return list(entries.values())


# --------------------------------------------------------------------------------------------
# one student's files -> notebook + nnlab/
# --------------------------------------------------------------------------------------------

def _plain_name(name: str) -> str:
    """``layers-1.py`` / ``layers (2).py`` (LMS resubmission suffixes) -> ``layers.py``."""
    match = RESUBMIT_SUFFIX.match(name)
    return match["stem"] + match["ext"] if match else name


def _expand_nested_zips(entry: _Entry, budget: _Budget, report: CollectReport,
                        problems: list) -> list[_Member]:
    out = []
    for m in entry.files:
        if not m.parts[-1].lower().endswith(".zip"):
            out.append(m)
            continue
        label = f"{entry.source}{'/'.join(m.parts)}" if entry.layout != "canvas" else m.parts[-1]
        refused: list = []
        local = _Budget(budget.bytes_left, budget.members_left)
        try:
            with zipfile.ZipFile(io.BytesIO(m.data)) as inner:
                inner_members = _read_zip(inner, local, label, refused, report)
        except _TooBig as exc:
            problems.append(f"nested zip {m.parts[-1]} refused: {exc}")
            continue
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
                NotImplementedError, RuntimeError) as exc:
            problems.append(f"nested zip {m.parts[-1]} is corrupt or unreadable ({exc}): ignored")
            continue
        budget.bytes_left, budget.members_left = local.bytes_left, local.members_left
        for r in refused:
            report.refused.append(r)
            problems.append(f"unsafe member refused: {r}")
        stem = _plain_name(m.parts[-1])[:-4] or "zip"
        for im in inner_members:
            if im.parts[-1].lower().endswith(".zip"):
                problems.append(f"zip nested more than one level deep refused: "
                                f"{m.parts[-1]}/{'/'.join(im.parts)}")
                report.refused.append(f"{label}/{'/'.join(im.parts)}: zip nested more than "
                                      f"one level deep")
                continue
            out.append(_Member(m.parts[:-1] + (stem,) + im.parts, im.data, im.date_time,
                               m.order))
    return out


def _stub_package(course: Path, lab: Lab) -> Path:
    from .course import NNLAB_PACKAGE
    for candidate in (course / "release" / lab.name / "nnlab", course / "source" / lab.name / "nnlab"):
        if (candidate / "__init__.py").exists():
            return candidate
    return NNLAB_PACKAGE


def _stub_files(stubs: Path) -> dict[tuple, Path]:
    return {p.relative_to(stubs).parts: p for p in sorted(stubs.rglob("*"))
            if p.is_file() and not _is_junk(p.relative_to(stubs).parts)}


def _assemble(entry: _Entry, files: list[_Member], lab: Lab, stubs: dict[tuple, Path],
              problems: list) -> dict[tuple, bytes] | None:
    """The submission folder as {relative parts: bytes}, or None when nothing is usable."""
    out: dict[tuple, bytes] = {}
    key = lambda m: (len(m.parts), -m.order, tuple(-x for x in m.date_time))  # noqa: E731

    # the notebook
    notebooks = [m for m in files if m.parts[-1].lower().endswith(".ipynb")]
    wanted = f"{lab.name}.ipynb"
    exact = [m for m in notebooks if _plain_name(m.parts[-1]) == wanted]
    chosen = sorted(exact or notebooks, key=key)
    if chosen:
        nb = chosen[0]
        out[(wanted,)] = nb.data
        if _plain_name(nb.parts[-1]) != wanted:
            problems.append(f"notebook {nb.parts[-1]} renamed to {wanted}")
        others = [m for m in notebooks if m is not nb]
        if others:
            problems.append(f"several notebooks: used {'/'.join(nb.parts)}, ignored "
                            + ", ".join("/".join(m.parts) for m in others))
        try:
            json.loads(nb.data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            problems.append("notebook is not valid JSON (kept: grading reports it)")
    else:
        problems.append("no notebook found")

    # the package: an nnlab/ folder holding modules, else flat files named like its modules
    modules = {parts[0] for parts in stubs if len(parts) == 1 and parts[0].endswith(".py")}
    package_dirs = sorted({m.parts[:i + 1] for m in files for i in range(len(m.parts) - 1)
                           if m.parts[i] == "nnlab"
                           and any(x.parts[:i + 1] == m.parts[:i + 1] and len(x.parts) == i + 2
                                   and x.parts[-1].endswith(".py") for x in files)},
                          key=len)
    package: dict[tuple, _Member] = {}
    if package_dirs:
        root = package_dirs[0]
        for m in sorted(files, key=key, reverse=True):        # best last: it wins
            if m.parts[:len(root)] == root:
                rel = m.parts[len(root):]
                if len(rel) == 1 and rel[0] not in modules:
                    rel = (_plain_name(rel[0]),)
                package[rel] = m
        if len(package_dirs) > 1:
            problems.append(f"several nnlab/ folders: used {'/'.join(root)}")
    else:
        for m in sorted(files, key=key, reverse=True):
            name = m.parts[-1] if m.parts[-1] in modules else _plain_name(m.parts[-1])
            if name in modules:
                package[(name,)] = m
    if package:
        for rel, m in package.items():
            out[("nnlab",) + rel] = m.data
        for rel in sorted(stubs):
            if ("nnlab",) + rel in out:
                continue
            out[("nnlab",) + rel] = stubs[rel].read_bytes()
            if rel[-1].endswith(".py"):
                problems.append(f"nnlab/{'/'.join(rel)} {FILLED}")
    else:
        problems.append("no nnlab/ package found")

    if not chosen and not package:
        return None
    return out


def _valid_parts(parts: tuple) -> bool:
    return bool(parts) and all(p and p not in (".", "..") and "/" not in p and "\\" not in p
                               and "\x00" not in p and not re.match(r"^[A-Za-z]:", p)
                               for p in parts)


def _tree_digest(files: dict[tuple, bytes]) -> str:
    digest = hashlib.sha256()
    for parts in sorted(files):
        digest.update("/".join(parts).encode() + b"\0")
        digest.update(hashlib.sha256(files[parts]).digest())
    return digest.hexdigest()


def _folder_files(folder: Path) -> dict[tuple, bytes]:
    return {p.relative_to(folder).parts: p.read_bytes()
            for p in folder.rglob("*") if p.is_file() and not p.is_symlink()}


# --------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------

def _recover_stale_staging(course: Path) -> None:
    """A collect killed between its two renames left the old submission in its staging
    directory's backup/: put it back, then drop the stale staging directories."""
    root = course / STAGING_DIR
    if not root.is_dir():
        return
    for stale in root.iterdir():
        backup = stale / "backup"
        if backup.is_dir():
            for student in backup.iterdir():
                for lab_dir in student.iterdir():
                    target = course / "submitted" / student.name / lab_dir.name
                    if not target.exists():
                        target.parent.mkdir(parents=True, exist_ok=True)
                        os.replace(lab_dir, target)
        shutil.rmtree(stale, ignore_errors=True)


def _install(course: Path, staging: Path, student: str, lab: Lab,
             files: dict[tuple, bytes]) -> str:
    target = course / "submitted" / student / lab.name
    if target.is_dir() and _tree_digest(_folder_files(target)) == _tree_digest(files):
        return "unchanged"
    stage = staging / "new" / student / lab.name
    stage_resolved = stage.resolve()
    for parts, data in files.items():
        if not _valid_parts(parts):
            raise CollectError(f"internal error: unsafe output path {parts!r}")
        path = stage.joinpath(*parts)
        if not path.resolve().is_relative_to(stage_resolved):
            raise CollectError(f"internal error: {parts!r} escapes the staging directory")
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() or target.is_symlink():
        backup = staging / "backup" / student / lab.name
        backup.parent.mkdir(parents=True, exist_ok=True)
        os.replace(target, backup)
        try:
            os.replace(stage, target)
        except BaseException:
            os.replace(backup, target)
            raise
        shutil.rmtree(backup)
        return "updated"
    os.replace(stage, target)
    return "new"


# --------------------------------------------------------------------------------------------
# entry points
# --------------------------------------------------------------------------------------------

def collect_zip(course: Path, lab: Lab, zip_path: Path, *, max_total_bytes: int = MAX_TOTAL_BYTES,
                max_members: int = MAX_MEMBERS) -> CollectReport:
    """Import an LMS bulk-download zip into ``course/submitted/<student>/<lab>/``.

    Raises :class:`CollectError` (and writes nothing) when the zip cannot be read safely as a
    whole: not a zip, corrupt, over the size or member caps. Per-student trouble is reported in
    the returned :class:`CollectReport` instead.
    """
    course = Path(course).resolve()
    zip_path = Path(zip_path)
    if not (course / "nbgrader_config.py").exists():
        raise CollectError(f"{course} is not an nnlab course (no nbgrader_config.py). "
                           f"Create one with: nnlab course create {course}")
    if not zip_path.is_file():
        raise CollectError(f"{zip_path} does not exist or is not a file")
    report = CollectReport(lab=lab.name, zip=zip_path.name)
    budget = _Budget(max_total_bytes, max_members)
    try:
        with zipfile.ZipFile(zip_path) as zf:
            members = _read_zip(zf, budget, "", report.refused, report)
    except _TooBig as exc:
        raise CollectError(f"refusing {zip_path.name}: {exc}. Nothing was written.") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
            NotImplementedError, RuntimeError) as exc:
        raise CollectError(f"{zip_path.name} is not a readable zip file ({exc}). "
                           f"Nothing was written; download it again.") from None

    stubs = _stub_files(_stub_package(course, lab))
    mapping = read_mapping(course)
    entries = _split_entries(members, report)
    candidates = []          # (StudentResult, (time, order), files, entry)
    for entry, (student, note) in zip(entries, _student_ids(entries, mapping)):
        problems: list = [note] if note else []
        result = StudentResult(student=student, source=entry.source, problems=problems,
                               lms=entry.lms, lms_user_id=entry.lms_user_id)
        report.students.append(result)
        if not result.student:
            problems.append(f"cannot derive a student id from {entry.raw_id!r}: skipped")
            continue
        try:
            files = _expand_nested_zips(entry, budget, report, problems)
        except _TooBig as exc:      # pragma: no cover - nested budgets are handled inside
            problems.append(str(exc))
            continue
        assembled = _assemble(entry, files, lab, stubs, problems)
        if assembled is None:
            problems.append("nothing usable in this submission: skipped")
            continue
        assembled[("timestamp.txt",)], result.time_known = _timestamp(course, student, lab,
                                                                      entry, problems)
        assembled[("submission_secret.txt",)] = _secret(course, student, lab)
        newest = max((m.date_time for m in entry.files), default=(0,))
        candidates.append((result, (newest, entry.order), assembled, entry))

    # Two folders (no LMS ids) that sanitise to one id: keep the later submission, and say so.
    by_id: dict[str, list] = {}
    for cand in candidates:
        by_id.setdefault(cand[0].student, []).append(cand)
    winners = []
    for student, group in by_id.items():
        group.sort(key=lambda c: c[1])
        winner = group[-1]
        if len(group) > 1:
            sources = ", ".join(c[0].source for c in group)
            winner[0].problems.append(f"{len(group)} submissions map to the id {student} "
                                      f"({sources}): kept the later one, {winner[0].source}")
            for loser in group[:-1]:
                loser[0].problems.append(f"{len(group)} submissions map to the id {student}: "
                                         f"kept the later one, {winner[0].source}; this one "
                                         f"was NOT collected")
                loser[0].status = "problem"
        winners.append(winner)

    if not winners:
        return report
    _recover_stale_staging(course)
    (course / STAGING_DIR).mkdir(exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="run-", dir=course / STAGING_DIR))
    try:
        for result, _, files, _ in winners:
            result.files = len(files)
            result.status = _install(course, staging, result.student, lab, files)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        try:
            (course / STAGING_DIR).rmdir()
        except OSError:
            pass
    _remember_lms_users(course, mapping, [(r.student, e) for r, _, _, e in winners if e.lms])
    return report


# --------------------------------------------------------------------------------------------
# LMS ids and submission times
# --------------------------------------------------------------------------------------------

def _student_ids(entries: list[_Entry], mapping: dict) -> list[tuple[str, str]]:
    """The course's student id of each entry, and a note for the TA when it is not simply the
    sanitised name ("" otherwise; id "" when none can be derived).

    An LMS user collected before keeps the id they got then (``nnlab_lms_students.csv``). A new
    LMS user gets the sanitised name, unless another LMS user has it already (in the course or
    in this zip): then ``<name>_<LMS user id>``. Two LMS users are never merged into one.
    """
    bases = [sanitise_student_id(e.raw_id) for e in entries]
    owners = {m.student_id: (m.lms, m.lms_user_id) for m in mapping.values()}
    new_users: dict[str, set] = {}
    for entry, base in zip(entries, bases):
        if entry.lms and base and student_of(mapping, entry.lms, entry.lms_user_id) is None:
            new_users.setdefault(base, set()).add((entry.lms, entry.lms_user_id))
    ids = []
    for entry, base in zip(entries, bases):
        known = student_of(mapping, entry.lms, entry.lms_user_id) if entry.lms else None
        if not base or not entry.lms or known:
            ids.append((known or base, ""))
            continue
        user = (entry.lms, entry.lms_user_id)
        if owners.get(base, user) != user or len(new_users[base]) > 1:
            student = sanitise_student_id(f"{base}_{entry.lms_user_id}")
            ids.append((student, f"another {entry.lms} user has the name {entry.raw_id!r}: "
                                 f"collected as {student} ({entry.lms} user {entry.lms_user_id})"))
        else:
            ids.append((base, ""))
    return ids


def _timestamp(course: Path, student: str, lab: Lab, entry: _Entry,
               problems: list) -> tuple[bytes, bool]:
    """``timestamp.txt`` in nbgrader's format (``nbgrader release_feedback`` and its late
    policy read it), and whether the zip gave the time: when the zip says the files were made
    (taken as UTC), else the time of this import — kept from an earlier import, so a
    re-collect leaves it unchanged."""
    newest = max((m.date_time for m in entry.files), default=None)
    if newest and newest[0] > 1980:
        stamp = format_timestamp(datetime(*newest, tzinfo=timezone.utc))
        known = f"submitted {stamp}"
    else:
        previous = course / "submitted" / student / lab.name / "timestamp.txt"
        stamp = (previous.read_text().strip() if previous.is_file()
                 else format_timestamp(datetime.now(timezone.utc)))
        known = f"no submission time in the zip; timestamp.txt holds the import time {stamp}"
    if entry.late:
        problems.append(f"submitted late (the LMS marks it LATE; {known})")
    return stamp.encode(), bool(newest and newest[0] > 1980)


def _secret(course: Path, student: str, lab: Lab) -> bytes:
    """``submission_secret.txt`` as ``nbgrader submit`` writes it (``release_feedback`` files
    the feedback under it); kept from an earlier import of the same student."""
    previous = course / "submitted" / student / lab.name / "submission_secret.txt"
    return previous.read_bytes() if previous.is_file() else new_submission_secret().encode()


def _remember_lms_users(course: Path, mapping: dict, collected: list[tuple[str, _Entry]]) -> None:
    """Record each collected LMS user: in ``nnlab_lms_students.csv`` (what staff filled in is
    kept) and, once the course has a gradebook, as nbgrader's ``Student.lms_user_id``."""
    changed = False
    for student, entry in collected:
        old = mapping.get(student)
        if old is None or (old.lms, old.lms_user_id) != (entry.lms, entry.lms_user_id):
            mapping[student] = LmsStudent(student, entry.lms, entry.lms_user_id, entry.raw_id)
            changed = True
    if changed:
        write_mapping(course, mapping)
    if collected and (course / "gradebook.db").exists():
        from .course import gradebook
        with gradebook(course) as gb:
            for student, entry in collected:
                gb.update_or_create_student(student, lms_user_id=entry.lms_user_id)


def cli(args) -> int:
    lab = get_lab(args.lab)
    try:
        report = collect_zip(Path(args.course), lab, Path(args.zip))
    except CollectError as exc:
        print(f"nnlab collect: {exc}", file=sys.stderr)
        return 2
    print(report.to_text())
    return 0
