"""Hidden checks of lab 04's learning-rate schedules (instructor only).

A schedule ``lr = schedule(epoch, base_lr, ...)`` is a pure function: the checks evaluate the
student's schedule at many epochs in one round trip and compare with the closed form (the
reference), at whole and at fractional epochs, with the caller's and with the default
hyperparameters. Known mistakes (off by one epoch, a missing clamp, ...) are named.
"""
import math

import numpy as np
import pytest

from autograder.diagnose import compare, describe_type
from autograder.hidden.checklib import CORRECTNESS, PROPERTY, REF_RTOL, call, fail

WHOLE = [float(e) for e in range(0, 41)]
FRACTIONAL = [0.25, 0.5, 1.75, 2.5, 4.999, 5.0, 5.001, 7.3, 9.99, 10.0, 10.01, 14.5, 19.5,
              20.0, 25.25, 33.3]

#: name -> (the caller's hyperparameters, the required ones alone (defaults for the rest))
HYPER = {
    "step_decay": ({"step_size": 5, "gamma": 0.5}, {}),
    "exponential_decay": ({"gamma": 0.9}, {}),
    "inverse_time_decay": ({"decay_rate": 0.3}, {}),
    "cosine_decay": ({"total_epochs": 30, "min_lr": 0.01}, {"total_epochs": 30}),
    "linear_warmup": ({"warmup_epochs": 8, "start_factor": 0.2}, {"warmup_epochs": 8}),
}
BASE_LR = 0.4


def _shifted(fn, shift):
    return lambda e, base_lr, **kw: fn(max(e + shift, 0.0), base_lr, **kw)


def mistakes(name):
    """(trusted implementation of a known mistake, message) for schedule ``name``."""
    off_by_one = "off by one epoch: the schedule is evaluated at epoch + 1 (or epoch - 1)"

    def step(e, lr, step_size=10, gamma=0.1):
        return lr * gamma ** math.floor(e / step_size)

    def exp_(e, lr, gamma=0.95):
        return lr * gamma ** e

    def inv(e, lr, decay_rate=1.0):
        return lr / (1 + decay_rate * e)

    def cos_(e, lr, total_epochs, min_lr=0.0, clamp=True, half=True, use_min=True):
        p = min(e, total_epochs) / total_epochs if clamp else e / total_epochs
        lo = min_lr if use_min else 0.0
        c = (1 + math.cos(math.pi * p)) / 2 if half else math.cos(math.pi * p)
        return lo + (lr - lo) * c

    def warm(e, lr, warmup_epochs, start_factor=0.0, clamp=True, use_start=True):
        done = min(e / warmup_epochs, 1.0) if clamp else e / warmup_epochs
        s = start_factor if use_start else 0.0
        return lr * (s + (1 - s) * done)

    found = {
        "step_decay": [
            (_shifted(step, 1), off_by_one),
            (_shifted(step, -1), off_by_one),
            (lambda e, lr, step_size=10, gamma=0.1: lr * gamma ** math.ceil(e / step_size),
             "the rate drops one step early (math.ceil where math.floor counts completed steps)"),
            (lambda e, lr, step_size=10, gamma=0.1: lr * gamma ** e,
             "the rate decays every epoch; it should drop once every step_size epochs"),
            (lambda e, lr, step_size=10, gamma=0.1: lr * gamma ** (e / step_size),
             "the decay is smooth (gamma ** (epoch / step_size)); a step schedule counts whole "
             "steps: floor(epoch / step_size)"),
        ],
        "exponential_decay": [
            (_shifted(exp_, 1), off_by_one),
            (_shifted(exp_, -1), off_by_one),
            (lambda e, lr, gamma=0.95: lr * (1 - gamma) ** e,
             "gamma is the factor KEPT per epoch: lr * gamma ** epoch, not (1 - gamma) ** epoch"),
        ],
        "inverse_time_decay": [
            (_shifted(inv, 1), off_by_one),
            (_shifted(inv, -1), off_by_one),
            (lambda e, lr, decay_rate=1.0: lr / (1 + decay_rate) ** e,
             "that is exponential decay: 1/t decay divides by (1 + decay_rate * epoch)"),
        ],
        "cosine_decay": [
            (_shifted(cos_, 1), off_by_one),
            (_shifted(cos_, -1), off_by_one),
            (lambda e, lr, total_epochs, min_lr=0.0: cos_(e, lr, total_epochs, min_lr, clamp=False),
             "after total_epochs the rate comes back up: clamp the epoch at total_epochs"),
            (lambda e, lr, total_epochs, min_lr=0.0: cos_(e, lr, total_epochs, min_lr, use_min=False),
             "min_lr is ignored: the curve must end at min_lr, not at 0"),
            (lambda e, lr, total_epochs, min_lr=0.0: cos_(e, lr, total_epochs, min_lr, half=False),
             "the factor (1 + cos(pi * epoch / total_epochs)) / 2 is needed, not the bare cosine"),
        ],
        "linear_warmup": [
            (_shifted(warm, 1), off_by_one),
            (_shifted(warm, -1), off_by_one),
            (lambda e, lr, warmup_epochs, start_factor=0.0: warm(e, lr, warmup_epochs, start_factor, clamp=False),
             "the rate keeps growing after the warm-up: from warmup_epochs on it stays base_lr"),
            (lambda e, lr, warmup_epochs, start_factor=0.0: warm(e, lr, warmup_epochs, start_factor, use_start=False),
             "start_factor is ignored: the ramp starts at start_factor * base_lr"),
        ],
    }
    return found[name]


def per_schedule(weight):
    return pytest.mark.parametrize(
        "name", [pytest.param(n, marks=pytest.mark.grades(n, weight), id=n) for n in HYPER])


def student_values(student, name, epochs, kwargs, case):
    fn = getattr(student.schedules, name)
    # one batched call through the worker; a crash reads as in every lab (checklib.call)
    out = call(fn.many, [[e, BASE_LR] for e in epochs], case=case, **kwargs)
    values = []
    for e, v in zip(epochs, out):
        if isinstance(v, np.ndarray) and v.size == 1 and v.dtype.kind in "fiu":
            v = v.reshape(())[()]
        if isinstance(v, bool) or not isinstance(v, (int, float, np.floating, np.integer)):
            fail(f"{case}: {name}(epoch={e:g}, ...) returned {describe_type(v)}, expected a "
                 f"number (the learning rate)")
        values.append(float(v))
    return np.array(values)


def check_schedule(student, ref, name, epochs, kwargs, case):
    got = student_values(student, name, epochs, kwargs, case)
    ref_fn = getattr(ref.schedules, name)
    expected = np.array([ref_fn(e, BASE_LR, **kwargs) for e in epochs])
    hints = []
    for fn, message in mistakes(name):
        try:
            with np.errstate(all="ignore"):
                hints.append((np.array([fn(e, BASE_LR, **kwargs) for e in epochs]), message))
        except (ZeroDivisionError, ValueError, OverflowError):
            pass
    msg = compare(got, expected, name="the learning rate", rtol=REF_RTOL, hints=hints)
    if msg:
        bad = [e for e, g, x in zip(epochs, got, expected) if abs(g - x) > REF_RTOL * max(abs(x), 1e-12)]
        first = f"; first wrong at epoch {bad[0]:g}" if bad else ""
        fail(f"{case}: {msg}{first}")


def _fmt(kwargs):
    return ", ".join(f"{k}={v:g}" for k, v in kwargs.items()) or "the default hyperparameters"


@per_schedule(CORRECTNESS)
def test_whole_epochs(student, ref, name):
    """Epochs 0, 1, ..., 40 with the caller's hyperparameters."""
    kwargs = HYPER[name][0]
    check_schedule(student, ref, name, WHOLE, kwargs,
                   f"base_lr={BASE_LR:g}, {_fmt(kwargs)}, epochs 0 to 40")


@per_schedule(CORRECTNESS)
def test_fractional_epochs(student, ref, name):
    """Fractional epochs (the Solver calls a schedule before every iteration)."""
    kwargs = HYPER[name][0]
    check_schedule(student, ref, name, FRACTIONAL, kwargs,
                   f"base_lr={BASE_LR:g}, {_fmt(kwargs)}, fractional epochs (e.g. 2.5)")


@per_schedule(CORRECTNESS)
def test_default_hyperparameters(student, ref, name):
    """Only the required arguments: the documented defaults for the rest."""
    kwargs = HYPER[name][1]
    check_schedule(student, ref, name, WHOLE[::3] + FRACTIONAL[::3], kwargs,
                   f"base_lr={BASE_LR:g}, {_fmt(kwargs)} (defaults)")


@per_schedule(PROPERTY)
def test_properties(student, ref, name):
    """A pure function: the same epoch gives the same rate whatever was asked before (no
    state kept between calls), and a finite, non-negative number."""
    kwargs = HYPER[name][0]
    case = f"{name} evaluated in reverse order of epochs"
    forward = student_values(student, name, WHOLE, kwargs, case)
    backward = student_values(student, name, WHOLE[::-1], kwargs, case)[::-1]
    if not np.all(np.isfinite(forward)) or np.any(forward < 0):
        fail(f"{case}: the learning rate must be a finite number >= 0")
    if not np.array_equal(forward, backward):
        fail(f"{case}: the rates depend on the order of the calls — a schedule is a pure "
             f"function of its arguments: keep no state between calls")
