"""Recognise common mistakes by comparing an output with the value it should have.

One engine for both sides of the course: the open checks (``nnlab.checks``, run by students on
fixed inputs) and the hidden checks of the trusted grader (``autograder.diagnose`` re-exports this
module) put the same mistake into the same words. The messages are for students: they name the
mistake when it is recognised ("off by a factor N=8", "transposed", "wrong sign", "keepdims?",
or one of the named mistakes of ``nnlab.mistakes``) and otherwise summarise the difference (max
relative error and where). They never print the expected array.

    msg = compare(student_dx, expected_dx, name="dx", rtol=1e-9,
                  constants={"N": 8}, x=x, hints=[(candidate, "used 1 - x**2 ...")])
    if msg: print(f"{case}: {msg}")

A hint's candidate is the value the mistake would produce (an array or a number, NaN and inf
included), or a predicate ``candidate(student_value) -> bool`` for a mistake that has no single
value. Plain numpy only: this module imports nothing from the grader.
"""
from fractions import Fraction

import numpy as np

#: Relative tolerance used to recognise a mistake (a candidate explanation must match this well).
MATCH_RTOL = 1e-6


#: Types whose values stand for an object kept elsewhere (the grader's sandbox handles):
#: named "a <type_name> object". The grader registers its type with :func:`register_opaque`.
_OPAQUE_TYPES = ()


def register_opaque(cls):
    """Treat instances of ``cls`` as opaque stand-ins (they carry a ``type_name``)."""
    global _OPAQUE_TYPES
    if cls not in _OPAQUE_TYPES:
        _OPAQUE_TYPES = _OPAQUE_TYPES + (cls,)
    return cls


def type_name(obj):
    """A readable name for what a value is: 'list', 'ndarray[complex128]', 'float', ..."""
    if isinstance(obj, np.ndarray):
        return f"ndarray[{obj.dtype}]"
    return type(obj).__name__


def describe_type(value):
    if _OPAQUE_TYPES and isinstance(value, _OPAQUE_TYPES):
        return f"a {getattr(value, 'type_name', type(value).__name__)} object"
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


def _phrase(message):
    """'is <message>' or 'is wrong: <message>' (see compare's ``hints``)."""
    return message if message.startswith("is ") else f"is wrong: {message}"


def _matches(s, cand):
    """Does the student's value ``s`` (float array) match a hint's candidate?"""
    if callable(cand):
        try:
            return bool(cand(s))
        except Exception:  # noqa: BLE001 — a predicate that cannot judge this value says no
            return False
    c = _as_float_array(cand)
    if c is None or c.shape != s.shape:
        return False
    with np.errstate(all="ignore"):
        c_bad, s_bad = ~np.isfinite(c), ~np.isfinite(s)
    if c_bad.any() or s_bad.any():
        # a mistake that produces inf/NaN: the same entries must be non-finite, the rest close
        return bool(np.array_equal(c_bad, s_bad)) and (
            not (~c_bad).any() or _close(s[~c_bad], c[~c_bad], MATCH_RTOL))
    return _close(s, c, MATCH_RTOL)


def _named(s, hints):
    for cand, message in hints or ():
        if _matches(s, cand):
            return message
    return None


def compare(student, expected, *, name="the output", rtol=1e-9, constants=None, x=None,
            x_name="x", hints=(), shape_hints=None, offsets=None, warnings=(), large=False,
            summary=True, fallback=True):
    """None when ``student`` matches ``expected``; otherwise a message for the student.

    constants: named sizes (N, C, D, M, ...) used to name a factor.
    x: the input of the same shape as expected, to say where entries are wrong (x < 0, x > 0).
    hints: (candidate, message) pairs, e.g. from ``nnlab.mistakes.hints``: when the student's
        output matches the candidate value (or the candidate predicate accepts it), the message
        names the mistake. A message that starts with "is " completes the sentence
        "<name> is ..."; any other reads "<name> is wrong: <message>".
    shape_hints: {shape tuple: message} for known wrong shapes.
    offsets: {value: message} for known constant offsets (svm's forgotten correct class: 1).
    warnings: numpy warnings the call raised (overflow...).
    large: the inputs are large (stability case): NaN/inf are explained as overflow.
    summary: append "max relative error ... at index ..." to a message about wrong values.
    fallback: False to get None instead of a message that only counts the wrong entries or
        states the difference (for a caller with advice of its own to give then).
    """
    constants = dict(constants or {})
    summary_wanted = summary
    exp = _as_float_array(expected)
    if exp is None:
        raise TypeError(f"reference value for {name} is not numeric: {type_name(expected)}")
    scalar = exp.ndim == 0

    if student is None:
        return f"{name} is None — a missing return?"
    if isinstance(student, (list, tuple, dict, str)) or (
            _OPAQUE_TYPES and isinstance(student, _OPAQUE_TYPES)):
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
        named = _named(s, hints)
        if named:
            return f"{msg}: {name} {_phrase(named)}"
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
        named = None if overflow else _named(s, hints)
        if named:
            said = f"{name} {named}" if named.startswith("is ") else named
            return "; ".join(notes + [f"{msg}: {said}"])
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
        return "; ".join(notes + [f"{name} {msg}"] + ([summary] if summary_wanted else []))

    if notes and err < 1e-4:      # float32 rounding explains the difference
        return "; ".join(notes + [summary])

    named = _named(s, hints)
    if named:
        return done(_phrase(named))

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
        return done(f"is off by {d:.3g}") if fallback else None

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
    if not fallback:
        return None
    if bad.all():
        return done("is wrong in every entry")
    return done(f"is wrong in {int(bad.sum())} of {bad.size} entries")
