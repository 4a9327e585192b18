"""Open checks of lab 02 (normalization), used through ``nnlab.checks``:

    from nnlab.checks import check, check_lab
    check("batchnorm_forward")
    check_lab("02_normalization")

Forward outputs (and the running averages batch normalization writes back into ``bn_param``)
are compared with stored reference values (``open_expected/lab02.json``); backward passes with
centred numerical gradients of YOUR OWN forward pass. Besides the values, the checks look at
what a gradient check cannot see: the running averages after several training calls, test mode
after a warm-up, a constant feature (eps), the exact shapes of the results.
"""
import numpy as np

from .checks import _as_array, _call, _gradient_rows, _Problem, _rng, _row, _unpack, _value_row

MODULE = "normalization"
FUNCTIONS = ("batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt",
             "layernorm_forward", "layernorm_backward", "groupnorm_forward", "groupnorm_backward")


def _inputs(name, N=6, D=4):
    rng = _rng(name)
    x = 3.0 * rng.standard_normal((N, D)) + rng.uniform(-2, 2, size=D)
    gamma = rng.uniform(0.5, 1.5, size=D)
    beta = rng.uniform(-0.5, 0.5, size=D)
    return x, gamma, beta



def _forward(env, function, *args):
    out, _ = _unpack(_call(env, MODULE, function, *args), function, ("out", "cache"))
    return out


def _running(bn_param, key):
    if key not in bn_param:
        raise _Problem(f"bn_param['{key}'] is missing after a training call: store the running "
                       "averages back into bn_param")
    value = _as_array(bn_param[key], f"bn_param['{key}']")
    if value.ndim != 1:
        raise _Problem(f"bn_param['{key}'] has shape {value.shape}: it must be 1-D, shape (D,) "
                       "(keepdims=True?)")
    return value


def _check_batchnorm_forward(env):
    x, gamma, beta = _inputs("bn")
    D = x.shape[1]
    rows = [_value_row(env, "batchnorm_forward", "out (train)",
                       lambda: _forward(env, "batchnorm_forward", x, gamma, beta,
                                        {"mode": "train"}),
                       what="out", hint="batch statistics over axis 0, biased variance, eps inside the sqrt")]

    def normalised():
        out = _forward(env, "batchnorm_forward", x, np.ones(D), np.zeros(D), {"mode": "train"})
        out = _as_array(out, "out")
        if out.shape != x.shape:
            raise _Problem(f"out has shape {out.shape}, expected {x.shape}")
        means, stds = out.mean(axis=0), out.std(axis=0)
        if np.max(np.abs(means)) > 1e-7:
            raise _Problem(f"with gamma = 1, beta = 0 each column should have mean 0; "
                           f"yours are up to {np.max(np.abs(means)):.2g}")
        want = np.sqrt(x.var(axis=0) / (x.var(axis=0) + 1e-5))
        err = float(np.max(np.abs(stds - want) / want))
        if err > 1e-7:
            raise _Problem(f"with gamma = 1, beta = 0 each column should have std just under 1 "
                           f"(the biased std, eps in the sqrt); yours are {np.round(stds, 4)}",
                           rel_error=err)
        return err
    rows.append(_row("batchnorm_forward", "means 0, stds 1 (gamma=1, beta=0)", normalised))

    def warm_up(key):
        def run():
            bn_param = {"mode": "train", "momentum": 0.8}
            for k in range(3):
                _forward(env, "batchnorm_forward", x + k, gamma, beta, bn_param)
            return _running(bn_param, key)
        return run
    for key in ("running_mean", "running_var"):
        rows.append(_value_row(env, "batchnorm_forward", f"{key} after 3 train calls",
                               warm_up(key), what=f"bn_param['{key}']",
                               hint="running = momentum * running + (1 - momentum) * batch "
                                    "statistic (biased variance), written back into bn_param"))

    def test_mode():
        bn_param = {"mode": "train"}
        for k in range(5):
            _forward(env, "batchnorm_forward", x * (1 + 0.1 * k), gamma, beta, bn_param)
        bn_param["mode"] = "test"
        return _forward(env, "batchnorm_forward", x[:2], gamma, beta, bn_param)
    rows.append(_value_row(env, "batchnorm_forward", "out (test mode after warm-up)", test_mode,
                           what="out", hint="test mode normalises with running_mean and running_var "
                                       "(not the batch's statistics)"))
    xc = x.copy()
    xc[:, 1] = 0.7          # a constant feature: variance 0, only eps keeps it finite
    rows.append(_value_row(env, "batchnorm_forward", "out, a constant feature (eps)",
                           lambda: _forward(env, "batchnorm_forward", xc, gamma, beta,
                                            {"mode": "train"}),
                           what="out", hint="eps goes inside the square root: sqrt(var + eps)"))
    return rows


def _bn_backward_rows(env, name):
    x, gamma, beta = _inputs("bn/backward", N=5, D=3)
    dout = _rng("bn/dout").standard_normal(x.shape)
    return _gradient_rows(env, name, "batchnorm_forward", MODULE,
                          {"x": x, "gamma": gamma, "beta": beta, "bn_param": {"mode": "train"}},
                          ["x", "gamma", "beta"], dout)


def _check_layernorm_forward(env):
    x, gamma, beta = _inputs("ln", N=3, D=5)
    return [
        _value_row(env, "layernorm_forward", "out",
                   lambda: _forward(env, "layernorm_forward", x, gamma, beta, {}),
                   what="out", hint="statistics of each example (row, axis 1), biased variance"),
        _value_row(env, "layernorm_forward", "out (eps=0.1)",
                   lambda: _forward(env, "layernorm_forward", 0.1 * x, gamma, beta,
                                    {"eps": 0.1}),
                   what="out", hint="use ln_param's eps, inside the square root"),
    ]


def _check_groupnorm_forward(env):
    x, gamma, beta = _inputs("gn", N=3, D=6)
    return [
        _value_row(env, "groupnorm_forward", f"out (G={G})",
                   lambda G=G: _forward(env, "groupnorm_forward", x, gamma, beta, G, {}),
                   what="out", hint="groups of D // G CONSECUTIVE features, statistics per example and group")
        for G in (1, 2, 3)
    ]


def check(env, name):
    """The rows of one lab-02 function (``env``: see ``nnlab.checks``)."""
    if name == "batchnorm_forward":
        return _check_batchnorm_forward(env)
    if name in ("batchnorm_backward", "batchnorm_backward_alt"):
        return _bn_backward_rows(env, name)
    if name == "layernorm_forward":
        return _check_layernorm_forward(env)
    if name == "layernorm_backward":
        x, gamma, beta = _inputs("ln/backward", N=3, D=4)
        return _gradient_rows(env, name, "layernorm_forward", MODULE,
                              {"x": x, "gamma": gamma, "beta": beta, "ln_param": {}},
                              ["x", "gamma", "beta"], _rng("ln/dout").standard_normal(x.shape))
    if name == "groupnorm_forward":
        return _check_groupnorm_forward(env)
    if name == "groupnorm_backward":
        x, gamma, beta = _inputs("gn/backward", N=3, D=6)
        return _gradient_rows(env, name, "groupnorm_forward", MODULE,
                              {"x": x, "gamma": gamma, "beta": beta, "G": 2, "gn_param": {}},
                              ["x", "gamma", "beta"], _rng("gn/dout").standard_normal(x.shape))
    raise KeyError(name)
