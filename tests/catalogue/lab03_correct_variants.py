"""Correct lab-03 implementations written differently from the reference (PUBLIC).

Each entry's ``source`` is appended to ``solutions/nnlab/<module>.py`` in a copy of the reference
package (replacing the functions it defines); every function in ``functions`` must still get
FULL marks: the hidden checks must not depend on how random numbers are drawn (global state vs
Generator, rand vs binomial vs random_sample, keep where r < p or where r > 1 - p), on the shape
of the cache, on the order of operations, or on which of the equivalent conventions is used.
"""
from .entries import Variant


VARIANTS = [
    Variant("drop_cs231n_2017_adapted", "cs231n's 2017 code (np.random.seed, rand < p) adapted "
            "to the keep convention", "dropout", '''
def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    out = None
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    elif mode == "test":
        out = x
    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)
    return out, cache

def dropout_backward(dout, cache):
    dropout_param, mask = cache
    mode = dropout_param["mode"]
    dx = None
    if mode == "train":
        dx = dout * mask
    elif mode == "test":
        dx = dout
    return dx
''', ("dropout_forward", "dropout_backward")),

    Variant("drop_binomial_dict_cache", "boolean mask from rng.binomial, np.where, a dict cache, "
            "a copy at test time", "dropout", '''
def dropout_forward(x, dropout_param):
    p = dropout_param["p"]
    if dropout_param["mode"] == "test":
        return x.copy(), {"train": False}
    rng = np.random.default_rng(dropout_param.get("seed"))
    keep = rng.binomial(1, p, size=x.shape).astype(bool)
    out = np.where(keep, x / p, 0.0)
    return out, {"train": True, "keep": keep, "p": p}

def dropout_backward(dout, cache):
    if not cache["train"]:
        return dout.copy()
    return np.where(cache["keep"], dout / cache["p"], 0.0)
''', ("dropout_forward", "dropout_backward")),

    Variant("drop_randomstate_upper_tail", "legacy RandomState.random_sample, keep where "
            "r > 1 - p, scaling applied in the backward separately", "dropout", '''
class _Cache:
    def __init__(self, keep, p, mode):
        self.keep, self.p, self.mode = keep, p, mode

def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    seed = dropout_param.get("seed")
    if mode != "train":
        return x, _Cache(None, p, mode)
    r = (np.random.RandomState(seed).random_sample(x.shape) if seed is not None
         else np.random.random_sample(x.shape))
    keep = r > 1 - p
    return x * keep / p, _Cache(keep, p, mode)

def dropout_backward(dout, cache):
    if cache.mode != "train":
        return dout
    return dout * cache.keep / cache.p
''', ("dropout_forward", "dropout_backward")),

    Variant("penalties_comprehensions", "penalties with comprehensions, np.vdot and "
            "np.linalg.norm; zero gradients kept for the biases", "regularization", '''
def l2_penalty(params, reg):
    weights = {k: v for k, v in params.items() if k[0] == "W"}
    penalty = 0.5 * reg * sum(np.vdot(w, w) for w in weights.values())
    grads = {k: (reg * v if k in weights else np.zeros_like(v)) for k, v in params.items()}
    return float(penalty), grads

def l1_penalty(params, reg):
    weights = [k for k in params if k.startswith("W")]
    penalty = reg * sum(np.linalg.norm(params[k].ravel(), ord=1) for k in weights)
    return penalty, {k: np.where(params[k] > 0, reg, -reg) * (params[k] != 0) for k in weights}
''', ("l2_penalty", "l1_penalty")),

    Variant("aug_roll_and_zero_normal", "np.roll then zeroing the wrapped border, shifts the "
            "other way round, rng.normal noise drawn before the shifts", "augment", '''
def augment(X, y, max_shift=1, noise_std=0.0, seed=None):
    rng = np.random.default_rng(seed)
    noise = rng.normal(0.0, noise_std, size=X.shape) if noise_std > 0 else 0.0
    X_aug = np.array(X, dtype=float, copy=True)
    for i in range(len(X)):
        dy = int(rng.choice(np.arange(-max_shift, max_shift + 1)))
        dx = int(rng.choice(np.arange(-max_shift, max_shift + 1)))
        img = np.roll(X[i], (-dy, -dx), axis=(-2, -1))
        if dy > 0:
            img[..., -dy:, :] = 0
        elif dy < 0:
            img[..., :-dy, :] = 0
        if dx > 0:
            img[..., :, -dx:] = 0
        elif dx < 0:
            img[..., :, :-dx] = 0
        X_aug[i] = img
    return X_aug + noise, np.asarray(y).copy()
''', ("augment",)),

    Variant("aug_vectorised_indexing", "one vectorised gather from a padded batch, dy and dx "
            "drawn separately", "augment", '''
def augment(X, y, max_shift=1, noise_std=0.0, seed=None):
    rng = np.random.default_rng(seed)
    N, (H, W), m = X.shape[0], X.shape[-2:], max_shift
    dy = rng.integers(-m, m + 1, size=N)
    dx = rng.integers(-m, m + 1, size=N)
    padded = np.pad(X, [(0, 0)] * (X.ndim - 2) + [(m, m), (m, m)])
    rows = (np.arange(H)[None, :] - dy[:, None] + m)          # (N, H)
    cols = (np.arange(W)[None, :] - dx[:, None] + m)          # (N, W)
    if X.ndim == 4:
        out = np.stack([padded[i][:, rows[i]][:, :, cols[i]] for i in range(N)])
    else:
        out = padded[np.arange(N)[:, None, None], rows[:, :, None], cols[:, None, :]]
    if noise_std:
        out = out + rng.standard_normal(out.shape) * noise_std
    return out, y.copy()
''', ("augment",)),
]
