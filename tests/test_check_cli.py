"""`nnlab check` checks the package the student is working on: the nnlab/ next to the notebook.

A lab is released with nbgrader (``nnlab`` course layout: release/01_layers/ holds
01_layers.ipynb, nnlab/ and data/), a student writes part of it, and the real console script
``nnlab`` runs with its working directory inside that folder, as the notebook tells students to.
"""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.check_cli import find_lab_folder

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "solutions" / "nnlab"
# the console script students run (not `python -m`, which would put the working directory first
# on sys.path and hide the very bug this file is about)
NNLAB = Path(sys.executable).parent / "nnlab"
if not NNLAB.exists():
    NNLAB = Path(shutil.which("nnlab") or NNLAB)


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A real release of lab 01 (nbgrader generate_assignment through ``nnlab``'s course code)."""
    from autograder.course import create_course, release
    from autograder.labs import get_lab

    course = create_course(tmp_path_factory.mktemp("course") / "course")
    return release(course, get_lab("01_layers"))


@pytest.fixture
def lab_folder(released, tmp_path):
    """The student's copy of the released folder, with affine_forward/backward written."""
    folder = tmp_path / "01_layers"
    shutil.copytree(released, folder)
    shutil.copy(SOLUTIONS / "layers.py", folder / "nnlab" / "layers.py")
    return folder


def nnlab_check(cwd, *args):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NNLAB_GRADING")}
    proc = subprocess.run([str(NNLAB), "check", "01_layers", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    return proc


def checked_package(stdout):
    first = stdout.splitlines()[0]
    assert first.startswith("Open checks of lab 01_layers on "), stdout
    return Path(first.removeprefix("Open checks of lab 01_layers on ").strip())


def counts(stdout):
    passed, total = map(int, re.search(r"(\d+) of (\d+) checks pass \(", stdout).groups())
    return passed, total


AFFINE = ["--function", "affine_forward", "--function", "affine_backward",
          "--function", "relu_forward"]


def test_release_layout(released):
    assert (released / "01_layers.ipynb").is_file()
    assert (released / "nnlab" / "__init__.py").is_file()
    assert not (released / "lib").exists()


def test_inside_the_lab_folder_checks_its_nnlab(lab_folder):
    proc = nnlab_check(lab_folder, *AFFINE)
    assert checked_package(proc.stdout) == (lab_folder / "nnlab").resolve()
    assert "the nnlab/ of your lab folder" in proc.stdout
    # affine_forward (1 check) and affine_backward (3) are written: 4 pass, relu_forward fails
    assert counts(proc.stdout) == (4, 5), proc.stdout
    assert "relu_forward: not written yet — open nnlab/activations.py" in proc.stdout or \
        "relu_forward not written yet — open nnlab/activations.py" in proc.stdout
    assert "lib/nnlab" not in proc.stdout
    assert proc.returncode == 1


@pytest.mark.parametrize("below", ["data", "nnlab"])
def test_from_a_folder_inside_the_lab_folder(lab_folder, below):
    proc = nnlab_check(lab_folder / below, *AFFINE)
    assert checked_package(proc.stdout) == (lab_folder / "nnlab").resolve()
    assert counts(proc.stdout) == (4, 5)


def test_elsewhere_the_installed_package_and_says_so(lab_folder, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = nnlab_check(elsewhere, *AFFINE)
    assert checked_package(proc.stdout) == (REPO / "lib" / "nnlab").resolve()
    assert "the installed nnlab: no nnlab/ package in" in proc.stdout
    assert counts(proc.stdout) == (0, 5)


def test_package_option_wins(lab_folder, tmp_path):
    reference = tmp_path / "reference"
    shutil.copytree(SOLUTIONS, reference / "nnlab", ignore=shutil.ignore_patterns("__pycache__"))
    proc = nnlab_check(lab_folder, "--package", str(reference), *AFFINE)
    assert checked_package(proc.stdout) == (reference / "nnlab").resolve()
    assert "--package" in proc.stdout.splitlines()[1]
    assert counts(proc.stdout) == (5, 5) and proc.returncode == 0


def test_whole_lab_in_the_lab_folder(lab_folder):
    """The figure of the issue: the installed stubs reported 0 where the student had passes."""
    proc = nnlab_check(lab_folder)
    passed, total = counts(proc.stdout)
    assert passed == 4 and total >= 40, proc.stdout


def test_a_broken_file_is_reported(lab_folder):
    # a syntax error in one module costs that module's functions, with the line
    with open(lab_folder / "nnlab" / "layers.py", "a") as f:
        f.write("\ndef broken(:\n")
    proc = nnlab_check(lab_folder, *AFFINE)
    assert "affine_forward raised SyntaxError" in proc.stdout and "(layers.py, line" in proc.stdout
    # one in the package's __init__.py stops the check with one line, not a traceback
    with open(lab_folder / "nnlab" / "__init__.py", "a") as f:
        f.write("\nx = (\n")
    proc = nnlab_check(lab_folder, *AFFINE)
    assert proc.returncode != 0
    assert "your nnlab package does not import (__init__.py, line" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_find_lab_folder(tmp_path):
    lab = tmp_path / "lab"
    (lab / "nnlab").mkdir(parents=True)
    (lab / "nnlab" / "__init__.py").write_text("")
    (lab / "deep" / "er").mkdir(parents=True)
    # a folder with nnlab/ but no notebook is the lab folder only when you stand in it
    assert find_lab_folder(lab) == lab
    assert find_lab_folder(lab / "nnlab") == lab
    assert find_lab_folder(lab / "deep" / "er") is None
    (lab / "01_layers.ipynb").write_text("{}")
    assert find_lab_folder(lab / "deep" / "er") == lab
    # the nearest wins
    inner = lab / "deep" / "inner"
    (inner / "nnlab").mkdir(parents=True)
    (inner / "nnlab" / "__init__.py").write_text("")
    assert find_lab_folder(inner) == inner
    # a folder called nnlab that is not a package (say, a clone of this repository) is skipped
    clone = tmp_path / "home"
    (clone / "nnlab").mkdir(parents=True)
    assert find_lab_folder(clone) is None
