"""Hidden checks of lab 03: inverted dropout (instructor only, never released).

Dropout is random, so no check compares a mask with the reference's: two correct functions
that draw random numbers differently drop different units. What every correct implementation
does, and these checks require:

- test mode is the identity;
- in train mode every output is 0 or x / p, and the fraction kept is p within 6 standard
  errors (a false failure has probability ~2e-9 per check), with one draw per entry of x;
- the same seed gives the same mask, different seeds different ones, no seed a fresh mask;
- the backward pass uses its own forward pass's mask: dx = dout * out / x (or, where that
  forward is wrong, the correct derivative dout * (out != 0) / p: one mistake, one deduction);
- shapes and float64 kept, inputs never modified (dout, and x through the cache, alike).

One mistake, one deduction (checklib): where the forward pass raises or returns no (out, cache),
a backward check cannot run and is not counted (``NotGradable``): the forward pays for it.

The judgements are the pure functions of ``nnlab.checks_lab03`` (the reference's copy), the
same ones the notebook's open checks use.
"""
import numpy as np
import pytest

from autograder.hidden.checklib import (
    CORRECTNESS, PROPERTY, CheckFailed, Layer, NotGradable, backward_props, call, check_array,
    expect_tuple, fail, rng_for, shape_str,
)

DROPOUT = Layer("dropout", "dropout_forward", "dropout_backward", ("x", "dropout_param"),
                (("dx", 0),))


def grades(function, weight):
    return pytest.mark.grades(function, weight)


def _x(name, shape):
    """Entries in ±[0.5, 2]: never 0, so a dropped unit is recognisable."""
    rng = rng_for(name)
    return rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], size=shape)


def _case(x, param):
    keys = ", ".join(f"{k}={v!r}" for k, v in param.items())
    return f"x of shape {shape_str(x.shape)}, dropout_param {{{keys}}}"


def _forward(student, x, param, case, keep_cache=False, mutation=False):
    res = call(student.dropout.dropout_forward, x, dict(param), case=case,
               keep=[1] if keep_cache else None, report_mutation=mutation)
    return expect_tuple(res, 2, "dropout_forward", case, ("out", "cache"))


def _judge(problem, case):
    if problem:
        fail(f"{case}: {problem}")


# ----------------------------------------------------------------------------- forward

@grades("dropout_forward", CORRECTNESS)
@pytest.mark.parametrize("p", [0.25, 0.6, 0.9])
def test_dropout_forward_train_statistics(student, ref, p):
    x = _x(f"drop-train-{p}", (300, 200))
    param = {"p": p, "mode": "train", "seed": int(100 * p)}
    case = _case(x, param)
    out, _ = _forward(student, x, param, case)
    _judge(ref.checks_lab03.dropout_train_problem(x, out, p), case)


@grades("dropout_forward", CORRECTNESS)
def test_dropout_forward_train_4d_without_seed(student, ref):
    x = _x("drop-train-4d", (60, 4, 10, 9))
    param = {"p": 0.7, "mode": "train"}
    case = _case(x, param)
    out, _ = _forward(student, x, param, case)
    _judge(ref.checks_lab03.dropout_train_problem(x, out, 0.7), case)


@grades("dropout_forward", CORRECTNESS)
@pytest.mark.parametrize("p", [0.35, 0.8])
def test_dropout_forward_test_mode_is_identity(student, ref, p):
    x = _x(f"drop-test-{p}", (7, 3, 5) if p < 0.5 else (9, 11))
    param = {"p": p, "mode": "test"}
    case = _case(x, param)
    out, _ = _forward(student, x, param, case)
    _judge(ref.checks_lab03.dropout_test_problem(x, out, p), case)


@grades("dropout_forward", CORRECTNESS)
def test_dropout_forward_keep_everything(student, ref):
    x = _x("drop-keep-all", (20, 30))
    param = {"p": 1.0, "mode": "train", "seed": 5}
    case = _case(x, param)
    out, _ = _forward(student, x, param, case)
    _judge(ref.checks_lab03.dropout_train_problem(x, out, 1.0), case)


@grades("dropout_forward", CORRECTNESS)
def test_dropout_forward_seed_reproducible(student, ref):
    x = _x("drop-seed", (100, 80))
    a = _forward(student, x, {"p": 0.5, "mode": "train", "seed": 11}, "seed 11, first call")[0]
    b = _forward(student, x, {"p": 0.5, "mode": "train", "seed": 11}, "seed 11, second call")[0]
    c = _forward(student, x, {"p": 0.5, "mode": "train", "seed": 12}, "seed 12")[0]
    for v, name in ((a, "seed 11"), (b, "seed 11"), (c, "seed 12")):
        check_array(v, "out", x.shape, f"x of shape {shape_str(x.shape)}, {name}", dtype=None)
    if not np.array_equal(a, b):
        fail("two calls with dropout_param['seed'] = 11 dropped different units: the seed is "
             "ignored — seed the generator with it (np.random.default_rng(seed) or "
             "np.random.seed(seed)) before drawing the mask")
    if np.array_equal(a, c):
        fail("seeds 11 and 12 dropped exactly the same units: is the seed hard-coded?")


@grades("dropout_forward", CORRECTNESS)
def test_dropout_forward_fresh_mask_without_seed(student, ref):
    x = _x("drop-noseed", (100, 80))
    param = {"p": 0.5, "mode": "train"}
    a = _forward(student, x, param, "no seed, first call")[0]
    b = _forward(student, x, param, "no seed, second call")[0]
    for v in (a, b):
        check_array(v, "out", x.shape, _case(x, param), dtype=None)
    if np.array_equal(a, b):
        fail(f"{_case(x, param)}: two calls without a seed dropped exactly the same units — "
             "without dropout_param['seed'] every call must draw a fresh mask (a fixed seed "
             "turns dropout into pruning the same units forever)")


@grades("dropout_forward", PROPERTY)
@pytest.mark.parametrize("mode", ["train", "test"])
def test_dropout_forward_properties(student, ref, mode):
    x = _x(f"drop-props-{mode}", (6, 2, 5))
    param = {"p": 0.6, "mode": mode, "seed": 1}
    case = _case(x, param)
    out, _ = _forward(student, x, param, case, mutation=True)
    if student.mutated:
        fail(f"{case}: dropout_forward modified its input x in place — the caller's arrays "
             f"must not change (x * mask, not x *= mask)")
    check_array(out, "out", x.shape, case)


# ----------------------------------------------------------------------------- backward

def _backward(student, dout, cache, case, mutation=False):
    res = call(student.dropout.dropout_backward, dout, cache, case=case,
               report_mutation=mutation)
    if type(res) is tuple and len(res) == 1:
        res = res[0]
    return res


def _cache_for_backward(student, x, param, case):
    """(out, cache) of the student's forward for a backward check; NotGradable when the forward
    gives none (the backward is then not counted here: the forward is graded for it)."""
    try:
        return _forward(student, x, param, f"{case} (forward pass for the cache)",
                        keep_cache=True)
    except NotGradable:
        raise
    except CheckFailed as e:
        err = e.student_error
        if err is not None and err.kind == "not_implemented":
            raise NotGradable("dropout_backward is not graded yet: dropout_forward is not "
                              "implemented, and dropout_backward needs its cache") from None
        how = (f"raises {err.exc_type}" if err is not None and err.exc_type else
               "fails" if err is not None else "returns no (out, cache) tuple")
        raise NotGradable(f"{case}: not counted: your dropout_forward {how} on this input, so "
                          f"dropout_backward gets no cache to work from (dropout_forward is "
                          f"graded for that)") from None


def _check_mask_reuse(student, ref, name, x, param):
    p = param["p"]
    rng = rng_for(name + "-dout")
    dout = rng.standard_normal(x.shape)
    case = _case(x, param)
    out, cache = _cache_for_backward(student, x, param, case)
    if not isinstance(out, np.ndarray) or out.shape != x.shape:
        raise NotGradable(f"{case}: not counted: this check reads the mask from your "
                          f"dropout_forward's out, which is not an array of the shape of x "
                          f"(dropout_forward is graded for that)")
    dx = _backward(student, dout, cache, case)
    problem = ref.checks_lab03.dropout_backward_problem(x, out.astype(np.float64), dout, dx, p)
    if problem and isinstance(dx, np.ndarray) and dx.shape == x.shape:
        # the forward may be wrong (e.g. no 1/p): the exact derivative of inverted dropout with
        # the forward's mask is right too; the forward loses its own points
        kept = out != 0
        if np.allclose(dx, dout * kept / p, rtol=1e-9, atol=1e-12):
            problem = None
    _judge(problem, case)


@grades("dropout_backward", CORRECTNESS)
@pytest.mark.parametrize("p", [0.3, 0.8])
def test_dropout_backward_uses_forward_mask(student, ref, p):
    x = _x(f"drop-bwd-{p}", (40, 25))
    _check_mask_reuse(student, ref, f"drop-bwd-{p}", x, {"p": p, "mode": "train", "seed": 3})


@grades("dropout_backward", CORRECTNESS)
def test_dropout_backward_uses_forward_mask_without_seed(student, ref):
    x = _x("drop-bwd-noseed", (5, 3, 4, 6))
    _check_mask_reuse(student, ref, "drop-bwd-noseed", x, {"p": 0.55, "mode": "train"})


@grades("dropout_backward", CORRECTNESS)
def test_dropout_backward_test_mode(student, ref):
    x = _x("drop-bwd-test", (8, 6))
    dout = rng_for("drop-bwd-test-dout").standard_normal(x.shape)
    param = {"p": 0.4, "mode": "test"}
    case = _case(x, param)
    _, cache = _cache_for_backward(student, x, param, case)
    dx = _backward(student, dout, cache, case)
    if not isinstance(dx, np.ndarray) or dx.shape != x.shape:
        check_array(dx, "dx", x.shape, case, dtype=None)
    if not np.allclose(dx, dout, rtol=1e-12, atol=0):
        if np.allclose(dx, 0.4 * dout, rtol=1e-9, atol=0):
            fail(f"{case}: dx = p * dout at test time: test mode is the identity, so dx = dout")
        fail(f"{case}: at test time out = x, so dx must equal dout")


@grades("dropout_backward", PROPERTY)
def test_dropout_backward_properties(student, ref):
    x = _x("drop-bwd-props", (7, 9))
    dout = rng_for("drop-bwd-props-dout").standard_normal(x.shape)
    param = {"p": 0.6, "mode": "train", "seed": 2}
    # tuple, shape and float64 of dx; neither dout nor the x its forward received (and may
    # keep in the cache) changed in place: checklib.backward_props, as for every lab-01 layer
    backward_props(DROPOUT, student, [x, param], {}, dout, _case(x, param), ref=ref)
