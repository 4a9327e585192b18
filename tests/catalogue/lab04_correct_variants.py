"""Correct lab-04 implementations written differently from the reference (PUBLIC).

Each entry's ``source`` is appended to ``solutions/nnlab/<module>.py`` in a copy of the reference
package (replacing the functions it defines); every function in ``functions`` must still get FULL
marks: the hidden checks must not depend on whether the state is updated in place, on which of
the equivalent forms of a rule is written, on how t is stored, or on the numpy idiom used.
"""
from .entries import Variant


VARIANTS = [
    Variant("momentum_inplace_config", "velocity updated in place inside config "
            "(v *= momentum; v -= learning_rate * dw)", "optim", '''
def sgd_momentum(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.setdefault("velocity", np.zeros_like(w))
    v *= config["momentum"]
    v -= config["learning_rate"] * dw
    return w + v, config
''', ("sgd_momentum",)),

    Variant("nesterov_expanded_form", "Nesterov's other common form: w + momentum**2 * v_prev "
            "- (1 + momentum) * learning_rate * dw, velocity stored after", "optim", '''
def nesterov_momentum(w, dw, config=None):
    if config is None:
        config = {}
    lr = config.setdefault("learning_rate", 1e-2)
    mu = config.setdefault("momentum", 0.9)
    v = config.get("velocity")
    if v is None:
        v = np.zeros_like(w)
    next_w = w + mu * mu * v - (1 + mu) * lr * dw
    config["velocity"] = mu * v - lr * dw
    return next_w, config
''', ("nesterov_momentum",)),

    Variant("adagrad_inplace_out", "cache accumulated with np.add(..., out=cache)", "optim", '''
def adagrad(w, dw, config=None):
    config = config if config is not None else {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    if config.get("cache") is None:
        config["cache"] = np.zeros_like(w)
    cache = config["cache"]
    np.add(cache, np.square(dw), out=cache)
    step = config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
    return w - step, config
''', ("adagrad",)),

    Variant("rmsprop_update_style", "hyperparameters merged with dict unpacking; cache via "
            "np.square and a lerp", "optim", '''
def rmsprop(w, dw, config=None):
    defaults = {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8}
    config = config if config is not None else {}
    for key, value in defaults.items():
        config.setdefault(key, value)
    cache = config.get("cache", np.zeros_like(w))
    cache = cache + (1 - config["decay_rate"]) * (np.square(dw) - cache)
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config
''', ("rmsprop",)),

    Variant("adam_torch_form_t_float", "PyTorch's arrangement (step = lr / (1 - beta1**t), "
            "denominator sqrt(v) / sqrt(1 - beta2**t) + eps); t stored as a float, incremented "
            "at the end", "optim", '''
def adam(w, dw, config=None):
    if config is None:
        config = {}
    lr = config.setdefault("learning_rate", 1e-3)
    b1 = config.setdefault("beta1", 0.9)
    b2 = config.setdefault("beta2", 0.999)
    eps = config.setdefault("epsilon", 1e-8)
    t_next = float(config.get("t", 0)) + 1.0
    m = config.get("m", np.zeros_like(w)) * b1 + (1 - b1) * dw
    v = config.get("v", np.zeros_like(w)) * b2 + (1 - b2) * dw * dw
    denom = np.sqrt(v) / np.sqrt(1 - b2 ** t_next) + eps
    next_w = w - (lr / (1 - b1 ** t_next)) * m / denom
    config.update(m=m, v=v)
    config["t"] = t_next
    return next_w, config
''', ("adam",)),

    Variant("adamw_decay_first", "PyTorch's order: w shrunk by (1 - lr * weight_decay) first, "
            "then the Adam step (reusing adam())", "optim", '''
def adamw(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    wd = config.setdefault("weight_decay", 1e-2)
    shrunk = w * (1 - config["learning_rate"] * wd)
    config["weight_decay"] = 0.0        # adam's weight_decay would be L2: switch it off
    next_w, config = adam(shrunk, dw, config)
    config["weight_decay"] = wd
    return next_w, config
''', ("adamw",)),

    Variant("schedules_numpy_idioms", "schedules with //, a loop, numpy scalars, cos**2 and "
            "np.clip", "schedules", '''
import numpy as np

def step_decay(epoch, base_lr, step_size=10, gamma=0.1):
    lr = base_lr
    for _ in range(int(epoch // step_size)):
        lr *= gamma
    return lr

def exponential_decay(epoch, base_lr, gamma=0.95):
    return np.float64(base_lr) * np.power(gamma, epoch)

def inverse_time_decay(epoch, base_lr, decay_rate=1.0):
    return base_lr * (1.0 / (1.0 + decay_rate * epoch))

def cosine_decay(epoch, base_lr, total_epochs, min_lr=0.0):
    half_angle = 0.5 * np.pi * np.clip(epoch / total_epochs, 0.0, 1.0)
    return min_lr + (base_lr - min_lr) * np.cos(half_angle) ** 2

def linear_warmup(epoch, base_lr, warmup_epochs, start_factor=0.0):
    return float(np.interp(epoch, [0.0, warmup_epochs], [start_factor * base_lr, base_lr]))
''', ("step_decay", "exponential_decay", "inverse_time_decay", "cosine_decay", "linear_warmup")),
]
