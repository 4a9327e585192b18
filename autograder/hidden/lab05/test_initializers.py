"""Hidden checks of lab 05's initializers (instructor only).

A correct initializer draws different numbers from the reference's (numpy's samplers consume a
generator differently), so its matrix is judged by its distribution, with the reference's
``nnlab.init_diagnosis``: its scale (std), that it is centred, its family (normal or uniform,
Kolmogorov-Smirnov), a uniform's bounds and every fan mode, over 240 000 draws each; and, exactly,
its shape (fan_in, fan_out), float64, and that the seed decides the draw.

False failures: each statistical test fails a CORRECT initializer with probability at most
init_diagnosis.DELTA = 1e-8 (the KS test at most 2e-8), by tail bounds that hold for any
sampler and any n: Gaussian/Chernoff and Hoeffding for the mean, Laurent-Massart (chi-square)
and Hoeffding for the variance, Dvoretzky-Kiefer-Wolfowitz-Massart for the KS distance. A
submission meets at most init_diagnosis.MAX_TESTS = 40 of them, so by the union bound a correct
submission loses anything by bad luck with probability < 1e-6 (tests/test_lab05.py counts the
tests and recomputes the bounds).
"""
import math

import numpy as np
import pytest

from autograder.diagnose import describe_type
from autograder.hidden.checklib import CORRECTNESS, PROPERTY, CheckFailed, call, fail, shape_str

from autograder.hidden.lab05.draws import (FAN_IN, FAN_OUT, FAN_SCALED, GAUSSIAN_STD, RANDOM, SMALL,
                                           UNIFORM, call_initializer, draw, kwargs_for, seed_for,
                                           statistical)


def per_function(weight, names):
    return pytest.mark.parametrize(
        "name", [pytest.param(n, marks=pytest.mark.grades(n, weight), id=n) for n in names])


def _engine(ref):
    return ref.init_diagnosis


def _case(name, mode=None, std=None, shape=(FAN_IN, FAN_OUT)):
    args = [f"fan_in={shape[0]}", f"fan_out={shape[1]}"]
    if std is not None:
        args.append(f"std={std:g}")
    if mode is not None:
        args.append(f"mode='{mode}'")
    return f"{name}({', '.join(args)}, rng=<seed>)"


def _expected(ref, name, mode=None, std=None):
    return _engine(ref).expected(name, FAN_IN, FAN_OUT, mode=mode, std=std)


def _mistakes(ref, name, mode=None, std=None):
    return _engine(ref).scale_mistakes(name, FAN_IN, FAN_OUT, mode=mode, std=std)


def _judge_scale(student, ref, name, check, mode=None, std=None):
    kwargs = kwargs_for(name, mode, std)
    case = _case(name, mode, kwargs.get("std"))
    w = draw(student, name, case, seed=seed_for(check, name, mode, std), **kwargs)
    family, s = _expected(ref, name, mode, kwargs.get("std"))
    msg = statistical(name, _engine(ref).judge_scale(w, family, s,
                                                     _mistakes(ref, name, mode, kwargs.get("std"))))
    if msg:
        fail(f"{case}: {msg}")


# ------------------------------------------------------------------------------ properties

@per_function(PROPERTY, ("constant",) + RANDOM)
def test_shape_and_dtype(student, ref, name):
    """A float64 array of shape (fan_in, fan_out) (cs231n's W1 is (input_dim, H1)); constant
    given an int value still returns float64."""
    kwargs = {"value": 1} if name == "constant" else kwargs_for(name)
    case = f"{name}(fan_in={SMALL[0]}, fan_out={SMALL[1]}{', value=1' if name == 'constant' else ''})"
    w = call_initializer(getattr(student.initializers, name), *SMALL, case=case,
                         rng=seed_for("props", name), **kwargs)
    if not isinstance(w, np.ndarray):
        fail(f"{case}: returned {describe_type(w)}, expected an ndarray of shape {shape_str(SMALL)}")
    if w.shape == SMALL[::-1]:
        fail(f"{case}: the shape is {shape_str(w.shape)}: transposed — weights have shape "
             f"(fan_in, fan_out), so that out = x @ W maps fan_in inputs to fan_out outputs")
    if w.shape != SMALL:
        fail(f"{case}: the shape is {shape_str(w.shape)}, expected (fan_in, fan_out) = "
             f"{shape_str(SMALL)}")
    if w.dtype != np.float64:
        fail(f"{case}: the dtype is {w.dtype}, expected float64 (the course computes in float64)")


# ------------------------------------------------------------------------------ constant

@pytest.mark.grades("constant", CORRECTNESS)
def test_constant_values(student, ref):
    """Every entry equals value (0 by default; a negative value; a fraction)."""
    fn = student.initializers.constant
    for kwargs in ({}, {"value": 0.25}, {"value": -3}):
        shown = ", ".join(f"{k}={v}" for k, v in kwargs.items())
        case = f"constant(fan_in={SMALL[0]}, fan_out={SMALL[1]}{', ' + shown if shown else ''})"
        w = call(fn, *SMALL, case=case, **kwargs)
        want = float(kwargs.get("value", 0.0))
        if not isinstance(w, np.ndarray) or w.size != SMALL[0] * SMALL[1] or \
                w.dtype.kind not in "fiub":
            fail(f"{case}: returned {describe_type(w)}, expected an ndarray of shape "
                 f"{shape_str(SMALL)}")
        if not np.all(w.astype(np.float64) == want):
            fail(f"{case}: every weight should be {want:g}, but the values range over "
                 f"{float(np.min(w)):g}..{float(np.max(w)):g}")


# ------------------------------------------------------------------------------ distribution

@per_function(CORRECTNESS, RANDOM)
def test_scale(student, ref, name):
    """The standard deviation of 240 000 draws with the default mode (gaussian: std=0.05)."""
    _judge_scale(student, ref, name, "scale")


@pytest.mark.grades("gaussian", CORRECTNESS)
def test_gaussian_callers_std(student, ref):
    """gaussian with std=2.5: the std, not the variance (std**2 and sqrt(std) named)."""
    _judge_scale(student, ref, "gaussian", "callers_std", std=GAUSSIAN_STD[1])


@per_function(CORRECTNESS, RANDOM)
def test_centred(student, ref, name):
    """The mean of the draws is 0 within its sampling spread."""
    case = _case(name, std=GAUSSIAN_STD[0] if name == "gaussian" else None)
    w = draw(student, name, case, seed=seed_for("centred", name), **kwargs_for(name))
    family, s = _expected(ref, name, std=kwargs_for(name).get("std"))
    msg = statistical(name, _engine(ref).judge_centred(w, family, s))
    if msg:
        fail(f"{case}: {msg}")


@per_function(CORRECTNESS, RANDOM)
def test_family(student, ref, name):
    """Normal initializers draw a bell curve, uniform ones a flat histogram: the
    Kolmogorov-Smirnov distance of w / rms(w) from the family's standard CDF."""
    case = _case(name, std=GAUSSIAN_STD[0] if name == "gaussian" else None)
    w = draw(student, name, case, seed=seed_for("family", name), **kwargs_for(name))
    family, _ = _expected(ref, name, std=kwargs_for(name).get("std"))
    msg = statistical(name, _engine(ref).judge_family(w, family))
    if msg:
        fail(f"{case}: {msg}")


@per_function(CORRECTNESS, UNIFORM)
def test_uniform_bounds(student, ref, name):
    """Every |w| <= b, and the largest |w| comes within 8e-5 of b (it does, but for 1e-8)."""
    case = _case(name)
    w = draw(student, name, case, seed=seed_for("bounds", name))
    _, s = _expected(ref, name)
    msg = statistical(name, _engine(ref).judge_bounds(w, s * math.sqrt(3.0),
                                                      _mistakes(ref, name)))
    if msg:
        fail(f"{case}: {msg}")


@per_function(CORRECTNESS, FAN_SCALED)
def test_other_fan_modes(student, ref, name):
    """The scale with each mode other than the default: fan_in, fan_out or avg."""
    default = _engine(ref).DEFAULT_MODE[name]
    wrong = []
    for mode in ("fan_in", "fan_out", "avg"):
        if mode == default:
            continue
        try:
            _judge_scale(student, ref, name, "modes", mode=mode)
        except CheckFailed as e:
            if e.student_error is not None:
                raise           # the function failed to run: said once, as in every check
            wrong.append(str(e))
    if wrong:
        fail("; ".join(wrong), fraction=1 - len(wrong) / 2)


# ------------------------------------------------------------------------------ the seed

@per_function(CORRECTNESS, RANDOM)
def test_seed_decides_the_draw(student, ref, name):
    """The same int seed gives the same matrix, another seed another matrix: the draws come from
    np.random.default_rng(rng), never from np.random's global state."""
    fn = getattr(student.initializers, name)
    kwargs = kwargs_for(name)
    case = f"{name}(fan_in={SMALL[0]}, fan_out={SMALL[1]}, rng=seed)"
    a, b, c = (call_initializer(fn, *SMALL, case=case, rng=seed, **kwargs) for seed in (7, 7, 8))
    for w in (a, b, c):
        if not isinstance(w, np.ndarray) or w.size != SMALL[0] * SMALL[1]:
            fail(f"{case}: returned {describe_type(w)}, expected an ndarray of shape "
                 f"{shape_str(SMALL)}")
    if not np.array_equal(a, b):
        fail(f"{case}: two calls with rng=7 gave different weights — the rng argument is "
             f"ignored: draw from np.random.default_rng(rng), not from np.random's global state")
    if np.array_equal(a, c):
        fail(f"{case}: rng=7 and rng=8 gave the same weights — the rng argument is ignored "
             f"(a fixed seed inside?): draw from np.random.default_rng(rng)")
