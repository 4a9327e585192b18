"""The PUBLIC catalogue of realistic lab-03 mistakes the trusted grader must catch.

Each entry's ``source`` is appended to ``solutions/nnlab/<module>.py`` in a copy of the reference
package, so its definitions REPLACE the reference functions of the same name. The graded
``function`` must then lose points, the feedback for it must contain ``expect``
(case-insensitive), and no other function may lose points (one mistake, one deduction: the
dropout backward is judged against its own forward's mask, so a wrong forward costs the
forward only).
"""
from .entries import Mistake


_BACKWARD = '''
def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        return dout * mask
    return dout
'''

MISTAKES = [
    # ------------------------------------------------------------------ dropout_forward
    Mistake("drop_p_is_drop_probability", "p used as the drop probability (PyTorch's convention)",
            "dropout", '''
def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    if mode == "train":
        mask = (np.random.rand(*x.shape) >= p) / (1 - p)
        out = x * mask
    else:
        out = x
    return out, (dropout_param, mask)
''' + _BACKWARD, "dropout_forward", "DROP probability"),

    Mistake("drop_vanilla", "vanilla dropout at train time: kept units not divided by p",
            "dropout", '''
def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    if mode == "train":
        mask = np.random.rand(*x.shape) < p
        out = x * mask
    else:
        out = x
    return out, (dropout_param, mask)
''' + _BACKWARD, "dropout_forward", "no 1/p scaling"),

    Mistake("drop_test_scaled", "inverted dropout at train time AND a scaling by p at test time",
            "dropout", '''
def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    else:
        out = x * p
    return out, (dropout_param, mask)
''', "dropout_forward", "test mode scales by p"),

    Mistake("drop_mode_ignored", "units dropped in test mode too (mode ignored)", "dropout", '''
def dropout_forward(x, dropout_param):
    p = dropout_param["p"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = (np.random.rand(*x.shape) < p) / p
    return x * mask, (dropout_param, mask)
''', "dropout_forward", "dropped at test time"),

    Mistake("drop_seed_ignored", "dropout_param['seed'] never used", "dropout", '''
def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    mask = None
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    else:
        out = x
    return out, (dropout_param, mask)
''', "dropout_forward", "seed is ignored"),

    Mistake("drop_seed_hardcoded", "np.random.seed(0) on every call, whatever the seed",
            "dropout", '''
def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    np.random.seed(0)
    mask = None
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    else:
        out = x
    return out, (dropout_param, mask)
''', "dropout_forward", "hard-coded"),

    Mistake("drop_mask_per_feature", "one mask of shape x.shape[1:] shared by every example",
            "dropout", '''
def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    if mode == "train":
        mask = (np.random.rand(*x.shape[1:]) < p) / p
        out = x * mask
    else:
        out = x
    return out, (dropout_param, mask)
''', "dropout_forward", "same units are dropped for every example"),

    Mistake("drop_in_place", "x *= mask: the caller's x is modified", "dropout", '''
def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p
        x *= mask
    return x, (dropout_param, mask)
''', "dropout_forward", "in place"),

    Mistake("drop_mask_2d", "the mask drawn as rand(x.shape[0], x.shape[1]): right for 2-D x, "
            "raises on 3-D and 4-D x", "dropout", '''
def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    out = x
    if mode == "train":
        mask = (np.random.rand(x.shape[0], x.shape[1]) < p) / p
        out = x * mask
    return out, (dropout_param, mask)
''', "dropout_forward", "could not be broadcast"),

    # ------------------------------------------------------------------ dropout_backward
    Mistake("drop_backward_new_mask", "the backward pass draws a new mask", "dropout", '''
def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        p = dropout_param["p"]
        return dout * (np.random.rand(*dout.shape) < p) / p
    return dout
''', "dropout_backward", "don't draw a new one"),

    Mistake("drop_backward_no_scale", "the backward multiplies by the 0/1 mask, without 1/p",
            "dropout", '''
def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        return dout * (mask > 0)
    return dout
''', "dropout_backward", "1/p scaling is missing in the backward"),

    Mistake("drop_backward_identity", "dx = dout in train mode too (mask ignored)", "dropout", '''
def dropout_backward(dout, cache):
    return dout.copy()
''', "dropout_backward", "mask is ignored"),

    Mistake("drop_backward_in_place", "dout *= mask: the caller's dout is modified", "dropout", '''
def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        dout *= mask
    return dout
''', "dropout_backward", "modified dout in place"),

    Mistake("drop_backward_writes_cache", "the forward keeps x in its cache and the backward "
            "writes dx into that very array (the caller's x)", "dropout", '''
_forward_without_x = dropout_forward


def dropout_forward(x, dropout_param):
    out, (param, mask) = _forward_without_x(x, dropout_param)
    return out, (param, mask, x)


def dropout_backward(dout, cache):
    dropout_param, mask, x = cache
    if dropout_param["mode"] == "train":
        dx = x                    # the cache's x itself, not a copy
        dx[...] = dout * mask
        return dx
    return dout.copy()
''', "dropout_backward", "through its cache"),

    # ------------------------------------------------------------------ l2_penalty
    Mistake("l2_biases_regularized", "every parameter regularised, biases and gammas included",
            "regularization", '''
def l2_penalty(params, reg):
    penalty, grads = 0.0, {}
    for name, w in params.items():
        penalty += 0.5 * reg * np.sum(w ** 2)
        grads[name] = reg * w
    return penalty, grads
''', "l2_penalty", "regularised too"),

    Mistake("l2_no_half", "penalty reg * sum(W**2) with gradient reg * W (factor 2 lost)",
            "regularization", '''
def l2_penalty(params, reg):
    penalty, grads = 0.0, {}
    for name, w in params.items():
        if name.startswith("W"):
            penalty += reg * np.sum(w ** 2)
            grads[name] = reg * w
    return penalty, grads
''', "l2_penalty", "the 0.5 is missing"),

    Mistake("l2_grad_2x", "penalty 0.5 * reg * sum(W**2) but gradient 2 * reg * W",
            "regularization", '''
def l2_penalty(params, reg):
    penalty, grads = 0.0, {}
    for name, w in params.items():
        if name.startswith("W"):
            penalty += 0.5 * reg * np.sum(w ** 2)
            grads[name] = 2 * reg * w
    return penalty, grads
''', "l2_penalty", "0.5 convention mixed up"),

    Mistake("l2_grad_missing_2", "penalty 0.5 * reg * sum(W**2) but gradient 0.5 * reg * W",
            "regularization", '''
def l2_penalty(params, reg):
    penalty, grads = 0.0, {}
    for name, w in params.items():
        if name.startswith("W"):
            penalty += 0.5 * reg * np.sum(w ** 2)
            grads[name] = 0.5 * reg * w
    return penalty, grads
''', "l2_penalty", "factor 2 from differentiating"),

    Mistake("l2_mutates_params", "params[name] -= ... : weight decay applied in place",
            "regularization", '''
def l2_penalty(params, reg):
    penalty, grads = 0.0, {}
    for name, w in params.items():
        if name.startswith("W"):
            penalty += 0.5 * reg * np.sum(w ** 2)
            grads[name] = reg * w.copy()
            w *= 1.0 - 1e-3 * reg
    return penalty, grads
''', "l2_penalty", "modified params in place"),

    # ------------------------------------------------------------------ l1_penalty
    Mistake("l1_sign_wrong", "L1 gradient -reg * sign(W)", "regularization", '''
def l1_penalty(params, reg):
    penalty, grads = 0.0, {}
    for name, w in params.items():
        if name.startswith("W"):
            penalty += reg * np.sum(np.abs(w))
            grads[name] = -reg * np.sign(w)
    return penalty, grads
''', "l1_penalty", "sign is wrong"),

    Mistake("l1_grad_is_l2", "L1 gradient written as reg * W", "regularization", '''
def l1_penalty(params, reg):
    penalty, grads = 0.0, {}
    for name, w in params.items():
        if name.startswith("W"):
            penalty += reg * np.sum(np.abs(w))
            grads[name] = reg * w
    return penalty, grads
''', "l1_penalty", "that is the L2 gradient"),

    Mistake("l1_no_abs", "L1 penalty reg * sum(W), without the absolute value",
            "regularization", '''
def l1_penalty(params, reg):
    penalty, grads = 0.0, {}
    for name, w in params.items():
        if name.startswith("W"):
            penalty += reg * np.sum(w)
            grads[name] = reg * np.sign(w)
    return penalty, grads
''', "l1_penalty", "absolute value is missing"),

    Mistake("l1_biases_regularized", "L1 applied to every parameter", "regularization", '''
def l1_penalty(params, reg):
    penalty = sum(reg * np.sum(np.abs(w)) for w in params.values())
    return penalty, {name: reg * np.sign(w) for name, w in params.items()}
''', "l1_penalty", "regularised"),

    # ------------------------------------------------------------------ augment
    Mistake("aug_roll_wraps", "shifts with np.roll: pixels wrap around", "augment", '''
def augment(X, y, max_shift=1, noise_std=0.0, seed=None):
    rng = np.random.default_rng(seed)
    X_aug = np.empty_like(X)
    for i in range(X.shape[0]):
        dy, dx = rng.integers(-max_shift, max_shift + 1, size=2)
        X_aug[i] = np.roll(X[i], (dy, dx), axis=(-2, -1))
    if noise_std > 0:
        X_aug = X_aug + noise_std * rng.standard_normal(X.shape)
    return X_aug, y.copy()
''', "augment", "wrap around"),

    Mistake("aug_flips", "random horizontal flips on top of the shifts", "augment", '''
_reference_augment = augment

def augment(X, y, max_shift=1, noise_std=0.0, seed=None):
    X_aug, y_aug = _reference_augment(X, y, max_shift, noise_std, seed)
    flip = np.random.default_rng(seed).random(X.shape[0]) < 0.5
    X_aug[flip] = X_aug[flip][..., ::-1]
    return X_aug, y_aug
''', "augment", "a flip is not label-preserving"),

    Mistake("aug_originals_appended", "returns the originals plus the augmented copies",
            "augment", '''
_reference_augment = augment

def augment(X, y, max_shift=1, noise_std=0.0, seed=None):
    X_new, y_new = _reference_augment(X, y, max_shift, noise_std, seed)
    return np.concatenate([X, X_new]), np.concatenate([y, y_new])
''', "augment", "one transformed copy of each image"),

    Mistake("aug_labels_shuffled", "the labels permuted while the images stay in order",
            "augment", '''
_reference_augment = augment

def augment(X, y, max_shift=1, noise_std=0.0, seed=None):
    rng = np.random.default_rng(seed)
    X_aug, y_aug = _reference_augment(X, y, max_shift, noise_std, seed)
    return X_aug, y_aug[rng.permutation(len(y_aug))]
''', "augment", "labels were reordered"),

    Mistake("aug_one_shift_per_batch", "one random shift for the whole batch", "augment", '''
def augment(X, y, max_shift=1, noise_std=0.0, seed=None):
    rng = np.random.default_rng(seed)
    m = max_shift
    dy, dx = rng.integers(-m, m + 1, size=2)
    padded = np.pad(X, [(0, 0)] * (X.ndim - 2) + [(m, m), (m, m)])
    H, W = X.shape[-2:]
    X_aug = padded[..., m - dy:m - dy + H, m - dx:m - dx + W].copy()
    if noise_std > 0:
        X_aug = X_aug + noise_std * rng.standard_normal(X.shape)
    return X_aug, y.copy()
''', "augment", "every image got the same shift"),

    Mistake("aug_shift_range_exclusive", "shifts drawn with integers(-m, m): +m never occurs",
            "augment", '''
def augment(X, y, max_shift=1, noise_std=0.0, seed=None):
    rng = np.random.default_rng(seed)
    m = max_shift
    padded = np.pad(X, [(0, 0)] * (X.ndim - 2) + [(m, m), (m, m)])
    H, W = X.shape[-2:]
    X_aug = np.empty_like(X)
    for i in range(X.shape[0]):
        dy, dx = rng.integers(-m, m, size=2) if m > 0 else (0, 0)
        X_aug[i] = padded[i, ..., m - dy:m - dy + H, m - dx:m - dx + W]
    if noise_std > 0:
        X_aug = X_aug + noise_std * rng.standard_normal(X.shape)
    return X_aug, y.copy()
''', "augment", "INCLUSIVE"),

    Mistake("aug_noise_variance", "noise scaled by noise_std**2 (the variance)", "augment", '''
_reference_augment = augment

def augment(X, y, max_shift=1, noise_std=0.0, seed=None):
    return _reference_augment(X, y, max_shift, noise_std ** 2, seed)
''', "augment", "not by its square"),

    Mistake("aug_in_place", "noise added to X in place", "augment", '''
_reference_augment = augment

def augment(X, y, max_shift=1, noise_std=0.0, seed=None):
    X_aug, y_aug = _reference_augment(X, y, max_shift, 0.0, seed)
    if noise_std > 0:
        X += noise_std * np.random.default_rng(seed).standard_normal(X.shape)
        X_aug, y_aug = _reference_augment(X, y, max_shift, 0.0, seed)
    return X_aug, y_aug
''', "augment", "modified its input X"),

    Mistake("aug_seed_ignored", "the global np.random instead of default_rng(seed)", "augment", '''
def augment(X, y, max_shift=1, noise_std=0.0, seed=None):
    m = max_shift
    padded = np.pad(X, [(0, 0)] * (X.ndim - 2) + [(m, m), (m, m)])
    H, W = X.shape[-2:]
    X_aug = np.empty_like(X)
    for i in range(X.shape[0]):
        dy, dx = np.random.randint(-m, m + 1, size=2)
        X_aug[i] = padded[i, ..., m - dy:m - dy + H, m - dx:m - dx + W]
    if noise_std > 0:
        X_aug = X_aug + noise_std * np.random.randn(*X.shape)
    return X_aug, y.copy()
''', "augment", "seed is ignored"),
]
