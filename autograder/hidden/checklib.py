"""Helpers for the hidden checks (trusted process only; never released).

A hidden check is a pytest test that receives

- ``student``: calls into the student's package through the sandbox
  (``student.layers.affine_forward(x, w, b)``), and
- ``ref``: the reference package (``autograder.reference.load_reference()``),

and fails by raising :class:`CheckFailed` with a message for the student. Checks never use a
bare ``assert`` (pytest would print the expression, i.e. hidden source) and never print the
expected arrays; the grader reports ``str(exception)`` only.

Tolerances, from float64 error analysis (unit roundoff u = 1.1e-16):

- forward/backward vs the reference: a different but correct order of operations changes each
  output by a few u times the sum of |terms| (at most a few hundred terms here, all O(1)), so
  |student - ref| <= ~1e-13 of the output scale; REF_RTOL = 1e-9 of max|ref| leaves 4 orders of
  margin and still catches every real mistake (the smallest, GELU's tanh approximation, is ~1e-4).
- centred finite differences with h = 1e-6 (inputs O(1), kept >= 0.05 away from kinks):
  truncation h^2 f'''/6 ~ 1e-12, roundoff u |f| / h ~ 1e-10; FD_RTOL = 1e-6 of max|grad|.
"""
import zlib

import numpy as np

from autograder.diagnose import compare, describe_type
from autograder.sandbox import Handle, StudentError

REF_RTOL = 1e-9
FD_RTOL = 1e-6
FD_H = 1e-6
CORRECTNESS = 3.0      # weight of a check comparing values (reference / finite differences)
PROPERTY = 1.0         # weight of a check of a property (shapes, dtype, tuple, no mutation)


class CheckFailed(AssertionError):
    """A failed hidden check; ``str()`` is the feedback shown to the student."""


def fail(message):
    raise CheckFailed(message)


def rng_for(check_name):
    """A generator seeded by the check's name: the same inputs for every submission, and
    independent of how (or whether) the student's code consumes random numbers."""
    return np.random.default_rng(zlib.crc32(check_name.encode()))


def away_from_zero(rng, shape, low=0.1, high=2.0):
    """Values in ±[low, high]: never near a kink at 0."""
    return rng.uniform(low, high, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def shape_str(shape):
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


class Student:
    """``student.layers.affine_forward(...)`` -> calls in the sandbox; ``student.warnings``."""

    def __init__(self, sandbox):
        self.sandbox = sandbox

    def __getattr__(self, module):
        if module.startswith("_"):
            raise AttributeError(module)
        return self.sandbox.module(module)

    @property
    def warnings(self):
        return list(self.sandbox.last_warnings)

    @property
    def mutated(self):
        return list(self.sandbox.last_mutated)


def _student_fail(case, e):
    """Fail a check because the student's code failed (not implemented: no case, no traceback)."""
    if e.kind == "not_implemented":
        fail(str(e))
    fail(f"{case}: {_fmt_student_error(e)}")


def _fmt_student_error(e):
    msg = str(e)
    if e.traceback:
        msg += "\n  where (your code):\n" + e.traceback
    return msg


def call(fn, *args, case, **kwargs):
    """Call a student function; a StudentError becomes a failed check naming the case."""
    try:
        return fn(*args, **kwargs)
    except StudentError as e:
        _student_fail(case, e)


def expect_tuple(result, n, what, case, names):
    if type(result) is not tuple:
        if isinstance(result, list) and len(result) == n:
            return tuple(result)   # a list of the right length is accepted as a tuple
        fail(f"{case}: {what} should return a tuple ({', '.join(names)}), "
             f"but returned {describe_type(result)}")
    if len(result) != n:
        fail(f"{case}: {what} should return a tuple of {n} ({', '.join(names)}), "
             f"but returned a tuple of {len(result)}")
    return result


def forward(student_fn, *args, case, what, **kwargs):
    """Run a student's forward; return (out, cache handle). The cache is never looked at."""
    res = call(student_fn, *args, case=case, keep=[1], **kwargs)
    out, cache = expect_tuple(res, 2, what, case, ("out", "cache"))
    return out, cache


def backward(student_fn, dout, cache, *, case, what, n, names, forward_name):
    try:
        res = student_fn(dout, cache)
    except StudentError as e:
        _student_fail(case, e)
    if n == 1:
        if type(res) is tuple and len(res) == 1:
            res = res[0]
        return (res,)
    return expect_tuple(res, n, what, case, names)


def check_array(value, name, shape, case, *, dtype=np.float64):
    """Type, exact shape and dtype of one returned array (property check)."""
    if not isinstance(value, np.ndarray):
        fail(f"{case}: {name} is {describe_type(value)}, expected an ndarray of shape {shape_str(shape)}")
    if value.shape != tuple(shape):
        msg = compare(value, np.zeros(shape), name=name)
        fail(f"{case}: {msg}")
    if dtype is not None and value.dtype != dtype:
        fail(f"{case}: {name} has dtype {value.dtype}, expected {np.dtype(dtype).name} "
             f"(float64 in, float64 out: don't cast)")


def check_close(value, expected, name, case, *, rtol=REF_RTOL, **diag):
    msg = compare(value, expected, name=name, rtol=rtol, **diag)
    if msg:
        fail(f"{case}: {msg}")


def check_no_warnings(student, case, what):
    ws = [w for w in student.warnings if "RuntimeWarning" in w]
    if ws:
        fail(f"{case}: {what} made numpy warn '{ws[0].split(': ', 1)[-1]}' — "
             f"overflow on large inputs: use a numerically stable formula")


def check_not_mutated(student, case, what, names):
    mutated = student.mutated
    if mutated:
        pretty = []
        for m in mutated:
            idx = m[len("args["):].split("]")[0] if m.startswith("args[") else None
            if idx is not None and idx.isdigit() and int(idx) < len(names) and m.count("[") == 1:
                pretty.append(names[int(idx)])
            else:
                pretty.append(m)
        fail(f"{case}: {what} modified its input {', '.join(pretty)} in place — "
             f"the caller's arrays must not change (work on a copy)")


def numeric_grad(student_fn, args, index, dout, *, case, what, kwargs=None, h=FD_H, select=0):
    """Centred finite differences of sum(f(args) * dout) w.r.t. args[index], where f is the
    STUDENT's function (evaluated in the worker through one call_many round trip).
    dout=None: f returns a scalar (a loss)."""
    kwargs = kwargs or {}
    base = args[index]
    flat = base.reshape(-1)
    args_list = []
    for i in range(flat.size):
        for sign in (1.0, -1.0):
            p = flat.copy()
            p[i] += sign * h
            a = list(args)
            a[index] = p.reshape(base.shape)
            args_list.append(a)
    try:
        outs = student_fn.many(args_list, select=select, **kwargs)
    except StudentError as e:
        fail(f"{case}: while computing finite differences of your {what}: {_fmt_student_error(e)}")
    grad = np.empty(flat.size)
    for i in range(flat.size):
        plus, minus = outs[2 * i], outs[2 * i + 1]
        if dout is None:
            if not isinstance(plus, (float, int, np.floating, np.ndarray)) or np.size(plus) != 1:
                fail(f"{case}: your {what} returned {describe_type(plus)} for the loss, expected a number")
            grad[i] = (float(np.asarray(plus, dtype=np.float64).reshape(())) -
                       float(np.asarray(minus, dtype=np.float64).reshape(()))) / (2 * h)
        else:
            if not isinstance(plus, np.ndarray) or plus.shape != dout.shape or \
                    not isinstance(minus, np.ndarray) or minus.shape != dout.shape:
                fail(f"{case}: your {what} returned {describe_type(plus)}, expected an ndarray of "
                     f"shape {shape_str(dout.shape)} (needed for finite differences)")
            with np.errstate(all="ignore"):
                grad[i] = np.sum((plus.astype(np.float64) - minus.astype(np.float64)) * dout) / (2 * h)
    return grad.reshape(base.shape)


# ------------------------------------------------------------------------------------------
# Generic checks of a forward/backward pair
# ------------------------------------------------------------------------------------------

class Layer:
    """A forward/backward pair: ``grads`` names the gradients backward returns, in order, and
    the index of the forward argument each one belongs to."""

    def __init__(self, module, fwd, bwd, arg_names, grads):
        self.module, self.fwd, self.bwd = module, fwd, bwd
        self.arg_names = tuple(arg_names)
        self.grads = tuple(grads)            # ((name, arg index), ...)

    def student_fwd(self, student):
        return getattr(getattr(student, self.module), self.fwd)

    def student_bwd(self, student):
        return getattr(getattr(student, self.module), self.bwd)

    def ref_fwd(self, ref):
        return getattr(getattr(ref, self.module), self.fwd)

    def ref_bwd(self, ref):
        return getattr(getattr(ref, self.module), self.bwd)


def _copies(args):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


def forward_vs_ref(layer, student, ref, args, kwargs, case, *, hints=None, extra=None,
                   x=None, constants=None, large=False, no_warnings=False):
    out, _ = forward(layer.student_fwd(student), *args, case=case, what=layer.fwd, **kwargs)
    warns = student.warnings
    expected, _ = layer.ref_fwd(ref)(*_copies(args), **kwargs)
    if no_warnings:
        check_no_warnings(student, case, layer.fwd)
    msg = compare(out, expected, name="out", rtol=REF_RTOL, x=x, constants=constants,
                  hints=hints or (), warnings=warns, large=large)
    if msg and extra is not None and isinstance(out, np.ndarray) and out.shape == expected.shape:
        more = extra(out, expected)
        if more:
            msg = f"{msg}; {more}"
    if msg:
        fail(f"{case}: {msg}")


def forward_props(layer, student, args, kwargs, case, out_shape):
    res = call(layer.student_fwd(student), *args, case=case, keep=[1], report_mutation=True,
               **kwargs)
    check_not_mutated(student, case, layer.fwd, layer.arg_names)
    out, _ = expect_tuple(res, 2, layer.fwd, case, ("out", "cache"))
    check_array(out, "out", out_shape, case)


def _student_grads(layer, student, args, kwargs, dout, case, report_mutation=False):
    _, cache = forward(layer.student_fwd(student), *args, case=f"{case} (forward pass for the cache)",
                       what=layer.fwd, **kwargs)
    names = [g for g, _ in layer.grads]
    try:
        res = layer.student_bwd(student)(dout, cache, report_mutation=report_mutation)
    except StudentError as e:
        _student_fail(case, e)
    if len(names) == 1:
        if type(res) is tuple and len(res) == 1:
            res = res[0]
        return (res,)
    return expect_tuple(res, len(names), layer.bwd, case, names)


def backward_vs_ref(layer, student, ref, args, kwargs, dout, case, *, hints=None, x=None,
                    constants=None, shape_hints=None, large=False, no_warnings=False, extra=None):
    grads = _student_grads(layer, student, args, kwargs, dout, case)
    warns = student.warnings
    if no_warnings:
        check_no_warnings(student, case, layer.bwd)
    _, rcache = layer.ref_fwd(ref)(*_copies(args), **kwargs)
    expected = layer.ref_bwd(ref)(dout.copy(), rcache)
    if len(layer.grads) == 1:
        expected = (expected,)
    hints = hints or {}
    for (gname, idx), g, e in zip(layer.grads, grads, expected):
        xm = x if (x is not None and np.shape(x) == np.shape(e)) else None
        msg = compare(g, e, name=gname, rtol=REF_RTOL, x=xm, constants=constants,
                      hints=hints.get(gname, ()), shape_hints=(shape_hints or {}).get(gname),
                      warnings=warns, large=large)
        if msg and extra is not None and isinstance(g, np.ndarray) and g.shape == e.shape:
            more = extra(gname, g, e)
            if more:
                msg = f"{msg}; {more}"
        if msg:
            fail(f"{case}: {msg}")


def backward_vs_fd(layer, student, args, kwargs, dout, case, *, constants=None, x=None):
    """The student's backward (own cache) against centred differences of the student's OWN
    forward: a consistent pair passes even where it differs from the reference."""
    grads = _student_grads(layer, student, args, kwargs, dout, case)
    fwd = layer.student_fwd(student)
    for (gname, idx), g in zip(layer.grads, grads):
        num = numeric_grad(fwd, args, idx, dout, case=case, what=layer.fwd, kwargs=kwargs)
        xm = x if (x is not None and np.shape(x) == num.shape) else None
        msg = compare(g, num, name=gname, rtol=FD_RTOL, x=xm, constants=constants)
        if msg:
            fail(f"{case}: {msg} (compared with finite differences of your own {layer.fwd})")


def backward_props(layer, student, args, kwargs, dout, case):
    grads = _student_grads(layer, student, args, kwargs, dout, case, report_mutation=True)
    if student.mutated:
        fail(f"{case}: {layer.bwd} modified dout in place — the caller's arrays must not change "
             f"(work on a copy)")
    for (gname, idx), g in zip(layer.grads, grads):
        check_array(g, gname, np.shape(args[idx]), case)
