"""Correct lab-01 implementations written differently from the reference (PUBLIC).

Each entry's ``source`` is appended to ``solutions/nnlab/<module>.py`` in a copy of the reference
package (replacing the functions it defines); every function in ``functions`` must still get
FULL marks: the hidden checks must not depend on the order of operations, on the shape of the
cache (dicts, tuples, objects), or on the numpy idiom used.
"""
from .entries import Variant


VARIANTS = [
    Variant("affine_loops_dict_cache", "affine_forward with explicit loops and a dict cache; "
            "affine_backward with einsum", "layers", '''
def affine_forward(x, w, b):
    N = x.shape[0]
    flat = x.reshape(N, -1)
    out = np.zeros((N, w.shape[1]))
    for n in range(N):
        for m in range(w.shape[1]):
            s = b[m]
            for d in range(flat.shape[1]):
                s += flat[n, d] * w[d, m]
            out[n, m] = s
    return out, {"x": x, "w": w}

def affine_backward(dout, cache):
    x, w = cache["x"], cache["w"]
    N = x.shape[0]
    dx = np.einsum("nm,dm->nd", dout, w).reshape(x.shape)
    dw = np.einsum("nd,nm->dm", x.reshape(N, -1), dout)
    db = np.einsum("nm->m", dout)
    return dx, dw, db
''', ("affine_forward", "affine_backward", "affine_relu_forward", "affine_relu_backward")),

    Variant("relu_where_out_mask", "relu with np.where, backward masking on out > 0 "
            "with a multiplication; cache is the output", "activations", '''
def relu_forward(x):
    out = np.where(x > 0, x, 0.0)
    return out, out

def relu_backward(dout, cache):
    return dout * (cache > 0).astype(dout.dtype)
''', ("relu_forward", "relu_backward", "affine_relu_forward", "affine_relu_backward")),

    Variant("softmax_logsumexp", "softmax via a hand-written logsumexp, dx from probabilities",
            "losses", '''
def _logsumexp(a):
    m = a.max(axis=1, keepdims=True)
    return m + np.log(np.exp(a - m).sum(axis=1, keepdims=True))

def softmax_loss(x, y):
    N = len(y)
    logp = x - _logsumexp(x)
    loss = 0.0
    for i in range(N):
        loss -= logp[i, y[i]]
    loss /= N
    probs = np.exp(logp)
    onehot = np.eye(x.shape[1])[y]
    return loss, (probs - onehot) / N
''', ("softmax_loss",)),

    Variant("svm_loops", "svm loss with explicit loops (cs231n svm_loss_naive style)", "losses", '''
def svm_loss(x, y):
    N, C = x.shape
    loss = 0.0
    dx = np.zeros_like(x)
    for i in range(N):
        for c in range(C):
            if c == y[i]:
                continue
            margin = x[i, c] - x[i, y[i]] + 1
            if margin > 0:
                loss += margin
                dx[i, c] += 1
                dx[i, y[i]] -= 1
    return loss / N, dx / N
''', ("svm_loss",)),

    Variant("maxout_loops", "maxout with loops over units and pieces; cache is a list", "activations", '''
def maxout_forward(x, w, b):
    N, D = x.shape
    _, k, M = w.shape
    out = np.empty((N, M))
    arg = np.empty((N, M), dtype=int)
    for m in range(M):
        pieces = np.stack([x @ w[:, j, m] + b[j, m] for j in range(k)], axis=1)
        arg[:, m] = pieces.argmax(axis=1)
        out[:, m] = pieces.max(axis=1)
    return out, [x, w, arg]

def maxout_backward(dout, cache):
    x, w, arg = cache
    N, D = x.shape
    _, k, M = w.shape
    dx = np.zeros_like(x)
    dw = np.zeros_like(w)
    db = np.zeros((k, M))
    for n in range(N):
        for m in range(M):
            j = arg[n, m]
            dx[n] += dout[n, m] * w[:, j, m]
            dw[:, j, m] += dout[n, m] * x[n]
            db[j, m] += dout[n, m]
    return dx, dw, db
''', ("maxout_forward", "maxout_backward")),

    Variant("sigmoid_logaddexp", "sigmoid via exp(-logaddexp(0, -x)); tanh via 2*sigmoid(2x)-1; "
            "swish caching an object", "activations", '''
class _SwishCache:
    def __init__(self, x, s, beta):
        self.x, self.s, self.beta = x, s, beta

def sigmoid_forward(x):
    out = np.exp(-np.logaddexp(0.0, -x))
    return out, (out,)

def sigmoid_backward(dout, cache):
    (out,) = cache
    return dout * out - dout * out * out

def swish_forward(x, beta=1.0):
    s = np.exp(-np.logaddexp(0.0, -beta * x))
    return x * s, _SwishCache(x, s, beta)

def swish_backward(dout, cache):
    c = cache
    return dout * c.s * (1 + c.beta * c.x * (1 - c.s))
''', ("sigmoid_forward", "sigmoid_backward", "swish_forward", "swish_backward")),

    Variant("elu_expm1_masks", "elu with boolean-mask assignment, backward recomputing exp(x)",
            "activations", '''
def elu_forward(x, alpha=1.0):
    out = x.astype(float, copy=True)
    neg = x <= 0
    out[neg] = alpha * (np.exp(x[neg]) - 1)
    return out, {"x": x, "alpha": alpha}

def elu_backward(dout, cache):
    x, alpha = cache["x"], cache["alpha"]
    dx = dout.copy()
    neg = x <= 0
    dx[neg] = dout[neg] * alpha * np.exp(x[neg])
    return dx
''', ("elu_forward", "elu_backward", "selu_forward", "selu_backward")),

    Variant("prelu_einsum", "prelu with masks and einsum for dalpha", "activations", '''
def prelu_forward(x, alpha):
    neg = (x <= 0).astype(float)
    out = x * (1 - neg) + neg * x * alpha[None, :]
    return out, (x, alpha, neg)

def prelu_backward(dout, cache):
    x, alpha, neg = cache
    dx = dout * (1 - neg) + dout * neg * alpha
    dalpha = np.einsum("nd,nd,nd->d", dout, x, neg)
    return dx, dalpha
''', ("prelu_forward", "prelu_backward")),

    # Correct code the stricter checks of issue 6 must not touch: stable softmax written other
    # ways, and a backward that changes a cache it owns (a copy), not the caller's x.
    Variant("softmax_logaddexp", "softmax loss with np.logaddexp.reduce; dx from exp(x - lse)",
            "losses", '''
def softmax_loss(x, y):
    N = x.shape[0]
    lse = np.logaddexp.reduce(x, axis=1)
    loss = np.mean(lse - x[np.arange(N), y])
    dx = np.exp(x - lse[:, None])
    dx[np.arange(N), y] -= 1
    return loss, dx / N
''', ("softmax_loss",)),

    Variant("softmax_rowwise_lse", "softmax per example: log(sum(exp(s))) - s[y] in a loop",
            "losses", '''
def softmax_loss(x, y):
    N = x.shape[0]
    loss = 0.0
    dx = np.empty_like(x)
    for i in range(N):
        s = x[i] - x[i].max()
        z = np.sum(np.exp(s))
        loss += np.log(z) - s[y[i]]
        dx[i] = np.exp(s) / z
        dx[i, y[i]] -= 1.0
    return loss / N, dx / N
''', ("softmax_loss",)),

    Variant("relu_mask_in_own_copy", "relu caches a COPY of x and its backward turns that copy "
            "into the mask in place (the caller's x is untouched)", "activations", '''
def relu_forward(x):
    return np.maximum(0, x), x.copy()

def relu_backward(dout, cache):
    mask = cache
    mask[mask <= 0] = 0
    mask[mask > 0] = 1
    return dout * mask
''', ("relu_forward", "relu_backward", "affine_relu_forward", "affine_relu_backward")),

    Variant("affine_np_reshape", "affine with np.reshape(..., order='C') and np.dot",
            "layers", '''
def affine_forward(x, w, b):
    N = x.shape[0]
    out = np.dot(np.reshape(x, (N, int(np.prod(x.shape[1:]))), order="C"), w) + b
    return out, (x, w, b)

def affine_backward(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    dx = np.dot(dout, w.T).reshape(*x.shape)
    dw = np.dot(np.reshape(x, (N, -1)).T, dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db
''', ("affine_forward", "affine_backward", "affine_relu_forward", "affine_relu_backward")),
]
