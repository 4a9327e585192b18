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
    assert "off by a factor of 5" in hint("softmax_loss", "dx")
    assert [r["passed"] for r in rows_of(result, "softmax_loss") if r["check"] == "loss"] == [True]
    # log of a probability that underflowed to 0: a warning, reported as a row
    assert "numpy warned" in hint("softmax_loss", "loss, scores ~1e3")
    # everything not patched still passes
    for fn in ("elu_forward", "elu_backward", "maxout_backward", "svm_loss"):
        assert all(r["passed"] for r in rows_of(result, fn)), fn


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
    assert proc.stderr == ""
    assert proc.stdout.startswith("MESSAGE: relu_forward: out — relu_forward not written yet")


def nnlab_check(*args, cwd=None):
    return subprocess.run([PY, "-m", "autograder.cli", "check", *args], capture_output=True,
                          text=True, cwd=cwd or REPO, timeout=300)


def test_cli_on_reference_and_stubs(tmp_path):
    ref = make_package(tmp_path / "ref")
    proc = nnlab_check("01_layers", "--package", str(ref))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "48 of 48 checks pass" in proc.stdout
    proc = nnlab_check("01", "--package", str(ref / "nnlab"), "--function", "relu_forward")
    assert proc.returncode == 0
    assert "1 of 1 checks pass" in proc.stdout
    stubs = make_package(tmp_path / "stubs", STUBS)
    proc = nnlab_check("01_layers", "--package", str(stubs))
    assert proc.returncode == 1
    assert "0 of 48 checks pass" in proc.stdout and "not written yet" in proc.stdout
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
