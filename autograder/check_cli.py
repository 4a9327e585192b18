"""``nnlab check LAB``: run a lab's open checks on your own nnlab package, in this process.

    nnlab check 01_layers                          # the installed nnlab (lib/nnlab)
    nnlab check 01 --package path/to/lab-folder    # a folder holding nnlab/, or nnlab/ itself
    nnlab check 01 --function relu_forward --function relu_backward
    nnlab check 01 --show-reference relu_forward   # print the reference solution (asked for)

Exit status 0 when every check passes, 1 otherwise (2 for a usage problem). These are the open
checks; the grade comes from the hidden checks of the trusted grader (``nnlab grade``).
"""
import importlib
import inspect
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
                         "copy checks.py from lib/nnlab if it is missing") from None
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
    nnlab, checks = _import_student(args.package)
    print(f"Open checks of lab {lab.name} on {Path(nnlab.__file__).parent}\n")
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
