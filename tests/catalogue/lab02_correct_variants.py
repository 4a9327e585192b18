"""Correct lab-02 implementations written differently from the reference (PUBLIC).

Each entry's ``source`` is appended to ``solutions/nnlab/normalization.py`` in a copy of the
reference package (replacing the functions it defines); every function in ``functions`` must get
FULL marks: the hidden checks must not depend on the cache's layout, on how the running averages
are stored (new arrays or updated in place), or on the order of floating-point operations.
"""
from .entries import Variant


VARIANTS = [
    Variant("bn_cs231n_staged_dict_cache",
            "2017-style staged forward with a dict cache of every intermediate; the backward "
            "walks the graph node by node; the closed form uses sums instead of means",
            "normalization", '''
def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    cache = None
    if mode == "train":
        mu = 1.0 / N * np.sum(x, axis=0)
        xmu = x - mu
        sq = xmu ** 2
        var = 1.0 / N * np.sum(sq, axis=0)
        sqrtvar = np.sqrt(var + eps)
        ivar = 1.0 / sqrtvar
        xhat = xmu * ivar
        gammax = gamma * xhat
        out = gammax + beta
        cache = {"xhat": xhat, "gamma": gamma, "xmu": xmu, "ivar": ivar, "sqrtvar": sqrtvar,
                 "var": var, "eps": eps}
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
    elif mode == "test":
        out = (x - running_mean) / np.sqrt(running_var + eps) * gamma + beta
    else:
        raise ValueError(mode)
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache

def batchnorm_backward(dout, cache):
    c = cache
    N, D = dout.shape
    dbeta = np.sum(dout, axis=0)
    dgammax = dout
    dgamma = np.sum(dgammax * c["xhat"], axis=0)
    dxhat = dgammax * c["gamma"]
    divar = np.sum(dxhat * c["xmu"], axis=0)
    dxmu1 = dxhat * c["ivar"]
    dsqrtvar = -1.0 / (c["sqrtvar"] ** 2) * divar
    dvar = 0.5 * 1.0 / np.sqrt(c["var"] + c["eps"]) * dsqrtvar
    dsq = 1.0 / N * np.ones((N, D)) * dvar
    dxmu2 = 2 * c["xmu"] * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -1 * np.sum(dxmu1 + dxmu2, axis=0)
    dx2 = 1.0 / N * np.ones((N, D)) * dmu
    dx = dx1 + dx2
    return dx, dgamma, dbeta

def batchnorm_backward_alt(dout, cache):
    xhat, gamma, ivar = cache["xhat"], cache["gamma"], cache["ivar"]
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dxhat = dout * gamma
    dx = ivar / N * (N * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0))
    return dx, dgamma, dbeta
''', ("batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt")),

    Variant("bn_state_in_place", "running averages kept with setdefault and updated IN PLACE "
            "in bn_param; fused forward with rsqrt; an object cache", "normalization", '''
class _BNCache:
    def __init__(self, **kw):
        self.__dict__.update(kw)

def batchnorm_forward(x, gamma, beta, bn_param):
    N, D = x.shape
    eps = bn_param.get("eps", 1e-5)
    m = bn_param.get("momentum", 0.9)
    rm = bn_param.setdefault("running_mean", np.zeros(D))
    rv = bn_param.setdefault("running_var", np.zeros(D))
    if bn_param["mode"] == "train":
        mean = np.einsum("nd->d", x) / N
        centred = x - mean
        var = np.einsum("nd,nd->d", centred, centred) / N
        inv = (var + eps) ** -0.5
        xh = centred * inv
        rm *= m
        rm += (1 - m) * mean
        rv *= m
        rv += (1 - m) * var
        return xh * gamma + beta, _BNCache(xh=xh, inv=inv, gamma=gamma)
    xh = (x - rm) * (rv + eps) ** -0.5
    return xh * gamma + beta, _BNCache(xh=xh, inv=None, gamma=gamma)

def batchnorm_backward(dout, cache):
    N = dout.shape[0]
    dxh = dout * cache.gamma
    dx = cache.inv * (dxh - dxh.sum(0) / N - cache.xh * (dxh * cache.xh).sum(0) / N)
    return dx, (dout * cache.xh).sum(0), dout.sum(0)

batchnorm_backward_alt = batchnorm_backward
''', ("batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt")),

    Variant("ln_via_batchnorm_transpose", "layer norm as batch norm of x.T (the cs231n hint), "
            "backward through batchnorm_backward_alt of the transposes", "normalization", '''
def layernorm_forward(x, gamma, beta, ln_param):
    bn_param = {"mode": "train", "eps": ln_param.get("eps", 1e-5)}
    N, D = x.shape
    xh_t, bn_cache = batchnorm_forward(x.T, np.ones(N), np.zeros(N), bn_param)
    xh = xh_t.T
    return gamma * xh + beta, (bn_cache, xh, gamma)

def layernorm_backward(dout, cache):
    bn_cache, xh, gamma = cache
    dxh_t = (dout * gamma).T
    dx_t, _, _ = batchnorm_backward_alt(dxh_t, bn_cache)
    return dx_t.T, (dout * xh).sum(axis=0), dout.sum(axis=0)
''', ("layernorm_forward", "layernorm_backward")),

    Variant("gn_loops_over_groups", "group norm with a Python loop over the groups, each one "
            "layer-normalised; the cache a list of per-group caches", "normalization", '''
def groupnorm_forward(x, gamma, beta, G, gn_param):
    N, D = x.shape
    size = D // G
    eps = gn_param.get("eps", 1e-5)
    xh = np.empty_like(x)
    parts = []
    for k in range(G):
        cols = slice(k * size, (k + 1) * size)
        out_k, c = layernorm_forward(x[:, cols], np.ones(size), np.zeros(size), {"eps": eps})
        xh[:, cols] = out_k
        parts.append((cols, c))
    return gamma * xh + beta, {"parts": parts, "xh": xh, "gamma": gamma}

def groupnorm_backward(dout, cache):
    dx = np.empty_like(dout)
    dxh = dout * cache["gamma"]
    for cols, c in cache["parts"]:
        dx[:, cols] = layernorm_backward(dxh[:, cols], c)[0]
    return dx, np.sum(dout * cache["xh"], axis=0), np.sum(dout, axis=0)
''', ("groupnorm_forward", "groupnorm_backward")),

    Variant("all_float_order", "every layer written with other formulas: var as E[x^2] - E[x]^2 "
            "(well-conditioned inputs), division by std instead of multiplication by its inverse",
            "normalization", '''
def layernorm_forward(x, gamma, beta, ln_param):
    eps = ln_param.get("eps", 1e-5)
    D = x.shape[1]
    s1 = x.sum(axis=1, keepdims=True) / D
    c = x - s1
    std = np.sqrt((c * c).sum(axis=1, keepdims=True) / D + eps)
    xh = c / std
    return xh * gamma + beta, (xh, std, gamma)

def layernorm_backward(dout, cache):
    xh, std, gamma = cache
    D = dout.shape[1]
    dxh = dout * gamma
    dx = (D * dxh - dxh.sum(axis=1, keepdims=True)
          - xh * (dxh * xh).sum(axis=1, keepdims=True)) / (D * std)
    return dx, np.einsum("nd,nd->d", dout, xh), dout.sum(axis=0)
''', ("layernorm_forward", "layernorm_backward")),
]
