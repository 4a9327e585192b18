"""Open checks of lab 05 (initializers and layer statistics), used by ``nnlab.checks``.

    from nnlab.checks import check
    check("he_normal")       # a table: each row is one property of your weights

Your initializer draws different random numbers from the course's (every correct sampler does),
so its weights are judged by their DISTRIBUTION over 240 000 draws: their standard deviation,
their mean, their family (normal or uniform, a Kolmogorov-Smirnov test), a uniform's bounds and
every fan mode, with the same engine and the same tolerances as the grader
(``nnlab.init_diagnosis``: a correct initializer fails a row by bad luck with probability below
1e-8). ``activation_statistics`` and ``gradient_statistics`` are deterministic: they are compared
with the reference's values on a fixed small stack (``open_expected/lab05.json``).
"""
import math

import numpy as np

from . import init_diagnosis as diag
from .checks import LAB_FUNCTIONS, _as_array, _call, _Problem, _rng, _row, _value_row

#: The functions lab 05 checks, and the module of the package that holds each.
FUNCTIONS = LAB_FUNCTIONS["05_initialization"]

FAN_IN, FAN_OUT = 600, 400          # fan_in != fan_out: swapped fans change the scale
SMALL = (30, 20)
GAUSSIAN_STD = 0.05
FAMILY_WORD = {"normal": "normal (bell curve)", "uniform": "uniform (flat)"}


def _weights(env, name, seed, fan_in=FAN_IN, fan_out=FAN_OUT, **kwargs):
    w = _call(env, "initializers", name, fan_in, fan_out, rng=seed, **kwargs)
    w = _as_array(w, "the weights")
    if w.size != fan_in * fan_out:
        raise _Problem(f"the weights have shape {w.shape}, expected (fan_in, fan_out) = "
                       f"{(fan_in, fan_out)}")
    return w.reshape(-1)


def _kwargs(name, mode=None):
    if name == "gaussian":
        return {"std": GAUSSIAN_STD}
    return {} if mode is None else {"mode": mode}


def _verdict(message, measured=None):
    if message:
        raise _Problem(message, rel_error=measured)
    return measured


def _shape_row(env, name):
    kwargs = {"value": 1} if name == "constant" else _kwargs(name)

    def run():
        w = _call(env, "initializers", name, *SMALL, rng=0, **kwargs)
        if not isinstance(w, np.ndarray):
            raise _Problem(f"{name} should return an ndarray, got {type(w).__name__}")
        if w.shape == SMALL[::-1]:
            raise _Problem(f"shape {w.shape} is transposed: weights are (fan_in, fan_out) = {SMALL}")
        if w.shape != SMALL:
            raise _Problem(f"shape {w.shape}, expected (fan_in, fan_out) = {SMALL}")
        if w.dtype != np.float64:
            raise _Problem(f"dtype {w.dtype}, expected float64 (make the array with "
                           f"dtype=np.float64, never cast down)")
        return None
    label = "shape (30, 20), float64" + (" (value=1, an int)" if name == "constant" else "")
    return _row(name, label, run)


def _scale_row(env, name, mode=None, label=None):
    kwargs = _kwargs(name, mode)
    family, std = diag.expected(name, FAN_IN, FAN_OUT, mode=mode, std=kwargs.get("std"))
    mistakes = diag.scale_mistakes(name, FAN_IN, FAN_OUT, mode=mode, std=kwargs.get("std"))

    def run():
        w = _weights(env, name, 11, **kwargs)
        rms = float(np.sqrt(np.mean(w ** 2)))
        return _verdict(diag.judge_scale(w, family, std, mistakes), abs(rms / std - 1))
    return _row(name, label or f"std = {std:.4g} (240 000 draws)", run)


def _random_rows(env, name):
    family, std = diag.expected(name, FAN_IN, FAN_OUT, std=_kwargs(name).get("std"))
    rows = [_shape_row(env, name), _scale_row(env, name)]

    def centred():
        w = _weights(env, name, 12, **_kwargs(name))
        return _verdict(diag.judge_centred(w, family, std), abs(float(np.mean(w))) / std)

    def shape_of_histogram():
        w = _weights(env, name, 13, **_kwargs(name))
        rms = float(np.sqrt(np.mean(w ** 2)))
        measured = diag.ks_distance(w / rms, family) if rms > 0 else None
        return _verdict(diag.judge_family(w, family), measured)

    rows.append(_row(name, "mean = 0", centred))
    rows.append(_row(name, f"{FAMILY_WORD[family]} (Kolmogorov-Smirnov)", shape_of_histogram))
    if family == "uniform":
        bound = std * math.sqrt(3.0)

        def bounds():
            w = _weights(env, name, 14)
            return _verdict(diag.judge_bounds(w, bound, diag.scale_mistakes(name, FAN_IN,
                                                                          FAN_OUT)),
                            abs(float(np.max(np.abs(w))) / bound - 1))
        rows.append(_row(name, f"inside [-b, b], b = {bound:.4g}, and reaching b", bounds))
    if name in diag.FAN_SCALED:
        for mode in diag.FAN_MODES_ORDER:
            if mode != diag.DEFAULT_MODE[name]:
                _, s = diag.expected(name, FAN_IN, FAN_OUT, mode=mode)
                rows.append(_scale_row(env, name, mode, f"mode='{mode}': std = {s:.4g}"))

    def seeded():
        kw = _kwargs(name)
        a, b, c = (_call(env, "initializers", name, *SMALL, rng=s, **kw) for s in (7, 7, 8))
        a, b, c = (_as_array(v, "the weights") for v in (a, b, c))
        if not np.array_equal(a, b):
            raise _Problem("two calls with rng=7 gave different weights: draw from "
                           "np.random.default_rng(rng), not from np.random itself")
        if np.array_equal(a, c):
            raise _Problem("rng=7 and rng=8 gave the same weights: the rng argument is ignored")
        return None
    rows.append(_row(name, "same seed, same weights; another seed, others", seeded))
    return rows


def _constant_rows(env):
    def values():
        for value in (0.0, 0.25, -3):
            w = _as_array(_call(env, "initializers", "constant", *SMALL, value=value), "weights")
            if not np.all(w == value):
                raise _Problem(f"with value={value} every weight should be {value}")
        return None
    return [_shape_row(env, "constant"), _row("constant", "every weight = value", values)]


# ------------------------------------------------------------------------------ statistics

def stack(activation):
    """The fixed stack of the open checks: x (40, 20), 4 layers, dout (40, 15)."""
    rng = _rng(f"lab05/{activation}")
    widths = (20, 30, 30, 25, 15)
    x = rng.standard_normal((40, widths[0])) + 0.5 * rng.standard_normal(widths[0])
    gain = {"tanh": 1.5, "relu": math.sqrt(2.0), "linear": 1.0}[activation]
    weights = [gain * rng.standard_normal((a, b)) / math.sqrt(a)
               for a, b in zip(widths[:-1], widths[1:])]
    dout = rng.standard_normal((40, widths[-1]))
    return x, weights, dout



def _activation_rows(env):
    rows = []
    for activation in ("tanh", "relu"):
        x, weights, _ = stack(activation)

        def result(x=x, weights=weights, activation=activation):
            res = _call(env, "init_stats", "activation_statistics", x.copy(),
                        [w.copy() for w in weights], activation=activation)
            if not isinstance(res, tuple) or len(res) != 3:
                raise _Problem("activation_statistics should return (means, stds, activations)")
            return res
        rows.append(_value_row(env, "activation_statistics", f"means, {activation}",
                                lambda r=result: r()[0], "the mean of every entry of each layer's "
                                "activations, after the nonlinearity"))
        rows.append(_value_row(env, "activation_statistics", f"stds, {activation}",
                                lambda r=result: r()[1], "np.std over every entry of the layer "
                                "(not per unit), after the nonlinearity"))
        rows.append(_value_row(env, "activation_statistics", f"last layer's activations, "
                                f"{activation}", lambda r=result: r()[2][-1],
                                "each layer's input is the previous layer's f(z)"))
    return rows


def _gradient_rows(env):
    rows = []
    for activation in ("tanh", "relu"):
        x, weights, dout = stack(activation)
        rows.append(_value_row(
            env, "gradient_statistics", f"grad_stds, {activation}",
            lambda x=x, w=weights, d=dout, a=activation: _call(
                env, "init_stats", "gradient_statistics", x, [v.copy() for v in w], d,
                activation=a),
            "std of dW = h_in.T @ dz per layer, first layer first; dz = dh * f'(z)"))
    return rows


def check_rows(env, name):
    """The rows of the open checks of one lab-05 function."""
    if name == "constant":
        return _constant_rows(env)
    if name == "activation_statistics":
        return _activation_rows(env)
    if name == "gradient_statistics":
        return _gradient_rows(env)
    return _random_rows(env, name)
