"""The two ways to install nnlab (pip, conda) must ask for the same things."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _name_and_spec(requirement: str) -> tuple[str, str]:
    m = re.match(r"\s*([A-Za-z0-9_.-]+)\s*(.*)", requirement)
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(_name_and_spec(r) for r in project["dependencies"])
    wanted.update(_name_and_spec(r) for r in project["optional-dependencies"]["test"])

    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    have = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            have.update(_name_and_spec(r.replace("==", "==")) for r in dep["pip"])
        else:
            name, spec = _name_and_spec(dep.replace("=", "==", 1) if re.match(r"^[\w.-]+=[^=]", dep) else dep)
            have[name] = spec
    have.pop("python"), have.pop("pip")
    assert have == wanted


def test_console_script_points_at_cli():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"] == {"nnlab": "autograder.cli:main"}


def test_readme_has_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    assert "\nmake demo\n" in readme and "\nmake test\n" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make --no-print-directory demo" in ci and "make --no-print-directory test" in ci


# ------------------------------------------------------------------ runtime dependencies
# `make demo` runs in an environment WITHOUT the test extras: every third-party module that nnlab
# or the autograder imports at run time must be a runtime dependency. (It once was not: grade.py
# imported pytest, which only the test extras installed, and the demo failed on a fresh clone.)

#: Code that runs outside the test suite: the student package, the reference (the grader loads
#: it), the autograder (hidden checks and sandbox included), and the public catalogues the demo
#: builds its sample class from.
RUNTIME_CODE = ["lib/nnlab", "solutions/nnlab", "autograder", "tests/catalogue", "tests/hostile"]
LOCAL_TOP_LEVEL = {"nnlab", "autograder", "nnlab_reference", "catalogue", "hostile"}


def _canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _imports(path):
    """Top-level names of the absolute imports in a file, lazy (in-function) ones included."""
    import ast
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def undeclared_imports(files, dependencies):
    """``{import name: reason}`` for each third-party import not covered by ``dependencies``."""
    import sys
    from importlib.metadata import packages_distributions
    import_to_dists = packages_distributions()
    declared = {_name_and_spec(r)[0] for r in dependencies}
    problems = {}
    for path in files:
        siblings = {p.stem for p in path.parent.glob("*.py")}
        for name in _imports(path) - siblings - LOCAL_TOP_LEVEL:
            if name in sys.stdlib_module_names or name == "__future__":
                continue
            dists = {_canonical(d) for d in import_to_dists.get(name, [])}
            if not dists:
                problems[name] = f"imported by {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} but not installed"
            elif not dists & declared:
                problems[name] = (f"imported by {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}; "
                                  f"its distribution {sorted(dists)} is not a runtime dependency")
    return problems


def _runtime_files():
    return sorted(p for root in RUNTIME_CODE for p in (ROOT / root).rglob("*.py")
                  if "__pycache__" not in p.parts)


def test_every_runtime_import_is_a_runtime_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    files = _runtime_files()
    assert len(files) > 30 and any(p.name == "grade.py" for p in files)
    assert undeclared_imports(files, project["dependencies"]) == {}


def test_the_import_audit_catches_a_test_only_dependency(tmp_path):
    """The audit is not vacuous: pytest imported lazily, with pytest only in the test extras."""
    module = tmp_path / "grader.py"
    module.write_text("import os\nimport numpy as np\n\ndef run():\n    import pytest\n"
                      "    from yaml import safe_load\n")
    problems = undeclared_imports([module], ["numpy>=1.26"])
    assert set(problems) == {"pytest", "yaml"}
    assert "'pyyaml'" in problems["yaml"] and "not a runtime dependency" in problems["yaml"]
    assert undeclared_imports([module], ["numpy", "pytest>=8", "PyYAML>=6"]) == {}


# ------------------------------------------------------------------ the pinned environment

LOCK = ROOT / "requirements" / "lock.txt"


def _lock_pins():
    pins = {}
    for line in LOCK.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][0-9A-Za-z.+!-]*)", line.strip())
            assert m, f"requirements/lock.txt: not an exact pin: {line!r}"
            pins[_canonical(m.group(1))] = m.group(2)
    return pins


def test_lock_pins_every_dependency_within_pyprojects_ranges():
    from packaging.requirements import Requirement
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = _lock_pins()
    assert len(pins) > 50   # read off a real venv: the whole dependency tree, not the top level
    for requirement in project["dependencies"] + project["optional-dependencies"]["test"]:
        req = Requirement(requirement)
        name = _canonical(req.name)
        assert name in pins, f"{req.name} is a dependency but requirements/lock.txt does not pin it"
        assert req.specifier.contains(pins[name], prereleases=True), (req, pins[name])
    assert pins["torch"] == "2.13.0"   # the CPU wheel on disk; any other version downloads GBs
    assert "playwright" in pins        # the browser test


def test_both_readme_paths_and_ci_install_from_the_lock():
    makefile = (ROOT / "Makefile").read_text()
    assert "LOCK   := requirements/lock.txt" in makefile
    assert "PIP    := $(PY) -m pip install --quiet --constraint $(LOCK)" in makefile
    assert "\t$(PIP) -e .\n" in makefile and "\t$(PIP) -e \".[test]\"\n" in makefile
    recipes = "\n".join(l for l in makefile.splitlines() if not l.startswith("#"))
    assert "pip install" not in recipes.replace("pip install --quiet --constraint", "")
    assert "playwright install" not in recipes and "apt-get install -y -qq chromium" in recipes
    ci = (ROOT / ".ci" / "run").read_text()
    demo = ci.index("make --no-print-directory demo VENV=")
    test = ci.index("make --no-print-directory test VENV=")
    assert demo < test                 # the tests last: the output ends with pytest's summary
    assert 'VENV="$work/demo-venv"' in ci and 'VENV="$work/test-venv"' in ci   # two fresh venvs
    readme = (ROOT / "README.md").read_text()
    assert "requirements/lock.txt" in readme


def test_this_environment_is_the_pinned_one():
    """The tests run in an environment installed from the lock (make test): every installed
    package the lock pins has the pinned version, so the grades the tests see are the course's."""
    from autograder.provenance import lock_differences
    assert lock_differences() == []


def test_vendored_copies_are_not_the_installed_versions():
    """setuptools puts its _vendor folder (an older packaging, platformdirs...) on sys.path when
    imported; the version a report records is the one Python imports: the first on sys.path."""
    import sys

    import setuptools  # noqa: F401
    from autograder.provenance import lock_differences
    assert any(p.endswith("_vendor") for p in sys.path)
    assert lock_differences() == []
