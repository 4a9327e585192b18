"""First-order update rules (cs231n-compatible).

Every rule has the signature

    next_w, config = rule(w, dw, config=None)

- w: array of parameters (any shape); it is not modified.
- dw: gradient of the loss with respect to w, same shape.
- config: dict of hyperparameters and of the rule's state (velocity, moment estimates, step
  count). The rule fills in missing defaults, updates the state and returns the same dict, so the
  caller passes it back on the next step. Pass config=None on the first step.

Returns next_w, same shape as w, and config.
"""
import numpy as np


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: w <- w - learning_rate * dw.

    config keys:
    - learning_rate: float, default 1e-2.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    next_w = w - config["learning_rate"] * dw
    return next_w, config


def sgd_momentum(w, dw, config=None):
    """SGD with momentum: v <- momentum * v - learning_rate * dw;  w <- w + v.

    config keys:
    - learning_rate: float, default 1e-2.
    - momentum: float in [0, 1), default 0.9; 0 gives plain SGD.
    - velocity: array shaped like w, the running velocity (starts at zeros).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity")
    if v is None:
        v = np.zeros_like(w)
    ### BEGIN SOLUTION
    ### HINT: two lines of math from the docstring; keep the new velocity in config for the next call.
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v
    config["velocity"] = v
    return next_w, config
    ### END SOLUTION


def rmsprop(w, dw, config=None):
    """RMSProp: a per-parameter learning rate from a moving average of squared gradients.

    cache <- decay_rate * cache + (1 - decay_rate) * dw**2
    w     <- w - learning_rate * dw / (sqrt(cache) + epsilon)

    config keys:
    - learning_rate: float, default 1e-2.
    - decay_rate: float in [0, 1), default 0.99.
    - epsilon: float, default 1e-8, added OUTSIDE the square root to avoid dividing by zero.
    - cache: array shaped like w, the moving average of dw**2 (starts at zeros).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache")
    if cache is None:
        cache = np.zeros_like(w)
    ### BEGIN SOLUTION
    ### HINT: epsilon goes outside the square root: np.sqrt(cache) + epsilon.
    ### HINT: keep the new cache in config for the next call.
    cache = config["decay_rate"] * cache + (1 - config["decay_rate"]) * dw * dw
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
    config["cache"] = cache
    return next_w, config
    ### END SOLUTION


def adam(w, dw, config=None):
    """Adam: momentum on the gradient (m) and RMSProp scaling (v), both bias-corrected.

    t <- t + 1
    m <- beta1 * m + (1 - beta1) * dw
    v <- beta2 * v + (1 - beta2) * dw**2
    w <- w - learning_rate * (m / (1 - beta1**t)) / (sqrt(v / (1 - beta2**t)) + epsilon)

    config keys:
    - learning_rate: float, default 1e-3.
    - beta1: float, default 0.9; beta2: float, default 0.999.
    - epsilon: float, default 1e-8.
    - m, v: arrays shaped like w, the first and second moment estimates (start at zeros).
    - t: int, the number of steps taken so far (starts at 0).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("t", 0)
    m = config.get("m")
    if m is None:
        m = np.zeros_like(w)
    v = config.get("v")
    if v is None:
        v = np.zeros_like(w)
    ### BEGIN SOLUTION
    ### HINT: increment t BEFORE the bias correction, so the first step uses t = 1.
    ### HINT: Trap: with t = 0 the correction would divide by 1 - beta**0 = 0.
    ### HINT: put the new moments and step count back into config for the next call.
    t = config["t"] + 1
    beta1, beta2 = config["beta1"], config["beta2"]
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw * dw
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
    config["m"], config["v"], config["t"] = m, v, t
    return next_w, config
    ### END SOLUTION
