"""What a grade was decided with: the versions, the lock file and the grader's fingerprint.

A course must be able to reproduce and defend a grade. numpy decides some of them (an API it
removed makes a student's function raise), the hidden checks and the reference decide all of
them. Every grade report records:

- ``python``, ``numpy``, ``nbgrader``, ``nnlab``: the versions in the grading process;
- ``lock``: the hash of ``requirements/lock.txt``, the pinned grading environment, and
  ``lock_matches``: whether every installed package it pins has the pinned version
  (``lock_differences`` lists those that do not);
- ``grader``: :func:`autograder.course.grader_fingerprint`, a hash of the hidden checks, the
  grader and the reference.

Two reports with the same ``lock``, ``lock_matches: true`` and ``grader`` were graded alike.
"""
from __future__ import annotations

import functools
import hashlib
import platform
import re
from importlib import metadata

from . import REPO_ROOT

LOCK_FILE = REPO_ROOT / "requirements" / "lock.txt"

_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;#]+)")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def lock_pins(path=LOCK_FILE) -> dict[str, str]:
    """``{canonical name: version}`` of the ``name==version`` lines of a lock file."""
    pins = {}
    for line in path.read_text().splitlines():
        m = _PIN.match(line)
        if m:
            pins[_canonical(m.group(1))] = m.group(2)
    return pins


def lock_differences(path=LOCK_FILE) -> list[str]:
    """Installed packages whose version is not the one the lock pins ("numpy 2.4.5, lock 2.4.6").

    Packages the lock pins but that are not installed (the test extras, in an environment
    installed without them) are no difference: they cannot take part in grading.
    """
    installed = {}
    for dist in metadata.distributions():      # in sys.path order: the first one is imported
        name = dist.metadata["Name"]
        if name:   # later ones (setuptools/_vendor/packaging-*.dist-info, once setuptools is
            installed.setdefault(_canonical(name), dist.version)   # imported) are never used
    out = []
    for name, pinned in sorted(lock_pins(path).items()):
        have = installed.get(name)
        if have is not None and have.split("+")[0] != pinned.split("+")[0]:
            out.append(f"{name} {have}, lock {pinned}")
    return out


def grading_environment() -> dict:
    """The environment this process grades with (a fresh dict; computed once per process)."""
    env = _environment()
    return {**env, "lock_differences": list(env["lock_differences"])}


@functools.lru_cache(maxsize=None)
def _environment() -> dict:
    import numpy as np
    from .course import grader_fingerprint

    env = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "nbgrader": _version("nbgrader"),
        "nnlab": _version("nnlab"),
        "lock": None,
        "lock_matches": None,
        "lock_differences": [],
        "grader": grader_fingerprint(),
    }
    if LOCK_FILE.is_file():
        env["lock"] = "sha256:" + hashlib.sha256(LOCK_FILE.read_bytes()).hexdigest()[:16]
        env["lock_differences"] = lock_differences()
        env["lock_matches"] = not env["lock_differences"]
    return env


def describe(env: dict) -> str:
    """One line for a report: ``Graded with python 3.11.7, numpy 2.4.6, ...``."""
    if env.get("lock") is None:
        lock = "no lock file (requirements/lock.txt) found"
    elif env.get("lock_matches"):
        lock = f"lock {env['lock']} (the environment matches it)"
    else:
        diffs = env.get("lock_differences") or []
        lock = (f"lock {env['lock']}, but {len(diffs)} package(s) differ from it: "
                + ", ".join(diffs[:3]) + (", ..." if len(diffs) > 3 else ""))
    return (f"Graded with python {env.get('python')}, numpy {env.get('numpy')}, "
            f"nbgrader {env.get('nbgrader')}, nnlab {env.get('nnlab')}; {lock}; "
            f"grader {env.get('grader')}")
