"""The PUBLIC catalogue of realistic lab-01 mistakes the trusted grader must catch.

Each entry's ``source`` is appended to ``solutions/nnlab/<module>.py`` in a copy of the reference
package, so its definitions REPLACE the reference functions of the same name. The graded
``function`` must then lose points, the feedback for it must contain ``expect``
(case-insensitive), and NO other function may lose any: one mistake, one deduction. That holds
for the functions built on the replaced one too (``affine_relu_*`` on ``affine_*`` and
``relu_*``, ``selu_*`` on ``elu_*``, ``swish_*`` on ``sigmoid_*``: the grader judges a composite
on its own wiring), and for a backward whose forward is wrong (it is judged against the reference
given its own forward's cache, and where that forward is wrong a result with no gradient right
is not counted). So an entry holds exactly one mistake: where it replaces a forward together
with its backward (a different cache), the backward is correct for that cache.
"""
from .entries import Mistake


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

def gelu_backward(dout, cache):      # correct, for the cache x this student keeps
    x = cache
    cdf = 0.5 * (1 + erf(x / np.sqrt(2)))
    return dout * (cdf + x * np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi))
''', "gelu_forward", "approximation"),

    Mistake("selu_rounded", "selu_forward with rounded constants 1.67 and 1.05", "activations", '''
def selu_forward(x):
    out = 1.05 * np.where(x > 0, x, 1.67 * np.expm1(np.minimum(x, 0)))
    return out, x

def selu_backward(dout, cache):      # correct (the module's constants), for the cache x
    x = cache
    return dout * SELU_SCALE * np.where(x > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(x, 0)))
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

    # ------------------------------------------------------------------------------------------
    # Seen in real students' cs231n code (issue 6): numerically wrong softmax, a backward that
    # writes into the caller's arrays, and mistakes that used to be reported only as "wrong in
    # N entries".
    # ------------------------------------------------------------------------------------------
    Mistake("softmax_log_of_probs", "softmax that shifts, exponentiates and normalises, then "
            "takes log of the correct-class probability: it underflows to 0 (loss inf) when the "
            "correct class trails the top score by a few hundred", "losses", '''
def softmax_loss(x, y):
    N = x.shape[0]
    shifted = x - np.max(x, axis=1, keepdims=True)
    probs = np.exp(shifted)
    probs /= np.sum(probs, axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(N), y])) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx
''', "softmax_loss", "underflowed to 0"),

    Mistake("softmax_log_of_probs_loop", "the same, per example in a loop: "
            "-log(exp(s_y) / sum(exp(s)))", "losses", '''
def softmax_loss(x, y):
    N = x.shape[0]
    loss = 0.0
    dx = np.zeros_like(x)
    for i in range(N):
        s = x[i] - np.max(x[i])
        e = np.exp(s)
        loss += -np.log(e[y[i]] / np.sum(e))
        dx[i] = e / np.sum(e)
        dx[i, y[i]] -= 1
    return loss / N, dx / N
''', "softmax_loss", "underflowed to 0"),

    Mistake("softmax_log_epsilon", "softmax with log(p + 1e-12): the epsilon hides the "
            "underflow but caps the loss", "losses", '''
def softmax_loss(x, y):
    N = x.shape[0]
    shifted = x - np.max(x, axis=1, keepdims=True)
    probs = np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True)
    loss = -np.mean(np.log(probs[np.arange(N), y] + 1e-12))
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    return loss, dx / N
''', "softmax_loss", "epsilon inside the log"),

    Mistake("softmax_minus_one_missing", "softmax dx = probs / N: the correct class's -1 is "
            "missing", "losses", '''
def softmax_loss(x, y):
    N = x.shape[0]
    shifted = x - np.max(x, axis=1, keepdims=True)
    logp = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return float(-np.mean(logp[np.arange(N), y])), np.exp(logp) / N
''', "softmax_loss", "-1 is missing"),

    Mistake("relu_backward_writes_cache", "relu_backward turns the cached x into the mask in "
            "place (x[x <= 0] = 0; x[x > 0] = 1): the caller's x changes", "activations", '''
def relu_forward(x):
    return np.maximum(0, x), x

def relu_backward(dout, cache):
    x = cache
    x[x <= 0] = 0
    x[x > 0] = 1
    return dout * x
''', "relu_backward", "changed the input x (through its cache) in place"),

    Mistake("relu_backward_clips_cache", "relu_backward clips the cached x in place "
            "(x[x < 0] = 0) before masking", "activations", '''
def relu_backward(dout, cache):
    x = cache
    x[x < 0] = 0
    return np.where(x > 0, dout, 0.0)
''', "relu_backward", "changed the input x (through its cache) in place"),

    Mistake("relu_backward_writes_dout", "relu_backward zeroes dout in place (dx = dout; "
            "dx[x <= 0] = 0)", "activations", '''
def relu_backward(dout, cache):
    dx = dout
    x = cache
    dx[x <= 0] = 0
    return dx
''', "relu_backward", "modified dout in place"),

    Mistake("relu_mask_from_dout", "relu_backward takes the mask from dout (dout > 0) instead "
            "of x", "activations", '''
def relu_backward(dout, cache):
    dx = dout.copy()
    dx[dout <= 0] = 0
    return dx
''', "relu_backward", "mask was taken from dout"),

    Mistake("svm_dx_no_correct_class", "svm dx never subtracts the count from the correct "
            "class (its column stays 0)", "losses", '''
def svm_loss(x, y):
    N = x.shape[0]
    rows = np.arange(N)
    margins = np.maximum(0.0, x - x[rows, y][:, None] + 1.0)
    margins[rows, y] = 0.0
    loss = margins.sum() / N
    dx = (margins > 0).astype(float) / N
    return float(loss), dx
''', "svm_loss", "correct-class column is missing"),

    Mistake("svm_dx_correct_class_counted", "svm dx from all margins: the correct class "
            "(margin 1) gets +1 and never minus the count", "losses", '''
def svm_loss(x, y):
    N = x.shape[0]
    rows = np.arange(N)
    margins = np.maximum(0.0, x - x[rows, y][:, None] + 1.0)
    dx = (margins > 0).astype(float) / N
    margins[rows, y] = 0.0
    return float(margins.sum() / N), dx
''', "svm_loss", "correct-class column is missing"),

    Mistake("affine_flatten_transposed", "affine_forward flattens x as x.reshape(D, N).T",
            "layers", '''
def affine_forward(x, w, b):
    N = x.shape[0]
    D = int(np.prod(x.shape[1:]))
    out = x.reshape(D, N).T @ w + b
    return out, (x, w, b)
''', "affine_forward", "flattened in the wrong order"),

    Mistake("affine_flatten_fortran", "affine_forward flattens x with order='F'", "layers", '''
def affine_forward(x, w, b):
    out = np.reshape(x, (x.shape[0], -1), order="F").dot(w) + b
    return out, (x, w, b)
''', "affine_forward", "flattened in the wrong order"),

    Mistake("affine_flatten_x_T", "affine_forward flattens x.T", "layers", '''
def affine_forward(x, w, b):
    out = x.T.reshape(x.shape[0], -1) @ w + b
    return out, (x, w, b)
''', "affine_forward", "flattened in the wrong order"),

    Mistake("affine_no_bias", "affine_forward forgets the bias", "layers", '''
def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1) @ w
    return out, (x, w, b)
''', "affine_forward", "bias b is missing"),

    Mistake("relu_np_max", "relu_forward with np.max(x, 0) (a reduction over axis 0) instead "
            "of the elementwise maximum", "activations", '''
def relu_forward(x):
    return np.max(x, 0), x
''', "relu_forward", "np.max"),

    Mistake("sigmoid_backward_x", "sigmoid_backward uses x * (1 - x) from a cache holding x",
            "activations", '''
_ref_sigmoid_forward = sigmoid_forward

def sigmoid_forward(x):
    out, _ = _ref_sigmoid_forward(x)
    return out, x

def sigmoid_backward(dout, cache):
    x = cache
    return dout * x * (1 - x)
''', "sigmoid_backward", "x * (1 - x)"),
]
