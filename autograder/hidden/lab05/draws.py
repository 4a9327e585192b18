"""Drawing weight matrices from the student's initializers, for the hidden checks of lab 05.

The student's initializer runs in the sandbox with an int seed as ``rng`` (a Generator cannot
cross the sandbox boundary); what comes back is judged by the reference's
``nnlab.init_diagnosis`` (the open checks use the same engine), in the trusted process.
"""
import zlib

from autograder.diagnose import describe_type
from autograder.hidden.checklib import CheckFailed, call, fail, shape_str

import numpy as np

#: fan_in != fan_out, so that swapped fans change the scale; n = 240 000 draws per matrix
FAN_IN, FAN_OUT = 600, 400
#: the small matrices of the property and seed checks
SMALL = (30, 20)
#: the std a caller passes to gaussian (and a second one: std vs variance differ for both)
GAUSSIAN_STD = (0.05, 2.5)

RANDOM = ("gaussian", "xavier_normal", "xavier_uniform", "he_normal", "he_uniform")
FAN_SCALED = ("xavier_normal", "xavier_uniform", "he_normal", "he_uniform")
UNIFORM = ("xavier_uniform", "he_uniform")

#: how many statistical tests ran in this process (tests/test_lab05.py reads it to check the
#: union bound of nnlab.init_diagnosis.MAX_TESTS)
STATISTICAL_TESTS = []


def seed_for(*parts):
    """An int seed per check and function: a regrade draws the same matrices."""
    return zlib.crc32("/".join(map(str, parts)).encode()) % (2 ** 31)


def kwargs_for(name, mode=None, std=None):
    if name == "gaussian":
        return {"std": GAUSSIAN_STD[0] if std is None else std}
    return {} if mode is None else {"mode": mode}


SEED_NOT_GENERATOR = ("rng may be an int seed (or None), not only a Generator: turn it into one "
                      "with np.random.default_rng(rng), which accepts all three")


def call_initializer(fn, *args, case, **kwargs):
    """``checklib.call``, naming the mistake of an initializer that treats rng as a Generator
    only (the grader sends int seeds, as the docstring allows)."""
    try:
        return call(fn, *args, case=case, **kwargs)
    except CheckFailed as e:
        err = e.student_error
        if err is not None and "'int' object has no attribute" in str(err):
            raise CheckFailed(f"{e} — {SEED_NOT_GENERATOR}", student_error=err) from None
        raise


def draw(student, name, case, *, seed, fan_in=FAN_IN, fan_out=FAN_OUT, **kwargs):
    """The student's matrix as float64 values (any shape holding fan_in * fan_out numbers: the
    shape is the property check's business, so a transposed matrix is judged on its values)."""
    fn = getattr(student.initializers, name)
    w = call_initializer(fn, fan_in, fan_out, case=case, rng=seed, **kwargs)
    if not isinstance(w, np.ndarray) or w.dtype.kind not in "fiu":
        fail(f"{case}: {name} returned {describe_type(w)}, expected an ndarray of shape "
             f"{shape_str((fan_in, fan_out))}")
    if w.size != fan_in * fan_out:
        fail(f"{case}: {name} returned {w.size} weights (shape {shape_str(w.shape)}), expected "
             f"fan_in * fan_out = {fan_in * fan_out}, shape {shape_str((fan_in, fan_out))}")
    w = w.astype(np.float64).reshape(-1)
    if not np.all(np.isfinite(w)):
        fail(f"{case}: {name} returned weights that are not finite (nan or inf)")
    return w


def statistical(name, test):
    """Count one statistical test (for the union bound) and return its verdict."""
    STATISTICAL_TESTS.append(name)
    return test
