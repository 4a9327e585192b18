"""Open checks of lab 04 (update rules and learning-rate schedules), used by ``nnlab.checks``.

    from nnlab.checks import check
    check("adam")            # a table: each row compares your values with the reference's

Update rules are checked the way they are used: several steps in a row, passing back the config
your rule returned, so that the state it keeps (velocity, cache, m, v, t) is checked too. The
inputs are fixed (made from a fixed seed); the expected values come from the course's reference
code (``open_expected/lab04.json``) and, for sgd_momentum, rmsprop and adam, agree with the
values published with Stanford cs231n's FullyConnectedNets notebook (the first row of each).
"""
import numpy as np

from .checks import LAB_FUNCTIONS, _as_array, _call, _Problem, _rng, _value_row

#: The functions lab 04 checks, and the module of the package that holds each.
FUNCTIONS = LAB_FUNCTIONS["04_optimizers"]

STATE = {"sgd_momentum": ("velocity",), "nesterov_momentum": ("velocity",),
         "adagrad": ("cache",), "rmsprop": ("cache",), "adam": ("m", "v", "t"),
         "adamw": ("m", "v", "t")}

def _linspace(a, b, shape=(4, 5)):
    return np.linspace(a, b, num=int(np.prod(shape))).reshape(shape)


#: cs231n's inputs (FullyConnectedNets.ipynb): w = linspace(-0.4, 0.6), dw = linspace(-0.6, 0.4),
#: the state from the linspace recipes below.
CS231N = {
    "sgd_momentum": {"learning_rate": 1e-3, "velocity": (0.6, 0.9)},
    "rmsprop": {"learning_rate": 1e-2, "cache": (0.6, 0.9)},
    "adam": {"learning_rate": 1e-2, "m": (0.6, 0.9), "v": (0.7, 0.5), "t": 5},
}

CUSTOM = {
    "sgd_momentum": {"learning_rate": 0.05, "momentum": 0.5},
    "nesterov_momentum": {"learning_rate": 0.03, "momentum": 0.7},
    "adagrad": {"learning_rate": 0.3, "epsilon": 1e-3},
    "rmsprop": {"learning_rate": 0.02, "decay_rate": 0.9, "epsilon": 1e-4},
    "adam": {"learning_rate": 0.05, "beta1": 0.8, "beta2": 0.95, "epsilon": 1e-6},
    "adamw": {"learning_rate": 0.05, "beta1": 0.8, "beta2": 0.95, "epsilon": 1e-6,
              "weight_decay": 0.1},
}

HINTS = {
    "sgd_momentum": "v = momentum * v - learning_rate * dw, then w + v; store v in config",
    "nesterov_momentum": "w - momentum * v_prev + (1 + momentum) * v, with the NEW v",
    "adagrad": "the cache is a running SUM of dw**2; epsilon outside the square root",
    "rmsprop": "cache = decay_rate * cache + (1 - decay_rate) * dw**2; epsilon outside the sqrt",
    "adam": "increment t first; bias-correct m and v; store m, v, t back in config",
    "adamw": "Adam's step on dw alone, then subtract learning_rate * weight_decay * w",
}

SCHEDULES = {   # name -> (hyperparameters, hint)
    "step_decay": ({"step_size": 5, "gamma": 0.5}, "gamma ** floor(epoch / step_size)"),
    "exponential_decay": ({"gamma": 0.9}, "base_lr * gamma ** epoch"),
    "inverse_time_decay": ({"decay_rate": 0.3}, "base_lr / (1 + decay_rate * epoch)"),
    "cosine_decay": ({"total_epochs": 20, "min_lr": 0.01},
                     "clamp the epoch at total_epochs; end at min_lr"),
    "linear_warmup": ({"warmup_epochs": 6, "start_factor": 0.2},
                      "start at start_factor * base_lr; base_lr from warmup_epochs on"),
}



def _steps(env, name, w, grads, config):
    """Run the student's rule over ``grads``, passing its config back; (w, config)."""
    for k, dw in enumerate(grads):
        result = _call(env, "optim", name, w, dw, config)
        if not isinstance(result, tuple) or len(result) != 2:
            raise _Problem(f"{name} should return (next_w, config), got {type(result).__name__}")
        next_w, config = result
        if not isinstance(config, dict):
            raise _Problem(f"{name} returned {type(config).__name__} as config: return the "
                           "config dict (the state lives in it)")
        next_w = _as_array(next_w, "next_w")
        if next_w.shape != w.shape:
            raise _Problem(f"next_w has shape {next_w.shape}, expected {w.shape} (step {k + 1})")
        w = next_w
    return w, config


def _rule_rows(env, name):
    rows = []
    if name in CS231N:
        spec = CS231N[name]
        config = {k: (_linspace(*v) if isinstance(v, tuple) else v) for k, v in spec.items()}
        w, dw = _linspace(-0.4, 0.6), _linspace(-0.6, 0.4)
        rows.append(_value_row(env, name, "next_w, cs231n's inputs",
                               lambda: _steps(env, name, w, [dw], dict(config))[0],
                               HINTS[name]))

    rng = _rng(f"lab04/{name}")
    w0 = rng.standard_normal((3, 4))
    drift = rng.standard_normal((3, 4))
    grads = [drift + 0.7 * rng.standard_normal((3, 4)) for _ in range(20)]
    rows.append(_value_row(env, name, "next_w, 1 step, config=None",
                           lambda: _steps(env, name, w0, grads[:1], None)[0], HINTS[name]))

    def after_20():
        return _steps(env, name, w0, grads, dict(CUSTOM[name]))

    rows.append(_value_row(env, name, "next_w after 20 steps (your config passed back)",
                           lambda: after_20()[0],
                           "the state must carry over from one call to the next"))
    for key in STATE[name]:
        def state(key=key):
            config = after_20()[1]
            if key not in config:
                raise _Problem(f"config has no '{key}' after 20 steps: store the state there")
            return config[key]
        rows.append(_value_row(env, name, f"config['{key}'] after 20 steps", state,
                               "t counts the steps taken" if key == "t" else HINTS[name]))
    return rows


def _schedule_rows(env, name):
    hyper, hint = SCHEDULES[name]

    def rates(epochs):
        def compute():
            out = []
            for e in epochs:
                lr = _call(env, "schedules", name, e, 0.4, **hyper)
                out.append(float(_as_array(lr, "lr").reshape(-1)[0])
                           if np.size(lr) == 1 else np.nan)
            return np.array(out)
        return compute

    return [
        _value_row(env, name, "lr at epochs 0, 1, ..., 30", rates([float(e) for e in range(31)]),
                   hint),
        _value_row(env, name, "lr at fractional epochs", rates([0.5, 2.25, 4.99, 5.0, 7.5, 19.9,
                                                                20.0, 26.5]), hint),
    ]


def check_rows(env, name):
    """The rows of the open checks of one lab-04 function."""
    if FUNCTIONS[name] == "optim":
        return _rule_rows(env, name)
    return _schedule_rows(env, name)
