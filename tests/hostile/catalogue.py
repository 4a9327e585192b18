"""The public catalogue of hostile submissions.

Each case is a student's lab folder built from the stubs or the reference, with code appended
to modules of the student's ``nnlab`` package (it runs at import, in the function worker AND in
the notebook kernel) and/or changes to the notebook. ``tests/test_hostile.py`` grades them all
in one class, next to honest students, and asserts that each earns exactly what it earned
honestly, that nothing outside its own scratch space changed, and that grading stayed within
its time limits.

``__COURSE__`` and ``__REPO__`` in the code are replaced by the real paths: the worst case is a
student who knows exactly where everything lives.
"""
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder import REPO_ROOT
from autograder.labs import LAB01

MARKER = "nnlab-hostile-process-marker"

ALL_ZERO = "zero"          # every function must score 0
HONEST = "honest"          # every function scores what the reference scores, except `lose`


@dataclass
class Hostile:
    id: str
    what: str
    base: str                                   # "stubs" or "reference"
    modules: dict = field(default_factory=dict)  # module file -> code appended to it
    notebook: str | None = None                 # code of a cell inserted after the setup cell
    tamper: str | None = None                   # name of a notebook-tampering function below
    links: dict = field(default_factory=dict)   # path in the lab folder -> symlink target
    expect: str = HONEST
    lose: tuple = ()                            # functions that must score 0
    may_lose: tuple = ()                        # functions built on a lost one (own cache)
    needs_isolation: bool = False               # only safe to run where the jail works


STEAL_REFERENCE = '''
import os as _os
for _path in ("__REPO__/solutions/nnlab/{module}.py",):
    try:
        exec(compile(open(_path).read(), _path, "exec"), globals())
    except Exception:
        pass
'''

SPAWN_DAEMON = '''
import os as _os, sys as _sys
try:
    if _os.fork() == 0:
        _os.setsid()
        if _os.fork() == 0:
            _os.execv(_sys.executable, [_sys.executable, "-c",
                      "import time; time.sleep(600)  # ''' + MARKER + '''"])
        _os._exit(0)
except OSError:
    pass
'''

CASES = [
    Hostile("patch_numpy", "replaces np.allclose, np.isclose and np.testing at import", "stubs",
            modules={"__init__.py": '''
import numpy as _np
_np.allclose = lambda *a, **k: True
_np.isclose = lambda a, b, *x, **k: _np.ones(_np.shape(a), dtype=bool)
_np.array_equal = lambda *a, **k: True
_np.testing.assert_allclose = lambda *a, **k: None
'''}, expect=ALL_ZERO),
    Hostile("patch_builtins", "replaces isinstance, abs, max and AssertionError in builtins", "stubs",
            modules={"__init__.py": '''
import builtins as _b
_b.isinstance = lambda *a: True
_b.abs = lambda x: 0
_b.max = lambda *a, **k: 0
_b.AssertionError = type("AssertionError", (Exception,), {})
'''}, expect=ALL_ZERO),
    Hostile("steal_reference_from_disk", "reads the reference solution from the repository and runs it",
            "stubs", modules={m + ".py": STEAL_REFERENCE.replace("{module}", m)
                              for m in ("layers", "activations", "losses", "layer_utils")},
            expect=ALL_ZERO),
    Hostile("import_hidden_checks", "puts the repository on sys.path to import the grader and its reference",
            "stubs", modules={"layers.py": '''
import sys as _sys
_sys.path.insert(0, "__REPO__")
try:
    from autograder.reference import load_reference as _load
    _ref = _load()
    affine_forward = _ref.layers.affine_forward
    affine_backward = _ref.layers.affine_backward
except Exception:
    pass
try:
    import autograder.hidden.lab01.test_layers as _hidden  # noqa: F401
except Exception:
    pass
'''}, expect=ALL_ZERO),
    Hostile("copy_other_student", "reads another student's submitted package and runs it", "stubs",
            modules={"layers.py": '''
try:
    _p = "__COURSE__/submitted/ada_reference/01_layers/nnlab/layers.py"
    exec(compile(open(_p).read(), _p, "exec"), globals())
except Exception:
    pass
'''}, expect=ALL_ZERO),
    Hostile("symlink_to_reference", "hands in layers.py as a symbolic link to the reference, and a "
            "second link beside the notebook", "stubs",
            links={"nnlab/layers.py": "__REPO__/solutions/nnlab/layers.py",
                   "notes.py": "__REPO__/solutions/nnlab/losses.py"}, expect=ALL_ZERO),
    Hostile("infinite_loop", "relu_forward never returns", "reference",
            modules={"activations.py": '''
def relu_forward(x):
    while True:
        pass
'''}, lose=("relu_forward",),
            # affine_relu_forward hangs inside relu_forward: excused (checklib.Parts), it keeps
            # its point; the backwards need their own forward's cache, which never comes
            may_lose=("relu_backward", "affine_relu_backward")),
    Hostile("memory_bomb", "softmax_loss allocates without bound", "reference",
            modules={"losses.py": '''
def softmax_loss(x, y):
    hoard = []
    while True:
        hoard.append(bytearray(10 ** 8))
'''}, lose=("softmax_loss",)),
    Hostile("fork_storm", "forks 300 long-lived children at import", "reference",
            modules={"__init__.py": '''
import os as _os, time as _time
for _i in range(300):
    try:
        if _os.fork() == 0:
            _time.sleep(600)
            _os._exit(0)
    except OSError:
        break
'''}),
    Hostile("exit_zero_at_import", "sys.exit(0) when the package is imported", "reference",
            modules={"__init__.py": "\nimport sys as _sys\n_sys.exit(0)\n"}, expect=ALL_ZERO),
    Hostile("exit_inside_function", "os._exit(0) inside svm_loss", "reference",
            modules={"losses.py": "\nimport os as _os\ndef svm_loss(x, y):\n    _os._exit(0)\n"},
            lose=("svm_loss",)),
    Hostile("flood_output", "prints ~40 MB at import and on every affine_forward call", "reference",
            modules={"__init__.py": '''
import sys as _sys
for _i in range(2000):
    print("x" * 10000)
    print("y" * 10000, file=_sys.stderr)
''', "layers.py": '''
_honest_affine_forward = affine_forward
def affine_forward(x, w, b):
    print("z" * 1_000_000)
    return _honest_affine_forward(x, w, b)
'''}),
    Hostile("write_course_files", "writes to the gradebook, the source, the release, another student's "
            "files, the hidden checks and the reference", "stubs",
            modules={"__init__.py": '''
for _target in ("__COURSE__/gradebook.db",
                "__COURSE__/source/01_layers/nnlab/layers.py",
                "__COURSE__/release/01_layers/nnlab/layers.py",
                "__COURSE__/submitted/ada_reference/01_layers/nnlab/layers.py",
                "__COURSE__/nbgrader_config.py",
                "__REPO__/autograder/hidden/lab01/test_layers.py",
                "__REPO__/solutions/nnlab/layers.py",
                "__COURSE__/pwned.txt", "/tmp/nnlab-pwned.txt"):
    try:
        with open(_target, "a") as _fh:
            _fh.write("pwned")
    except Exception:
        pass
'''}, expect=ALL_ZERO),
    Hostile("daemon_escapes_process_group", "a double-forked setsid daemon outlives the import",
            "reference", modules={"__init__.py": SPAWN_DAEMON}),
    Hostile("kill_the_grader", "kills its parent process and every process it can signal", "stubs",
            modules={"__init__.py": '''
import os as _os, signal as _signal
for _pid in (_os.getppid(), -1):
    try:
        _os.kill(_pid, _signal.SIGKILL)
    except Exception:
        pass
'''}, expect=ALL_ZERO, needs_isolation=True),
    Hostile("kernel_hides_tracebacks", "replaces showtraceback and installs a handler that swallows "
            "every exception, so failing check cells look like passing ones", "stubs",
            notebook='''
ip = get_ipython()
ip.showtraceback = lambda *a, **k: None
ip.set_custom_exc((BaseException,), lambda *a, **k: None)
''', expect=ALL_ZERO),
    Hostile("kernel_rewrites_test_cells", "an input transformer turns every later cell into `pass`",
            "stubs", notebook='''
get_ipython().input_transformers_post.append(lambda lines: ["pass\\n"])
''', expect=ALL_ZERO),
    Hostile("kernel_writes_gradebook", "opens gradebook.db with sqlite3 and sets every score to 100",
            "stubs", notebook='''
import sqlite3
try:
    con = sqlite3.connect("__COURSE__/gradebook.db")
    con.execute("UPDATE grade SET auto_score = 100, manual_score = 100")
    con.commit()
    print("gradebook written")
except Exception as exc:
    print("gradebook out of reach:", exc)
''', expect=ALL_ZERO),
    Hostile("tampered_grade_cells", "deletes one check cell, sets another to 100 points with `pass`, "
            "renames a third and strips the lock metadata of a fourth", "stubs",
            tamper="tamper_grade_cells", expect=ALL_ZERO),
    Hostile("honest_threads_warnings_random", "correct code that uses threads, warnings, printing "
            "and numpy's global random state", "reference",
            modules={"layers.py": '''
import warnings as _warnings
from concurrent.futures import ThreadPoolExecutor as _Pool
_honest_affine_forward = affine_forward
def affine_forward(x, w, b):
    np.random.rand(3)                     # consumes the global RNG: must not matter
    _warnings.warn("a friendly note", UserWarning)
    print("computing affine_forward")
    with _Pool(2) as pool:
        return pool.submit(_honest_affine_forward, x, w, b).result()
'''}),
]


def tamper_grade_cells(nb):
    """Edit and delete locked grade cells and their metadata, as a student with a text editor can."""
    cells = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        gid = meta.get("grade_id")
        if gid == "check_relu_forward":
            continue                                   # deleted
        if gid == "check_affine_forward":
            meta["points"] = 100
            cell.source = "pass"
        elif gid == "check_affine_backward":
            meta["grade_id"] = "my_own_cell"
        elif gid == "check_softmax_loss":
            meta["locked"] = False
            meta["grade"] = False
            cell.source = "pass"
        cells.append(cell)
    nb.cells = cells
    return nb


def _paths(text: str, course: Path) -> str:
    return text.replace("__COURSE__", str(course)).replace("__REPO__", str(REPO_ROOT))


def build_submission(course: Path, case: Hostile, student: str | None = None) -> Path:
    """Write ``case`` into ``course/submitted/<student or case.id>/01_layers/``, starting from the
    released lab (and, for a reference-based case, the reference package)."""
    course = Path(course)
    target = course / "submitted" / (student or case.id) / LAB01.name
    shutil.copytree(course / "release" / LAB01.name, target)
    if case.base == "reference":
        shutil.copytree(REPO_ROOT / "solutions" / "nnlab", target / "nnlab", dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for module, code in case.modules.items():
        path = target / "nnlab" / module
        path.write_text(path.read_text() + "\n\n# --- hostile ---\n" + _paths(code, course))
    for link, pointee in case.links.items():
        (target / link).unlink(missing_ok=True)
        (target / link).symlink_to(_paths(pointee, course))
    notebook = target / f"{LAB01.name}.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    if case.notebook:
        nb.cells.insert(2, nbformat.v4.new_code_cell(_paths(case.notebook, course)))
    if case.tamper:
        nb = globals()[case.tamper](nb)
    nbformat.write(nb, notebook)
    return target


CASES_BY_ID = {case.id: case for case in CASES}
assert len(CASES_BY_ID) == len(CASES)
