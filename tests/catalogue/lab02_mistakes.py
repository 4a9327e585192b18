"""The PUBLIC catalogue of realistic lab-02 (normalization) mistakes the grader must catch.

Each entry's ``source`` is appended to ``solutions/nnlab/normalization.py`` in a copy of the
reference package, so its definitions REPLACE the reference functions of the same name. The
graded ``function`` must then lose points, the feedback for it must contain ``expect``
(case-insensitive), and NO other function may lose points (one mistake, one deduction: a wrong
forward pass never costs its backward pass anything).
"""
from .entries import Mistake


_BN_HEAD = '''
def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
'''
_BN_TAIL = '''
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache
'''


def _bn(train, test=None, tail=_BN_TAIL):
    """A batchnorm_forward with the given train (and test) branch, 8-space indented."""
    test = test or '''
        std = np.sqrt(running_var + eps)
        x_hat = (x - running_mean) / std
        out = gamma * x_hat + beta
        cache = (x_hat, std, gamma)
'''
    return _BN_HEAD + '    if mode == "train":' + train + '    else:' + test + tail


_TRAIN_OK = '''
        mean = x.mean(axis=0)
        var = x.var(axis=0)
        std = np.sqrt(var + eps)
        x_hat = (x - mean) / std
        out = gamma * x_hat + beta
        cache = (x_hat, std, gamma)
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var
'''

MISTAKES = [
    Mistake("bn_unbiased_variance", "batch variance with ddof=1 (N - 1)", "normalization",
            _bn(_TRAIN_OK.replace("x.var(axis=0)", "x.var(axis=0, ddof=1)")),
            "batchnorm_forward", "unbiased variance"),

    Mistake("bn_eps_outside_sqrt", "std = sqrt(var) + eps", "normalization",
            _bn(_TRAIN_OK.replace("np.sqrt(var + eps)", "np.sqrt(var) + eps")),
            "batchnorm_forward", "eps outside the square root"),

    Mistake("bn_eps_hardcoded", "eps hard-coded as 1e-5 instead of bn_param['eps']",
            "normalization", _bn(_TRAIN_OK.replace("np.sqrt(var + eps)", "np.sqrt(var + 1e-5)")),
            "batchnorm_forward", "bn_param['eps'] ignored"),

    Mistake("bn_momentum_swapped", "running = (1 - momentum) * running + momentum * batch",
            "normalization",
            _bn(_TRAIN_OK.replace("momentum * running_mean + (1 - momentum) * mean",
                                  "(1 - momentum) * running_mean + momentum * mean")
                .replace("momentum * running_var + (1 - momentum) * var",
                         "(1 - momentum) * running_var + momentum * var")),
            "batchnorm_forward", "momentum the wrong way round"),

    Mistake("bn_running_not_updated", "running averages computed into new names and never stored",
            "normalization",
            _bn(_TRAIN_OK.replace("running_mean = momentum", "new_mean = momentum")
                .replace("running_var = momentum", "new_var = momentum")),
            "batchnorm_forward", "never changes"),

    Mistake("bn_running_var_unbiased", "running_var from the unbiased variance (as PyTorch)",
            "normalization",
            _bn(_TRAIN_OK.replace("(1 - momentum) * var", "(1 - momentum) * x.var(axis=0, ddof=1)")),
            "batchnorm_forward", "running_var uses the unbiased variance"),

    Mistake("bn_test_uses_batch_stats", "test mode normalises with the test batch's statistics",
            "normalization",
            _bn(_TRAIN_OK, test='''
        std = np.sqrt(x.var(axis=0) + eps)
        x_hat = (x - x.mean(axis=0)) / std
        out = gamma * x_hat + beta
        cache = (x_hat, std, gamma)
'''), "batchnorm_forward", "test mode used the batch's statistics"),

    Mistake("bn_test_updates_running", "test mode also folds the test batch into the running "
            "averages", "normalization",
            _bn(_TRAIN_OK, test='''
        std = np.sqrt(running_var + eps)
        x_hat = (x - running_mean) / std
        out = gamma * x_hat + beta
        cache = (x_hat, std, gamma)
        running_mean = momentum * running_mean + (1 - momentum) * x.mean(axis=0)
        running_var = momentum * running_var + (1 - momentum) * x.var(axis=0)
'''), "batchnorm_forward", "test mode changed"),

    Mistake("bn_running_keepdims", "running averages of shape (1, D)", "normalization",
            _bn(_TRAIN_OK.replace("mean = x.mean(axis=0)", "mean = x.mean(axis=0, keepdims=True)")
                .replace("var = x.var(axis=0)", "var = x.var(axis=0, keepdims=True)")),
            "batchnorm_forward", "keepdims"),

    Mistake("bn_forward_mutates_x", "x centred in place (x -= mean)", "normalization",
            _bn(_TRAIN_OK.replace("        x_hat = (x - mean) / std\n",
                                  "        x -= mean\n        x_hat = x / std\n")),
            "batchnorm_forward", "modified its input x"),

    Mistake("bn_dgamma_averaged", "dgamma and dbeta averaged over the batch (staged backward)",
            "normalization", '''
_ref_bn_backward = batchnorm_backward
def batchnorm_backward(dout, cache):
    dx, dgamma, dbeta = _ref_bn_backward(dout, cache)
    return dx, dgamma / dout.shape[0], dbeta / dout.shape[0]
''', "batchnorm_backward", "averaged over the batch"),

    Mistake("bn_dgamma_keepdims", "dgamma and dbeta of shape (1, D)", "normalization", '''
_ref_bn_backward_alt = batchnorm_backward_alt
def batchnorm_backward_alt(dout, cache):
    dx, dgamma, dbeta = _ref_bn_backward_alt(dout, cache)
    return dx, dgamma[None, :], dbeta[None, :]
''', "batchnorm_backward_alt", "keepdims"),

    Mistake("bn_staged_no_variance_path", "staged backward forgets that var depends on x",
            "normalization", '''
def batchnorm_backward(dout, cache):
    x_hat, std, gamma = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dxc = dout * gamma / std
    dmean = -np.sum(dxc, axis=0)
    dx = dxc + dmean / N
    return dx, dgamma, dbeta
''', "batchnorm_backward", "through the variance is missing"),

    Mistake("bn_alt_no_mean_term", "closed form without the mean(dx_hat) term", "normalization", '''
def batchnorm_backward_alt(dout, cache):
    x_hat, std, gamma = cache
    g = dout * gamma
    dx = (g - x_hat * np.mean(g * x_hat, axis=0)) / std
    return dx, np.sum(dout * x_hat, axis=0), dout.sum(axis=0)
''', "batchnorm_backward_alt", "through the mean is missing"),

    Mistake("bn_alt_dgamma_is_dbeta", "dgamma = sum(dout), the x_hat factor forgotten",
            "normalization", '''
def batchnorm_backward_alt(dout, cache):
    x_hat, std, gamma = cache
    g = dout * gamma
    dx = (g - g.mean(axis=0) - x_hat * np.mean(g * x_hat, axis=0)) / std
    return dx, dout.sum(axis=0), dout.sum(axis=0)
''', "batchnorm_backward_alt", "not sum(dout)"),

    Mistake("ln_wrong_axis", "layer norm statistics over the batch (axis 0)", "normalization", '''
def layernorm_forward(x, gamma, beta, ln_param):
    eps = ln_param.get("eps", 1e-5)
    mean = x.mean(axis=0)
    std = np.sqrt(x.var(axis=0) + eps)
    x_hat = (x - mean) / std
    return gamma * x_hat + beta, (x_hat, std, gamma)
''', "layernorm_forward", "normalised over the batch (axis 0)"),

    Mistake("ln_eps_outside_sqrt", "layer norm with sqrt(var) + eps", "normalization", '''
def layernorm_forward(x, gamma, beta, ln_param):
    eps = ln_param.get("eps", 1e-5)
    mean = x.mean(axis=1, keepdims=True)
    std = np.sqrt(x.var(axis=1, keepdims=True)) + eps
    x_hat = (x - mean) / std
    return gamma * x_hat + beta, (x_hat, std, gamma)
''', "layernorm_forward", "eps outside the square root"),

    Mistake("ln_backward_batch_axis", "layer-norm backward with the batch-norm means (axis 0)",
            "normalization", '''
def layernorm_backward(dout, cache):
    x_hat, std, gamma = cache
    g = dout * gamma
    dx = (g - g.mean(axis=0) - x_hat * np.mean(g * x_hat, axis=0)) / std
    return dx, np.sum(dout * x_hat, axis=0), dout.sum(axis=0)
''', "layernorm_backward", "over each example's features (axis 1)"),

    Mistake("ln_dbeta_per_example", "dgamma/dbeta summed over the features (axis 1)",
            "normalization", '''
_ref_ln_backward = layernorm_backward
def layernorm_backward(dout, cache):
    dx, _, _ = _ref_ln_backward(dout, cache)
    x_hat = cache[0]
    return dx, np.sum(dout * x_hat, axis=1), dout.sum(axis=1)
''', "layernorm_backward", "instead of the batch (axis 0)"),

    Mistake("gn_strided_groups", "groups of every G-th feature (reshape(N, D // G, G))",
            "normalization", '''
def groupnorm_forward(x, gamma, beta, G, gn_param):
    eps = gn_param.get("eps", 1e-5)
    N, D = x.shape
    xg = x.reshape(N, D // G, G)
    mean = xg.mean(axis=1, keepdims=True)
    std = np.sqrt(xg.var(axis=1, keepdims=True) + eps)
    x_hat = ((xg - mean) / std).reshape(N, D)
    return gamma * x_hat + beta, (x_hat, std, gamma, G)

def groupnorm_backward(dout, cache):   # the exact derivative of the strided forward above
    x_hat, std, gamma, G = cache
    N, D = dout.shape
    g = (dout * gamma).reshape(N, D // G, G)
    xh = x_hat.reshape(N, D // G, G)
    dx = (g - g.mean(axis=1, keepdims=True) - xh * np.mean(g * xh, axis=1, keepdims=True)) / std
    return dx.reshape(N, D), np.sum(dout * x_hat, axis=0), dout.sum(axis=0)
''', "groupnorm_forward", "CONSECUTIVE"),

    Mistake("gn_ignores_groups", "group norm that is layer norm (G ignored), forward and "
            "backward", "normalization", '''
def groupnorm_forward(x, gamma, beta, G, gn_param):
    return layernorm_forward(x, gamma, beta, gn_param)

def groupnorm_backward(dout, cache):
    return layernorm_backward(dout, cache)
''', "groupnorm_forward", "G ignored"),

    Mistake("gn_backward_ignores_groups", "group-norm backward with the layer-norm formula",
            "normalization", '''
def groupnorm_backward(dout, cache):
    x_hat, std, gamma, G = cache
    N, D = dout.shape
    g = dout * gamma
    s = np.repeat(std.reshape(N, G), D // G, axis=1)
    dx = (g - g.mean(axis=1, keepdims=True) - x_hat * np.mean(g * x_hat, axis=1, keepdims=True)) / s
    return dx, np.sum(dout * x_hat, axis=0), dout.sum(axis=0)
''', "groupnorm_backward", "within each group"),
]
