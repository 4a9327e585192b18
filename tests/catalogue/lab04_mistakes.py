"""The PUBLIC catalogue of realistic lab-04 mistakes the trusted grader must catch.

Each entry's ``source`` is appended to ``solutions/nnlab/<module>.py`` in a copy of the reference
package, so its definitions REPLACE the reference functions of the same name. The graded
``function`` must then lose points (and no other function may), and the feedback for it must
contain ``expect`` (case-insensitive): the words that name the mistake.
"""
from .entries import Mistake


MISTAKES = [
    # ------------------------------------------------------------------ sgd_momentum
    Mistake("momentum_sign", "velocity accumulates +learning_rate * dw", "optim", '''
def sgd_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v + config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config
''', "sgd_momentum", "sign error"),

    Mistake("momentum_velocity_not_stored", "the new velocity is never written to config",
            "optim", '''
def sgd_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    return w + v, config
''', "sgd_momentum", "velocity is not carried"),

    Mistake("momentum_mutates_w", "w updated in place (w += v) and returned", "optim", '''
def sgd_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    w += v
    return w, config
''', "sgd_momentum", "modified its input w in place"),

    Mistake("momentum_float32_state", "velocity created as float32", "optim", '''
def sgd_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros(w.shape, dtype=np.float32))
    v = (config["momentum"] * v - config["learning_rate"] * dw).astype(np.float32)
    config["velocity"] = v
    return w + v, config
''', "sgd_momentum", "float64"),

    Mistake("momentum_global_velocity", "velocity kept in a module-level variable", "optim", '''
_VELOCITY = {}

def sgd_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = _VELOCITY.get("v", config.get("velocity", np.zeros_like(w)))
    if v.shape != w.shape:
        v = np.zeros_like(w)
    v = config["momentum"] * v - config["learning_rate"] * dw
    _VELOCITY["v"] = v
    config["velocity"] = v
    return w + v, config
''', "sgd_momentum", "global variable"),

    # ------------------------------------------------------------------ nesterov_momentum
    Mistake("nesterov_as_plain_momentum", "Nesterov written as plain momentum (w + v)", "optim", '''
def nesterov_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config
''', "nesterov_momentum", "plain momentum"),

    Mistake("nesterov_overwrites_v_prev", "v updated before v_prev is saved: the -momentum * "
            "v_prev term is lost", "optim", '''
def nesterov_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    mu = config["momentum"]
    v = config.get("velocity", np.zeros_like(w))
    v = mu * v - config["learning_rate"] * dw
    next_w = w + (1 + mu) * v
    config["velocity"] = v
    return next_w, config
''', "nesterov_momentum", "v_prev term"),

    # ------------------------------------------------------------------ adagrad
    Mistake("adagrad_cache_reset", "cache = dw**2 at every step (no accumulation)", "optim", '''
def adagrad(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    cache = dw ** 2
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config
''', "adagrad", "reset each step"),

    Mistake("adagrad_eps_inside", "epsilon inside the square root", "optim", '''
def adagrad(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache", np.zeros_like(w)) + dw ** 2
    config["cache"] = cache
    return w - config["learning_rate"] * dw / np.sqrt(cache + config["epsilon"]), config
''', "adagrad", "epsilon inside the square root"),

    # ------------------------------------------------------------------ rmsprop
    Mistake("rmsprop_eps_inside", "epsilon inside the square root", "optim", '''
def rmsprop(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    d = config["decay_rate"]
    cache = d * config.get("cache", np.zeros_like(w)) + (1 - d) * dw ** 2
    config["cache"] = cache
    return w - config["learning_rate"] * dw / np.sqrt(cache + config["epsilon"]), config
''', "rmsprop", "epsilon inside the square root"),

    Mistake("rmsprop_decay_swapped", "decay_rate multiplies dw**2 instead of the cache", "optim", '''
def rmsprop(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    d = config["decay_rate"]
    cache = (1 - d) * config.get("cache", np.zeros_like(w)) + d * dw ** 2
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config
''', "rmsprop", "wrong term"),

    Mistake("rmsprop_overwrites_config", "defaults assigned instead of setdefault", "optim", '''
def rmsprop(w, dw, config=None):
    if config is None:
        config = {}
    config["learning_rate"] = 1e-2
    config["decay_rate"] = 0.99
    config["epsilon"] = 1e-8
    d = config["decay_rate"]
    cache = d * config.get("cache", np.zeros_like(w)) + (1 - d) * dw ** 2
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config
''', "rmsprop", "setdefault"),

    # ------------------------------------------------------------------ adam
    Mistake("adam_no_bias_correction", "m and v used without bias correction", "optim", '''
def adam(w, dw, config=None):
    if config is None:
        config = {}
    for k, v in (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8), ("t", 0)):
        config.setdefault(k, v)
    b1, b2 = config["beta1"], config["beta2"]
    m = b1 * config.get("m", np.zeros_like(w)) + (1 - b1) * dw
    v = b2 * config.get("v", np.zeros_like(w)) + (1 - b2) * dw ** 2
    config["m"], config["v"], config["t"] = m, v, config["t"] + 1
    return w - config["learning_rate"] * m / (np.sqrt(v) + config["epsilon"]), config
''', "adam", "no bias correction"),

    Mistake("adam_t_incremented_after_use", "t starts at 1 and is incremented after the "
            "bias correction: right from scratch, off by one when resuming", "optim", '''
def adam(w, dw, config=None):
    if config is None:
        config = {}
    for k, v in (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8), ("t", 1)):
        config.setdefault(k, v)
    b1, b2, t = config["beta1"], config["beta2"], config["t"]
    m = b1 * config.get("m", np.zeros_like(w)) + (1 - b1) * dw
    v = b2 * config.get("v", np.zeros_like(w)) + (1 - b2) * dw ** 2
    m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
    config["m"], config["v"], config["t"] = m, v, t + 1
    return w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"]), config
''', "adam", "t off by one"),

    Mistake("adam_betas_swapped", "beta2 used for m and beta1 for v", "optim", '''
def adam(w, dw, config=None):
    if config is None:
        config = {}
    for k, v in (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8), ("t", 0)):
        config.setdefault(k, v)
    b1, b2, t = config["beta1"], config["beta2"], config["t"] + 1
    m = b2 * config.get("m", np.zeros_like(w)) + (1 - b2) * dw
    v = b1 * config.get("v", np.zeros_like(w)) + (1 - b1) * dw ** 2
    m_hat, v_hat = m / (1 - b2 ** t), v / (1 - b1 ** t)
    config["m"], config["v"], config["t"] = m, v, t
    return w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"]), config
''', "adam", "swapped"),

    Mistake("adam_t_not_stored", "m and v stored, t never written back", "optim", '''
def adam(w, dw, config=None):
    if config is None:
        config = {}
    for k, v in (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8), ("t", 0)):
        config.setdefault(k, v)
    b1, b2, t = config["beta1"], config["beta2"], config["t"] + 1
    m = b1 * config.get("m", np.zeros_like(w)) + (1 - b1) * dw
    v = b2 * config.get("v", np.zeros_like(w)) + (1 - b2) * dw ** 2
    m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
    config["m"], config["v"] = m, v
    return w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"]), config
''', "adam", "t is not stored"),

    # ------------------------------------------------------------------ adamw
    Mistake("adamw_as_l2", "weight decay added to the gradient (Adam + L2)", "optim", '''
def adamw(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("weight_decay", 1e-2)
    wd = config["weight_decay"]
    config["weight_decay"] = 0.0
    next_w, config = adam(w, dw + wd * w, config)
    config["weight_decay"] = wd
    return next_w, config
''', "adamw", "L2 regularisation instead of decoupled"),

    Mistake("adamw_decay_without_lr", "w -= weight_decay * w (learning rate forgotten)", "optim", '''
def adamw(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("weight_decay", 1e-2)
    wd = config["weight_decay"]
    config["weight_decay"] = 0.0
    next_w, config = adam(w, dw, config)
    config["weight_decay"] = wd
    return next_w - wd * w, config
''', "adamw", "not multiplied by learning_rate"),

    Mistake("adamw_decay_inside_adaptive", "weight_decay * w added to m_hat, so divided by "
            "sqrt(v_hat)", "optim", '''
def adamw(w, dw, config=None):
    if config is None:
        config = {}
    for k, v in (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8),
                 ("weight_decay", 1e-2), ("t", 0)):
        config.setdefault(k, v)
    b1, b2, t = config["beta1"], config["beta2"], config["t"] + 1
    m = b1 * config.get("m", np.zeros_like(w)) + (1 - b1) * dw
    v = b2 * config.get("v", np.zeros_like(w)) + (1 - b2) * dw ** 2
    m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
    config["m"], config["v"], config["t"] = m, v, t
    step = (m_hat + config["weight_decay"] * w) / (np.sqrt(v_hat) + config["epsilon"])
    return w - config["learning_rate"] * step, config
''', "adamw", "wrong term"),

    # ------------------------------------------------------------------ schedules
    Mistake("step_decay_off_by_one", "floor((epoch + 1) / step_size): decays one epoch early",
            "schedules", '''
def step_decay(epoch, base_lr, step_size=10, gamma=0.1):
    return base_lr * gamma ** ((epoch + 1) // step_size)
''', "step_decay", "off by one epoch"),

    Mistake("step_decay_ceil", "math.ceil instead of math.floor", "schedules", '''
def step_decay(epoch, base_lr, step_size=10, gamma=0.1):
    return base_lr * gamma ** math.ceil(epoch / step_size)
''', "step_decay", "math.ceil"),

    Mistake("exponential_off_by_one", "gamma ** (epoch + 1)", "schedules", '''
def exponential_decay(epoch, base_lr, gamma=0.95):
    return base_lr * gamma ** (epoch + 1)
''', "exponential_decay", "off by one epoch"),

    Mistake("inverse_time_as_exponential", "base_lr / (1 + decay_rate) ** epoch", "schedules", '''
def inverse_time_decay(epoch, base_lr, decay_rate=1.0):
    return base_lr / (1 + decay_rate) ** epoch
''', "inverse_time_decay", "that is exponential decay"),

    Mistake("cosine_no_clamp", "the cosine keeps going after total_epochs", "schedules", '''
def cosine_decay(epoch, base_lr, total_epochs, min_lr=0.0):
    return min_lr + (base_lr - min_lr) * 0.5 * (1 + math.cos(math.pi * epoch / total_epochs))
''', "cosine_decay", "clamp the epoch"),

    Mistake("cosine_ignores_min_lr", "decays to 0 whatever min_lr", "schedules", '''
def cosine_decay(epoch, base_lr, total_epochs, min_lr=0.0):
    e = min(epoch, total_epochs)
    return base_lr * 0.5 * (1 + math.cos(math.pi * e / total_epochs))
''', "cosine_decay", "min_lr is ignored"),

    Mistake("warmup_off_by_one", "(epoch + 1) / warmup_epochs", "schedules", '''
def linear_warmup(epoch, base_lr, warmup_epochs, start_factor=0.0):
    done = min((epoch + 1) / warmup_epochs, 1.0)
    return base_lr * (start_factor + (1 - start_factor) * done)
''', "linear_warmup", "off by one epoch"),

    Mistake("warmup_no_clamp", "the ramp keeps growing after warmup_epochs", "schedules", '''
def linear_warmup(epoch, base_lr, warmup_epochs, start_factor=0.0):
    return base_lr * (start_factor + (1 - start_factor) * epoch / warmup_epochs)
''', "linear_warmup", "keeps growing"),
]
