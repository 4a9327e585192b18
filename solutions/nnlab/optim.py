"""First-order update rules (cs231n-compatible).

Every rule has the signature

    next_w, config = rule(w, dw, config=None)

- w: array of parameters (any shape); it is not modified.
- dw: gradient of the loss with respect to w, same shape.
- config: dict of hyperparameters and of the rule's state (velocity, moment estimates, step
  count). The rule fills in missing defaults, updates the state and returns the same dict, so the
  caller passes it back on the next step. Pass config=None on the first step.

Returns next_w, same shape as w, and config.

Weight decay. Every rule except ``adamw`` accepts ``config["weight_decay"]`` (default 0): an L2
penalty (weight_decay / 2) * ||w||**2 added to the loss, i.e. ``dw + weight_decay * w`` is used
as the gradient (``_l2_gradient`` below; the same as PyTorch's ``weight_decay`` in SGD, Adagrad,
RMSprop and Adam). ``adamw`` instead DECOUPLES the decay from the gradient (Loshchilov & Hutter,
2019): it shrinks w by ``learning_rate * weight_decay * w`` outside Adam's adaptive scaling.

Conventions and their PyTorch equivalents (checked in tests/test_lab04.py):
- sgd_momentum keeps cs231n's velocity v = -learning_rate * b, where b is torch.optim.SGD's
  momentum buffer (dampening 0); with a constant learning rate the trajectories are identical.
- nesterov_momentum is torch.optim.SGD(nesterov=True) in the same velocity form.
- adagrad, rmsprop and adam add epsilon OUTSIDE the square root, as PyTorch does.
"""
import numpy as np


def _l2_gradient(w, dw, config):
    """dw plus the gradient of the L2 penalty (weight_decay / 2) * ||w||**2, if any."""
    weight_decay = config.setdefault("weight_decay", 0.0)
    if weight_decay:
        return dw + weight_decay * w
    return dw


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: w <- w - learning_rate * dw.

    config keys:
    - learning_rate: float, default 1e-2.
    - weight_decay: float, default 0 (L2 penalty, see the module docstring).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    dw = _l2_gradient(w, dw, config)
    next_w = w - config["learning_rate"] * dw
    return next_w, config


def sgd_momentum(w, dw, config=None):
    """SGD with momentum: v <- momentum * v - learning_rate * dw;  w <- w + v.

    config keys:
    - learning_rate: float, default 1e-2.
    - momentum: float in [0, 1), default 0.9; 0 gives plain SGD.
    - velocity: array shaped like w, the running velocity (starts at zeros).
    - weight_decay: float, default 0 (L2 penalty, see the module docstring).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    dw = _l2_gradient(w, dw, config)
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


def nesterov_momentum(w, dw, config=None):
    """SGD with Nesterov momentum (Sutskever et al., 2013), in cs231n's velocity form.

    Nesterov evaluates the gradient at the LOOKAHEAD point, where momentum is about to carry
    the parameters:

        v <- momentum * v - learning_rate * grad f(theta + momentum * v);   theta <- theta + v

    We are given the gradient at w, not at a lookahead point. Renaming the variable to the
    lookahead point itself, w = theta + momentum * v, turns these two lines into an update that
    only needs the gradient at w:

        v_prev = v
        v     <- momentum * v - learning_rate * dw
        w     <- w - momentum * v_prev + (1 + momentum) * v

    (substitute theta = w - momentum * v_prev before the step and theta' = w' - momentum * v
    after it). This is the form used here; it equals torch.optim.SGD(momentum=...,
    nesterov=True) with the velocity v = -learning_rate * (torch's momentum buffer).

    config keys:
    - learning_rate: float, default 1e-2.
    - momentum: float in [0, 1), default 0.9.
    - velocity: array shaped like w (starts at zeros).
    - weight_decay: float, default 0 (L2 penalty, see the module docstring).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    dw = _l2_gradient(w, dw, config)
    v = config.get("velocity")
    if v is None:
        v = np.zeros_like(w)
    ### BEGIN SOLUTION
    ### HINT: keep the old velocity: the step uses both v_prev and the new v.
    ### HINT: keep the new velocity in config for the next call.
    mu = config["momentum"]
    v_prev = v
    v = mu * v - config["learning_rate"] * dw
    next_w = w - mu * v_prev + (1 + mu) * v
    config["velocity"] = v
    return next_w, config
    ### END SOLUTION


def adagrad(w, dw, config=None):
    """AdaGrad (Duchi et al., 2011): a per-parameter rate from the SUM of all squared gradients.

    cache <- cache + dw**2
    w     <- w - learning_rate * dw / (sqrt(cache) + epsilon)

    Parameters with large gradients so far take smaller steps. The cache only grows, so the
    effective rate decays towards zero (good for convex problems, often too early for deep nets:
    RMSProp's moving average fixes that).

    config keys:
    - learning_rate: float, default 1e-2.
    - epsilon: float, default 1e-8, added OUTSIDE the square root (as torch.optim.Adagrad).
    - cache: array shaped like w, the running sum of dw**2 (starts at zeros).
    - weight_decay: float, default 0 (L2 penalty, see the module docstring).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    dw = _l2_gradient(w, dw, config)
    cache = config.get("cache")
    if cache is None:
        cache = np.zeros_like(w)
    ### BEGIN SOLUTION
    ### HINT: the cache ADDS up every squared gradient, with no decay (unlike RMSProp);
    ### HINT: keep it in config for the next call.
    cache = cache + dw * dw
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
    config["cache"] = cache
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
    - weight_decay: float, default 0 (L2 penalty, see the module docstring).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    dw = _l2_gradient(w, dw, config)
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
    - weight_decay: float, default 0 (L2 penalty added to dw, see the module docstring; for
      decoupled weight decay use ``adamw``).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("t", 0)
    dw = _l2_gradient(w, dw, config)
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


def adamw(w, dw, config=None):
    """AdamW (Loshchilov & Hutter, 2019): Adam with DECOUPLED weight decay.

    With L2 regularisation inside Adam (``adam`` with weight_decay), the decay term
    weight_decay * w is added to the gradient and then divided by sqrt(v_hat) like the rest of
    it, so weights with large gradients are barely decayed. AdamW keeps Adam's step on dw alone
    and shrinks every weight by the same fraction:

    t <- t + 1
    m <- beta1 * m + (1 - beta1) * dw
    v <- beta2 * v + (1 - beta2) * dw**2
    w <- w - learning_rate * (m_hat / (sqrt(v_hat) + epsilon) + weight_decay * w)

    with m_hat = m / (1 - beta1**t) and v_hat = v / (1 - beta2**t) as in ``adam``; the decay
    uses the w you were given. This is torch.optim.AdamW.

    config keys: those of ``adam`` (same defaults), and
    - weight_decay: float, default 1e-2 (torch.optim.AdamW's default); NOT added to dw.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("weight_decay", 1e-2)
    config.setdefault("t", 0)
    m = config.get("m")
    if m is None:
        m = np.zeros_like(w)
    v = config.get("v")
    if v is None:
        v = np.zeros_like(w)
    ### BEGIN SOLUTION
    ### HINT: the Adam step exactly as in adam(), on dw alone (do not add weight_decay * w to dw),
    ### HINT: then subtract learning_rate * weight_decay * w, with the w you were given.
    t = config["t"] + 1
    beta1, beta2, lr = config["beta1"], config["beta2"], config["learning_rate"]
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw * dw
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    next_w = w - lr * (m_hat / (np.sqrt(v_hat) + config["epsilon"]) + config["weight_decay"] * w)
    config["m"], config["v"], config["t"] = m, v, t
    return next_w, config
    ### END SOLUTION
