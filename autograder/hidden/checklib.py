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

from autograder.diagnose import compare, describe_type, mistakes
from autograder.sandbox import Handle, StudentError

REF_RTOL = 1e-9
FD_RTOL = 1e-6
FD_H = 1e-6
CORRECTNESS = 3.0      # weight of a check comparing values (reference / finite differences)
PROPERTY = 1.0         # weight of a check of a property (shapes, dtype, tuple, no mutation)


class CheckFailed(AssertionError):
    """A failed hidden check; ``str()`` is the feedback shown to the student.

    ``fraction``: the share of the check's weight earned anyway. A backward pass returning
    several gradients (dx, dw, db) gets one verdict per gradient, so a wrong db alone costs a
    third of the check. ``student_error``: the StudentError behind it, if the student's code
    failed."""

    def __init__(self, message, fraction=0.0, student_error=None):
        super().__init__(message)
        self.fraction = float(fraction)
        self.student_error = student_error


class NotGradable(CheckFailed):
    """The check could not judge its function on this case because ANOTHER function failed
    first (the forward pass that provides the cache). The grader leaves it out of the score:
    it neither costs nor earns points (see autograder.grade.scoring_rule)."""


def fail(message, fraction=0.0):
    raise CheckFailed(message, fraction)


class _CheckRecord:
    """What the running check found besides pass/fail; ``autograder.grade`` reads it after each
    check. ``notes``: feedback for a check that passes ("your relu_backward is at fault, graded
    there"). ``anchored``: the check compared with the reference (directly or through finite
    differences of a forward verified against it), whatever its name says."""

    def __init__(self):
        self.notes = []
        self.anchored = None


_record = _CheckRecord()


def begin_check():
    """Called by the grader before each check."""
    global _record
    _record = _CheckRecord()


def this_check():
    return _record


def note(message):
    if message not in _record.notes:
        _record.notes.append(message)


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
        raise CheckFailed(str(e), student_error=e)
    raise CheckFailed(f"{case}: {_fmt_student_error(e)}", student_error=e)


def _fmt_student_error(e):
    msg = str(e)
    removed = _removed_numpy_api(e)
    if removed:
        msg += "\n  " + removed
    if e.traceback:
        msg += "\n  where (your code):\n" + e.traceback
    return msg


def _removed_numpy_api(e):
    """The sentence naming a numpy API the student's code used that the grading numpy removed."""
    from autograder.reference import load_reference
    return load_reference().numpy_compat.explain_removed_api(e.exc_type or "", str(e), grading=True)


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


def named_mistakes(function, output, expected, **inputs):
    """The shared registry's named mistakes (nnlab.mistakes) for ``output`` of ``function``."""
    return mistakes.hints(function, output, expected, **inputs)


def _named_inputs(layer, args, kwargs):
    return {**dict(zip(layer.arg_names, args)), **kwargs}


def forward_vs_ref(layer, student, ref, args, kwargs, case, *, hints=None, extra=None,
                   x=None, constants=None, large=False, no_warnings=False, compose=None):
    """``compose``: for a composite (affine_relu_forward...), the recipe that rebuilds it from
    the student's own parts (see :class:`Parts`): a failure a part causes costs the part only."""
    parts = Parts(compose, student, ref, args, kwargs, no_warnings=no_warnings)
    try:
        out, _ = forward(layer.student_fwd(student), *args, case=case, what=layer.fwd,
                         **parts.call_options(), **kwargs)
    except CheckFailed as e:
        if parts.excuse_error(e, case, layer.fwd):
            return
        raise
    warns = student.warnings
    expected, _ = layer.ref_fwd(ref)(*_copies(args), **kwargs)
    if no_warnings:
        try:
            check_no_warnings(student, case, layer.fwd)
        except CheckFailed:
            if not parts.excuse_warnings(case, layer.fwd):
                raise
    hints = list(hints or ()) + named_mistakes(layer.fwd, "out", expected,
                                               **_named_inputs(layer, args, kwargs))
    msg = compare(out, expected, name="out", rtol=REF_RTOL, x=x, constants=constants,
                  hints=hints, warnings=warns, large=large)
    if msg and extra is not None and isinstance(out, np.ndarray) and out.shape == expected.shape:
        more = extra(out, expected)
        if more:
            msg = f"{msg}; {more}"
    if msg and not parts.excuse_value(out, 0, case, layer.fwd, "out"):
        fail(f"{case}: {msg}")


def forward_props(layer, student, args, kwargs, case, out_shape, *, ref=None, compose=None):
    """(out, cache) returned, out's shape and dtype, inputs not changed in place. ``compose``
    (with ``ref``): see :func:`forward_vs_ref`."""
    parts = Parts(compose, student, ref, args, kwargs)
    try:
        res = call(layer.student_fwd(student), *args, case=case, keep=[1], report_mutation=True,
                   **parts.call_options(), **kwargs)
    except CheckFailed as e:
        if parts.excuse_error(e, case, layer.fwd):
            return
        raise
    try:
        check_not_mutated(student, case, layer.fwd, layer.arg_names)
    except CheckFailed:
        if not parts.excuse_mutation(case, layer.fwd):
            raise
    out, _ = expect_tuple(res, 2, layer.fwd, case, ("out", "cache"))
    try:
        check_array(out, "out", out_shape, case)
    except CheckFailed:
        if not parts.excuse_value(out, 0, case, layer.fwd, "out"):
            raise


def _student_grads(layer, student, args, kwargs, dout, case, report_mutation=False):
    extra = {"watch_inputs": True} if report_mutation else {}
    try:
        _, cache = forward(layer.student_fwd(student), *args,
                           case=f"{case} (forward pass for the cache)", what=layer.fwd,
                           **extra, **kwargs)
    except CheckFailed as e:
        # No cache, so the backward cannot run here: leave this check out of its score rather
        # than charge it for the forward's mistake (graded at the forward).
        err = e.student_error
        if err is not None and err.kind == "not_implemented":
            raise NotGradable(f"{layer.bwd} is not graded yet: {layer.fwd} is not implemented, "
                              f"and {layer.bwd} needs its cache") from None
        how = (f"raises {err.exc_type}" if err is not None and err.exc_type else
               "fails" if err is not None else "returns no (out, cache) tuple")
        raise NotGradable(f"{case}: not counted: your {layer.fwd} {how} on this input, so "
                          f"{layer.bwd} gets no cache to work from ({layer.fwd} is graded for "
                          f"that)") from None
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
                    constants=None, shape_hints=None, large=False, no_warnings=False, extra=None,
                    compose=None):
    """The student's backward, given the cache of the student's own forward, against the
    reference. One verdict per gradient (dx, dw, db): the check earns the share that is right.
    ``compose``: see :func:`forward_vs_ref`."""
    parts = Parts(compose, student, ref, args, kwargs, dout=dout, no_warnings=no_warnings)
    try:
        grads = _student_grads(layer, student, args, kwargs, dout, case)
    except NotGradable:
        raise
    except CheckFailed as e:
        if parts.excuse_error(e, case, layer.bwd):
            return
        raise
    warns = student.warnings
    if no_warnings:
        try:
            check_no_warnings(student, case, layer.bwd)
        except CheckFailed:
            if not parts.excuse_warnings(case, layer.bwd):
                raise
    _, rcache = layer.ref_fwd(ref)(*_copies(args), **kwargs)
    expected = layer.ref_bwd(ref)(dout.copy(), rcache)
    if len(layer.grads) == 1:
        expected = (expected,)
    hints = hints or {}
    wrong = []
    for i, ((gname, idx), g, e) in enumerate(zip(layer.grads, grads, expected)):
        xm = x if (x is not None and np.shape(x) == np.shape(e)) else None
        named = named_mistakes(layer.bwd, gname, e, dout=dout, **_named_inputs(layer, args, kwargs))
        msg = compare(g, e, name=gname, rtol=REF_RTOL, x=xm, constants=constants,
                      hints=list(hints.get(gname, ())) + named,
                      shape_hints=(shape_hints or {}).get(gname), warnings=warns, large=large)
        if msg and extra is not None and isinstance(g, np.ndarray) and g.shape == e.shape:
            more = extra(gname, g, e)
            if more:
                msg = f"{msg}; {more}"
        if msg and not parts.excuse_value(g, i, case, layer.bwd, gname):
            wrong.append(msg)
    unless_forward_wrong(layer, student, ref, args, kwargs, case, wrong)
    fail_outputs(case, wrong, len(layer.grads))


def fail_outputs(case, wrong, n):
    """Fail a check of ``n`` outputs of which the messages ``wrong`` name the wrong ones: the
    check keeps the share of its weight that the right outputs earn."""
    if wrong:
        fail(f"{case}: " + "; ".join(wrong), fraction=(n - len(wrong)) / n)


def _perturbed(args, index, h=FD_H):
    """The argument lists of centred differences w.r.t. args[index]: +h, -h per entry."""
    base = np.asarray(args[index], dtype=np.float64)
    flat = base.reshape(-1)
    out = []
    for i in range(flat.size):
        for sign in (1.0, -1.0):
            p = flat.copy()
            p[i] += sign * h
            a = list(args)
            a[index] = p.reshape(base.shape)
            out.append(a)
    return out


def _centred(outs, dout, shape, h=FD_H):
    grad = np.empty(len(outs) // 2)
    with np.errstate(all="ignore"):
        for i in range(grad.size):
            grad[i] = np.sum((outs[2 * i] - outs[2 * i + 1]) * dout) / (2 * h)
    return grad.reshape(shape)


def _same_values(outs, ref_outs, shape):
    for o, r in zip(outs, ref_outs):
        if not isinstance(o, np.ndarray) or o.shape != shape or o.dtype.kind not in "fiu":
            return False
        with np.errstate(all="ignore"):
            if not np.max(np.abs(o - r), initial=0.0) <= REF_RTOL * max(np.max(np.abs(r)), 1e-12):
                return False
    return True


def forward_fd(layer, student, ref, args, index, dout, kwargs):
    """Centred finite differences of sum(forward(args) * dout) w.r.t. args[index].

    Of the STUDENT's forward (evaluated in the worker) where that forward is right: its output
    at every perturbed input agrees with the reference's. Otherwise (wrong, or failing) of the
    REFERENCE forward, computed here. Returns (gradient, True when it is the student's)."""
    points = _perturbed(args, index)
    ref_fwd = layer.ref_fwd(ref)
    ref_outs = [np.asarray(ref_fwd(*_copies(a), **kwargs)[0], dtype=np.float64) for a in points]
    try:
        outs = layer.student_fwd(student).many(points, select=0, **kwargs)
    except StudentError:
        outs = None
    if outs is not None and _same_values(outs, ref_outs, np.shape(dout)):
        return _centred([o.astype(np.float64) for o in outs], dout, np.shape(args[index])), True
    return _centred(ref_outs, dout, np.shape(args[index])), False


def backward_vs_fd(layer, student, args, kwargs, dout, case, *, ref=None, constants=None, x=None,
                   compose=None):
    """The student's backward (own cache) against centred finite differences of the forward:
    the student's own forward where it is right, so a correct pair passes whatever its order
    of operations; the reference forward where the student's is wrong, so a correct backward
    never pays for a wrong forward (that costs the forward only) and a wrong backward never
    passes by agreeing with a wrong forward. One verdict per gradient."""
    if ref is None:
        from autograder.reference import load_reference
        ref = load_reference()
    parts = Parts(compose, student, ref, args, kwargs, dout=dout)
    try:
        grads = _student_grads(layer, student, args, kwargs, dout, case)
    except NotGradable:
        raise
    except CheckFailed as e:
        if parts.excuse_error(e, case, layer.bwd):
            return
        raise
    this_check().anchored = True      # both kinds of finite differences agree with the reference
    wrong = []
    for i, ((gname, idx), g) in enumerate(zip(layer.grads, grads)):
        num, yours = forward_fd(layer, student, ref, args, idx, dout, kwargs)
        xm = x if (x is not None and np.shape(x) == num.shape) else None
        msg = compare(g, num, name=gname, rtol=FD_RTOL, x=xm, constants=constants)
        if msg and not parts.excuse_value(g, i, case, layer.bwd, gname):
            whose = (f"your own {layer.fwd}" if yours else
                     f"the reference {layer.fwd}, as yours differs from it on this input")
            wrong.append(f"{msg} (compared with finite differences of {whose})")
    unless_forward_wrong(layer, student, ref, args, kwargs, case, wrong)
    fail_outputs(case, wrong, len(layer.grads))


def forward_is_right(layer, student, ref, args, kwargs):
    """Does the student's forward agree with the reference on these inputs?"""
    try:
        res = layer.student_fwd(student)(*args, keep=[1], **kwargs)
    except StudentError:
        return False
    if type(res) not in (tuple, list) or len(res) != 2:
        return False
    expected, _ = layer.ref_fwd(ref)(*_copies(args), **kwargs)
    return compare(res[0], expected, rtol=REF_RTOL) is None


def unless_forward_wrong(layer, student, ref, args, kwargs, case, wrong):
    """A backward works from its forward's cache, which carries the forward's mistakes (ELU's
    cache holds its out). So where the student's forward is wrong on this input and NO gradient
    is right, the check is not counted (NotGradable): the forward pays for its mistake, the
    backward is judged on the inputs where its forward is right. Some gradient right: the
    check counts as usual (the cache was good enough for it)."""
    if wrong and len(wrong) == len(layer.grads) and not forward_is_right(layer, student, ref,
                                                                          args, kwargs):
        raise NotGradable(f"{case}: not counted: your {layer.fwd} is wrong on this input and "
                          f"{layer.bwd} works from its cache, so {layer.fwd} is graded for it — "
                          + "; ".join(wrong))


def _backward_mutation(layer, mutated):
    """Words for what a backward changed in place: dout, or (through the cache) an array its
    forward received. Both are the caller's arrays, and both cost the same."""
    said = []
    for m in mutated:
        if m.startswith("cache:"):
            path = m[len("cache:"):]
            idx = path[len("args["):].split("]")[0] if path.startswith("args[") else ""
            arg = layer.arg_names[int(idx)] if idx.isdigit() and int(idx) < len(layer.arg_names) \
                else path
            said.append(f"{layer.bwd} changed the input {arg} (through its cache) in place — the "
                        f"cache holds the caller's own {arg}, so {layer.fwd}'s caller sees it "
                        f"change: build new arrays (a mask like {arg} > 0 is one) or work on a copy")
        elif m == "args[0]":
            said.append(f"{layer.bwd} modified dout in place — the caller's arrays must not "
                        f"change (work on a copy)")
        else:
            said.append(f"{layer.bwd} modified {m} in place — the caller's arrays must not change")
    return "; ".join(dict.fromkeys(said))


def backward_props(layer, student, args, kwargs, dout, case, *, ref=None, compose=None):
    """Tuple, shapes and dtype of the gradients (one verdict each); dout and the inputs held in
    the cache not changed in place. ``compose`` (with ``ref``): see :func:`forward_vs_ref`."""
    parts = Parts(compose, student, ref, args, kwargs, dout=dout)
    try:
        grads = _student_grads(layer, student, args, kwargs, dout, case, report_mutation=True)
    except NotGradable:
        raise
    except CheckFailed as e:
        if parts.excuse_error(e, case, layer.bwd):
            return
        raise
    if student.mutated and not parts.excuse_mutation(case, layer.bwd):
        fail(f"{case}: {_backward_mutation(layer, student.mutated)}")
    wrong = []
    for i, ((gname, idx), g) in enumerate(zip(layer.grads, grads)):
        try:
            check_array(g, gname, np.shape(args[idx]), case)
        except CheckFailed as e:
            if not parts.excuse_value(g, i, case, layer.bwd, gname):
                text = str(e)
                wrong.append(text[len(f"{case}: "):] if text.startswith(f"{case}: ") else text)
    fail_outputs(case, wrong, len(layer.grads))



# ------------------------------------------------------------------------------------------
# Composite functions are graded on their own wiring
# ------------------------------------------------------------------------------------------

class _PartFailed(Exception):
    """A part raised (or returned no usable value): the composition stops there."""


def _error_text(e):
    """What a StudentError says about the exception itself, without who raised it."""
    return str(e).split(" raised ", 1)[-1]


def _and(names):
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


#: Seconds a composite may run once a part it uses is known to hang (see Parts.call_options).
COMPOSITE_TIMEOUT_AFTER_A_HANG = 1.0


class Parts:
    """A composite (``affine_relu_forward`` = relu after affine, ``selu`` = scaled ELU, ``swish``
    = x times a sigmoid) recomputed in the trusted process from the STUDENT's own parts, each
    called through the sandbox and judged against the reference on the very input it received.

    When a composite check fails, the composite is excused where its result equals that
    composition while one of the parts it used is wrong there (or raised the same error, hangs,
    or made numpy warn): the composite is wired correctly, the part is at fault and loses its points
    where it is graded, and the composite keeps its own, with a note naming the part. Where the
    composite differs from both the reference and the composition, it fails as usual.

    ``recipe(parts, *args, dout=None, **kwargs)`` returns the composite's outputs as a tuple (its
    ``out`` for a forward; its gradients when ``dout`` is given) or a list of such tuples (the
    wirings a correct student may choose), using ``parts.forward(module, function, *args)`` ->
    (out, cache) and ``parts.backward(module, function, dout, cache)`` -> tuple of gradients.
    """

    def __init__(self, recipe, student, ref, args, kwargs, dout=None, no_warnings=False):
        self.recipe, self.student, self.ref = recipe, student, ref
        self.args, self.kwargs, self.dout = list(args), dict(kwargs), dout
        self.no_warnings = no_warnings
        self.used = []            # the parts called, in order
        self.faults = {}          # part -> what is wrong with it on this input
        self.error = None         # the StudentError a part raised
        self.alternatives = []
        self._ran = False
        self._excused = []        # outputs of the composite excused so far (one note for all)
        self._note = None

    # ---- building the composition
    def _use(self, function):
        if function not in self.used:
            self.used.append(function)

    def _fault(self, function, why):
        self.faults.setdefault(function, why)

    def _call(self, module, function, *args, optional=False, **kwargs):
        self._use(function)
        try:
            res = getattr(getattr(self.student, module), function)(
                *args, report_mutation=True, watch_inputs=True, **kwargs)
        except StudentError as e:
            if optional:
                raise _PartFailed from None
            self._fault(function, "hangs (runs past the time limit) here" if e.kind == "timeout"
                        else f"raised {e.exc_type or 'an error'} here")
            self.error = e
            raise _PartFailed from None
        if self.student.mutated:
            self._fault(function, "changes an array it was given in place")
        return res

    def _judge(self, function, got, expected):
        for g, e in zip(got, expected):
            if compare(g, e, rtol=REF_RTOL):
                self._fault(function, "is wrong here")

    def _warned(self, function):
        if self.no_warnings and any("RuntimeWarning" in w for w in self.student.warnings):
            self._fault(function, "made numpy warn (overflow) here")

    def forward(self, module, function, *args, **kwargs):
        res = self._call(module, function, *args, keep=[1], **kwargs)
        if self.dout is None:
            self._warned(function)
        if type(res) not in (tuple, list) or len(res) != 2 or not isinstance(res[0], np.ndarray):
            self._fault(function, "does not return (out, cache) here")
            raise _PartFailed
        out, cache = res
        try:
            ref_fn = getattr(getattr(self.ref, module), function)
            ref_out, ref_cache = ref_fn(*_copies(args), **kwargs)
        except Exception:
            raise _PartFailed from None
        self._judge(function, [out], [ref_out])
        return out, (cache, ref_cache)

    def backward(self, module, function, dout, caches, optional=False):
        cache, ref_cache = caches
        res = self._call(module, function, dout, cache, optional=optional)
        self._warned(function)
        try:
            expected = getattr(getattr(self.ref, module), function)(np.array(dout), ref_cache)
        except Exception:
            raise _PartFailed from None
        expected = expected if type(expected) is tuple else (expected,)
        got = res if type(res) in (tuple, list) else (res,)
        if len(got) != len(expected) or not all(isinstance(g, np.ndarray) for g in got):
            if optional:
                raise _PartFailed
            self._fault(function, "does not return the right number of arrays here")
            raise _PartFailed
        self._judge(function, got, expected)
        return tuple(got)

    def _run(self):
        if self._ran or self.recipe is None:
            return
        self._ran = True
        try:
            res = self.recipe(self, *self.args, dout=self.dout, **self.kwargs)
        except _PartFailed:
            return
        except Exception:       # the parts' values do not even compose (odd shapes): no excuse
            return
        self.alternatives = res if isinstance(res, list) else [res]

    def call_options(self):
        """Options for the call of the composite itself: once one of its parts is known to hang,
        a short time limit (a hang there is excused, see :meth:`excuse_error`, so a slow
        composite loses nothing by it), instead of paying the full limit a second time."""
        if self.recipe is None or not self.student.sandbox.hung_functions():
            return {}
        self._run()     # a part known to hang fails at once, without running again
        if self.error is not None and self.error.kind == "timeout":
            return {"timeout": min(COMPOSITE_TIMEOUT_AFTER_A_HANG,
                                   self.student.sandbox.call_timeout)}
        return {}

    def _at_fault(self):
        names = list(self.faults)
        return f"your {_and(names)} {'is' if len(names) == 1 else 'are'} at fault (graded there)"

    # ---- excusing a failure of the composite
    def excuse_value(self, value, index, case, composite, name):
        """True, with a note, when output ``index`` of the composite equals the composition's
        while a part is at fault."""
        self._run()
        if not self.faults:
            return False
        for alt in self.alternatives:
            if index < len(alt) and compare(value, alt[index], rtol=REF_RTOL) is None:
                self._excused.append(name)
                many = len(self._excused) > 1
                text = (f"{case}: {_and(self._excused)} {'differ' if many else 'differs'} from "
                        f"the reference only because {self._at_fault()} — "
                        f"{'they are' if many else 'it is'} exactly what your own "
                        f"{_and(self.used)} give together, so {composite} keeps its points")
                if self._note in this_check().notes:
                    this_check().notes.remove(self._note)
                self._note = text
                note(text)
                return True
        return False

    def excuse_error(self, exc, case, composite):
        """True, with a note, when the composite raised the very error one of its parts raises
        on this input, or ran past its time limit where one of its parts hangs (a composite
        that would hang by itself as well cannot be told apart from one that waits on the
        part: it is excused too; the part loses its points where it is graded)."""
        mine = getattr(exc, "student_error", None)
        if self.recipe is None or mine is None or mine.kind not in ("exception", "timeout"):
            return False
        self._run()
        theirs = self.error
        if mine.kind == "timeout":
            if theirs is None or theirs.kind != "timeout":
                return False
            note(f"{case}: {composite} ran past the time limit while {self._at_fault()}, "
                 f"so {composite} keeps its points")
            return True
        if theirs is None or (theirs.exc_type, _error_text(theirs)) != (mine.exc_type,
                                                                          _error_text(mine)):
            return False
        note(f"{case}: {composite} raised {mine.exc_type} inside a part: {self._at_fault()}, so "
             f"{composite} keeps its points")
        return True

    def excuse_mutation(self, case, composite):
        """True, with a note, when a part changes an array it was given in place."""
        self._run()
        culprits = [f for f, why in self.faults.items() if "in place" in why]
        if not culprits:
            return False
        is_are = "is" if len(culprits) == 1 else "are"
        note(f"{case}: the in-place change comes from a part: your {_and(culprits)} {is_are} at "
             f"fault (graded there), so {composite} keeps its points")
        return True

    def excuse_warnings(self, case, composite):
        """True, with a note, when a part made numpy warn on this input."""
        self._run()
        warned = [f for f, why in self.faults.items() if "warn" in why]
        if not warned:
            return False
        is_are = "is" if len(warned) == 1 else "are"
        note(f"{case}: the overflow warning comes from a part: your {_and(warned)} {is_are} at "
             f"fault (graded there), so {composite} keeps its points")
        return True
