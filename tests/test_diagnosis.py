"""The one diagnosis engine (nnlab.diagnosis) and its registry of named mistakes (nnlab.mistakes).

The hidden grader (through autograder.diagnose) and the students' open checks both use them; the
end-to-end behaviour is in test_hidden_checks.py and test_open_checks.py. Here: each named
mistake is recognised from a wrong output, never from a right one, and the engine stays plain
numpy, free of grader imports.
"""
import re
from pathlib import Path

import numpy as np
import pytest

from autograder.diagnose import compare, describe_type, mistakes
from autograder.reference import load_reference
from autograder.sandbox import Handle

REPO = Path(__file__).resolve().parents[1]
ref = load_reference()
rng = np.random.default_rng(6)


def _affine():
    x, w, b = rng.standard_normal((4, 2, 3)), rng.standard_normal((6, 5)), rng.standard_normal(5)
    dout = rng.standard_normal((4, 5))
    return x, w, b, dout


def _scores(confidently_wrong=False):
    x, y = rng.standard_normal((5, 4)), np.array([0, 1, 2, 3, 1])
    if confidently_wrong:
        x[0, 2] += 900.0            # the correct class 0 trails by 900: exp(-900) == 0
    return x, y


def _naive_softmax_loss(x, y, eps=0.0):
    s = x - x.max(axis=1, keepdims=True)
    p = np.exp(s) / np.exp(s).sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        return float(-np.mean(np.log(p[np.arange(len(y)), y] + eps)))


def _case(name):
    """(function, output, student value, expected value, inputs) for one named mistake."""
    if name in ("db_mean", "dw_transposed"):
        x, w, b, dout = _affine()
        _, cache = ref.layers.affine_forward(x, w, b)
        dx, dw, db = ref.layers.affine_backward(dout, cache)
        inp = dict(x=x, w=w, b=b, dout=dout)
        if name == "db_mean":
            return "affine_backward", "db", dout.mean(axis=0), db, inp
        return "affine_backward", "dw", dout.T @ x.reshape(4, -1), dw, inp
    if name.startswith("flatten") or name == "no_bias":
        x, w, b, _ = _affine()
        out, _ = ref.layers.affine_forward(x, w, b)
        xf = {"flatten_DN": x.reshape(6, 4).T, "flatten_F": x.reshape(4, -1, order="F"),
              "flatten_T": x.T.reshape(4, -1), "no_bias": x.reshape(4, -1)}[name]
        return "affine_forward", "out", xf @ w + (0 if name == "no_bias" else b), out, \
            dict(x=x, w=w, b=b)
    if name == "relu_np_max":
        x = rng.standard_normal((4, 6))
        return "relu_forward", "out", np.max(x, 0), np.maximum(0, x), dict(x=x)
    if name == "relu_mask_from_dout":
        x, dout = rng.standard_normal((4, 6)), rng.standard_normal((4, 6))
        return "relu_backward", "dx", np.where(dout > 0, dout, 0.0), dout * (x > 0), \
            dict(x=x, dout=dout)
    if name == "tanh_x":
        x, dout = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
        return "tanh_backward", "dx", dout * (1 - x ** 2), dout * (1 - np.tanh(x) ** 2), \
            dict(x=x, dout=dout)
    if name == "sigmoid_x":
        x, dout = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
        s = 1 / (1 + np.exp(-x))
        return "sigmoid_backward", "dx", dout * x * (1 - x), dout * s * (1 - s), \
            dict(x=x, dout=dout)
    if name in ("softmax_underflow", "softmax_epsilon"):
        x, y = _scores(confidently_wrong=True)
        loss, _ = ref.losses.softmax_loss(x, y)
        student = _naive_softmax_loss(x, y, eps=1e-10 if name == "softmax_epsilon" else 0.0)
        return "softmax_loss", "loss", student, loss, dict(x=x, y=y)
    if name == "softmax_minus_one":
        x, y = _scores()
        _, dx = ref.losses.softmax_loss(x, y)
        s = np.exp(x - x.max(axis=1, keepdims=True))
        return "softmax_loss", "dx", s / s.sum(axis=1, keepdims=True) / 5, dx, dict(x=x, y=y)
    if name in ("svm_no_column", "svm_column_counted", "svm_offset"):
        x, y = _scores()
        loss, dx = ref.losses.svm_loss(x, y)
        m = np.maximum(0, x - x[np.arange(5), y][:, None] + 1)
        if name == "svm_offset":
            return "svm_loss", "loss", m.sum() / 5, loss, dict(x=x, y=y)
        if name == "svm_column_counted":
            return "svm_loss", "dx", (m > 0) / 5.0, dx, dict(x=x, y=y)
        m[np.arange(5), y] = 0
        return "svm_loss", "dx", (m > 0) / 5.0, dx, dict(x=x, y=y)
    raise KeyError(name)


NAMED = {
    "db_mean": "factor N=4 (yours are 4 times too small): averaged over the batch",
    "dw_transposed": "is transposed",
    "flatten_DN": "flattened in the wrong order",
    "flatten_F": "flattened in the wrong order",
    "flatten_T": "flattened in the wrong order",
    "no_bias": "the bias b is missing",
    "relu_mask_from_dout": "mask was taken from dout",
    "relu_np_max": "used np.max, which reduces over an axis",
    "tanh_x": "1 - x**2",
    "sigmoid_x": "x * (1 - x)",
    "softmax_underflow": "log of a probability that underflowed to 0: compute log-softmax as "
                         "shifted - log(sum(exp(shifted)))",
    "softmax_epsilon": "epsilon inside the log",
    "softmax_minus_one": "-1 is missing",
    "svm_no_column": "correct-class column is missing",
    "svm_column_counted": "correct-class column is missing",
    "svm_offset": "off by exactly 1",
}


@pytest.mark.parametrize("name", NAMED)
def test_each_named_mistake_is_recognised(name):
    function, output, student, expected, inputs = _case(name)
    hints = mistakes.hints(function, output, expected, **inputs)
    msg = compare(student, expected, name=output, constants=mistakes.sizes(function, **inputs),
                  hints=hints)
    assert msg and NAMED[name] in msg, msg
    # the right value is never named, and the student wording names the same mistake
    assert compare(expected, expected, name=output, hints=hints) is None
    student_hints = mistakes.hints(function, output, expected, student=True, **inputs)
    assert len(student_hints) == len(hints)
    assert compare(student, expected, name=output, hints=student_hints)


def test_softmax_underflow_is_named_for_students_without_the_code():
    function, output, student, expected, inputs = _case("softmax_underflow")
    msg = compare(student, expected, name="loss",
                  hints=mistakes.hints(function, output, expected, student=True, **inputs))
    assert "underflowed to 0" in msg and "shifted - log(sum" not in msg, msg
    # where nothing underflows there is no such mistake to name
    x, y = _scores()
    assert mistakes.hints("softmax_loss", "loss", 1.0, x=x, y=y) == []


def test_overflow_is_not_mistaken_for_underflow():
    """softmax without the shift gives NaN where numpy warned of an overflow: that is the story."""
    x, y = _scores(confidently_wrong=True)
    loss, _ = ref.losses.softmax_loss(x, y)
    msg = compare(float("nan"), loss, name="loss", warnings=["RuntimeWarning: overflow "
                                                             "encountered in exp"],
                  hints=mistakes.hints("softmax_loss", "loss", loss, x=x, y=y))
    assert "overflow" in msg and "underflow" not in msg, msg


def test_grader_uses_the_reference_engine_and_names_handles():
    engine = __import__(f"{ref.__name__}.diagnosis", fromlist=["compare"])
    assert compare is engine.compare
    assert describe_type(Handle(3, "dict")) == "a dict object"
    assert compare(Handle(3, "tuple"), np.zeros(2), name="dx") == \
        "dx is a tuple object, expected an ndarray"


def test_engine_and_registry_are_plain_numpy():
    for name in ("diagnosis.py", "mistakes.py"):
        for root in (REPO / "solutions" / "nnlab", REPO / "lib" / "nnlab"):
            text = (root / name).read_text()
            assert not re.search(r"^\s*(from|import)\s+(autograder|nnlab_reference)", text, re.M)
            assert "BEGIN SOLUTION" not in text
