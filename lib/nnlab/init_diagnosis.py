"""Judging a random weight matrix by its distribution (lab 05; complete, nothing to write here).

An initializer draws random numbers, and every correct one draws DIFFERENT numbers (numpy's
``standard_normal``, ``normal``, ``uniform`` or ``2 * random() - 1`` consume the generator
differently), so a matrix cannot be compared with the reference's entry by entry. It is judged
instead by properties every correct draw of n = fan_in * fan_out weights has, each a statistical
test whose false-failure probability (a CORRECT initializer failing by bad luck) is at most
``DELTA`` = 1e-8, proved by a tail bound that holds for every n (no asymptotics):

- centred: |mean| <= t. Normal: the mean is N(0, std**2 / n) and P(|mean| > t) <=
  2 exp(-n t**2 / (2 std**2)) (Chernoff). Uniform on [-b, b]: Hoeffding, range 2b:
  P(|mean| > t) <= 2 exp(-n t**2 / (2 b**2)). t solves "= DELTA".
- scale: s**2 = mean(w**2) (the mean is known to be 0, so no estimate of it enters) against
  the expected variance. Normal: n s**2 / std**2 is chi-square with n degrees of freedom, and
  Laurent & Massart (2000, Lemma 1) give P(X - n >= 2 sqrt(n x) + 2x) <= e^-x and
  P(n - X >= 2 sqrt(n x)) <= e^-x, with x = ln(2 / DELTA). Uniform: w**2 lies in [0, b**2]:
  Hoeffding, P(|s**2 - b**2 / 3| > t) <= 2 exp(-2 n t**2 / b**4).
- family (Kolmogorov-Smirnov): the largest gap D between the empirical CDF of w / s and the
  standard normal (or the uniform of variance 1) CDF. The Dvoretzky-Kiefer-Wolfowitz inequality
  with Massart's constant, P(sup |F_n - F| > e) <= 2 exp(-2 n e**2), bounds D for the exact
  scale; dividing by s instead of the true std moves the CDF by at most c |r - 1| / min(r, 1),
  r = s / std within the scale interval above, c = sup |u f(u)| (1/sqrt(2 pi e) normal,
  1/2 uniform). So a correct draw fails only if one of the two events of probability DELTA
  happens: at most 2 DELTA.
- uniform bounds: every |w| <= b (exactly; 1e-12 relative for rounding) and max |w| >=
  b (1 - eta), P(max |w| < b (1 - eta)) = (1 - eta)**n <= exp(-n eta) = DELTA.

The grader runs at most ``MAX_TESTS`` such tests on one submission, so a correct submission
loses a point by bad luck with probability below MAX_TESTS * 2 * DELTA < 1e-6 (the union bound).

A failed test names the mistake when the draw fits a known one (fans swapped, He's factor 2
missing, a normal std used as a uniform bound, the lecture's sqrt(2/fan_in) typo, ...).
"""
import math

import numpy as np

from .mathutils import erf

#: false-failure probability allotted to ONE statistical test of a correct initializer
DELTA = 1e-8
#: the most statistical tests the grader runs on one submission (tests/test_lab05.py counts)
MAX_TESTS = 40

#: c = sup |u f(u)| of the standardized family: how far a CDF moves when the scale is off
_SCALE_LIPSCHITZ = {"normal": 1.0 / math.sqrt(2.0 * math.pi * math.e), "uniform": 0.5}

#: initializer -> (family, the variance's numerator g: Var = g / fan)
FAN_SCALED = {"xavier_normal": ("normal", 1.0), "xavier_uniform": ("uniform", 1.0),
              "he_normal": ("normal", 2.0), "he_uniform": ("uniform", 2.0)}
FAN_MODES_ORDER = ("fan_in", "fan_out", "avg")
DEFAULT_MODE = {"xavier_normal": "avg", "xavier_uniform": "avg", "he_normal": "fan_in",
                "he_uniform": "fan_in"}


# ------------------------------------------------------------------------------ tolerances

def _log_term(delta):
    return math.log(2.0 / delta)


def mean_tolerance(family, std, n, delta=DELTA):
    """t with P(|mean of n draws| > t) <= delta for a correct draw of standard deviation std."""
    if family == "normal":
        return std * math.sqrt(2.0 * _log_term(delta) / n)
    bound = std * math.sqrt(3.0)
    return bound * math.sqrt(2.0 * _log_term(delta) / n)


def variance_interval(family, n, delta=DELTA):
    """(lo, hi): a correct draw has lo <= mean(w**2) / variance <= hi with probability >=
    1 - delta."""
    x = _log_term(delta)
    if family == "normal":
        return 1.0 - 2.0 * math.sqrt(x / n), 1.0 + 2.0 * math.sqrt(x / n) + 2.0 * x / n
    half = 3.0 * math.sqrt(x / (2.0 * n))      # Hoeffding's t = b**2 sqrt(x / 2n), over b**2 / 3
    return 1.0 - half, 1.0 + half


def std_interval(family, n, delta=DELTA):
    """(lo, hi) for rms(w) / std: the square roots of ``variance_interval``."""
    lo, hi = variance_interval(family, n, delta)
    return math.sqrt(max(lo, 0.0)), math.sqrt(hi)


def ks_tolerance(family, n, delta=DELTA):
    """The largest KS distance of w / rms(w) from the family a correct draw shows, except with
    probability <= 2 delta (DKW-Massart plus the scale interval; see the module docstring)."""
    dkw = math.sqrt(_log_term(delta) / (2.0 * n))
    lo, hi = std_interval(family, n, delta)
    shift = max((1.0 - lo) / lo, hi - 1.0)
    return dkw + _SCALE_LIPSCHITZ[family] * shift


def edge_tolerance(n, delta=DELTA):
    """eta with P(max |w| < b (1 - eta)) <= delta for n uniform draws on [-b, b]."""
    return math.log(1.0 / delta) / n


# ------------------------------------------------------------------------------ the family

def standard_cdf(family, t):
    """CDF of the standardized family (mean 0, variance 1) at t."""
    t = np.asarray(t, dtype=np.float64)
    if family == "normal":
        return 0.5 * (1.0 + erf(t / math.sqrt(2.0)))
    root3 = math.sqrt(3.0)
    return np.clip((t + root3) / (2.0 * root3), 0.0, 1.0)


def ks_distance(sample, family):
    """sup_t |F_n(t) - F(t)|: the sample (already standardized) against the family's CDF."""
    s = np.sort(np.asarray(sample, dtype=np.float64).ravel())
    n = s.size
    cdf = standard_cdf(family, s)
    above = np.arange(1, n + 1) / n - cdf
    below = cdf - np.arange(0, n) / n
    return float(max(above.max(), below.max()))


# ------------------------------------------------------------------------------ what is expected

def fans(fan_in, fan_out):
    return {"fan_in": fan_in, "fan_out": fan_out, "avg": (fan_in + fan_out) / 2.0}


def expected(function, fan_in, fan_out, mode=None, std=None):
    """(family, standard deviation) of a correct draw of ``function``."""
    if function == "gaussian":
        return "normal", float(std)
    family, g = FAN_SCALED[function]
    mode = mode or DEFAULT_MODE[function]
    return family, math.sqrt(g / fans(fan_in, fan_out)[mode])


def scale_mistakes(function, fan_in, fan_out, mode=None, std=None):
    """(standard deviation the mistake draws with, message naming it), for the known mistakes
    of ``function``'s scale."""
    if function == "gaussian":
        s = float(std)
        return [(s * s, "std**2 was used as the standard deviation: std IS the standard "
                        "deviation (std vs variance), multiply a standard normal draw by std"),
                (math.sqrt(s), "sqrt(std) was used: std is the standard deviation itself")]
    family, g = FAN_SCALED[function]
    mode = mode or DEFAULT_MODE[function]
    fan_of = fans(fan_in, fan_out)
    fan = fan_of[mode]
    var = g / fan
    uniform = family == "uniform"
    # a uniform on [-b, b] has std b / sqrt(3): a mistake in the bound b shows as b / sqrt(3)
    as_std = (lambda b: b / math.sqrt(3.0)) if uniform else (lambda s: s)
    out = []
    if mode in ("fan_in", "fan_out"):
        other = "fan_out" if mode == "fan_in" else "fan_in"
        right = math.sqrt(3.0 * g / fan_of[other]) if uniform else math.sqrt(g / fan_of[other])
        out.append((as_std(right), f"fan_in and fan_out are swapped: mode='{mode}' scales by "
                                   f"{mode} (the weights have shape (fan_in, fan_out))"))
    else:
        for wrong, what in ((fan_in + fan_out, "their sum"), (fan_in, "fan_in alone"),
                            (fan_out, "fan_out alone")):
            right = math.sqrt(3.0 * g / wrong) if uniform else math.sqrt(g / wrong)
            out.append((as_std(right), f"mode='avg' scales by the AVERAGE of the fans, "
                                       f"(fan_in + fan_out) / 2, not {what}"))
    if g == 2.0:
        right = math.sqrt(3.0 / fan) if uniform else math.sqrt(1.0 / fan)
        out.append((as_std(right), "He's factor 2 is missing: the variance is 2 / fan (the gain "
                                   "sqrt(2) makes up for the half of the units a ReLU zeroes)"))
        if mode != "avg":
            glorot = math.sqrt(6.0 / (fan_in + fan_out)) if uniform else \
                math.sqrt(2.0 / (fan_in + fan_out))
            out.append((as_std(glorot), f"that is Glorot's scale, variance 2 / (fan_in + "
                                        f"fan_out): He's is 2 / {mode}"))
    else:
        right = math.sqrt(6.0 / fan) if uniform else math.sqrt(2.0 / fan)
        out.append((as_std(right), "that is He's scale (factor 2): Xavier's variance is 1 / fan"))
    if uniform:
        out.append((as_std(math.sqrt(var)),
                    f"the bound is the normal formula's std sqrt({g:g} / fan): a uniform on "
                    f"[-b, b] has variance b**2 / 3, so b = sqrt({3 * g:g} / fan)"))
    else:
        out.append((var, f"the variance {g:g} / fan was used as the standard deviation: multiply "
                         f"by its square root, sqrt({g:g} / fan)"))
        out.append((1.0 / math.sqrt(var), f"the draw was divided by sqrt({g:g} / fan) — the "
                                          f"lecture slide's typo: multiply by it"))
    return out


# ------------------------------------------------------------------------------ the tests
# Each returns None (passed) or a message for the student; ``w`` is the matrix, float64.

def judge_centred(w, family, std):
    n = w.size
    mean = float(np.mean(w))
    tol = mean_tolerance(family, std, n)
    if abs(mean) <= tol:
        return None
    if family == "uniform" and float(np.min(w)) >= 0:
        return (f"every weight is >= 0 (mean {mean:.3g}): draw from [-b, b], not [0, b] — the "
                f"weights must be centred on 0")
    return (f"the weights are not centred on 0: their mean is {mean:.3g}, and a correct draw of "
            f"{n} weights has |mean| <= {tol:.2g}")


def judge_scale(w, family, std, mistakes=()):
    n = w.size
    rms = float(np.sqrt(np.mean(np.square(w))))
    lo, hi = std_interval(family, n)
    if lo * std <= rms <= hi * std:
        return None
    for wrong_std, message in mistakes:
        if wrong_std > 0 and lo * wrong_std <= rms <= hi * wrong_std:
            return f"{message} (the weights' std is {rms:.4g}, expected {std:.4g})"
    ratio = rms / std if std else float("inf")
    return (f"the weights' standard deviation is {rms:.4g}, expected {std:.4g} (ratio "
            f"{ratio:.3g}; a correct draw of {n} weights is within {lo:.4f}..{hi:.4f} of it)")


def judge_family(w, family):
    n = w.size
    rms = float(np.sqrt(np.mean(np.square(w))))
    if not np.isfinite(rms) or rms == 0:
        return "the weights are all 0 (or not finite): nothing random was drawn"
    z = w / rms
    d = ks_distance(z, family)
    tol = ks_tolerance(family, n)
    if d <= tol:
        return None
    other = "uniform" if family == "normal" else "normal"
    shape = {"normal": "normal (bell-shaped)", "uniform": "uniform (flat)"}
    if ks_distance(z, other) <= tol:
        return (f"the weights are {shape[other]}, expected {shape[family]}: Kolmogorov-Smirnov "
                f"distance {d:.3g} > {tol:.2g}")
    if family == "uniform" and float(np.min(w)) >= 0:
        return "the weights are not spread over [-b, b]: every weight is >= 0 ([0, b] instead)"
    return (f"the histogram of the weights is not {shape[family]}: Kolmogorov-Smirnov distance "
            f"{d:.3g} > {tol:.2g}")


def judge_bounds(w, bound, mistakes=()):
    """Uniform only: every |w| <= bound, and the largest |w| reaches it."""
    n = w.size
    top = float(np.max(np.abs(w)))
    eta = edge_tolerance(n)
    if top <= bound * (1 + 1e-12) and top >= bound * (1 - eta):
        return None
    for wrong_std, message in mistakes:
        wrong_bound = wrong_std * math.sqrt(3.0)
        if wrong_bound * (1 - eta) <= top <= wrong_bound * (1 + 1e-12):
            return f"{message} (the largest |weight| is {top:.4g}, the bound is {bound:.4g})"
    if top > bound:
        return f"a weight of magnitude {top:.4g} lies outside [-b, b], b = {bound:.4g}"
    return (f"the largest |weight| is {top:.4g}: the draws never come near the bound "
            f"b = {bound:.4g} (a uniform on [-b, b] gets within {eta:.1e} of it)")
