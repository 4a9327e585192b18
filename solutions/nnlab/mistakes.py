"""Named mistakes: what a common mistake makes a function return, and how to say so.

For a graded function, one of its outputs, the inputs it was given and the value that output
should have, :func:`hints` lists the values that well-known mistakes would produce, each with a
message naming the mistake. ``nnlab.diagnosis.compare(..., hints=...)`` says the message when
the output matches one. Both sides of the course feed it: the open checks (``nnlab.checks``) with
their fixed inputs, and the course's hidden checks with theirs, so a mistake is named in the same
words everywhere.

    from nnlab.diagnosis import compare
    from nnlab.mistakes import hints, sizes
    msg = compare(db, db_expected, name="db", constants=sizes("affine_backward", x=x),
                  hints=hints("affine_backward", "db", db_expected, x=x, w=w, b=b, dout=dout))

A candidate is computed from the EXPECTED value and the inputs (``expected / N``,
``expected.T``, ``dout * (dout > 0)``...), never from a worked solution, so this file gives
nothing away that the messages do not say.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["Mistake", "MISTAKES", "argument_names", "hints", "sizes"]

#: The positional arguments of each forward function and loss (elementwise ones take just x).
ARGUMENTS = {
    "affine_forward": ("x", "w", "b"), "affine_relu_forward": ("x", "w", "b"),
    "maxout_forward": ("x", "w", "b"), "prelu_forward": ("x", "alpha"),
    "softmax_loss": ("x", "y"), "svm_loss": ("x", "y"),
}


def argument_names(function):
    """Names of the positional arguments of ``function`` (a forward pass or a loss)."""
    return ARGUMENTS.get(function, ("x",))


@dataclass(frozen=True)
class Mistake:
    """A named mistake in ``output`` of ``function``.

    candidate(expected, inputs) -> the value(s) the mistake produces: an array or number, a
    list of them (variants of one mistake), a predicate ``value -> bool``, or None when the
    mistake cannot be told apart on these inputs.
    message: for the course's feedback ("is ..." completes "<output> is ...", anything else
    reads "<output> is wrong: <message>"); ``{N}`` and the other sizes are filled in.
    student_message: the same mistake in the open checks, where the words may not hand over
    the code (defaults to ``message``).
    """
    id: str
    function: str
    output: str
    message: str
    candidate: Callable
    student_message: str | None = None


def _rows(x):
    return np.arange(x.shape[0])


def _onehot(x, y):
    onehot = np.zeros(x.shape)
    onehot[_rows(x), np.asarray(y, dtype=np.int64)] = 1.0
    return onehot


def _flattened_wrongly(x):
    """The ways students flatten x of shape (N, d1, ..., dk) in the wrong order."""
    N = x.shape[0]
    D = x.size // N
    variants = [x.reshape(D, N).T, x.reshape(N, -1, order="F"), x.T.reshape(N, -1)]
    right = x.reshape(N, -1)
    return [v for v in variants if not np.array_equal(v, right)]


def _correct_class_underflows(x, y):
    """Does exp(x[i, y[i]] - max_c x[i, c]) underflow to exactly 0 for some example?"""
    x = np.asarray(x, dtype=np.float64)
    gap = x[_rows(x), np.asarray(y, dtype=np.int64)] - x.max(axis=1)
    with np.errstate(under="ignore"):
        return bool(np.any(np.exp(gap) == 0.0))


def _correct_class_tiny(x, y, below=1e-12):
    x = np.asarray(x, dtype=np.float64)
    gap = x[_rows(x), np.asarray(y, dtype=np.int64)] - x.max(axis=1)
    with np.errstate(under="ignore"):
        return bool(np.any(np.exp(gap) < below))


def _softmax_underflow(expected, inp):
    x, y = inp["x"], inp["y"]
    if not _correct_class_underflows(x, y):
        return None
    return lambda value: np.size(value) == 1 and not np.all(np.isfinite(value))


def _softmax_epsilon(expected, inp):
    x, y = inp["x"], inp["y"]
    e = float(expected)
    if not _correct_class_tiny(x, y):
        return None
    return lambda value: (np.size(value) == 1 and np.all(np.isfinite(value))
                          and float(np.reshape(value, ())) < e - 1.0)


LOG_SOFTMAX = "compute log-softmax as shifted - log(sum(exp(shifted)))"
LOG_SOFTMAX_STUDENT = ("take the logarithm analytically: log(exp(a) / s) is a - log(s), "
                       "so no probability is ever rounded to 0 before its log is taken")
FLATTEN = ("x was flattened in the wrong order: row i must hold example i's values in their "
           "natural (C) order — x.reshape(N, -1), not x.reshape(D, N).T, order='F' or x.T")

MISTAKES = [
    # ------------------------------------------------------------------------- affine layer
    Mistake("affine_no_bias", "affine_forward", "out",
            "the bias b is missing (out = x @ w + b)",
            lambda e, i: e - i["b"]),
    Mistake("affine_flatten_order", "affine_forward", "out", FLATTEN,
            lambda e, i: [xf @ i["w"] + i["b"] for xf in _flattened_wrongly(i["x"])]),
    Mistake("affine_dw_transposed", "affine_backward", "dw",
            "is transposed: dw must have the shape of w, (D, M)",
            lambda e, i: e.T),
    Mistake("affine_db_mean", "affine_backward", "db",
            "is off by a factor N={N} (yours are {N} times too small): averaged over the "
            "batch: db sums dout over axis 0",
            lambda e, i: e / i["x"].shape[0]),
    # ------------------------------------------------------------------------- activations
    Mistake("relu_np_max", "relu_forward", "out",
            "used np.max, which reduces over an axis (np.max(x, 0) is the max of each column): "
            "ReLU compares every entry with 0 — numpy's elementwise maximum does that",
            lambda e, i: [np.max(i["x"], axis=0), np.max(i["x"], axis=-1)]),
    Mistake("relu_no_mask", "relu_backward", "dx",
            "the gradient also passes where x < 0: multiply dout by the mask (x > 0)",
            lambda e, i: i["dout"]),
    Mistake("relu_mask_inverted", "relu_backward", "dx",
            "the mask is inverted: the gradient passes where x > 0",
            lambda e, i: i["dout"] * (i["x"] < 0)),
    Mistake("relu_mask_from_dout", "relu_backward", "dx",
            "the mask was taken from dout (dout > 0): the gradient passes where the INPUT x "
            "is positive, whatever the sign of dout",
            lambda e, i: i["dout"] * (i["dout"] > 0)),
    Mistake("leaky_no_alpha", "leaky_relu_backward", "dx",
            "the slope alpha where x < 0 is missing: dx = alpha * dout there, not 0",
            lambda e, i: i["dout"] * (i["x"] > 0)),
    Mistake("leaky_no_mask", "leaky_relu_backward", "dx",
            "the slope alpha where x < 0 is missing (dx = dout everywhere)",
            lambda e, i: i["dout"]),
    Mistake("elu_alpha_only", "elu_backward", "dx",
            "where x < 0 the derivative is alpha * exp(x) (= out + alpha), not alpha",
            lambda e, i: np.where(i["x"] > 0, i["dout"], i["dout"] * i.get("alpha", 1.0))),
    Mistake("tanh_one_minus_x2", "tanh_backward", "dx",
            "used 1 - x**2: the derivative is 1 - tanh(x)**2, i.e. 1 - out**2",
            lambda e, i: i["dout"] * (1 - i["x"] ** 2),
            "used 1 - x**2: the derivative of tanh is written with tanh(x) (the forward's "
            "output), not with x"),
    Mistake("sigmoid_x_one_minus_x", "sigmoid_backward", "dx",
            "used x * (1 - x): the derivative is s * (1 - s) with s = sigmoid(x), the "
            "forward's output",
            lambda e, i: i["dout"] * i["x"] * (1 - i["x"])),
    # ------------------------------------------------------------------------- losses
    Mistake("softmax_log_underflow", "softmax_loss", "loss",
            f"log of a probability that underflowed to 0: {LOG_SOFTMAX}",
            _softmax_underflow,
            f"log of a probability that underflowed to 0 (the correct class trails the top "
            f"score by hundreds): {LOG_SOFTMAX_STUDENT}"),
    Mistake("softmax_log_epsilon", "softmax_loss", "loss",
            "is too small: an epsilon inside the log (log(p + eps)) props up a probability "
            "that underflowed, capping each example's loss at -log(eps): "
            + LOG_SOFTMAX,
            _softmax_epsilon,
            "is too small: an epsilon inside the log caps each example's loss where the "
            "correct class's probability underflowed: " + LOG_SOFTMAX_STUDENT),
    Mistake("softmax_minus_one_missing", "softmax_loss", "dx",
            "the correct class's -1 is missing: dx = (probs - one_hot(y)) / N",
            lambda e, i: e + _onehot(i["x"], i["y"]) / i["x"].shape[0],
            "the correct class's -1 is missing: the loss also contains -x[i, y[i]], whose "
            "derivative goes to the correct class"),
    Mistake("svm_counts_correct_class", "svm_loss", "loss",
            "is off by exactly 1: the margin of the correct class (x_y - x_y + 1 = 1 per "
            "example) is counted: skip c == y[i] (or zero those margins) before summing",
            lambda e, i: e + 1.0),
    Mistake("svm_dx_correct_class_missing", "svm_loss", "dx",
            "the correct-class column is missing: each example's correct class gets minus "
            "the number of classes whose margin is positive (divided by N)",
            lambda e, i: [e * (1 - _onehot(i["x"], i["y"])),
                          e * (1 - _onehot(i["x"], i["y"]))
                          + _onehot(i["x"], i["y"]) / i["x"].shape[0]]),
]

_BY_KEY: dict = {}
for _m in MISTAKES:
    _BY_KEY.setdefault((_m.function, _m.output), []).append(_m)


def sizes(function, **inputs) -> dict:
    """Named sizes to recognise a factor with: N, the batch size, where there is a batch."""
    x = inputs.get("x")
    if x is not None and np.ndim(x) >= 2 and not function.startswith(
            ("relu", "leaky", "elu", "selu", "gelu", "sigmoid", "tanh", "swish")):
        return {"N": int(np.shape(x)[0])}
    return {}


def hints(function, output, expected, *, student=False, **inputs) -> list:
    """(candidate, message) pairs for ``compare``: the named mistakes of ``output`` of
    ``function``, computed from ``expected`` and the inputs (x, w, b, y, dout, alpha...).

    student=True: the open checks' wording. A mistake that cannot be computed from the inputs
    given is left out; so is a candidate equal to the expected value.
    """
    expected = np.asarray(expected, dtype=np.float64)
    fill = sizes(function, **inputs)
    out = []
    for m in _BY_KEY.get((function, output), ()):
        try:
            with np.errstate(all="ignore"):
                cands = m.candidate(expected, inputs)
        except (KeyError, ValueError, IndexError, TypeError):
            continue
        if cands is None:
            continue
        text = (m.student_message or m.message) if student else m.message
        try:
            text = text.format(**fill)
        except (KeyError, IndexError):
            pass
        for c in (cands if isinstance(cands, list) else [cands]):
            if not callable(c):
                c = np.asarray(c, dtype=np.float64)
                if c.shape == expected.shape and np.array_equal(c, expected):
                    continue
            out.append((c, text))
    return out
