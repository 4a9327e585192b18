"""Open checks: run them on your own functions as often as you like.

    from nnlab.checks import check, check_lab
    check("relu_forward")          # one function: a small table with a verdict per check
    check_lab("01_layers")         # every graded function of the lab

Each check feeds your function fixed inputs (made from a fixed seed, so they are the same every
time) and compares

* forward outputs with values computed by the course's reference code (stored, rounded, in
  ``open_expected/lab01.json`` next to this file), and
* backward outputs with centred numerical gradients of YOUR OWN forward function
  (``nnlab.gradient_check``), so a backward pass is judged against the forward pass you wrote.

The relative error of every comparison is shown, and a failed one names the mistake where it is
recognised ("db is off by a factor N=3 ...: averaged over the batch"): ``nnlab.diagnosis`` with
the named mistakes of ``nnlab.mistakes``, the same engine and words as the course's grader.
The grade itself comes from hidden checks run by the course staff, on other inputs: passing
these open checks is necessary, not sufficient.

Nothing here raises while checking: a ``NotImplementedError``, any other exception, a NaN or a numpy
warning in your code becomes a row of the table with a hint, and the table ends in one line that
says what to do next. The notebook's check cells call ``raise_if_failed()``: in your notebook it
shows the table and never raises, so Run All reaches the end however much is still unwritten;
when nbgrader runs the notebook (Validate, autograde) and outside a notebook (a script, pytest)
a failed check raises a one-line ``AssertionError``, so Validate lists what still fails.
"""
from __future__ import annotations

import html
import importlib
import json
import os
import traceback
import warnings
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import mistakes as _mistakes
from .diagnosis import compare as _diagnosis_compare
from .grading_mode import is_grading, is_nbgrader_run
from .numpy_compat import explain_removed_api

__all__ = ["check", "check_lab", "CheckResult", "CheckTable", "Row", "LAB_FUNCTIONS"]

_HERE = Path(__file__).resolve().parent
EXPECTED_DIR = _HERE / "open_expected"

#: which module of the package holds each function checked in a lab (kept in step with the
#: course's grading table by a test)
LAB_FUNCTIONS = {
    "01_layers": {
        "affine_forward": "layers", "affine_backward": "layers",
        "relu_forward": "activations", "relu_backward": "activations",
        "leaky_relu_forward": "activations", "leaky_relu_backward": "activations",
        "prelu_forward": "activations", "prelu_backward": "activations",
        "elu_forward": "activations", "elu_backward": "activations",
        "selu_forward": "activations", "selu_backward": "activations",
        "gelu_forward": "activations", "gelu_backward": "activations",
        "sigmoid_forward": "activations", "sigmoid_backward": "activations",
        "tanh_forward": "activations", "tanh_backward": "activations",
        "swish_forward": "activations", "swish_backward": "activations",
        "maxout_forward": "activations", "maxout_backward": "activations",
        "affine_relu_forward": "layer_utils", "affine_relu_backward": "layer_utils",
        "softmax_loss": "losses", "svm_loss": "losses",
    },
    "02_normalization": {name: "normalization" for name in (
        "batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt",
        "layernorm_forward", "layernorm_backward", "groupnorm_forward", "groupnorm_backward")},
    "03_regularization": {   # checked by checks_lab03.py
        "dropout_forward": "dropout", "dropout_backward": "dropout",
        "l2_penalty": "regularization", "l1_penalty": "regularization", "augment": "augment",
    },
    # lab 04's checks live in checks_optim.py
    "04_optimizers": {
        "sgd_momentum": "optim", "nesterov_momentum": "optim", "adagrad": "optim",
        "rmsprop": "optim", "adam": "optim", "adamw": "optim",
        "step_decay": "schedules", "exponential_decay": "schedules",
        "inverse_time_decay": "schedules", "cosine_decay": "schedules",
        "linear_warmup": "schedules",
    },
    # lab 05's checks live in checks_init.py
    "05_initialization": {
        "constant": "initializers", "gaussian": "initializers", "xavier_normal": "initializers",
        "xavier_uniform": "initializers", "he_normal": "initializers",
        "he_uniform": "initializers", "activation_statistics": "init_stats",
        "gradient_statistics": "init_stats",
    },
    # lab 06's checks live in checks_recipe.py
    "06_training_recipe": {
        "fit_preprocessing": "preprocessing", "apply_preprocessing": "preprocessing",
        "preprocess_splits": "preprocessing", "train_val_test_split": "preprocessing",
        "kfold_indices": "preprocessing",
        "sample_log_uniform": "search", "random_search": "search", "grid_search": "search",
        "refine_range": "search",
        "initial_loss_verdict": "diagnostics", "dead_unit_fraction": "diagnostics",
        "update_ratios": "diagnostics", "fit_verdict": "diagnostics",
        "moving_average": "diagnostics",
    },
}
_EXPECTED_FILES = {"01_layers": "lab01.json", "02_normalization": "lab02.json",
                  "03_regularization": "lab03.json", "04_optimizers": "lab04.json",
                  "05_initialization": "lab05.json",
                  "06_training_recipe": "lab06.json"}

FORWARD_TOL = 1e-7      # stored reference values carry 10 significant digits
GRADIENT_TOL = 1e-6     # analytic vs centred difference (h = 1e-5) in float64
NUM_H = 1e-5


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------
@dataclass
class Row:
    """One comparison: ``function``/``check`` with its relative error and a verdict."""
    function: str
    check: str
    passed: bool
    rel_error: float | None = None
    hint: str = ""

    def error_text(self) -> str:
        if self.rel_error is None or not np.isfinite(self.rel_error):
            return "—" if self.rel_error is None else "nan"
        return f"{self.rel_error:.1e}"


# JupyterLab right-aligns table cells with a more specific rule: ours must win.
_CSS = ("<style>table.nnlab-checks td,table.nnlab-checks th{padding:2px 10px;"
        "text-align:left !important;}"
        ".nnlab-checks .ok{color:#1a7f37;font-weight:bold}.nnlab-checks .bad{color:#cf222e;"
        "font-weight:bold}.nnlab-summary.ok{color:#1a7f37;font-weight:bold}"
        ".nnlab-summary.bad{color:#cf222e;font-weight:bold}</style>")


def _rows_text(rows, summary):
    header = ("function", "check", "rel. error", "verdict")
    table = [(r.function, r.check, r.error_text(), "✓" if r.passed else "✗") for r in rows]
    widths = [max(len(h), *(len(t[i]) for t in table)) if table else len(h)
              for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)),
             "  ".join("-" * w for w in widths)]
    for r, t in zip(rows, table):
        line = "  ".join(c.ljust(w) for c, w in zip(t, widths)).rstrip()
        if r.hint:
            line += "   " + r.hint
        lines.append(line)
    lines.append(summary)
    return "\n".join(lines)


def _rows_html(rows, summary, passed=None):
    out = [_CSS, '<table class="nnlab-checks"><thead><tr><th>function</th><th>check</th>'
           "<th>relative error</th><th>verdict</th><th>hint</th></tr></thead><tbody>"]
    for r in rows:
        verdict = '<span class="ok">✓</span>' if r.passed else '<span class="bad">✗</span>'
        out.append(f"<tr><td><code>{html.escape(r.function)}</code></td>"
                   f"<td>{html.escape(r.check)}</td><td>{html.escape(r.error_text())}</td>"
                   f"<td>{verdict}</td><td>{html.escape(r.hint)}</td></tr>")
    mark = "" if passed is None else (' class="nnlab-summary ok"' if passed
                                      else ' class="nnlab-summary bad"')
    out.append(f"</tbody></table><p{mark}>{html.escape(summary)}</p>")
    return "".join(out)


class _Rendered:
    rows: list

    def summary(self) -> str:
        raise NotImplementedError

    def __str__(self):
        return _rows_text(self.rows, self.summary())

    def _repr_html_(self):
        return _rows_html(self.rows, self.summary(), getattr(self, "passed", None))

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))


@dataclass
class CheckResult(_Rendered):
    """The open checks of one function."""
    function: str
    rows: list = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.rows) and all(r.passed for r in self.rows)

    @property
    def n_passed(self) -> int:
        return sum(r.passed for r in self.rows)

    def summary(self) -> str:
        """One line saying where this function stands and what to do next."""
        n = len(self.rows)
        if self.passed:
            return (f"{self.function}: the check passes." if n == 1
                    else f"{self.function}: all {n} checks pass.")
        bad = [r for r in self.rows if not r.passed]
        if any(r.check == "graded" for r in bad):
            return f"{self.function}: {bad[0].hint}"
        if self.n_passed == 0 and all("not written yet" in r.hint for r in bad):
            hint = bad[0].hint      # "relu_forward not written yet — open ..." or "needs ..."
            if hint.startswith(self.function + " "):
                hint = hint[len(self.function) + 1:]
            return f"{self.function}: {hint}"
        first = bad[0]
        hint = first.hint or "does not match"
        if hint.startswith(self.function + ": "):     # "softmax_loss: numpy warned ..."
            hint = hint[len(self.function) + 2:]
        line = f"{self.function}: {self.n_passed} of {n} checks pass — {first.check}: {hint}"
        if len(bad) > 1:
            line += f" (and {len(bad) - 1} more failing check{'s' if len(bad) > 2 else ''})"
        return line

    def failure_message(self) -> str:
        """The summary line of a failed result ('' when every check passes)."""
        return "" if self.passed else self.summary()

    def raise_if_failed(self):
        """What a notebook's check cell calls: return ``self`` (shown as the table) when every
        check passes; when one fails, either show the table and return (in your notebook) or
        raise an ``AssertionError`` holding the summary line (see ``_failures_raise``).
        """
        if not _failures_raise():           # a student's notebook: show, never stop Run All
            return self
        if not self.passed:
            _display_if_notebook(self)
            raise AssertionError(self.failure_message()) from None
        if _in_notebook_kernel():           # nbgrader reads a cell's result as a partial grade:
            _display_if_notebook(self)      # show the table as a display, and return nothing
            return None
        return self

    # IPython looks for _repr_pretty_ only after a class's own __repr__: say it here, so that
    # a notebook's plain-text output (and IPython in a terminal) shows the table
    _repr_pretty_ = _Rendered._repr_pretty_

    def __repr__(self):
        return f"<CheckResult {self.function}: {self.n_passed}/{len(self.rows)} pass>"


@dataclass
class CheckTable(_Rendered):
    """The open checks of several functions (a whole lab)."""
    lab: str
    results: list = field(default_factory=list)

    @property
    def rows(self):
        return [r for res in self.results for r in res.rows]

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(res.passed for res in self.results)

    @property
    def n_checks(self) -> int:
        return len(self.rows)

    @property
    def n_checks_passed(self) -> int:
        return sum(r.passed for r in self.rows)

    def functions_passed(self) -> list:
        return [res.function for res in self.results if res.passed]

    def summary(self) -> str:
        return (f"{self.n_checks_passed} of {self.n_checks} checks pass; "
                f"{len(self.functions_passed())} of {len(self.results)} functions pass all "
                f"their checks.")

    def raise_if_failed(self):
        """As ``CheckResult.raise_if_failed``, for a whole lab."""
        if not _failures_raise():
            return self
        if self.passed:
            if _in_notebook_kernel():
                _display_if_notebook(self)
                return None
            return self
        _display_if_notebook(self)
        failing = [res.function for res in self.results if not res.passed]
        raise AssertionError(f"{len(failing)} function(s) fail their open checks: "
                             + ", ".join(failing)) from None

    def __getitem__(self, name):
        for res in self.results:
            if res.function == name:
                return res
        raise KeyError(name)

    _repr_pretty_ = _Rendered._repr_pretty_

    def __repr__(self):
        return f"<CheckTable {self.lab}: {self.n_checks_passed}/{self.n_checks} checks pass>"


def _in_notebook_kernel() -> bool:
    """True when this code runs in a Jupyter kernel (a notebook), not a script or a terminal."""
    try:
        from IPython import get_ipython
        ip = get_ipython()
        return ip is not None and getattr(ip, "kernel", None) is not None
    except Exception:   # no IPython, or an odd shell: not a notebook
        return False


def _failures_raise() -> bool:
    """Whether ``raise_if_failed`` raises on a failed check.

    * In a student's notebook: no. The cell shows the table and its one-line summary, and Run All
      goes on to the end however many functions are still unwritten.
    * Under ``nnlab autograde`` (``NNLAB_GRADING=1``) and while nbgrader runs the notebook
      (Validate, autograde): yes. A grade cell must fail there, so that Validate lists the
      functions that still fail and autograde records them (the trusted grader's scores then
      replace the ones nbgrader records, see autograder/course.py).
    * Outside a notebook (a script, pytest): yes, so a failure stops the script.
    """
    return is_grading() or is_nbgrader_run() or not _in_notebook_kernel()


def _display_if_notebook(obj):
    if not _in_notebook_kernel():
        return
    try:
        from IPython.display import display
        display(obj)
    except Exception:   # never let the display get in the way of the message
        pass


# --------------------------------------------------------------------------------------------
# running student code safely
# --------------------------------------------------------------------------------------------
class _Problem(Exception):
    """A check cannot go on; ``hint`` says why, in words for the student."""

    def __init__(self, hint, rel_error=None):
        super().__init__(hint)
        self.hint = hint
        self.rel_error = rel_error


def _short(path) -> str:
    """A module's path as the student should read it: relative to the working directory when the
    file is below it (next to the notebook that is ``nnlab/activations.py``), else
    ``nnlab/<file>``, the path inside the student's lab folder."""
    p = Path(path)
    try:
        rel = os.path.relpath(p)
        if not rel.startswith(".."):
            return rel
    except ValueError:
        pass
    return "/".join(p.parts[-2:])


def _exception_hint(exc, where, module_file=None):
    tb = traceback.extract_tb(exc.__traceback__)
    if isinstance(exc, NotImplementedError):
        last = tb[-1] if tb else None
        file = _short(last.filename) if last else (_short(module_file) if module_file
                                                   else "your nnlab package")
        culprit = last.name if last and last.name != "<module>" else where
        if culprit != where and culprit.isidentifier():
            return (f"{where} needs {culprit}, which is not written yet — open {file} and "
                    "replace the raise NotImplementedError")
        return f"{where} not written yet — open {file} and replace the raise NotImplementedError"
    here = str(_HERE)
    frames = [f for f in tb if not f.filename.startswith(str(Path(np.__file__).parent))
              and Path(f.filename).name != "checks.py"]
    loc = ""
    if frames:
        f = frames[-1]
        if f.filename.startswith(here) or module_file:
            loc = f" (line {f.lineno} of {Path(f.filename).name})"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = (text[:120] + "…") if len(text) > 120 else text
    removed = explain_removed_api(type(exc).__name__, str(exc))
    if removed:   # code that was right for an older numpy: say so, not a generic hint
        return f"{where} raised {type(exc).__name__}{loc}: {removed}"
    return f"{where} raised {type(exc).__name__}{': ' + text if text else ''}{loc}"


class _Env:
    """Access to the package under test and to the expected values (or a recorder of them)."""

    def __init__(self, package, expected=None, record=None):
        self.package = package
        self.expected = expected
        self.record = record
        self._modules = {}

    def module(self, name):
        if name not in self._modules:
            self._modules[name] = importlib.import_module(f"{self.package}.{name}")
        return self._modules[name]

    def func(self, module, name):
        mod = self.module(module)
        fn = getattr(mod, name, None)
        if fn is None:
            raise _Problem(f"{name} is missing from {_short(mod.__file__)}")
        return fn, mod.__file__


def _call(env, module, name, *args, **kwargs):
    """Call a student function with numpy warnings recorded instead of printed."""
    fn, file = env.func(module, name)
    args = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)
    with warnings.catch_warnings(record=True) as caught, np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
        warnings.simplefilter("always")
        try:
            result = fn(*args, **kwargs)
        except _Problem:
            raise
        except Exception as exc:  # noqa: BLE001 — every failure becomes a row
            raise _Problem(_exception_hint(exc, name, file)) from None
    numeric = [w for w in caught if issubclass(w.category, (RuntimeWarning, FloatingPointError))]
    if numeric:
        raise _Problem(_warning_hint(name, numeric))
    return result


#: Functions whose exp must only ever see non-positive numbers, and how to get there.
_EXP_ADVICE = {
    "sigmoid": "exponentiate only non-positive numbers: write sigmoid one way for x >= 0 and "
               "another for x < 0, so that exp never sees a large positive number",
    "swish": "build swish on your stable sigmoid_forward, whose exp only sees non-positive "
             "numbers, instead of a fresh np.exp",
    "elu": "exp is only needed where x <= 0, so exponentiate np.minimum(x, 0), which can never "
           "overflow",
    "gelu": "exponentiate only non-positive numbers (exp(-x**2 / 2) can never overflow)",
    "tanh": "np.tanh is stable for every x; if you build tanh from exp, exponentiate only "
            "non-positive numbers",
}
_EXP_ADVICE["selu"] = _EXP_ADVICE["elu"]
_ROW_MAX_ADVICE = ("subtract each row's maximum score before np.exp: the softmax does not "
                   "change, and exp then never sees a positive number")
_LOG_ZERO_ADVICE = ("log of a probability that underflowed to 0: compute log-softmax as "
                    "shifted - log(sum(exp(shifted))), never log of a probability")
_WHERE_ADVICE = ("np.where(condition, a, b) computes BOTH a and b for every element and only "
                 "then picks, so {what} in the branch your code throws away: make that branch "
                 "safe for every x (clip what goes into it, e.g. np.minimum(x, 0))")


def _inside_where_branch(filename, lineno) -> bool:
    """True when line ``lineno`` of ``filename`` lies in the second or third argument of a
    ``where(...)`` call (np.where evaluates both of them for every element)."""
    import ast
    import linecache

    linecache.checkcache(filename)          # the student may have edited the file since
    source = "".join(linecache.getlines(filename))
    if not source:
        return False
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or len(node.args) != 3:
            continue
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if called == "where" and any(a.lineno <= lineno <= a.end_lineno for a in node.args[1:]):
            return True
    return False


def _warning_hint(name, caught) -> str:
    """The hint for a numpy RuntimeWarning raised while ``name`` ran (``caught``: the records).

    Says where it happened and what to do about it for this particular function: subtract the
    row max (softmax, svm), exponentiate only non-positive numbers (sigmoid, swish, ELU, SELU,
    GELU, tanh), and mentions np.where only when the warning came from one of its branches.
    """
    first = next((w for w in caught if "overflow" in str(w.message)), caught[0])
    message = str(first.message)
    numpy_dir = str(Path(np.__file__).parent)
    in_student_code = bool(first.filename) and not first.filename.startswith(numpy_dir) \
        and Path(first.filename).name != "checks.py"
    loc = f" (line {first.lineno} of {Path(first.filename).name})" if in_student_code else ""
    said = f"{name}: numpy warned '{message}'{loc} — "
    family = name.rsplit("_", 1)[0] if name.endswith(("_forward", "_backward")) else name
    if in_student_code and _inside_where_branch(first.filename, first.lineno):
        what = "exp overflows" if "overflow" in message else "it warns"
        return said + _WHERE_ADVICE.format(what=what)
    if name in ("softmax_loss", "svm_loss"):
        if "divide by zero" in message and "log" in message:
            return said + _LOG_ZERO_ADVICE
        if "overflow" in message or "invalid" in message:
            return said + _ROW_MAX_ADVICE
    if family in _EXP_ADVICE and "overflow" in message:
        return said + _EXP_ADVICE[family]
    if "overflow" in message:
        return said + "a number grew past float64's range (about 1e308): exp of a large number?"
    if "divide by zero" in message:
        return said + "a division by zero (or log of 0): which denominator can be 0 here?"
    return said + "look for an overflow or a division by zero"


def _as_array(value, what):
    if isinstance(value, (float, int, np.floating, np.integer)):
        value = np.asarray(value, dtype=np.float64)
    if not isinstance(value, np.ndarray):
        raise _Problem(f"{what} should be a numpy array, got {type(value).__name__}")
    if not np.issubdtype(value.dtype, np.number):
        raise _Problem(f"{what} should hold numbers, got dtype {value.dtype}")
    return value.astype(np.float64)


def _unpack(result, name, names):
    """Check that ``result`` is a tuple of len(names) (or one value when len(names) == 1)."""
    if len(names) == 1:
        if isinstance(result, tuple):
            raise _Problem(f"{name} should return {names[0]} alone, got a tuple of {len(result)}")
        return (result,)
    if not isinstance(result, tuple) or len(result) != len(names):
        got = (f"a tuple of {len(result)}" if isinstance(result, tuple)
               else type(result).__name__)
        raise _Problem(f"{name} should return ({', '.join(names)}), got {got}")
    return result


def _rel_error(got, want):
    """cs231n's relative error, max over elements; shapes must already match."""
    with np.errstate(all="ignore"):
        err = np.abs(got - want) / np.maximum(1e-8, np.abs(got) + np.abs(want))
    return float(np.max(err)) if err.size else 0.0


def _diagnose(got, want, what="the output", hints=(), constants=None, x=None):
    """The shared diagnosis engine's name for the difference (``nnlab.diagnosis``: the same
    words as the course's grader), or '' when it sees no pattern in it.

    hints: named mistakes from ``nnlab.mistakes.hints(..., student=True)``; constants: sizes
    such as N, to name a factor; x: the input, to say where the wrong entries are.
    """
    xm = x if x is not None and np.shape(x) == np.shape(want) else None
    try:
        msg = _diagnosis_compare(got, want, name=what, rtol=0.0, constants=constants, x=xm,
                                 hints=hints, summary=False, fallback=False)
    except Exception:  # noqa: BLE001 — a diagnosis must never hide the verdict
        return ""
    return msg or ""


def _named(function, output, want, inputs, kwargs=None):
    """The named mistakes of ``output`` of ``function`` on these inputs (student wording)."""
    try:
        return _mistakes.hints(function, output, want, student=True, **inputs, **(kwargs or {}))
    except Exception:  # noqa: BLE001
        return []


def _compare(got, want, what, reference_shape_of=None, tol=FORWARD_TOL, formula_hint="",
             hints=(), constants=None, x=None):
    """Compare two arrays; return rel error or raise _Problem with a hint.

    hints, constants, x: what the diagnosis engine needs to name a mistake (see _diagnose).
    """
    got = _as_array(got, what)
    if got.shape != want.shape:
        if reference_shape_of:
            param, _ = reference_shape_of
            hint = f"{what} has shape {got.shape} but {param} has shape {want.shape}"
            if got.shape == want.shape[::-1] and got.ndim == 2:
                hint += ": transposed?"
            elif got.size == want.size:
                hint += ": reshape back"
        else:
            hint = f"{what} has shape {got.shape}, expected {want.shape}"
            if got.shape == want.shape[::-1] and got.ndim == 2:
                hint += ": transposed?"
        named = _diagnose(got, want, what, hints, constants) if hints else ""
        if named and f"{what} is " in named:
            hint = f"{hint.split(':')[0]}: {named.split(': ', 1)[-1]}"
        raise _Problem(hint)
    if not np.all(np.isfinite(got)):
        named = _diagnose(got, want, what, hints, constants) if hints else ""
        raise _Problem(named if named and "contains" in named else f"{what} contains NaN or inf")
    err = _rel_error(got, want)
    if err > tol:
        guess = _diagnose(got, want, what, hints, constants, x)
        if guess:
            hint = f"rel error {err:.0e}: {guess}"
        else:
            hint = f"rel error {err:.0e}" + (": " + formula_hint if formula_hint else "")
        raise _Problem(hint, rel_error=err)
    return err


def _numeric_grad(env, f, x, df):
    """Centred difference of sum(f(x) * df) w.r.t. x, with f the student's own forward."""
    x = x.astype(np.float64).copy()
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + NUM_H
        pos = np.sum(_as_array(f(x.copy()), "output") * df)
        x[ix] = old - NUM_H
        neg = np.sum(_as_array(f(x.copy()), "output") * df)
        x[ix] = old
        grad[ix] = (pos - neg) / (2 * NUM_H)
        it.iternext()
    return grad


def _gradient_check_module(env):
    try:
        return env.module("gradient_check")
    except Exception:  # noqa: BLE001
        return None


def _numerical(env, f, x, df):
    """Numerical gradient through nnlab.gradient_check when it is there, else our own copy."""
    gc = _gradient_check_module(env)
    fn = getattr(gc, "eval_numerical_gradient_array", None) if gc else None
    if fn is None:
        return _numeric_grad(env, f, x, df)
    x = x.astype(np.float64).copy()
    with warnings.catch_warnings(record=True), np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
        warnings.simplefilter("always")
        try:
            if df is None:
                g = getattr(gc, "eval_numerical_gradient")(
                    lambda z: float(_as_array(f(z.copy()), "loss")), x, verbose=False, h=NUM_H)
            else:
                g = fn(lambda z: _as_array(f(z.copy()), "output"), x, df, h=NUM_H)
        except _Problem:
            raise
        except Exception:  # noqa: BLE001 — fall back to our own centred difference
            return _numeric_grad(env, f, x, np.ones(()) if df is None else df)
    return np.asarray(g, dtype=np.float64)


# --------------------------------------------------------------------------------------------
# rows
# --------------------------------------------------------------------------------------------
def _expected(env, function, label):
    key = f"{function}/{label}"
    entry = env.expected.get(key) if env.expected else None
    if entry is None:
        raise _Problem(f"no expected values for '{key}' (regenerate open_expected)")
    return np.asarray(entry["values"], dtype=np.float64).reshape(entry["shape"])


def _round(a):
    return [float(f"{v:.10g}") for v in np.asarray(a, dtype=np.float64).ravel()]


def _value_row(env, function, label, compute, hint="", what=None):
    """A row comparing ``compute()`` (an array) with the stored reference values; while they are
    being recorded (``env.record``, ``python -m autograder.open_expected``), stores it instead.
    ``what`` names the value in the feedback (default: the label)."""
    what = what or label

    def run():
        value = _as_array(compute(), what)
        if env.record is not None:
            env.record[f"{function}/{label}"] = {"shape": list(value.shape),
                                                 "values": _round(value)}
            return 0.0
        return _compare(value, _expected(env, function, label), what, tol=FORWARD_TOL,
                        formula_hint=hint)
    return _row(function, label, run)


def _forward_row(env, function, label, module, args, kwargs=None, index=0, what="out",
                 hint=""):
    """Compare output ``index`` of ``function(*args)`` with the stored reference values."""
    def run():
        result = _call(env, module, function, *args, **(kwargs or {}))
        names = ("loss", "dx") if what == "loss" else ("out", "cache")
        value = _unpack(result, function, names)[index]
        value = _as_array(value, what)
        if env.record is not None:
            env.record[f"{function}/{label}"] = {"shape": list(value.shape),
                                                 "values": _round(value)}
            return 0.0
        want = _expected(env, function, label)
        inputs = dict(zip(_mistakes.argument_names(function), args))
        return _compare(value, want, what, tol=FORWARD_TOL,
                        formula_hint=hint or "compare with the formula in the notebook",
                        hints=_named(function, what, want, inputs, kwargs),
                        constants=_mistakes.sizes(function, **inputs), x=inputs.get("x"))
    return _row(function, label, run)


def _gradient_rows(env, function, forward, module, inputs, wrt, dout, kwargs=None,
                   label_suffix=""):
    """Rows comparing ``function`` (a backward) with numerical gradients of the student's forward.

    ``inputs``: dict name -> array (the forward's positional arguments, in order);
    ``wrt``: the input names the backward returns gradients for, in order.
    """
    kwargs = kwargs or {}
    names = list(inputs)
    labels = [f"d{n}{label_suffix}" for n in wrt]
    if env.record is not None:
        return []
    try:
        fwd = _call(env, module, forward, *inputs.values(), **kwargs)
        out, cache = _unpack(fwd, forward, ("out", "cache"))
        _as_array(out, f"{forward} out")
    except _Problem as p:
        msg = p.hint if "not written yet" not in p.hint else \
            f"needs {forward} first ({p.hint.split(' — ')[0]})"
        return [Row(function, lab, False, None, msg) for lab in labels]
    try:
        grads = _unpack(_call(env, module, function, dout.copy(), cache), function,
                        tuple(f"d{n}" for n in wrt))
    except _Problem as p:
        return [Row(function, lab, False, None, p.hint) for lab in labels]
    rows = []
    for name, lab, g in zip(wrt, labels, grads):
        def run(name=name, g=g):
            def f(z):
                args = [z if n == name else inputs[n] for n in names]
                return _unpack(_call(env, module, forward, *args, **kwargs), forward,
                               ("out", "cache"))[0]
            num = _numerical(env, f, inputs[name], dout)
            return _compare(g, num, f"d{name}", reference_shape_of=(name, None),
                            tol=GRADIENT_TOL,
                            formula_hint="revisit the chain rule (local gradient × dout)",
                            hints=_named(function, f"d{name}", num, {**inputs, "dout": dout},
                                         kwargs),
                            constants=_mistakes.sizes(function, **inputs), x=inputs.get("x"))
        rows.append(_row(function, lab, run))
    return rows


def _loss_rows(env, function, module, x, y, label_suffix=""):
    rows = [_forward_row(env, function, "loss" + label_suffix, module, (x, y), index=0,
                         what="loss")]
    if env.record is not None:
        return rows

    def run():
        loss, dx = _unpack(_call(env, module, function, x, y), function, ("loss", "dx"))
        num = _numerical(env, lambda z: _unpack(_call(env, module, function, z, y), function,
                                                ("loss", "dx"))[0], x, None)
        return _compare(dx, num, "dx", reference_shape_of=("x", None), tol=GRADIENT_TOL,
                        formula_hint="did you average over N?",
                        hints=_named(function, "dx", num, {"x": x, "y": y}),
                        constants={"N": x.shape[0]})
    rows.append(_row(function, "dx" + label_suffix, run))
    return rows


def _row(function, label, run):
    try:
        err = run()
        return Row(function, label, True, err, "")
    except _Problem as p:
        return Row(function, label, False, p.rel_error, p.hint)
    except Exception as exc:  # noqa: BLE001 — a bug in a check must not spill a traceback
        return Row(function, label, False, None, _exception_hint(exc, function))


# --------------------------------------------------------------------------------------------
# fixed inputs
# --------------------------------------------------------------------------------------------
def _rng(name):
    return np.random.default_rng(zlib.crc32(name.encode()) % (2 ** 31))


def _away_from_zero(x, gap=0.05):
    """Move values away from a kink at 0 so that centred differences are exact enough."""
    return np.where(np.abs(x) < gap, np.sign(x + 1e-12) * gap + x, x)


def _elementwise_x(name, shape=(3, 5), scale=2.0):
    return _away_from_zero(scale * _rng(name).standard_normal(shape))


def _dout(name, shape):
    return _rng(name + "/dout").standard_normal(shape)


def _affine_inputs():
    rng = _rng("affine")
    return (rng.standard_normal((3, 2, 4)), 0.5 * rng.standard_normal((8, 5)),
            0.5 * rng.standard_normal(5))


def _prelu_inputs():
    rng = _rng("prelu")
    return _away_from_zero(rng.standard_normal((4, 5))), rng.uniform(0.05, 0.3, size=5)


def _maxout_inputs():
    rng = _rng("maxout")
    for _ in range(100):
        x = rng.standard_normal((4, 3))
        w = 0.7 * rng.standard_normal((3, 2, 5))
        b = 0.3 * rng.standard_normal((2, 5))
        z = np.einsum("nd,dkm->nkm", x, w) + b
        if np.min(np.abs(z[:, 0] - z[:, 1])) > 0.05:
            return x, w, b
    raise RuntimeError("could not draw maxout inputs without near ties")


def _affine_relu_inputs():
    rng = _rng("affine_relu")
    for _ in range(100):
        x, w, b = (rng.standard_normal((3, 2, 4)), 0.5 * rng.standard_normal((8, 5)),
                   0.5 * rng.standard_normal(5))
        if np.min(np.abs(x.reshape(3, -1) @ w + b)) > 0.02:
            return x, w, b
    raise RuntimeError("could not draw affine_relu inputs away from the kink")


def _scores(name, scale=1.0):
    rng = _rng(name)
    for _ in range(100):
        x = scale * rng.standard_normal((5, 4))
        y = rng.integers(0, 4, size=5)
        margins = x - x[np.arange(5), y][:, None] + 1.0
        margins[np.arange(5), y] = 1.0
        if np.min(np.abs(margins)) > 0.02:
            return x, y
    raise RuntimeError("could not draw scores away from the hinge")


def _confidently_wrong_scores():
    """Scores of a network that is sure and wrong: in three of five examples a wrong class
    leads the correct one by several hundred (its probability is below 1e-300)."""
    rng = _rng("softmax_loss/confident")
    x = rng.standard_normal((5, 4))
    y = rng.integers(0, 4, size=5)
    for i, lead in zip(range(3), (800.0, 950.0, 1200.0)):
        x[i, (y[i] + 1 + i) % 4] += lead
    return x, y


# --------------------------------------------------------------------------------------------
# the checks of each function
# --------------------------------------------------------------------------------------------
_ELEMENTWISE = {   # name -> list of (label suffix, kwargs)
    "relu": [("", {})],
    "leaky_relu": [("", {}), (" (alpha=0.2)", {"alpha": 0.2})],
    "elu": [("", {}), (" (alpha=0.5)", {"alpha": 0.5})],
    "selu": [("", {})],
    "gelu": [("", {})],
    "sigmoid": [("", {})],
    "tanh": [("", {})],
    "swish": [("", {}), (" (beta=2)", {"beta": 2.0})],
}


def _check_elementwise_forward(env, act):
    fn = f"{act}_forward"
    x = _elementwise_x(act)
    rows = [_forward_row(env, fn, "out" + suffix, "activations", (x,), kw)
            for suffix, kw in _ELEMENTWISE[act]]
    if act in ("sigmoid", "swish", "elu", "selu", "gelu", "tanh"):
        big = np.array([[-800.0, -100.0, -30.0, 0.5], [30.0, 100.0, 800.0, -0.5]])
        rows.append(_forward_row(env, fn, "out, large |x| (±800)", "activations", (big,),
                                 hint="keep it stable: no overflow for large |x|"))
    return rows


def _check_elementwise_backward(env, act):
    x = _elementwise_x(act + "/backward")
    dout = _dout(act, x.shape)
    rows = []
    for suffix, kw in _ELEMENTWISE[act]:
        rows += _gradient_rows(env, f"{act}_backward", f"{act}_forward", "activations",
                               {"x": x}, ["x"], dout, kw, suffix)
    return rows


def _check(env, name):
    if name in LAB_FUNCTIONS["02_normalization"]:
        from . import checks_lab02
        return checks_lab02.check(env, name)
    if name in LAB_FUNCTIONS["04_optimizers"]:
        from .checks_optim import check_rows
        return check_rows(env, name)
    if name in LAB_FUNCTIONS["05_initialization"]:
        from .checks_init import check_rows
        return check_rows(env, name)
    if name in LAB_FUNCTIONS["06_training_recipe"]:
        from .checks_recipe import check_rows
        return check_rows(env, name)
    if name == "affine_forward":
        return [_forward_row(env, name, "out", "layers", _affine_inputs())]
    if name == "affine_backward":
        x, w, b = _affine_inputs()
        return _gradient_rows(env, name, "affine_forward", "layers", {"x": x, "w": w, "b": b},
                              ["x", "w", "b"], _dout("affine", (3, 5)))
    if name == "prelu_forward":
        return [_forward_row(env, name, "out", "activations", _prelu_inputs())]
    if name == "prelu_backward":
        x, a = _prelu_inputs()
        return _gradient_rows(env, name, "prelu_forward", "activations", {"x": x, "alpha": a},
                              ["x", "alpha"], _dout("prelu", x.shape))
    if name == "maxout_forward":
        return [_forward_row(env, name, "out", "activations", _maxout_inputs())]
    if name == "maxout_backward":
        x, w, b = _maxout_inputs()
        return _gradient_rows(env, name, "maxout_forward", "activations",
                              {"x": x, "w": w, "b": b}, ["x", "w", "b"],
                              _dout("maxout", (4, 5)))
    if name == "affine_relu_forward":
        return [_forward_row(env, name, "out", "layer_utils", _affine_relu_inputs())]
    if name == "affine_relu_backward":
        x, w, b = _affine_relu_inputs()
        return _gradient_rows(env, name, "affine_relu_forward", "layer_utils",
                              {"x": x, "w": w, "b": b}, ["x", "w", "b"],
                              _dout("affine_relu", (3, 5)))
    if name in ("softmax_loss", "svm_loss"):
        rows = _loss_rows(env, name, "losses", *_scores(name))
        if name == "softmax_loss":
            big_x, y = _scores(name + "/large", scale=1000.0)
            rows.append(_forward_row(env, name, "loss, scores ~1e3", "losses", (big_x, y),
                                     index=0, what="loss",
                                     hint="subtract the row maximum before exp"))
            rows.append(_forward_row(env, name, "loss, confident and wrong", "losses",
                                     _confidently_wrong_scores(), index=0, what="loss",
                                     hint="a probability of almost 0 must still give a finite "
                                          "loss: take its log analytically"))
        return rows
    if name in LAB_FUNCTIONS["03_regularization"]:
        from . import checks_lab03
        return checks_lab03.check(env, name)
    act, _, kind = name.rpartition("_")
    if act in _ELEMENTWISE and kind == "forward":
        return _check_elementwise_forward(env, act)
    if act in _ELEMENTWISE and kind == "backward":
        return _check_elementwise_backward(env, act)
    raise KeyError(name)


# --------------------------------------------------------------------------------------------
# public entry points
# --------------------------------------------------------------------------------------------
def _lab_of(name):
    for lab, funcs in LAB_FUNCTIONS.items():
        if name in funcs:
            return lab
    raise KeyError(f"there is no open check called {name!r}; try one of: "
                   + ", ".join(f for funcs in LAB_FUNCTIONS.values() for f in funcs))


def _resolve_lab(lab):
    if lab in LAB_FUNCTIONS:
        return lab
    for full in LAB_FUNCTIONS:
        if full.split("_")[0].lstrip("0") == str(lab).split("_")[0].lstrip("0"):
            return full
    raise KeyError(f"no lab called {lab!r}; labs: {', '.join(LAB_FUNCTIONS)}")


def load_expected(lab):
    path = EXPECTED_DIR / _EXPECTED_FILES[lab]
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _package_name(package):
    if package is None:
        return __package__ or __name__.rpartition(".")[0]
    return package if isinstance(package, str) else package.__name__


#: What a check cell says while ``nnlab autograde`` runs the notebook.
GRADED_ELSEWHERE = ("scored by the trusted grader, outside this notebook: "
                    "your feedback shows its verdict here")


def check(name, package=None) -> CheckResult:
    """Run the open checks of one function; returns a table (never raises for your bugs).

    While ``nnlab autograde`` runs the notebook, the kernel does not run your functions at all:
    the trusted grader scores them in a sandbox and writes its verdict into this cell's output.
    """
    lab = _lab_of(name)
    if is_grading():
        return CheckResult(name, [Row(name, "graded", False, None, GRADED_ELSEWHERE)])
    try:
        expected = load_expected(lab)
    except (OSError, ValueError) as exc:
        return CheckResult(name, [Row(name, "expected values", False, None,
                                      f"cannot read the expected values: {exc}")])
    env = _Env(_package_name(package), expected=expected)
    return _run(env, name)


def _run(env, name):
    try:
        rows = _check(env, name)
    except _Problem as p:
        rows = [Row(name, "all", False, p.rel_error, p.hint)]
    except Exception as exc:  # noqa: BLE001
        rows = [Row(name, "all", False, None, _exception_hint(exc, name))]
    return CheckResult(name, rows)


def check_lab(lab="01_layers", functions=None, package=None) -> CheckTable:
    """Run the open checks of every function of ``lab`` (or only ``functions``)."""
    lab = _resolve_lab(lab)
    names = list(LAB_FUNCTIONS[lab])
    if functions:
        unknown = [f for f in functions if f not in names]
        if unknown:
            raise KeyError(f"not checked in lab {lab}: {', '.join(unknown)}")
        names = [f for f in names if f in functions]
    return CheckTable(lab, [check(n, package=package) for n in names])


def record_expected(lab="01_layers", package=None) -> dict:
    """Run every forward row of ``lab`` on ``package`` and return the values it produces.

    The course staff run this on the reference package (``python -m autograder.open_expected``)
    to write ``open_expected/lab01.json``.
    """
    lab = _resolve_lab(lab)
    record = {}
    env = _Env(_package_name(package), record=record)
    failures = []
    for name in LAB_FUNCTIONS[lab]:
        for row in _check(env, name):
            if not row.passed:
                failures.append(f"{row.function}/{row.check}: {row.hint}")
    if failures:
        raise RuntimeError("the package cannot produce the expected values:\n  "
                           + "\n  ".join(failures))
    return dict(sorted(record.items()))
