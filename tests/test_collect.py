"""`nnlab collect`: LMS bulk-download zips -> submitted/<student>/<lab>/, safely."""
import io
import json
import os
import re
import stat
import zipfile
from pathlib import Path

import pytest

from autograder import collect as collect_mod
from autograder.cli import main
from autograder.collect import CollectError, collect_zip, sanitise_student_id
from autograder.course import NNLAB_PACKAGE, create_course
from autograder.lms_ids import read_mapping
from autograder.labs import get_lab

LAB = get_lab("01_layers")
MODULES = sorted(p.name for p in NNLAB_PACKAGE.glob("*.py"))


def nb(tag: str) -> bytes:
    return json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": tag}],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def module(name: str, tag: str) -> bytes:
    return f"# {name} by {tag}\n".encode()


def full_package(prefix: str, tag: str) -> list:
    return [(f"{prefix}{m}", module(m, tag)) for m in MODULES]


def make_zip(path: Path, members, when=(2026, 3, 1, 12, 0, 0)) -> Path:
    """members: (name, bytes) or (ZipInfo, bytes) pairs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            info = name if isinstance(name, zipfile.ZipInfo) else zipfile.ZipInfo(name, when)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


def zip_bytes(members) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return buf.getvalue()


def tree(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def outside_course(tmp_path: Path) -> set:
    """Every file under tmp_path that is not in the course, and not a zip the test wrote."""
    return {p for p in tmp_path.rglob("*")
            if p.is_file() and "course" not in p.relative_to(tmp_path).parts[:1]
            and p.suffix != ".zip"}


@pytest.fixture
def course(tmp_path):
    return create_course(tmp_path / "course")


def submitted(course: Path, student: str) -> Path:
    return course / "submitted" / student / LAB.name


# --------------------------------------------------------------------------------------------
# layouts
# --------------------------------------------------------------------------------------------

def test_canvas_flat_nested_zip_and_late(course, tmp_path):
    pkg_zip = zip_bytes(full_package("nnlab/", "doe"))
    flat_zip = zip_bytes([(m, module(m, "kim")) for m in MODULES if m != "plots.py"])
    z = make_zip(tmp_path / "canvas.zip", [
        # flat package, one module re-uploaded (Canvas adds -1), losses.py missing
        ("smithjane_12345_67890_01_layers.ipynb", nb("jane")),
        ("smithjane_12345_67891_layers.py", module("layers", "jane")),
        ("smithjane_12345_67892_activations-1.py", module("activations", "jane")),
        ("smithjane_12345_67893___init__.py", module("__init__", "jane")),
        ("smithjane_12345_67894_notes.pdf", b"%PDF"),
        # nested zip holding nnlab/
        ("doejohn_23456_67900_01_layers.ipynb", nb("doe")),
        ("doejohn_23456_67901_nnlab.zip", pkg_zip),
        # late, nested zip holding the modules flat
        ("kimlee_LATE_34567_67910_01_layers-2.ipynb", nb("kim")),
        ("kimlee_LATE_34567_67911_my package.zip", flat_zip),
        ("readme.txt", b"not a submission"),
    ], when=(2026, 3, 2, 9, 30, 0))
    before = outside_course(tmp_path)
    report = collect_zip(course, LAB, z)

    jane = submitted(course, "smithjane")
    assert (jane / "01_layers.ipynb").read_bytes() == nb("jane")
    assert (jane / "nnlab" / "layers.py").read_bytes() == module("layers", "jane")
    assert (jane / "nnlab" / "activations.py").read_bytes() == module("activations", "jane")
    assert (jane / "nnlab" / "losses.py").read_bytes() == (NNLAB_PACKAGE / "losses.py").read_bytes()
    assert (jane / "nnlab" / "open_expected" / "lab01.json").exists()
    assert not (jane / "notes.pdf").exists()
    # every submission gets nbgrader's timestamp.txt (release_feedback needs it)
    assert (jane / "timestamp.txt").read_text() == "2026-03-02 09:30:00.000000 UTC"
    r = report.by_student("smithjane")
    assert r.status == "new" and r.source == "smithjane_12345_*"
    assert (r.lms, r.lms_user_id) == ("canvas", "12345")
    assert "nnlab/losses.py missing — filled from the released stub" in r.problems
    assert "nnlab/layers.py missing — filled from the released stub" not in r.problems

    doe = submitted(course, "doejohn")
    expected_values = {f"open_expected/{p.name}": p.read_bytes()      # filled from the release
                       for p in (NNLAB_PACKAGE / "open_expected").glob("*.json")}
    assert tree(doe / "nnlab") == {**{m: module(m, "doe") for m in MODULES}, **expected_values}
    assert report.by_student("doejohn").problems == []

    kim = submitted(course, "kimlee")
    assert (kim / "01_layers.ipynb").read_bytes() == nb("kim")
    assert (kim / "nnlab" / "layers.py").read_bytes() == module("layers.py", "kim")
    assert (kim / "nnlab" / "plots.py").read_bytes() == (NNLAB_PACKAGE / "plots.py").read_bytes()
    assert (kim / "timestamp.txt").read_text() == "2026-03-02 09:30:00.000000 UTC"
    kr = report.by_student("kimlee")
    assert any("late" in p for p in kr.problems)
    assert "nnlab/plots.py missing — filled from the released stub" in kr.problems

    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["doejohn", "kimlee", "smithjane"]
    assert any("readme.txt" in i for i in report.ignored)
    assert outside_course(tmp_path) == before
    assert not (course / collect_mod.STAGING_DIR).exists()
    text = report.to_text()
    assert "smithjane" in text and "3 new" in text
    # real problems (kim is late) come before the summary of files filled from the stubs
    assert text.index("submitted late") < text.index("Filled from the released stub")
    assert "nnlab/losses.py: 1 — smithjane" in text
    assert text.count("filled from the released stub") == 0   # summarised, not one line each
    lms = {s: (m.lms, m.lms_user_id) for s, m in read_mapping(course).items()}
    assert lms == {"smithjane": ("canvas", "12345"), "doejohn": ("canvas", "23456"),
                   "kimlee": ("canvas", "34567")}


def test_moodle_folders_with_spaces_and_accents(course, tmp_path):
    z = make_zip(tmp_path / "moodle.zip", [
        ("José Núñez_77_assignsubmission_file_/01_layers.ipynb", nb("jose")),
        ("José Núñez_77_assignsubmission_file_/nnlab.zip", zip_bytes(full_package("nnlab/", "jose"))),
        ("José Núñez_77_assignsubmission_onlinetext_/onlinetext.html", b"<p>hi</p>"),
        ("Jane Smith_12345_assignsubmission_file_/Lab01/01_layers.ipynb", nb("jane")),
        *full_package("Jane Smith_12345_assignsubmission_file_/Lab01/nnlab/", "jane"),
        ("Jane Smith_12345_assignsubmission_file_/Lab01/.ipynb_checkpoints/01_layers-checkpoint.ipynb", b"{}"),
        ("Ørjan Åse_88_assignsubmission_onlinetext_/onlinetext.html", b"only text"),
    ])
    report = collect_zip(course, LAB, z)
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["jane_smith", "jose_nunez"]
    assert (submitted(course, "jose_nunez") / "nnlab" / "losses.py").read_bytes() == module("losses.py", "jose")
    assert (submitted(course, "jane_smith") / "01_layers.ipynb").read_bytes() == nb("jane")
    assert not any(".ipynb_checkpoints" in k for k in tree(submitted(course, "jane_smith")))
    r = report.by_student("jose_nunez")
    assert r.status == "new" and r.problems == []
    assert r.source == "José Núñez_77_assignsubmission_file_/"
    assert report.skipped_junk == 1


def test_plain_folders_with_wrapper_and_junk(course, tmp_path):
    z = make_zip(tmp_path / "plain.zip", [
        ("alice/01_layers/01_layers.ipynb", nb("alice")),
        *full_package("alice/01_layers/nnlab/", "alice"),
        ("alice/01_layers/nnlab/__pycache__/layers.cpython-311.pyc", b"\0"),
        ("__MACOSX/alice/01_layers/._01_layers.ipynb", b"\0"),
        ("bob/Lab01 final/01_layers.ipynb", nb("bob")),
        *full_package("bob/Lab01 final/nnlab/", "bob"),
        ("bob/Lab01 final/.DS_Store", b"\0"),
        ("Carol O'Neil/01_layers.ipynb", b"{ this is not json"),
        *[(n, d) for n, d in full_package("Carol O'Neil/nnlab/", "carol") if "losses" not in n],
        ("dave/report.pdf", b"%PDF"),
    ])
    report = collect_zip(course, LAB, z)
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["alice", "bob", "carol_oneil"]
    for who in ("alice", "bob"):
        got = tree(submitted(course, who))
        assert got["01_layers.ipynb"] == nb(who)
        assert got["nnlab/layers.py"] == module("layers.py", who)
        assert not any("pycache" in k or "DS_Store" in k or "MACOSX" in k for k in got)
        assert report.by_student(who).problems == []
    carol = report.by_student("carol_oneil")
    assert carol.status == "new"
    assert any("not valid JSON" in p for p in carol.problems)
    assert "nnlab/losses.py missing — filled from the released stub" in carol.problems
    assert (submitted(course, "carol_oneil") / "01_layers.ipynb").read_bytes() == b"{ this is not json"
    dave = report.by_student("dave")
    assert dave.status == "problem"
    assert "no notebook found" in dave.problems and "no nnlab/ package found" in dave.problems
    assert report.skipped_junk == 3


def test_idempotent_and_updates_only_what_changed(course, tmp_path):
    members = [("alice/01_layers.ipynb", nb("alice")), *full_package("alice/nnlab/", "alice"),
               ("bob/01_layers.ipynb", nb("bob")), *full_package("bob/nnlab/", "bob")]
    z = make_zip(tmp_path / "a.zip", members)
    assert {s.status for s in collect_zip(course, LAB, z).students} == {"new"}
    mtime = (submitted(course, "alice") / "nnlab" / "layers.py").stat().st_mtime_ns
    again = collect_zip(course, LAB, z)
    assert [s.status for s in again.students] == ["unchanged", "unchanged"]
    assert (submitted(course, "alice") / "nnlab" / "layers.py").stat().st_mtime_ns == mtime

    members[1] = ("alice/nnlab/" + MODULES[0], b"# changed\n")
    z2 = make_zip(tmp_path / "b.zip", members)
    third = collect_zip(course, LAB, z2)
    assert third.by_student("alice").status == "updated"
    assert third.by_student("bob").status == "unchanged"
    assert (submitted(course, "alice") / "nnlab" / MODULES[0]).read_bytes() == b"# changed\n"
    assert not list((course / "submitted" / "alice").glob(".*"))


def test_id_collisions_keep_the_later_submission(course, tmp_path):
    """Two plain folders (no LMS ids) that sanitise to one id: the later one is kept, loudly."""
    early, late = (2026, 3, 1, 10, 0, 0), (2026, 3, 1, 11, 0, 0)
    members = []
    for folder, when, tag in (("Jane Smith", late, "later"), ("jane  SMITH", early, "earlier")):
        for name, data in [("01_layers.ipynb", nb(tag)), *full_package("nnlab/", tag)]:
            members.append((zipfile.ZipInfo(f"{folder}/{name}", when), data))
    report = collect_zip(course, LAB, make_zip(tmp_path / "c.zip", members))
    assert (submitted(course, "jane_smith") / "01_layers.ipynb").read_bytes() == nb("later")
    statuses = sorted((s.source, s.status) for s in report.students)
    assert statuses == [("Jane Smith/", "new"), ("jane  SMITH/", "problem")]
    loser = [s for s in report.students if s.status == "problem"][0]
    assert any("map to the id jane_smith" in p and "NOT collected" in p for p in loser.problems)
    winner = report.by_student("jane_smith")
    assert any("kept the later one" in p for p in winner.problems)
    assert "map to the id jane_smith" in report.to_text()


def test_sanitise_student_id():
    assert sanitise_student_id("José Núñez") == "jose_nunez"
    assert sanitise_student_id("Ørjan  Åse") == "rjan_ase"       # Ø has no ASCII decomposition
    assert sanitise_student_id("SmithJane") == "smithjane"
    assert sanitise_student_id("..") == "" and sanitise_student_id("日本") == ""
    assert sanitise_student_id("a.b-c_d") == "a.b-c_d"


# --------------------------------------------------------------------------------------------
# hostile zips
# --------------------------------------------------------------------------------------------

def test_zip_slip_absolute_paths_and_symlinks_are_refused(course, tmp_path):
    link = zipfile.ZipInfo("alice/nnlab/link.py")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    z = make_zip(tmp_path / "zips" / "hostile.zip", [
        ("../../evil.py", b"print('pwned')"),
        ("alice/../../evil2.py", b"print('pwned')"),
        ("/tmp/evil_abs.py", b"print('pwned')"),
        ("C:\\evil_drive.py", b"print('pwned')"),
        (link, b"/etc/passwd"),
        ("alice/01_layers.ipynb", nb("alice")),
        *full_package("alice/nnlab/", "alice"),
    ])
    before = outside_course(tmp_path)
    report = collect_zip(course, LAB, z)
    assert len(report.refused) == 5
    reasons = "\n".join(report.refused)
    assert "escapes" in reasons and "absolute" in reasons and "symbolic link" in reasons
    assert not list(tmp_path.rglob("evil*")) and not Path("/tmp/evil_abs.py").exists()
    assert outside_course(tmp_path) == before
    alice = tree(submitted(course, "alice"))
    assert "nnlab/link.py" not in alice and alice["01_layers.ipynb"] == nb("alice")
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["alice"]
    assert "Refused 5 unsafe member(s)" in report.to_text()


@pytest.fixture(scope="module")
def gigabyte_bomb(tmp_path_factory) -> Path:
    """1 GiB of zeros, about 1 MB on disk."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("alice/01_layers.ipynb", nb("alice"))
        with zf.open("alice/nnlab/layers.py", "w", force_zip64=True) as fh:
            chunk = bytes(1 << 24)
            for _ in range(64):
                fh.write(chunk)
    return path


def test_zip_bomb_is_refused_before_anything_is_written(course, gigabyte_bomb):
    before = tree(course)
    with pytest.raises(CollectError, match="zip bomb"):
        collect_zip(course, LAB, gigabyte_bomb)
    assert tree(course) == before and not (course / "submitted").exists()


def test_size_cap_is_enforced_while_decompressing(course, tmp_path, monkeypatch):
    z = make_zip(tmp_path / "big.zip", [("alice/01_layers.ipynb", nb("alice")),
                                        ("alice/nnlab/layers.py", bytes(5 << 20))])
    with pytest.raises(CollectError, match="cap"):
        collect_zip(course, LAB, z, max_total_bytes=1 << 20)
    assert not (course / "submitted").exists()
    # a header that under-declares the size does not get past the cap either
    real_read = collect_mod._read_zip

    def lying(zf, *args):
        for info in zf.infolist():
            info.file_size = 10
        return real_read(zf, *args)

    monkeypatch.setattr(collect_mod, "_read_zip", lying)
    with pytest.raises(CollectError):
        collect_zip(course, LAB, z, max_total_bytes=1 << 20)
    assert not (course / "submitted").exists()


def test_member_count_cap(course, tmp_path):
    z = make_zip(tmp_path / "many.zip", [(f"alice/junk{i}.txt", b"x") for i in range(50)])
    with pytest.raises(CollectError, match="members"):
        collect_zip(course, LAB, z, max_members=20)
    assert not (course / "submitted").exists()


def test_nested_zips_more_than_one_level_deep_are_refused(course, tmp_path):
    innermost = zip_bytes([("nnlab/losses.py", b"# deep\n")])
    inner = zip_bytes([*full_package("nnlab/", "doe"), ("more.zip", innermost)])
    bomb = zip_bytes([("nnlab/layers.py", bytes(3 << 20))])
    z = make_zip(tmp_path / "nested.zip", [
        ("doejohn_1_10_01_layers.ipynb", nb("doe")),
        ("doejohn_1_11_nnlab.zip", inner),
        ("roe_2_20_01_layers.ipynb", nb("roe")),
        ("roe_2_21_nnlab.zip", bomb),
        ("poe_3_30_01_layers.ipynb", nb("poe")),
        ("poe_3_31_nnlab.zip", b"PK\x03\x04 definitely not a zip"),
    ])
    report = collect_zip(course, LAB, z, max_total_bytes=2 << 20)
    doe = report.by_student("doejohn")
    assert doe.status == "new"
    assert any("nested more than one level deep" in p for p in doe.problems)
    assert (submitted(course, "doejohn") / "nnlab" / "losses.py").read_bytes() == module("losses.py", "doe")
    assert not any("more" in k for k in tree(submitted(course, "doejohn")))
    roe = report.by_student("roe")
    assert any("nested zip nnlab.zip refused" in p for p in roe.problems)
    assert "no nnlab/ package found" in roe.problems
    assert not (submitted(course, "roe") / "nnlab").exists()
    poe = report.by_student("poe")
    assert any("corrupt" in p for p in poe.problems)
    assert sum("nested more than one level" in r for r in report.refused) == 1


@pytest.mark.parametrize("content", [b"", b"this is not a zip at all", "truncated", "bad_crc"])
def test_corrupt_zip_is_a_clear_error_and_writes_nothing(course, tmp_path, content):
    path = tmp_path / "broken.zip"
    good = zip_bytes([("alice/01_layers.ipynb", nb("alice")), *full_package("alice/nnlab/", "alice")])
    if content == "truncated":
        content = good[: len(good) // 2]
    elif content == "bad_crc":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
            zf.writestr("alice/01_layers.ipynb", b"A" * 1000)
        data = bytearray(buf.getvalue())
        data[30 + len("alice/01_layers.ipynb") + 500] ^= 0xFF     # inside the stored data
        content = bytes(data)
    path.write_bytes(content)
    before = tree(course)
    with pytest.raises(CollectError, match="Nothing was written"):
        collect_zip(course, LAB, path)
    assert tree(course) == before


def test_an_interrupted_install_leaves_the_old_submission(course, tmp_path, monkeypatch):
    members = [("alice/01_layers.ipynb", nb("v1")), *full_package("alice/nnlab/", "v1")]
    collect_zip(course, LAB, make_zip(tmp_path / "v1.zip", members))
    old = tree(submitted(course, "alice"))
    real_replace = os.replace
    calls = []

    def flaky(src, dst):
        calls.append(dst)
        if len(calls) == 2:                       # the new folder's move into place
            raise KeyboardInterrupt
        return real_replace(src, dst)

    monkeypatch.setattr(collect_mod.os, "replace", flaky)
    members[0] = ("alice/01_layers.ipynb", nb("v2"))
    with pytest.raises(KeyboardInterrupt):
        collect_zip(course, LAB, make_zip(tmp_path / "v2.zip", members))
    monkeypatch.setattr(collect_mod.os, "replace", real_replace)
    assert tree(submitted(course, "alice")) == old
    assert not (course / collect_mod.STAGING_DIR).exists()


def test_cli(course, tmp_path, capsys):
    z = make_zip(tmp_path / "cli.zip", [("alice/01_layers.ipynb", nb("alice")),
                                        *full_package("alice/nnlab/", "alice")])
    assert main(["collect", "01", "--zip", str(z), "--course", str(course)]) == 0
    out = capsys.readouterr().out
    assert "alice" in out and "new" in out and "1 new" in out
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"nope")
    assert main(["collect", "01_layers", "--zip", str(bad), "--course", str(course)]) == 2
    assert "not a readable zip" in capsys.readouterr().err
    with pytest.raises(CollectError, match="not an nnlab course"):
        collect_zip(tmp_path / "nowhere", LAB, z)


# --------------------------------------------------------------------------------------------
# LMS ids: never merge two users, keep their ids
# --------------------------------------------------------------------------------------------

def canvas_submission(login: str, user_id: int, tag: str, late: bool = False) -> list:
    prefix = f"{login}_{'LATE_' if late else ''}{user_id}"
    return [(f"{prefix}_{900 + i}_{name}", data) for i, (name, data) in
            enumerate([("01_layers.ipynb", nb(tag)), *full_package("", tag)])]


def test_two_canvas_users_with_one_name_stay_two_students(course, tmp_path):
    from autograder.course import gradebook
    with gradebook(course):     # a course that has a gradebook: the LMS ids go there too
        pass
    first = collect_zip(course, LAB, make_zip(tmp_path / "a.zip",
                                               canvas_submission("smithjohn", 12345, "john-a")))
    assert first.by_student("smithjohn").status == "new"

    # lab re-collected: a second John Smith appears. The first keeps his id; nothing is merged.
    both = canvas_submission("smithjohn", 12345, "john-a") + canvas_submission("smithjohn", 67890,
                                                                               "john-b")
    report = collect_zip(course, LAB, make_zip(tmp_path / "b.zip", both))
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["smithjohn",
                                                                       "smithjohn_67890"]
    assert (submitted(course, "smithjohn") / "nnlab" / "layers.py").read_bytes() == \
        module("layers.py", "john-a")
    assert (submitted(course, "smithjohn_67890") / "nnlab" / "layers.py").read_bytes() == \
        module("layers.py", "john-b")
    assert report.by_student("smithjohn").status == "unchanged"
    b = report.by_student("smithjohn_67890")
    assert b.status == "new" and any("another canvas user has the name" in p for p in b.problems)
    assert not any("map to the id" in p for s in report.students for p in s.problems)
    mapping = read_mapping(course)
    assert {s: m.lms_user_id for s, m in mapping.items()} == {"smithjohn": "12345",
                                                             "smithjohn_67890": "67890"}
    with gradebook(course) as gb:
        assert gb.find_student("smithjohn_67890").lms_user_id == "67890"
        assert gb.find_student("smithjohn").lms_user_id == "12345"

    # what a TA wrote into the mapping file (SIS ids, section) survives the next collect
    mapping["smithjohn"].section = "Lab section B"
    from autograder.lms_ids import write_mapping
    write_mapping(course, mapping)
    collect_zip(course, LAB, make_zip(tmp_path / "b.zip", both))
    assert read_mapping(course)["smithjohn"].section == "Lab section B"


def test_two_new_users_with_one_name_both_get_their_lms_id(course, tmp_path):
    members = []
    for folder, tag in (("Jane Smith_11_assignsubmission_file_", "a"),
                        ("Jane  SMITH_22_assignsubmission_file_", "b")):
        members += [(f"{folder}/01_layers.ipynb", nb(tag)),
                    *full_package(f"{folder}/nnlab/", tag)]
    report = collect_zip(course, LAB, make_zip(tmp_path / "m.zip", members))
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["jane_smith_11",
                                                                       "jane_smith_22"]
    assert {s.status for s in report.students} == {"new"}
    assert (submitted(course, "jane_smith_22") / "01_layers.ipynb").read_bytes() == nb("b")
    assert read_mapping(course)["jane_smith_11"].lms == "moodle"


def test_exchange_files_timestamp_is_the_import_time_when_the_zip_has_none(course, tmp_path):
    from datetime import datetime, timezone
    from nbgrader.utils import parse_utc
    z = make_zip(tmp_path / "t.zip", canvas_submission("leeann", 555, "ann", late=True),
                 when=(1980, 1, 1, 0, 0, 0))
    before = datetime.now(timezone.utc)
    report = collect_zip(course, LAB, z)
    stamp = (submitted(course, "leeann") / "timestamp.txt").read_text()
    assert before.replace(microsecond=0) <= parse_utc(stamp).replace(tzinfo=timezone.utc) \
        <= datetime.now(timezone.utc)
    assert any("submitted late" in p and "import time" in p
               for p in report.by_student("leeann").problems)
    assert "No submission time in the zip for 1 submission(s)" in report.to_text()
    secret = (submitted(course, "leeann") / "submission_secret.txt").read_text()
    assert re.fullmatch(r"[0-9a-f]{128}", secret)      # as `nbgrader submit` writes it
    again = collect_zip(course, LAB, z)
    assert again.by_student("leeann").status == "unchanged"
    assert (submitted(course, "leeann") / "timestamp.txt").read_text() == stamp
    assert (submitted(course, "leeann") / "submission_secret.txt").read_text() == secret
