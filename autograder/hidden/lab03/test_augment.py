"""Hidden checks of lab 03: data augmentation (instructor only, never released).

``augment(X, y, max_shift, noise_std, seed) -> (X_aug, y_aug)`` is random, so it is judged by
what every correct implementation does, whatever random numbers it draws and in whatever
order: the labels come back unchanged; without noise every image is a zero-filled shift of its
original by at most max_shift in each direction, and over hundreds of images every allowed
shift occurs (a shift missing has probability < 1e-9); with max_shift = 0 the change is noise of
mean 0 and standard deviation noise_std (6 standard errors); the same seed gives the same
images; inputs are never modified. The judgements are the reference's
``nnlab.checks_lab03`` functions, shared with the notebook's open checks.
"""
import numpy as np
import pytest

from autograder.hidden.checklib import (
    CORRECTNESS, PROPERTY, call, check_array, expect_tuple, fail, rng_for, shape_str,
)


def grades(function, weight):
    return pytest.mark.grades(function, weight)


def _data(name, shape):
    """Images with every pixel in [0.1, 1]: each shift of an image is distinguishable."""
    rng = rng_for(name)
    return rng.uniform(0.1, 1.0, shape), rng.integers(0, 10, size=shape[0]).astype(np.int64)


def _case(X, kw):
    keys = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    return f"X of shape {shape_str(X.shape)}, {keys}"


def _augment(student, X, y, kw, case, mutation=False):
    res = call(student.augment.augment, X, y, case=case, report_mutation=mutation, **kw)
    return expect_tuple(res, 2, "augment", case, ("X_aug", "y_aug"))


def _judge(problem, case):
    if problem:
        fail(f"{case}: {problem}")


@grades("augment", CORRECTNESS)
def test_augment_keeps_labels(student, ref):
    X, y = _data("aug-labels", (50, 8, 8))
    kw = {"max_shift": 2, "noise_std": 0.1, "seed": 4}
    case = _case(X, kw)
    _, y_aug = _augment(student, X, y, kw, case)
    _judge(ref.checks_lab03.augment_labels_problem(y, y_aug), case)


@grades("augment", CORRECTNESS)
def test_augment_shifts_digits(student, ref):
    X, y = _data("aug-shift", (400, 8, 8))
    kw = {"max_shift": 1, "noise_std": 0.0, "seed": 1}
    case = _case(X, kw)
    X_aug, _ = _augment(student, X, y, kw, case)
    _judge(ref.checks_lab03.augment_shift_problem(X, X_aug, 1), case)


@grades("augment", CORRECTNESS)
def test_augment_shifts_channels_together(student, ref):
    X, y = _data("aug-shift-4d", (600, 3, 7, 9))
    kw = {"max_shift": 2, "noise_std": 0.0, "seed": 2}
    case = _case(X, kw)
    X_aug, _ = _augment(student, X, y, kw, case)
    _judge(ref.checks_lab03.augment_shift_problem(X, X_aug, 2), case)


@grades("augment", CORRECTNESS)
def test_augment_identity_without_shift_or_noise(student, ref):
    X, y = _data("aug-identity", (12, 8, 8))
    kw = {"max_shift": 0, "noise_std": 0.0, "seed": 3}
    case = _case(X, kw)
    X_aug, _ = _augment(student, X, y, kw, case)
    _judge(ref.checks_lab03.augment_noise_problem(X, X_aug, 0.0), case)


@grades("augment", CORRECTNESS)
def test_augment_noise_statistics(student, ref):
    X, y = _data("aug-noise", (300, 8, 8))
    kw = {"max_shift": 0, "noise_std": 0.3, "seed": 5}
    case = _case(X, kw)
    X_aug, _ = _augment(student, X, y, kw, case)
    _judge(ref.checks_lab03.augment_noise_problem(X, X_aug, 0.3), case)


@grades("augment", CORRECTNESS)
def test_augment_seed_reproducible(student, ref):
    X, y = _data("aug-seed", (40, 8, 8))
    kw = {"max_shift": 1, "noise_std": 0.1}
    a, _ = _augment(student, X, y, {**kw, "seed": 21}, _case(X, {**kw, "seed": 21}))
    b, _ = _augment(student, X, y, {**kw, "seed": 21}, _case(X, {**kw, "seed": 21}))
    c, _ = _augment(student, X, y, {**kw, "seed": 22}, _case(X, {**kw, "seed": 22}))
    for v in (a, b, c):
        check_array(v, "X_aug", X.shape, _case(X, kw), dtype=None)
    if not np.array_equal(a, b):
        fail(f"{_case(X, kw)}: two calls with seed=21 gave different images: the seed is "
             f"ignored — draw every random number from np.random.default_rng(seed)")
    if np.array_equal(a, c):
        fail(f"{_case(X, kw)}: seeds 21 and 22 gave the same images: is the seed hard-coded?")


@grades("augment", PROPERTY)
def test_augment_properties(student, ref):
    X, y = _data("aug-props", (10, 8, 8))
    kw = {"max_shift": 1, "noise_std": 0.2, "seed": 6}
    case = _case(X, kw)
    X_aug, y_aug = _augment(student, X, y, kw, case, mutation=True)
    if student.mutated:
        which = " and ".join("X" if m.startswith("args[0]") else "y" for m in student.mutated)
        fail(f"{case}: augment modified its input {which} in place — the caller's data must "
             f"not change (work on a copy)")
    check_array(X_aug, "X_aug", X.shape, case)
    if not isinstance(y_aug, np.ndarray) or y_aug.shape != y.shape:
        fail(f"{case}: {ref.checks_lab03.augment_labels_problem(y, y_aug)}")
