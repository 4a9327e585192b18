"""The open checks (nnlab.checks) and `nnlab check`: pass on the reference, fail kindly otherwise.

``nnlab`` in this process is the installed student package (lib/nnlab), so every run against
another package (the reference, or a deliberately buggy copy of it) happens in a subprocess whose
working directory holds that package as ./nnlab.
"""
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "solutions" / "nnlab"
STUBS = REPO / "lib" / "nnlab"
PY = sys.executable


def make_package(tmp_path, source=SOLUTIONS, patches=None):
    """Copy ``source`` to tmp_path/nnlab; ``patches`` maps module -> code appended to it."""
    dest = tmp_path / "nnlab"
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("__pycache__"))
    for module, code in (patches or {}).items():
        with open(dest / f"{module}.py", "a", encoding="utf-8") as f:
            f.write("\n\n" + textwrap.dedent(code))
    return tmp_path


def run_checks(workdir, functions=None):
    """Run check_lab in a subprocess with workdir/nnlab first on sys.path; return (rows, stderr)."""
    code = textwrap.dedent(f"""
        import json, sys
        import nnlab
        assert nnlab.__file__.startswith({str(workdir)!r}), nnlab.__file__
        from nnlab.checks import check_lab
        t = check_lab("01_layers", functions={functions!r})
        html = t._repr_html_()
        text = str(t)
        json.dump({{"rows": [r.__dict__ for r in t.rows], "passed": t.passed,
                   "html": html, "text": text}}, sys.stdout)
    """)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([PY, "-c", code], cwd=workdir, capture_output=True, text=True,
                          env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), proc.stderr


def rows_of(result, function):
    return [r for r in result["rows"] if r["function"] == function]


def test_lab_functions_match_the_grading_table():
    from autograder.labs import LAB01
    from nnlab.checks import LAB_FUNCTIONS

    assert LAB_FUNCTIONS["01_layers"] == {f.name: f.module for f in LAB01.functions}


def test_expected_values_are_not_stale():
    from autograder.open_expected import EXPECTED_DIR, compute, render

    stored = (EXPECTED_DIR / "lab01.json").read_text(encoding="utf-8")
    assert stored == render(compute("01_layers")), \
        "run `python -m autograder.open_expected` (then `nnlab stubs`)"
    data = json.loads(stored)
    for key, entry in data.items():
        if key.startswith("_"):
            continue
        n = 1
        for d in entry["shape"]:
            n *= d
        assert len(entry["values"]) == n, key


def test_every_check_passes_on_the_reference(tmp_path):
    result, stderr = run_checks(make_package(tmp_path))
    failing = [r for r in result["rows"] if not r["passed"]]
    assert not failing, failing
    assert result["passed"]
    assert stderr == ""
    from autograder.labs import LAB01
    assert {r["function"] for r in result["rows"]} == {f.name for f in LAB01.functions}
    # every backward is judged against numerical gradients, with a tiny relative error
    assert all(r["rel_error"] is not None and r["rel_error"] < 1e-6 for r in result["rows"])


def test_the_stubs_fail_with_not_written_yet(tmp_path):
    result, stderr = run_checks(make_package(tmp_path, STUBS))
    assert stderr == ""
    assert not result["passed"]
    assert not any(r["passed"] for r in result["rows"])
    for r in result["rows"]:
        assert "not written yet" in r["hint"], r
    fwd = rows_of(result, "relu_forward")[0]
    assert "open nnlab/activations.py and replace the raise NotImplementedError" in fwd["hint"]
    assert rows_of(result, "relu_backward")[0]["hint"].startswith("needs relu_forward first")
    assert "Traceback" not in result["text"]


BUGS = {
    "layers": """
        def affine_forward(x, w, b):
            return x.reshape(x.shape[0], -1) @ w + b, (x, w, b)

        def affine_backward(dout, cache):
            x, w, b = cache
            X = x.reshape(x.shape[0], -1)
            return dout @ w.T, X.T @ dout, dout.sum(axis=0)     # bug: dx not reshaped back
    """,
    "activations": """
        def tanh_forward(x):
            out = np.tanh(x)
            return out, out

        def tanh_backward(dout, cache):
            return dout * (1 - cache)                           # bug: forgot the square

        def sigmoid_forward(x):
            out = 1 / (1 + np.exp(-x))                          # bug: overflows for x << 0
            return out, out

        def relu_forward(x):
            raise ValueError("oops")

        def leaky_relu_forward(x, alpha=0.01):
            return x * np.nan, x

        def swish_backward(dout, cache):
            raise NotImplementedError
    """,
    "losses": """
        def softmax_loss(x, y):
            s = x - x.max(axis=1, keepdims=True)
            p = np.exp(s)
            p /= p.sum(axis=1, keepdims=True)
            n = x.shape[0]
            loss = -np.mean(np.log(p[np.arange(n), y]))
            dx = p.copy()
            dx[np.arange(n), y] -= 1
            return loss, dx                                     # bug: dx not divided by N
    """,
}


def test_common_bugs_are_caught_with_a_hint(tmp_path):
    result, stderr = run_checks(make_package(tmp_path, patches=BUGS))
    assert stderr == "", "numpy warnings must become rows, not stderr"

    def hint(function, check):
        (row,) = [r for r in rows_of(result, function) if r["check"] == check]
        assert not row["passed"], row
        return row["hint"]

    assert hint("affine_backward", "dx") == \
        "dx has shape (3, 8) but x has shape (3, 2, 4): reshape back"
    assert all(r["passed"] for r in rows_of(result, "affine_backward") if r["check"] != "dx")
    assert hint("tanh_backward", "dx").startswith("rel error")
    assert "overflow" in hint("sigmoid_forward", "out, large |x| (±800)")
    assert [r["passed"] for r in rows_of(result, "sigmoid_forward")] == [True, False]
    assert hint("relu_forward", "out").startswith("relu_forward raised ValueError: oops (line")
    assert "NaN" in hint("leaky_relu_forward", "out")
    assert "not written yet" in hint("swish_backward", "dx")
    assert "off by a factor N=5" in hint("softmax_loss", "dx")
    assert [r["passed"] for r in rows_of(result, "softmax_loss") if r["check"] == "loss"] == [True]
    # log of a probability that underflowed to 0: a warning, reported as a row
    assert "numpy warned" in hint("softmax_loss", "loss, scores ~1e3")
    assert "underflowed to 0" in hint("softmax_loss", "loss, confident and wrong")
    # everything not patched still passes
    for fn in ("elu_forward", "elu_backward", "maxout_backward", "svm_loss"):
        assert all(r["passed"] for r in rows_of(result, fn)), fn


# The grader's named mistakes, as the open checks say them (one diagnosis engine, nnlab.diagnosis,
# fed by one registry, nnlab.mistakes): each bug is a real student's, see the public catalogue.
NAMED_BUGS = {
    "layers": """
        def affine_backward(dout, cache):
            x, w, b = cache
            X = x.reshape(x.shape[0], -1)
            return (dout @ w.T).reshape(x.shape), dout.T @ X, dout.mean(axis=0)
    """,
    "activations": """
        def relu_backward(dout, cache):
            return dout * (dout > 0)

        def tanh_forward(x):
            return np.tanh(x), x

        def tanh_backward(dout, cache):
            return dout * (1 - cache ** 2)
    """,
    "losses": """
        def softmax_loss(x, y):
            n = x.shape[0]
            p = np.exp(x - x.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            with np.errstate(divide="ignore"):          # silenced: the value must still be named
                loss = -np.mean(np.log(p[np.arange(n), y]))
            dx = p.copy()
            dx[np.arange(n), y] -= 1
            return loss, dx / n

        def svm_loss(x, y):
            n = x.shape[0]
            m = np.maximum(0, x - x[np.arange(n), y][:, None] + 1)
            m[np.arange(n), y] = 0
            return m.sum() / n, (m > 0) / n
    """,
}


def test_open_checks_name_the_mistakes_the_grader_names(tmp_path):
    result, stderr = run_checks(make_package(tmp_path / "a", patches=NAMED_BUGS),
                                functions=["affine_backward", "relu_backward", "tanh_backward",
                                           "softmax_loss", "svm_loss"])
    assert stderr == ""

    def hint(function, check):
        (row,) = [r for r in rows_of(result, function) if r["check"] == check]
        assert not row["passed"], row
        return row["hint"]

    db = hint("affine_backward", "db")
    assert "db is off by a factor N=3" in db and "averaged over the batch" in db, db
    assert "transposed" in hint("affine_backward", "dw")
    assert rows_of(result, "affine_backward")[0]["passed"]        # dx is right
    assert "mask was taken from dout" in hint("relu_backward", "dx")
    assert "1 - x**2" in hint("tanh_backward", "dx")
    loss = hint("softmax_loss", "loss, confident and wrong")
    assert "underflowed to 0" in loss and "shifted - log" not in loss, loss   # named, not handed over
    assert "correct-class column is missing" in hint("svm_loss", "dx")
    # the other softmax rows pass: this implementation is right until a probability underflows
    assert [r["check"] for r in rows_of(result, "softmax_loss") if not r["passed"]] == \
        ["loss, scores ~1e3", "loss, confident and wrong"]

    flat = {"layers": """
        def affine_forward(x, w, b):
            n = x.shape[0]
            return x.reshape(-1, n).T @ w + b, (x, w, b)
    """}
    result, _ = run_checks(make_package(tmp_path / "b", patches=flat), functions=["affine_forward"])
    (row,) = rows_of(result, "affine_forward")
    assert not row["passed"] and "flattened in the wrong order" in row["hint"], row


def test_html_and_text_rendering(tmp_path):
    workdir = make_package(tmp_path, patches={"activations": BUGS["activations"]})
    result, _ = run_checks(workdir, functions=["relu_forward", "tanh_backward", "elu_forward"])
    page = result["html"]
    assert page.count("<tr>") == 1 + len(result["rows"])
    assert "✓" in page and "✗" in page and 'class="ok"' in page and 'class="bad"' in page
    assert "relu_forward raised ValueError: oops" in page
    text = result["text"]
    assert "rel. error" in text and "✗" in text
    assert "of 5 checks pass" in text.splitlines()[-1]


def test_raise_if_failed_message(tmp_path):
    workdir = make_package(tmp_path, STUBS)
    code = textwrap.dedent("""
        from nnlab.checks import check
        try:
            check("relu_forward").raise_if_failed()
        except AssertionError as e:
            print("MESSAGE:", e)
    """)
    proc = subprocess.run([PY, "-c", code], cwd=workdir, capture_output=True, text=True)
    assert proc.stderr == ""   # outside a notebook (a script) a failed check still raises
    assert proc.stdout == ("MESSAGE: relu_forward: not written yet — open nnlab/activations.py "
                           "and replace the raise NotImplementedError\n")


def nnlab_check(*args, cwd=None):
    return subprocess.run([PY, "-m", "autograder.cli", "check", *args], capture_output=True,
                          text=True, cwd=cwd or REPO, timeout=300)


def test_cli_on_reference_and_stubs(tmp_path):
    ref = make_package(tmp_path / "ref")
    proc = nnlab_check("01_layers", "--package", str(ref))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "49 of 49 checks pass" in proc.stdout
    proc = nnlab_check("01", "--package", str(ref / "nnlab"), "--function", "relu_forward")
    assert proc.returncode == 0
    assert "1 of 1 checks pass" in proc.stdout
    stubs = make_package(tmp_path / "stubs", STUBS)
    proc = nnlab_check("01_layers", "--package", str(stubs))
    assert proc.returncode == 1
    assert "0 of 49 checks pass" in proc.stdout and "not written yet" in proc.stdout
    proc = nnlab_check("01_layers", "--package", str(tmp_path / "nowhere"))
    assert proc.returncode != 0 and "no nnlab package" in proc.stderr


def test_cli_shows_the_reference_only_when_asked(tmp_path):
    proc = nnlab_check("01_layers", "--show-reference", "relu_forward")
    assert proc.returncode == 0
    first, rest = proc.stdout.split("\n", 1)
    assert "Reference solution of relu_forward" in first and "because you asked" in first
    assert "def relu_forward(x):" in rest
    proc = nnlab_check("01_layers", "--package", str(make_package(tmp_path)))
    assert "def relu_forward" not in proc.stdout


# ------------------------------------------------------------------------- the check cells
# A notebook's check cell in a student's kernel shows its table and one line, and never raises:
# Run All reaches the end. Under nbgrader (Validate, autograde) a failing cell raises.
STUDENT_CODE = {   # tanh written (its backward wrongly), affine_forward right, relu unwritten
    "activations": """
        def tanh_forward(x):
            out = np.tanh(x)
            return out, out

        def tanh_backward(dout, cache):
            return dout * (1 - cache)                           # bug: forgot the square
    """,
    "layers": """
        def affine_forward(x, w, b):
            return x.reshape(x.shape[0], -1) @ w + b, (x, w, b)
    """,
}
CELLS = ["relu_forward", "tanh_backward", "affine_forward"]


def _check_cell_notebook(folder):
    import nbformat
    from nbgrader.utils import compute_checksum

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("from nnlab.checks import check"))
    for name in CELLS:
        cell = nbformat.v4.new_code_cell(f'check("{name}").raise_if_failed()')
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                     "grade_id": f"check_{name}", "points": 1,
                                     "schema_version": 3}
        cell.metadata["nbgrader"]["checksum"] = compute_checksum(cell)
        nb.cells.append(cell)
    nb.cells.append(nbformat.v4.new_code_cell('print("reached the end")'))
    path = folder / "lab.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture
def check_cell_folder(tmp_path, monkeypatch):
    folder = make_package(tmp_path, STUBS, patches=STUDENT_CODE)
    monkeypatch.delenv("PYTHONPATH", raising=False)
    for var in ("NNLAB_GRADING", "NBGRADER_EXECUTION", "NBGRADER_VALIDATING"):
        monkeypatch.delenv(var, raising=False)
    return folder


def _cell_text(cell):
    text = []
    for out in cell.outputs:
        if out.output_type == "stream":
            text.append(out.text)
        elif out.output_type in ("execute_result", "display_data"):
            text.append(out.data.get("text/plain", ""))
    return "".join(text)


def test_check_cells_show_one_line_and_never_stop_run_all(check_cell_folder):
    import nbformat
    from nbclient import NotebookClient

    path = _check_cell_notebook(check_cell_folder)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, kernel_name="python3", timeout=300, allow_errors=False,
                   resources={"metadata": {"path": str(check_cell_folder)}}).execute()
    cells = {c.source: c for c in nb.cells}
    assert not [o for c in nb.cells for o in c.outputs if o.output_type == "error"]
    assert "reached the end" in _cell_text(nb.cells[-1])
    last = {name: _cell_text(cells[f'check("{name}").raise_if_failed()']).rstrip().splitlines()[-1]
            for name in CELLS}
    assert last["relu_forward"] == ("relu_forward: not written yet — open nnlab/activations.py "
                                    "and replace the raise NotImplementedError")
    assert last["tanh_backward"].startswith("tanh_backward: 0 of 1 checks pass — dx: rel error")
    assert last["affine_forward"] == "affine_forward: the check passes."
    html = [o.data["text/html"] for o in cells['check("tanh_backward").raise_if_failed()'].outputs
            if "text/html" in o.get("data", {})]
    assert len(html) == 1 and '<p class="nnlab-summary bad">tanh_backward: 0 of 1 checks pass' in html[0]
    assert "Traceback" not in "".join(_cell_text(c) for c in nb.cells)


def test_nbgrader_validate_lists_the_failing_check_cells(check_cell_folder):
    from nbgrader.validator import Validator

    import re

    results = Validator().validate(str(_check_cell_notebook(check_cell_folder)))
    failed = {f["source"]: re.sub(r"\x1b\[[0-9;]*m", "", f["raw_error"])
              for f in results.get("failed", [])}
    assert set(failed) == {'check("relu_forward").raise_if_failed()',
                           'check("tanh_backward").raise_if_failed()'}
    assert "AssertionError: relu_forward: not written yet — open nnlab/activations.py" in \
        failed['check("relu_forward").raise_if_failed()']
    # Validate ran the checks themselves (it is not the grader): nothing about "trusted grader"
    assert "trusted grader" not in "".join(failed.values())


def test_summary_lines(tmp_path):
    """The one line under each table, for an unwritten, a half-right and a right function."""
    workdir = make_package(tmp_path, STUBS, patches=STUDENT_CODE)
    code = textwrap.dedent("""
        from nnlab.checks import check
        for name in ("relu_backward", "tanh_forward", "tanh_backward", "affine_backward"):
            print(check(name).summary())
    """)
    proc = subprocess.run([PY, "-c", code], cwd=workdir, capture_output=True, text=True)
    assert proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert lines[0] == "relu_backward: needs relu_forward first (relu_forward not written yet)"
    assert lines[1] == "tanh_forward: all 2 checks pass."
    assert lines[2].startswith("tanh_backward: 0 of 1 checks pass — dx: ")
    assert lines[3].startswith("affine_backward: ")   # needs affine_backward itself, unwritten
    assert "not written yet — open nnlab/layers.py" in lines[3]


# --------------------------------------------------------------- numpy warnings, per function
WARNING_BUGS = {
    "activations": """
        def elu_forward(x, alpha=1.0):
            out = np.where(x > 0, x,
                           alpha * (np.exp(x) - 1))             # exp of the unused branch
            return out, (x, out, alpha)

        def sigmoid_forward(x):
            out = 1 / (1 + np.exp(-x))                          # no np.where anywhere
            return out, out
    """,
    "losses": """
        def softmax_loss(x, y):
            p = np.exp(x)                                       # not shifted by the row max
            p /= p.sum(axis=1, keepdims=True)
            n = x.shape[0]
            dx = p.copy()
            dx[np.arange(n), y] -= 1
            return -np.mean(np.log(p[np.arange(n), y])), dx / n
    """,
}


def test_warning_hints_name_the_fix_for_the_function(tmp_path):
    result, stderr = run_checks(make_package(tmp_path, patches=WARNING_BUGS),
                                functions=["elu_forward", "selu_forward", "sigmoid_forward",
                                           "softmax_loss"])
    assert stderr == ""

    def hint(function, check):
        (row,) = [r for r in rows_of(result, function) if r["check"] == check]
        assert not row["passed"], row
        return row["hint"]

    big = "out, large |x| (±800)"
    elu = hint("elu_forward", big)
    assert elu.startswith("elu_forward: numpy warned 'overflow encountered in exp' (line ")
    assert "np.where(condition, a, b) computes BOTH a and b" in elu
    # selu reuses elu_forward: the same cause, found in elu's np.where
    assert "computes BOTH" in hint("selu_forward", big)
    sigmoid = hint("sigmoid_forward", big)
    assert "exponentiate only non-positive numbers" in sigmoid
    assert "np.where" not in sigmoid        # its code never used np.where
    softmax = hint("softmax_loss", "loss, scores ~1e3")
    assert "subtract each row's maximum score before np.exp" in softmax
    assert "np.where" not in softmax


def test_log_of_an_underflowed_probability_is_named(tmp_path):
    result, _ = run_checks(make_package(tmp_path, patches={"losses": BUGS["losses"]}),
                           functions=["softmax_loss"])
    (row,) = [r for r in rows_of(result, "softmax_loss") if r["check"] == "loss, scores ~1e3"]
    assert "divide by zero encountered in log" in row["hint"]
    assert "log of a probability that underflowed to 0: compute log-softmax as shifted - " \
           "log(sum(exp(shifted)))" in row["hint"]
