"""Trusted implementations of the update-rule mistakes the grader can name (lab 04).

Each entry is (message, rule) where rule(w, dw, config) -> (next_w, config) makes exactly that
mistake and is otherwise right. ``stepper.run_rule`` runs them next to the student's rule; when
the student's step matches one, its message is shown. The messages are what a student reads: they
name the mistake and point at the fix without giving the code.
"""
import numpy as np

from .stepper import Candidate

DEFAULTS = {
    "sgd_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "nesterov_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "adagrad": {"learning_rate": 1e-2, "epsilon": 1e-8},
    "rmsprop": {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8},
    "adam": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
    "adamw": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8,
              "weight_decay": 1e-2},
}


def _cfg(rule, config):
    config = {} if config is None else config
    for k, v in DEFAULTS[rule].items():
        config.setdefault(k, v)
    config.setdefault("weight_decay", 0.0)
    return config


def _state(config, key, w, value=0.0):
    s = config.get(key)
    return np.full_like(w, value) if s is None else s


def _l2(w, dw, config):
    wd = config.get("weight_decay", 0.0)
    return dw + wd * w if wd else dw


# ------------------------------------------------------------------------------ momentum family

def _momentum(rule, *, sign=-1.0, old_velocity=False, nesterov=False, no_prev_term=False,
              torch_buffer=False):
    def fn(w, dw, config):
        c = _cfg(rule, config)
        dw = _l2(w, dw, c)
        mu, lr = c["momentum"], c["learning_rate"]
        v_prev = _state(c, "velocity", w)
        if torch_buffer:                    # PyTorch's buffer b = mu*b + g; w -= lr*b
            b = mu * v_prev + dw
            c["velocity"] = b
            return w - lr * (dw + mu * b if nesterov else b), c
        v = mu * v_prev + sign * lr * dw
        c["velocity"] = v
        if nesterov and no_prev_term:
            return w + (1 + mu) * v, c
        if nesterov:
            return w - mu * v_prev + (1 + mu) * v, c
        return w + (v_prev if old_velocity else v), c
    return fn


def _plain_momentum_as_nesterov(w, dw, config):
    return _momentum("nesterov_momentum")(w, dw, config)


# ------------------------------------------------------------------------------ adagrad / rmsprop

def _adaptive(rule, *, eps_inside=False, decay=None, swapped=False, accumulate=False,
              no_sqrt=False, reset=False):
    def fn(w, dw, config):
        c = _cfg(rule, config)
        dw = _l2(w, dw, c)
        cache = np.zeros_like(w) if reset else _state(c, "cache", w)
        if rule == "adagrad" and decay is None or accumulate:
            cache = cache + dw * dw
        else:
            d = decay if decay is not None else c["decay_rate"]
            a, b = (1 - d, d) if swapped else (d, 1 - d)
            cache = a * cache + b * dw * dw
        c["cache"] = cache
        eps = c["epsilon"]
        if no_sqrt:
            denom = cache + eps
        else:
            denom = np.sqrt(cache + eps) if eps_inside else np.sqrt(cache) + eps
        return w - c["learning_rate"] * dw / denom, c
    return fn


# ------------------------------------------------------------------------------ adam family

def _adam(rule, *, bias_correction=True, t_shift=1, swap_betas=False, store_t=True,
          eps_inside=False, decay="l2"):
    """decay: how weight_decay enters: "l2" (added to dw), "decoupled" (AdamW), "no_lr"
    (decoupled but not times learning_rate), "new_w" (decoupled, applied to the updated w),
    "inside" (added to m_hat, so divided by sqrt(v_hat))."""
    def fn(w, dw, config):
        c = _cfg(rule, config)
        c.setdefault("t", 0)
        wd = c["weight_decay"]
        if decay == "l2" and wd:
            dw = dw + wd * w
        b1, b2 = c["beta1"], c["beta2"]
        if swap_betas:
            b1, b2 = b2, b1
        t_in = c["t"]
        t = t_in + t_shift
        m = b1 * _state(c, "m", w) + (1 - b1) * dw
        v = b2 * _state(c, "v", w) + (1 - b2) * dw * dw
        if bias_correction:
            m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        else:
            m_hat, v_hat = m, v
        lr, eps = c["learning_rate"], c["epsilon"]
        if decay == "inside":
            m_hat = m_hat + wd * w
        denom = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
        next_w = w - lr * m_hat / denom
        if decay == "decoupled":
            next_w = next_w - lr * wd * w
        elif decay == "no_lr":
            next_w = next_w - wd * w
        elif decay == "new_w":
            next_w = next_w - lr * wd * next_w
        c["m"], c["v"] = m, v
        c["t"] = t_in + 1 if store_t else t_in
        return next_w, c
    return fn


# ------------------------------------------------------------------------------ generic ones

def _stateless(rule_fn):
    """The rule's state is not carried: every call starts from the config's initial state."""
    state = {}

    def fn(w, dw, config):
        if "initial" not in state:
            state["initial"] = {k: v for k, v in (config or {}).items()}
        return rule_fn(w, dw, dict(state["initial"]))
    return fn


def _defaults_win(rule, rule_fn):
    """The rule overwrites the caller's hyperparameters with the defaults (config[k] = default
    instead of config.setdefault(k, default)); the state is carried."""
    def fn(w, dw, config):
        config = {} if config is None else config
        config.update(DEFAULTS[rule])
        return rule_fn(w, dw, config)
    return fn


STATELESS = {
    "sgd_momentum": "the velocity is not carried from one step to the next: store the new "
                    "velocity in config['velocity'] (and start from the one given)",
    "nesterov_momentum": "the velocity is not carried from one step to the next: store the new "
                         "velocity in config['velocity'] (and start from the one given)",
    "adagrad": "the cache is reset each step (it starts from zero at every call): AdaGrad ADDS "
               "every squared gradient to the cache stored in config['cache']",
    "rmsprop": "the cache is not carried from one step to the next: store the moving average "
               "in config['cache'] (and start from the one given)",
    "adam": "m, v and t are not carried from one step to the next: store them back in config",
    "adamw": "m, v and t are not carried from one step to the next: store them back in config",
}

DEFAULTS_WIN = ("your rule overwrote hyperparameters the caller set in config with the "
                "defaults: use config.setdefault(key, default), so a caller's value wins")


def candidates(rule, reference_rule, generic=True):
    """Fresh Candidate objects for ``rule`` (each check gets its own). generic=False leaves out
    the state-not-carried and defaults-win mistakes (ambiguous where parameters interleave)."""
    found = [(_stateless(reference_rule), STATELESS[rule]),
             (_defaults_win(rule, reference_rule), DEFAULTS_WIN)] if generic else []
    if rule == "sgd_momentum":
        found += [
            (_momentum(rule, sign=+1.0), "sign error: the velocity moves WITH the gradient "
             "(v = momentum * v + learning_rate * dw); it must move against it"),
            (_momentum(rule, old_velocity=True), "w is moved by the OLD velocity: update v "
             "first, then w <- w + v with the new v"),
            (_momentum(rule, torch_buffer=True), "the velocity is stored in PyTorch's form "
             "(b = momentum * b + dw; w -= learning_rate * b): nnlab keeps cs231n's velocity "
             "v = momentum * v - learning_rate * dw in config['velocity']"),
        ]
    elif rule == "nesterov_momentum":
        found += [
            (_plain_momentum_as_nesterov, "this is plain momentum (w + v), not Nesterov: the "
             "lookahead step is w - momentum * v_prev + (1 + momentum) * v"),
            (_momentum(rule, nesterov=True, sign=+1.0), "sign error: the velocity moves WITH "
             "the gradient (v = momentum * v + learning_rate * dw)"),
            (_momentum(rule, nesterov=True, no_prev_term=True), "the - momentum * v_prev term "
             "of the lookahead step is missing (keep the old velocity before updating it)"),
            (_momentum(rule, nesterov=True, torch_buffer=True), "the velocity is stored in "
             "PyTorch's form (b = momentum * b + dw): nnlab keeps cs231n's velocity "
             "v = momentum * v - learning_rate * dw in config['velocity']"),
        ]
    elif rule == "adagrad":
        found += [(_adaptive(rule, reset=True), STATELESS[rule])] if generic else []
        found += [
            (_adaptive(rule, eps_inside=True), "epsilon inside the square root "
             "(sqrt(cache + epsilon)); it belongs outside: sqrt(cache) + epsilon"),
            (_adaptive(rule, decay=0.99), "the cache decays like RMSProp's moving average; "
             "AdaGrad's cache is the plain SUM of all squared gradients"),
            (_adaptive(rule, no_sqrt=True), "the square root of the cache is missing "
             "(divide by sqrt(cache) + epsilon)"),
        ]
    elif rule == "rmsprop":
        found += [
            (_adaptive(rule, eps_inside=True), "epsilon inside the square root "
             "(sqrt(cache + epsilon)); it belongs outside: sqrt(cache) + epsilon"),
            (_adaptive(rule, swapped=True), "decay_rate is applied to the wrong term: "
             "cache = decay_rate * cache + (1 - decay_rate) * dw**2"),
            (_adaptive(rule, accumulate=True), "the cache is a plain sum (that is AdaGrad); "
             "RMSProp keeps a moving average with decay_rate"),
        ]
    if rule in ("adam", "adamw"):
        decay = "decoupled" if rule == "adamw" else "l2"
        found += [
            (_adam(rule, bias_correction=False, decay=decay), "no bias correction: divide m by "
             "1 - beta1**t and v by 1 - beta2**t (with t counted from 1)"),
            (_adam(rule, t_shift=0, decay=decay), "t off by one: the bias correction used t "
             "before incrementing it; increment t first, so the first step uses t = 1"),
            (_adam(rule, t_shift=2, decay=decay), "t off by one: the bias correction used "
             "t + 1 after incrementing t"),
            (_adam(rule, swap_betas=True, decay=decay), "beta1 and beta2 are swapped: beta1 "
             "(0.9) averages the gradient m, beta2 (0.999) the squared gradient v"),
            (_adam(rule, store_t=False, decay=decay), "t is not stored back in config, so "
             "every step uses the same t in the bias correction"),
            (_adam(rule, eps_inside=True, decay=decay), "epsilon inside the square root "
             "(sqrt(v_hat + epsilon)); it belongs outside: sqrt(v_hat) + epsilon"),
        ]
    if rule == "adamw":
        found += [
            (_adam(rule, decay="l2"), "L2 regularisation instead of decoupled weight decay: "
             "weight_decay * w was added to dw (that is adam with weight_decay); AdamW "
             "subtracts learning_rate * weight_decay * w outside the adaptive step"),
            (_adam(rule, decay="no_lr"), "the weight decay is not multiplied by learning_rate "
             "(subtract learning_rate * weight_decay * w)"),
            (_adam(rule, decay="new_w"), "the weight decay is applied to the UPDATED w; decay "
             "the w you were given (w - learning_rate * weight_decay * w)"),
            (_adam(rule, decay="inside"), "the weight decay is applied to the wrong term: it "
             "went into the adaptive step (divided by sqrt(v_hat)); keep it outside"),
            (_adam(rule, decay="none"), "the weight decay is missing: AdamW also subtracts "
             "learning_rate * weight_decay * w"),
        ]
    return [Candidate(fn, msg) for fn, msg in found]


def forgiven(rule):
    """Fresh Candidates of the mistakes graded only by the checks built to reveal them:
    epsilon inside the square root (the tiny-gradient and caller's-epsilon checks)."""
    if rule in ("adagrad", "rmsprop"):
        return [Candidate(_adaptive(rule, eps_inside=True), "")]
    if rule in ("adam", "adamw"):
        decay = "decoupled" if rule == "adamw" else "l2"
        return [Candidate(_adam(rule, eps_inside=True, decay=decay), "")]
    return []
