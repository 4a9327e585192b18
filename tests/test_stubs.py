"""lib/nnlab is the up-to-date stub version of solutions/nnlab (``nnlab stubs``)."""
import ast
import importlib
import inspect
from pathlib import Path

import numpy as np
import pytest

from autograder import REPO_ROOT, stubgen
from autograder.labs import LAB01

SRC = REPO_ROOT / "solutions" / "nnlab"
DST = REPO_ROOT / "lib" / "nnlab"


def _regions():
    """(relative path, Region) for every solution region of the reference package."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        rel = path.relative_to(SRC).as_posix()
        found += [(rel, r) for r in stubgen.find_regions(path.read_text(), rel)]
    return found


def test_lib_is_not_stale():
    assert stubgen.is_stale(SRC, DST) == [], "lib/nnlab is out of date: run `nnlab stubs`"


def test_generation_is_deterministic(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    stubgen.generate(SRC, first)
    stubgen.generate(SRC, second)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes()
    assert stubgen.generate(SRC, first) == []  # nothing to rewrite the second time


def test_lab01_functions_have_regions():
    names = {region.function for _, region in _regions()}
    missing = {f.name for f in LAB01.functions} - names
    assert not missing, f"graded functions without a solution region: {sorted(missing)}"


def test_no_solution_code_reaches_lib():
    for path in DST.rglob("*.py"):
        text = path.read_text()
        assert "### BEGIN SOLUTION" not in text and "### HINT:" not in text, path


@pytest.mark.parametrize("rel,region", _regions(), ids=lambda v: getattr(v, "function", v))
def test_every_stub_raises_naming_its_function(rel, region):
    """Statically: the stubbed function's body raises NotImplementedError naming it."""
    tree = ast.parse((DST / rel).read_text())
    functions = [n for n in ast.walk(tree)
                 if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == region.function]
    messages = []
    for function in functions:
        for node in ast.walk(function):
            if (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
                    and getattr(node.exc.func, "id", None) == "NotImplementedError"):
                messages.append(ast.literal_eval(node.exc.args[0]))
    # the path the student sees: their lab folder holds the package as nnlab/ (no lib/)
    assert any(m.startswith(f"{region.function} is yours to write (nnlab/{rel})") for m in messages)


def _call_with_dummies(func):
    args = []
    for p in inspect.signature(func).parameters.values():
        if p.default is not inspect.Parameter.empty:
            break
        args.append(np.ones((2, 3)))
    return func(*args)


CALLABLE_STUBS = [(f.module, f.name) for f in LAB01.functions] + [
    ("optim", "sgd_momentum"), ("optim", "rmsprop"), ("optim", "adam")]


@pytest.mark.parametrize("module,name", CALLABLE_STUBS, ids=[n for _, n in CALLABLE_STUBS])
def test_installed_stub_raises_not_implemented(module, name):
    """The installed student package (import nnlab) raises, and the message names the function."""
    func = getattr(importlib.import_module(f"nnlab.{module}"), name)
    assert Path(inspect.getfile(func)).resolve().is_relative_to(DST.resolve())
    with pytest.raises(NotImplementedError, match=rf"^{name} is yours to write \(nnlab/{module}\.py\)\. Hint: "):
        _call_with_dummies(func)


def test_no_student_facing_text_names_lib():
    """Students edit nnlab/... next to their notebook: no stub, hint or check message says lib/."""
    for path in DST.rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if "NotImplementedError(" in line or line.strip().startswith("# Hint:"):
                assert "lib/" not in line, f"{path}:{number}: {line.strip()}"
    from nnlab.checks import _short
    assert _short("/somewhere/else/lib/nnlab/activations.py") == "nnlab/activations.py"


# --------------------------------------------------------------------------- hints
def test_no_hint_hands_over_a_solution_line():
    """A hint says which quantity, which shape, which pitfall; it never is the line itself."""
    copies = []
    for path in sorted(SRC.rglob("*.py")):
        if "__pycache__" not in path.parts:
            copies += stubgen.copied_hints(path.read_text(), path.relative_to(SRC).as_posix())
    assert not copies, "hints that repeat their solution:\n" + "\n".join(copies)


# The hints this project once shipped, each the solution line (or nearly): all must be caught.
OLD_HINTS = [
    ("np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))); np.expm1(z) = exp(z) - 1, accurately.",
     "out = np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))"),
    ("margins = np.maximum(0, x - correct[:, None] + 1); zero the correct class (it adds 1 each).",
     "margins = np.maximum(0.0, x - correct[:, None] + 1.0)"),
    ("np.where(x > 0, x, alpha * x); cache both x and alpha.", "out = np.where(x > 0, x, alpha * x)"),
    ("np.maximum(0, x) works elementwise; keep x in the cache for the backward pass.",
     "out = np.maximum(0.0, x)"),
    ("all k pieces at once: z = np.einsum('nd,dkm->nkm', x, w) + b has shape (N, k, M).",
     'z = np.einsum("nd,dkm->nkm", x, w) + b   # (N, k, M)'),
    ("check shapes: dx = dout @ w.T is (N, D), reshape it back to x.shape; dw = x2d.T @ dout.",
     "dw = x2d.T @ dout"),
    ("the chain rule through the scaling: elu_backward(SELU_SCALE * dout, ...).",
     "dx = elu_backward(SELU_SCALE * dout, cache)"),
    ("product rule: d/dx [x * s(beta x)] = s + x * beta * s * (1 - s).",
     "dx = dout * (s + beta * x * s * (1.0 - s))"),
    ("Phi = 0.5 * (1 + erf(x / np.sqrt(2))); cache x and Phi for the backward pass.",
     "cdf = 0.5 * (1.0 + erf(x / np.sqrt(2.0)))"),
    ("x.reshape(x.shape[0], -1) gives the (N, D) matrix; b broadcasts over the N rows.",
     "out = x.reshape(x.shape[0], -1) @ w + b"),
]
# Hints that guide: the formula in words, a shape, a trap. None may be flagged.
GUIDING_HINTS = [
    ("the gradient passes through where the INPUT x was positive and is zero elsewhere.",
     "dx = dout * (x > 0)"),
    ("cache the ORIGINAL x (not the reshaped one) together with w and b.", "cache = (x, w, b)"),
    ("epsilon goes outside the square root: np.sqrt(cache) + epsilon.",
     'next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])'),
    ("sigma'(x) = sigma(x) * (1 - sigma(x)), from the cached output.",
     "dx = dout * out * (1.0 - out)"),
    ("b was added to every row, so db sums dout over the batch axis.", "db = np.sum(dout, axis=0)"),
]


@pytest.mark.parametrize("hint,line", OLD_HINTS, ids=[h[:24] for h, _ in OLD_HINTS])
def test_copy_detector_catches_a_hint_that_is_the_line(hint, line):
    assert stubgen.copy_score(hint, line) >= stubgen.COPY_THRESHOLD
    region = f"def f(x):\n    ### BEGIN SOLUTION\n    ### HINT: {hint}\n    {line}\n    ### END SOLUTION\n"
    (found,) = stubgen.copied_hints(region, "mod.py")
    assert found.startswith("mod.py:4 f: ")


@pytest.mark.parametrize("hint,line", GUIDING_HINTS, ids=[h[:24] for h, _ in GUIDING_HINTS])
def test_copy_detector_leaves_guiding_hints_alone(hint, line):
    assert stubgen.copy_score(hint, line) < stubgen.COPY_THRESHOLD


def test_infrastructure_is_complete_in_lib():
    """Functions without a region work in the student package as they are."""
    from nnlab import gradient_check, mathutils, optim
    next_w, config = optim.sgd(np.ones(2), np.ones(2))
    np.testing.assert_allclose(next_w, 1 - 1e-2)
    assert mathutils.erf(np.zeros(2)).tolist() == [0.0, 0.0]
    assert gradient_check.rel_error(np.ones(2), np.ones(2)) == 0.0


# --------------------------------------------------------------------------- the generator

def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


GOOD = '''"""A module."""
import numpy as np


def square(x):
    """Return x**2."""
    y = 1
    ### BEGIN SOLUTION
    ### HINT: multiply x by itself.
    ### HINT: Say "x * x".
    out = x * x
    return out
    ### END SOLUTION


class Thing:
    def method(self):
        def helper():
            return 0
        ### BEGIN SOLUTION
        return 1
        ### END SOLUTION
'''


def test_generator_output(tmp_path):
    src = _write(tmp_path / "src", {"mod.py": GOOD, "__init__.py": "", "data/table.json": "{}",
                                    "__pycache__/junk.py": "x"})
    dst = tmp_path / "dst"
    written = stubgen.generate(src, dst)
    assert sorted(p.relative_to(dst).as_posix() for p in written) == ["__init__.py", "data/table.json", "mod.py"]
    assert (dst / "mod.py").read_text() == '''"""A module."""
import numpy as np


def square(x):
    """Return x**2."""
    y = 1
    # Hint: multiply x by itself.
    # Hint: Say "x * x".
    raise NotImplementedError("square is yours to write (nnlab/mod.py). Hint: multiply x by itself.")


class Thing:
    def method(self):
        def helper():
            return 0
        raise NotImplementedError("method is yours to write (nnlab/mod.py).")
'''
    assert stubgen.is_stale(src, dst) == []
    # a file removed from the source disappears from the output
    (src / "data" / "table.json").unlink()
    assert stubgen.is_stale(src, dst) == ["extra: data/table.json"]
    stubgen.generate(src, dst)
    assert not (dst / "data").exists()
    (dst / "mod.py").write_text("edited by hand")
    assert stubgen.is_stale(src, dst) == ["differs: mod.py"]


@pytest.mark.parametrize("text,message", [
    ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", r"bad\.py:2: .*never closed"),
    ("def f():\n    return 1\n    ### END SOLUTION\n", r"bad\.py:3: .*without a matching"),
    ("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n",
     r"bad\.py:3: .*inside the region opened at line 2"),
    ("x = 1\n### BEGIN SOLUTION\ny = 2\n### END SOLUTION\n", r"bad\.py:2: solution region outside a function"),
    ("def f():\n    ### BEGIN SOLUTIONS\n    return 1\n", r"bad\.py:2: .*looks like a region marker"),
    ("def a():\n    pass\n\n\nclass B:\n    ### BEGIN SOLUTION\n    x = 1\n    ### END SOLUTION\n",
     r"bad\.py:6: solution region outside a function"),
    ("def f(:\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n", r"bad\.py:1: not valid Python"),
    ("def f():\n    ### HINT: stray\n    return 1\n", r"bad\.py:2: .*outside a solution region"),
])
def test_region_errors_name_file_and_line(tmp_path, text, message):
    src = _write(tmp_path / "src", {"bad.py": text})
    dst = tmp_path / "dst"
    with pytest.raises(ValueError, match=message):
        stubgen.generate(src, dst)
    assert not dst.exists()  # nothing written when a file is malformed
