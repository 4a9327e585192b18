"""``nnlab check LAB``: run a lab's open checks on your own nnlab package, in this process.

    nnlab check 01_layers                          # the nnlab/ of the lab folder you are in
    nnlab check 01 --package path/to/lab-folder    # a folder holding nnlab/, or nnlab/ itself
    nnlab check 01 --function relu_forward --function relu_backward
    nnlab check 01 --show-reference relu_forward   # print the reference solution (asked for)

Exit status 0 when every check passes, 1 otherwise (2 for a usage problem). These are the open
checks; the grade comes from the hidden checks of the trusted grader (``nnlab grade``).

Which package is checked, without ``--package``: the ``nnlab/`` package in the current directory,
or else in the nearest parent folder that is a lab folder (one holding ``nnlab/`` and a notebook),
so running it anywhere inside a released lab folder checks the code next to the notebook. Only
where there is none does it check the installed ``nnlab`` (in this repository, ``lib/nnlab``).
The first line of the output names the package checked and why.
"""
import importlib
import inspect
import os
import sys
from pathlib import Path

from .labs import get_lab


def _package_root(package):
    """The folder to put on sys.path so that ``import nnlab`` finds the student's package."""
    p = Path(package).expanduser().resolve()
    if (p / "nnlab" / "__init__.py").is_file():
        return p
    if p.name == "nnlab" and (p / "__init__.py").is_file():
        return p.parent
    raise SystemExit(f"nnlab check: no nnlab package in {p} (expected {p / 'nnlab'} "
                     "or a folder named nnlab holding __init__.py)")


def _is_package(folder: Path) -> bool:
    return (folder / "nnlab" / "__init__.py").is_file()


def find_lab_folder(start=None):
    """The folder whose ``nnlab/`` a bare ``nnlab check`` checks, or None for the installed one.

    That is ``start`` (default: the current directory) when it holds an ``nnlab/`` package, else
    the nearest parent that holds one and is a lab folder: it holds a notebook (``*.ipynb``), or
    ``start`` lies inside its ``nnlab/``.
    """
    start = Path(start or os.getcwd()).resolve()
    for folder in [start, *start.parents]:
        if not _is_package(folder):
            continue
        if (folder == start or start.is_relative_to(folder / "nnlab")
                or any(folder.glob("*.ipynb"))):
            return folder
    return None


def _import_student(package):
    if package is not None:
        root = _package_root(package)
        for name in [m for m in sys.modules if m == "nnlab" or m.startswith("nnlab.")]:
            del sys.modules[name]
        sys.path.insert(0, str(root))
    try:
        nnlab = importlib.import_module("nnlab")
        checks = importlib.import_module("nnlab.checks")
    except ModuleNotFoundError as exc:
        raise SystemExit(f"nnlab check: cannot import {exc.name} from your package; "
                         "copy checks.py from a fresh copy of the lab if it is missing") from None
    except Exception as exc:  # noqa: BLE001 — a syntax error in the student's package
        where, text = "", str(exc)
        if isinstance(exc, SyntaxError) and exc.filename:
            where, text = f" ({Path(exc.filename).name}, line {exc.lineno})", exc.msg
        raise SystemExit(f"nnlab check: your nnlab package does not import{where}: "
                         f"{type(exc).__name__}: {text}") from None
    return nnlab, checks


def show_reference(lab, function) -> int:
    try:
        graded = lab.function(function)
    except KeyError as exc:
        print(f"nnlab check: {exc.args[0]}", file=sys.stderr)
        return 2
    from .reference import load_reference

    ref = load_reference()
    module = importlib.import_module(f"{ref.__name__}.{graded.module}")
    fn = getattr(module, function)
    where = f"solutions/nnlab/{graded.module}.py"
    print(f"# Reference solution of {function} ({where}), shown because you asked for it:\n")
    print(inspect.getsource(fn))
    return 0


def cli(args) -> int:
    lab = get_lab(args.lab)
    if getattr(args, "show_reference", None):
        return show_reference(lab, args.show_reference)
    functions = args.function or None
    if functions:
        unknown = [f for f in functions if f not in {g.name for g in lab.functions}]
        if unknown:
            print(f"nnlab check: not graded in lab {lab.name}: {', '.join(unknown)}",
                  file=sys.stderr)
            return 2
    package, why = args.package, "the package you named with --package"
    if package is None:
        folder = find_lab_folder()
        if folder is not None:
            package, why = folder, "the nnlab/ of your lab folder; --package checks another"
        else:
            why = (f"the installed nnlab: no nnlab/ package in {Path.cwd()} or in a lab folder "
                   "above it; --package checks another")
    nnlab, checks = _import_student(package)
    print(f"Open checks of lab {lab.name} on {Path(nnlab.__file__).parent}\n  ({why})\n")
    table = checks.check_lab(lab.name, functions=functions)
    print(str(table).rsplit("\n", 1)[0])
    points = {g.name: g.points for g in lab.functions}
    passed = table.functions_passed()
    total = sum(points[r.function] for r in table.results)
    got = sum(points[f] for f in passed)
    print(f"\n{table.n_checks_passed} of {table.n_checks} checks pass "
          f"({len(passed)} of {len(table.results)} functions, worth {got:g} of {total:g} points "
          "if the hidden checks agree).")
    return 0 if table.passed else 1
