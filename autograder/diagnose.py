"""Recognise common mistakes by comparing a student's output with the reference output.

Runs in the TRUSTED process only, on plain numpy values that came back from the worker. The
messages are for students: they name the mistake when it is recognised ("off by a factor N=8",
"transposed", "wrong sign", "keepdims?") and otherwise summarise the difference (max relative
error and where). They never print the expected array.

    msg = compare(student_dx, ref_dx, name="dx", rtol=1e-9,
                  constants={"N": 8}, x=x, hints=[(candidate, "used 1 - x**2 ...")])
    if msg: fail(f"{case}: {msg}")
"""
from fractions import Fraction

import numpy as np

from .sandbox.protocol import Handle, type_name

#: Relative tolerance used to recognise a mistake (a candidate explanation must match this well).
MATCH_RTOL = 1e-6


def describe_type(value):
    if isinstance(value, Handle):
        return f"a {value.type_name} object"
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an ndarray of shape {value.shape}"
    return f"a {type_name(value)}"


def _as_float_array(value):
    """The value as a float64 ndarray, or None when it is not numeric data."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "fiub":
            return value.astype(np.float64)
        return None
    if isinstance(value, (bool, int, float, np.generic)) and not isinstance(value, (str, bytes)):
        try:
            return np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            return None
    return None


def _scale(e):
    m = float(np.max(np.abs(e))) if e.size else 0.0
    return max(m, 1e-12)


def _close(a, b, rtol):
    if a.shape != b.shape:
        return False
    with np.errstate(all="ignore"):
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
            return bool(np.array_equal(a, b, equal_nan=True))
        return bool(np.max(np.abs(a - b), initial=0.0) <= rtol * _scale(b))


def rel_error(s, e):
    """max |s - e| / max |e| (the error relative to the scale of the expected output)."""
    with np.errstate(all="ignore"):
        return float(np.max(np.abs(s - e), initial=0.0) / _scale(e))


def _fmt_idx(idx):
    return "(" + ", ".join(str(int(i)) for i in idx) + ")" if len(idx) != 1 else f"[{int(idx[0])}]"


def _nice_number(r):
    """'8', '1/8', '0.5', or None when r is not a clean constant."""
    if not np.isfinite(r) or r == 0:
        return None
    fr = Fraction(r).limit_denominator(16)
    if fr.numerator != 0 and abs(float(fr) - r) <= 1e-7 * abs(r) and abs(fr.numerator) <= 1000:
        return str(fr.numerator) if fr.denominator == 1 else f"{fr.numerator}/{fr.denominator}"
    return None


def explain_factor(r, constants):
    """Put a ratio student/expected into words, naming N, C, D... when it matches one."""
    for name, val in constants.items():
        if not val or val in (1, -1):
            continue
        if abs(r - val) <= 1e-6 * abs(val):
            return (f"off by a factor {name}={val:g} (yours are {val:g} times too large): "
                    f"did you sum where the mean over {name} is needed, or forget to divide by {name}?")
        if abs(r - 1.0 / val) <= 1e-6 / abs(val):
            return (f"off by a factor {name}={val:g} (yours are {val:g} times too small): "
                    f"did you average (divide by {name}) where a sum is needed?")
    nice = _nice_number(r)
    if nice is not None:
        return f"off by a constant factor {nice} (yours = {nice} × expected)"
    return None


def compare(student, expected, *, name="the output", rtol=1e-9, constants=None, x=None,
            x_name="x", hints=(), shape_hints=None, offsets=None, warnings=(), large=False):
    """None when ``student`` matches ``expected``; otherwise a message for the student.

    constants: named sizes (N, C, D, M, ...) used to name a factor.
    x: the input of the same shape as expected, to say where entries are wrong (x < 0, x > 0).
    hints: (candidate value, message): when the student's output matches the candidate, say so.
    shape_hints: {shape tuple: message} for known wrong shapes.
    offsets: {value: message} for known constant offsets (svm's forgotten correct class: 1).
    warnings: numpy warnings the call raised (overflow...).
    large: the inputs are large (stability case): NaN/inf are explained as overflow.
    """
    constants = dict(constants or {})
    exp = _as_float_array(expected)
    if exp is None:
        raise TypeError(f"reference value for {name} is not numeric: {type_name(expected)}")
    scalar = exp.ndim == 0

    if student is None:
        return f"{name} is None — a missing return?"
    if isinstance(student, (list, tuple, dict, str, Handle)):
        want = "a number" if scalar else "an ndarray"
        return f"{name} is {describe_type(student)}, expected {want}"
    s_raw = student
    s = _as_float_array(student)
    if s is None:
        return f"{name} is {describe_type(student)}, expected {'a number' if scalar else 'an ndarray'}"

    notes = []
    if isinstance(s_raw, np.ndarray) and s_raw.dtype in (np.float32, np.float16):
        notes.append(f"{name} is {s_raw.dtype}, expected float64: something cast it "
                     f"(np.float32, astype) — keep float64 throughout")

    if scalar:
        if s.size == 1 and s.ndim > 0:
            s = s.reshape(())
        elif s.ndim > 0:
            return f"{name} has shape {s.shape}, expected a single number"

    # ---------------------------------------------------------------- shapes
    if s.shape != exp.shape:
        shape_hints = shape_hints or {}
        msg = f"{name} has shape {s.shape}, expected {exp.shape}"
        if s.shape in shape_hints:
            return f"{msg}: {shape_hints[s.shape]}"
        if s.ndim == 2 and exp.ndim == 2 and s.shape == exp.shape[::-1]:
            if _close(s.T, exp, MATCH_RTOL):
                return f"{msg}: it is transposed (the values of {name}.T are right)"
            return f"{msg}: transposed? (rows and columns are swapped)"
        if s.size == exp.size:
            if np.squeeze(s).shape == np.squeeze(exp).shape:
                extra = "keepdims=True, or a (1, M)/(M, 1) array where a 1-D one is expected?"
                if _close(s.reshape(exp.shape), exp, MATCH_RTOL):
                    return f"{msg} (the values are right): {extra}"
                return f"{msg}: {extra}"
            if _close(s.reshape(exp.shape), exp, MATCH_RTOL):
                return f"{msg}: the values are right but need reshaping to {exp.shape}"
            return f"{msg}: a missing reshape?"
        if "N" in constants and s.shape == (constants["N"],) + exp.shape:
            return f"{msg}: one row per example — did you forget to sum over the batch (axis 0)?"
        if s.ndim == exp.ndim and s.ndim >= 1 and sorted(s.shape) != sorted(exp.shape):
            return f"{msg}: summed or indexed over the wrong axis?"
        return msg

    # ---------------------------------------------------------------- NaN / inf
    with np.errstate(all="ignore"):
        s_bad = ~np.isfinite(s)
        e_bad = ~np.isfinite(exp)
    if np.any(s_bad & ~e_bad):
        k = int(np.sum(s_bad & ~e_bad))
        what = "NaN" if np.any(np.isnan(s)) else "inf"
        msg = f"{name} contains {what} ({k} of {s.size} entries)"
        overflow = [w for w in warnings if "overflow" in w]
        if overflow:
            msg += f"; numpy warned '{overflow[0].split(': ', 1)[-1]}'"
        if overflow or large:
            msg += (" — an overflow on large inputs: use a numerically stable form "
                    "(subtract the max before exp, or exp of -|x| only)")
        return "; ".join(notes + [msg])

    if _close(s, exp, rtol):
        return "; ".join(notes) if notes else None

    # ---------------------------------------------------------------- recognised mistakes
    err = rel_error(s, exp)
    with np.errstate(all="ignore"):
        where = np.unravel_index(int(np.argmax(np.abs(s - exp))), exp.shape) if exp.ndim else ()
    summary = f"max relative error {err:.1e}" + (f" at index {_fmt_idx(where)}" if exp.ndim else "")

    def done(msg):
        return "; ".join(notes + [f"{name} {msg}", summary])

    if notes and err < 1e-4:      # float32 rounding explains the difference
        return "; ".join(notes + [summary])

    for cand, message in hints:
        c = _as_float_array(cand)
        if c is not None and c.shape == s.shape and _close(s, c, MATCH_RTOL):
            return done(f"is wrong: {message}")

    if scalar:
        d = float(s - exp)
        for off, message in (offsets or {}).items():
            if abs(d - off) <= 1e-6 * max(1.0, abs(off)):
                return done(f"is off by exactly {off:g}: {message}")
        if abs(float(exp)) > 1e-12:
            r = float(s) / float(exp)
            if abs(r + 1) <= 1e-6:
                return done("has the wrong sign")
            for cname, val in constants.items():
                if val and abs(r - val) <= 1e-6 * abs(val) or val and abs(r - 1 / val) <= 1e-6 / abs(val):
                    return done(f"is {explain_factor(r, {cname: val})}")
            if _nice_number(r) in ("2", "1/2"):
                return done(f"is {explain_factor(r, {})}")
        return done(f"is off by {d:.3g}")

    if _close(s, -exp, MATCH_RTOL):
        return done("has the wrong sign (it is exactly minus the expected values): sign flipped")
    if exp.ndim == 2 and exp.shape[0] == exp.shape[1] and _close(s, exp.T, MATCH_RTOL):
        return done("is transposed")
    ee = float(np.sum(exp * exp))
    if ee > 0:
        r = float(np.sum(s * exp)) / ee
        if abs(r - 1) > 1e-6 and _close(s, r * exp, MATCH_RTOL):
            words = explain_factor(r, constants)
            return done(f"is {words}" if words else
                        f"is proportional to the expected values but off by a factor {r:.4g}")
    d = s - exp
    if np.ptp(d) <= MATCH_RTOL * _scale(exp) and abs(float(np.mean(d))) > 0:
        return done(f"is off by a constant {float(np.mean(d)):.3g} in every entry")

    with np.errstate(all="ignore"):
        bad = np.abs(s - exp) > rtol * _scale(exp)
    if x is not None and np.shape(x) == exp.shape:
        xa = np.asarray(x, dtype=np.float64)
        neg, pos = xa < 0, xa > 0
        if bad.any() and not np.any(bad & ~neg) and neg.any():
            return done(f"is wrong only where {x_name} < 0 ({int(bad.sum())} of {int(neg.sum())} "
                        f"such entries; the entries where {x_name} > 0 are right)")
        if bad.any() and not np.any(bad & ~pos) and pos.any():
            return done(f"is wrong only where {x_name} > 0 ({int(bad.sum())} of {int(pos.sum())} "
                        f"such entries; the entries where {x_name} < 0 are right)")
    if bad.all():
        return done("is wrong in every entry")
    return done(f"is wrong in {int(bad.sum())} of {bad.size} entries")
