"""The PUBLIC catalogue of realistic lab-01 mistakes the trusted grader must catch.

Each entry's ``source`` is appended to ``solutions/nnlab/<module>.py`` in a copy of the reference
package, so its definitions REPLACE the reference functions of the same name. The graded
``function`` must then lose points, and the feedback for it must contain ``expect``
(case-insensitive). Functions built on the replaced one (``affine_relu_*`` on ``affine_*``,
``selu_*`` on ``elu_*``, ``swish_forward`` on ``sigmoid_forward``) may lose points as well.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Mistake:
    id: str
    description: str
    module: str
    source: str
    function: str
    expect: str


MISTAKES = [
    Mistake("affine_db_mean", "db averaged over the batch instead of summed", "layers", '''
def affine_backward(dout, cache):
    x, w, b = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.mean(axis=0)
    return dx, dw, db
''', "affine_backward", "factor N="),

    Mistake("affine_dw_transposed", "dw computed as dout.T @ x (shape (M, D))", "layers", '''
def affine_backward(dout, cache):
    x, w, b = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = dout.T @ x.reshape(x.shape[0], -1)
    db = dout.sum(axis=0)
    return dx, dw, db
''', "affine_backward", "transposed"),

    Mistake("affine_no_reshape", "affine_forward forgets to flatten a 4-D x", "layers", '''
def affine_forward(x, w, b):
    out = x @ w + b
    return out, (x, w, b)
''', "affine_forward", "4-D input"),

    Mistake("affine_db_keepdims", "db returned as a (M, 1) column", "layers", '''
def affine_backward(dout, cache):
    x, w, b = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.sum(axis=0, keepdims=True).T
    return dx, dw, db
''', "affine_backward", "shape (5, 1)"),

    Mistake("relu_backward_no_mask", "relu_backward passes the gradient where x < 0 too",
            "activations", '''
def relu_backward(dout, cache):
    return dout.copy()
''', "relu_backward", "x < 0"),

    Mistake("leaky_backward_no_alpha", "leaky_relu_backward drops the slope alpha for x < 0",
            "activations", '''
def leaky_relu_backward(dout, cache):
    x, alpha = cache
    return dout * (x > 0)
''', "leaky_relu_backward", "alpha"),

    Mistake("sigmoid_naive", "sigmoid as 1 / (1 + exp(-x)): overflows at x = -1000",
            "activations", '''
def sigmoid_forward(x):
    out = 1.0 / (1.0 + np.exp(-x))
    return out, out
''', "sigmoid_forward", "overflow"),

    Mistake("softmax_no_shift", "softmax without subtracting the max: NaN at scores ~1e3",
            "losses", '''
def softmax_loss(x, y):
    N = x.shape[0]
    e = np.exp(x)
    p = e / e.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(p[np.arange(N), y]))
    dx = p.copy()
    dx[np.arange(N), y] -= 1
    return float(loss), dx / N
''', "softmax_loss", "overflow"),

    Mistake("softmax_summed", "softmax loss and gradient summed over the batch, not averaged",
            "losses", '''
def softmax_loss(x, y):
    N = x.shape[0]
    s = x - x.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    loss = -np.sum(logp[np.arange(N), y])
    dx = np.exp(logp)
    dx[np.arange(N), y] -= 1
    return float(loss), dx
''', "softmax_loss", "factor N="),

    Mistake("svm_counts_correct_class", "svm margins include the correct class (+1 per example)",
            "losses", '''
def svm_loss(x, y):
    N = x.shape[0]
    rows = np.arange(N)
    margins = np.maximum(0.0, x - x[rows, y][:, None] + 1.0)
    loss = margins.sum() / N
    dx = (margins > 0).astype(float)
    dx[rows, y] = 0.0
    dx[rows, y] = -dx.sum(axis=1)
    return float(loss), dx / N
''', "svm_loss", "off by exactly 1"),

    Mistake("svm_dx_sign", "svm gradient with the wrong sign", "losses", '''
def svm_loss(x, y):
    N = x.shape[0]
    rows = np.arange(N)
    margins = np.maximum(0.0, x - x[rows, y][:, None] + 1.0)
    margins[rows, y] = 0.0
    loss = margins.sum() / N
    dx = (margins > 0).astype(float)
    dx[rows, y] = -dx.sum(axis=1)
    return float(loss), -dx / N
''', "svm_loss", "sign"),

    Mistake("tanh_backward_x", "tanh_backward uses 1 - x**2 instead of 1 - out**2", "activations", '''
def tanh_forward(x):
    return np.tanh(x), x

def tanh_backward(dout, cache):
    x = cache
    return dout * (1 - x ** 2)
''', "tanh_backward", "1 - out**2"),

    Mistake("elu_backward_alpha", "elu_backward uses alpha instead of alpha * exp(x) for x < 0",
            "activations", '''
def elu_backward(dout, cache):
    x, out, alpha = cache
    return np.where(x > 0, dout, alpha * dout)
''', "elu_backward", "x < 0"),

    Mistake("gelu_tanh_approx", "GELU via the tanh approximation instead of the exact erf form",
            "activations", '''
def gelu_forward(x):
    c = np.sqrt(2 / np.pi)
    out = 0.5 * x * (1 + np.tanh(c * (x + 0.044715 * x ** 3)))
    return out, x
''', "gelu_forward", "approximation"),

    Mistake("selu_rounded", "SELU with rounded constants 1.67 and 1.05", "activations", '''
def selu_forward(x):
    out = 1.05 * np.where(x > 0, x, 1.67 * np.expm1(np.minimum(x, 0)))
    return out, x

def selu_backward(dout, cache):
    x = cache
    return dout * 1.05 * np.where(x > 0, 1.0, 1.67 * np.exp(np.minimum(x, 0)))
''', "selu_forward", "constants"),

    Mistake("prelu_dalpha_not_summed", "prelu dalpha kept per example (N, D) instead of summed",
            "activations", '''
def prelu_backward(dout, cache):
    x, alpha = cache
    dx = np.where(x > 0, dout, alpha * dout)
    dalpha = np.where(x > 0, 0.0, dout * x)
    return dx, dalpha
''', "prelu_backward", "shape"),

    Mistake("maxout_all_pieces", "maxout backward routes the gradient to every piece", "activations", '''
def maxout_backward(dout, cache):
    x, w, winner = cache
    N, M = dout.shape
    k = w.shape[1]
    dz = np.repeat(dout[:, None, :], k, axis=1)
    dx = np.einsum("nkm,dkm->nd", dz, w)
    dw = np.einsum("nd,nkm->dkm", x, dz)
    db = dz.sum(axis=0)
    return dx, dw, db
''', "maxout_backward", "every piece"),

    Mistake("affine_relu_backward_order", "affine_relu_backward runs affine_backward first",
            "layer_utils", '''
def affine_relu_backward(dout, cache):
    fc_cache, relu_cache = cache
    dx, dw, db = affine_backward(dout, fc_cache)
    dx = relu_backward(dx, relu_cache)
    return dx, dw, db
''', "affine_relu_backward", "raised"),

    Mistake("softmax_float32", "softmax_loss casts the gradient to float32", "losses", '''
_ref_softmax_loss = softmax_loss

def softmax_loss(x, y):
    loss, dx = _ref_softmax_loss(x, y)
    return loss, dx.astype(np.float32)
''', "softmax_loss", "float32"),

    Mistake("relu_inplace", "relu_forward clips x in place (the caller's array changes)",
            "activations", '''
def relu_forward(x):
    cache = x.copy()
    x[x < 0] = 0
    return x, cache
''', "relu_forward", "in place"),
]

#: A mistake in the key may also cost the functions listed (they call it).
DEPENDENTS = {
    "affine_forward": {"affine_backward", "affine_relu_forward", "affine_relu_backward"},
    "affine_backward": {"affine_relu_backward"},
    "relu_forward": {"affine_relu_forward", "affine_relu_backward"},
    "relu_backward": {"affine_relu_backward"},
    "elu_forward": {"selu_forward", "selu_backward"},
    "elu_backward": {"selu_backward"},
    "sigmoid_forward": {"swish_forward", "swish_backward"},
    "tanh_forward": {"tanh_backward"},
    "selu_forward": {"selu_backward"},
    "gelu_forward": {"gelu_backward"},
}
