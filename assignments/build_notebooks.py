"""Build the nbgrader SOURCE notebooks from the readable description of each lab.

    python assignments/build_notebooks.py            # write assignments/source/*/*.ipynb
    python assignments/build_notebooks.py --check    # exit 1 when a notebook is out of date

Each lab is described, cell by cell, in its own module ``assignments/notebooks/NN_name.py``
(``NAME`` and ``cells(nb)``), outside ``assignments/source/`` because nbgrader releases every file
there. The notebooks are generated, never edited by hand: the description is what a reviewer
reads, and the points of every grade cell come from ``autograder/labs.py`` (one grade cell
``check_<function>`` per graded function, worth exactly its points there).

The cell helpers a description receives as ``nb``:  md(text)        a markdown cell
        code(src)       an ordinary code cell
        setup(src)      a locked, ungraded code cell (nbgrader read-only)
        lab_setup(src)  the lab's first setup cell: PRELUDE, then ``src`` (its imports)
        grade(name)     the locked autograded cell of one graded function
        answer(id, pts, question)  a manually graded markdown answer cell
"""
import argparse
import sys
import textwrap
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from autograder.generated import write_or_check  # noqa: E402

SOURCE = HERE / "source"


def _clean(text):
    return textwrap.dedent(text).strip("\n")


def md(text):
    return nbformat.v4.new_markdown_cell(_clean(text))


def code(src):
    return nbformat.v4.new_code_cell(_clean(src))


def _nbgrader(cell, grade_id, grade, solution, locked, points=None):
    meta = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id,
            "schema_version": 3}
    if points is not None:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta
    return cell


def setup(src, grade_id="setup"):
    return _nbgrader(code(src), grade_id, grade=False, solution=False, locked=True)


#: What every lab's first cell does before its own imports.
PRELUDE = """\
import os
# The matrices in these labs are small: one BLAS thread is fastest (set before numpy loads).
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")
%load_ext autoreload
%autoreload 2
%matplotlib inline
from nnlab.grading_mode import prepare_kernel
prepare_kernel()   # only while the grader runs this notebook: no reloading, no figures drawn
"""


def lab_setup(src):
    """The first setup cell of a lab: :data:`PRELUDE`, then the lab's own imports ``src``."""
    return setup(PRELUDE + _clean(src))


def grade(lab, name):
    f = lab.function(name)
    return _nbgrader(code(f'check("{name}").raise_if_failed()'), f.grade_cell_id, grade=True,
                     solution=False, locked=True, points=f.points)


def answer(grade_id, points, text="YOUR ANSWER HERE"):
    return _nbgrader(md(text), grade_id, grade=True, solution=True, locked=False, points=points)


def grades(lab, *names):
    return [grade(lab, n) for n in names]


def _lab_modules():
    """Labs described in a module of their own, assignments/notebooks/NN_name.py, with a
    function ``cells(nb)`` that receives the cell helpers above (nb.md, nb.code, nb.setup,
    nb.grades, nb.answer)."""
    import functools
    import importlib.util
    import types
    helpers = types.SimpleNamespace(md=md, code=code, setup=setup, lab_setup=lab_setup,
                                    grade=grade, grades=grades, answer=answer)
    found = {}
    for path in sorted((HERE / "notebooks").glob("[0-9][0-9]_*.py")):
        spec = importlib.util.spec_from_file_location(f"nnlab_notebook_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found[module.NAME] = functools.partial(module.cells, helpers)
    return found


NOTEBOOKS = _lab_modules()


def build(name) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = NOTEBOOKS[name]()
    # stable ids, so that rebuilding an unchanged description gives an identical file
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{name}-{i:03d}"
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                       "name": "python3"},
        "language_info": {"name": "python"},
    }
    nbformat.validate(nb)
    return nb


def path_of(name) -> Path:
    return SOURCE / name / f"{name}.ipynb"


def render(name) -> str:
    return nbformat.writes(build(name)) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a notebook is stale")
    args = parser.parse_args(argv)
    status = 0
    for name in NOTEBOOKS:
        status |= write_or_check(path_of(name), render(name), args.check,
                                 f"{len(build(name).cells)} cells")
    return status


if __name__ == "__main__":
    sys.exit(main())
