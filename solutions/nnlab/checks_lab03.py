"""Open checks of lab 03 (regularization), and the judgements they share with the grader.

Dropout and augmentation are random, so their outputs cannot be compared with stored values:
two correct implementations that draw random numbers differently (``rand`` vs ``binomial``, a
Generator vs the global state) drop different units. They are judged instead by properties every
correct implementation has:

* dropout, train mode: every output is 0 or x / p (one scale for all kept units), the fraction of
  units kept is p up to sampling noise, units are dropped independently per entry, the same seed
  gives the same mask and different seeds different ones; test mode is the identity; the
  backward pass uses the very mask of its forward pass (dx = dout * out / x).
* augment: labels unchanged; without noise every image is a zero-filled shift of its original
  by at most max_shift, with every possible shift showing up over many images; the noise has
  mean 0 and standard deviation noise_std; the same seed gives the same images.

Statistical tolerances are 6 standard errors of the quantity measured: a correct function fails
one with probability about 2e-9 (a normal tail beyond 6 sigma), while every mistake below
moves the quantity by dozens of standard errors.

The ``*_problem`` functions are pure: they look at arrays and return ``None`` (correct) or a
message naming the mistake. The notebook's open checks and the course's hidden checks both use
them, on different inputs.
"""
import numpy as np

SIGMAS = 6.0       # statistical tolerance, in standard errors


# --------------------------------------------------------------------------------------------
# judgements (pure functions of arrays)
# --------------------------------------------------------------------------------------------
def _array_problem(value, shape, name):
    if not isinstance(value, np.ndarray):
        return f"{name} should be an ndarray of shape {tuple(shape)}, got {type(value).__name__}"
    if value.shape != tuple(shape):
        return f"{name} has shape {value.shape}, expected {tuple(shape)} (the shape of x)"
    if not np.issubdtype(value.dtype, np.number):
        return f"{name} should hold numbers, got dtype {value.dtype}"
    if not np.all(np.isfinite(value)):
        return f"{name} contains NaN or inf"
    return None


def _near(a, b, rtol=1e-9):
    return abs(a - b) <= rtol * max(abs(a), abs(b), 1e-300)


def dropout_train_problem(x, out, p):
    """Judge a train-mode output of inverted dropout with KEEP probability p on x (no zeros)."""
    problem = _array_problem(out, x.shape, "out")
    if problem:
        return problem
    out = out.astype(np.float64)
    kept = out != 0
    n = x.size
    if not kept.any():
        return "every unit was dropped: keep each unit with probability p (the KEEP probability)"
    ratios = out[kept] / x[kept]
    r = float(np.median(ratios))
    if not np.allclose(ratios, r, rtol=1e-9, atol=0):
        return ("the kept units are not all x times the same factor: out must be x / p where a "
                "unit is kept and 0 where it is dropped")
    frac = float(kept.mean())
    if kept.ndim >= 2 and kept.shape[0] > 1 and 0 < frac < 1:
        rows = kept.reshape(kept.shape[0], -1)
        if rows.shape[1] > 1 and np.all(rows == rows[0]):
            return ("the same units are dropped for every example: the mask must have the full "
                    "shape of x (one independent draw per entry), not x.shape[1:]")
        if rows.shape[1] > 1 and np.all(rows == rows[:, :1]):
            return ("whole examples are dropped (a mask of shape (N, 1)?): draw one keep/drop "
                    "decision per entry of x")
    se = np.sqrt(p * (1 - p) / n) if p < 1 else 0.0
    tol = SIGMAS * se + 0.5 / n
    if abs(frac - p) > tol:
        if abs(frac - (1 - p)) <= tol:
            return (f"p used as the DROP probability: {frac:.1%} of the units were kept with "
                    f"p = {p:g}, about 1 - p; p is the probability of KEEPING a unit "
                    f"(keep where rand < p)")
        return f"{frac:.1%} of the units were kept, expected p = {p:.0%} (± {tol:.1%})"
    if not _near(r, 1 / p):
        if _near(r, 1.0):
            return ("no 1/p scaling at train time (vanilla dropout): inverted dropout divides "
                    "the kept units by p, so that E[out] = x and test time needs no scaling")
        if _near(r, p):
            return "the kept units are multiplied by p: inverted dropout DIVIDES them by p"
        if p < 1 and _near(r, 1 / (1 - p)):
            return ("the kept units are divided by 1 - p: that is the drop-probability "
                    "convention (PyTorch's p); here p is the KEEP probability, divide by p")
        return f"the kept units are x × {r:.4g}, expected x / p = x × {1 / p:.4g}"
    return None


def dropout_test_problem(x, out, p):
    """Judge a test-mode output: inverted dropout is the identity at test time."""
    problem = _array_problem(out, x.shape, "out")
    if problem:
        return problem
    out = out.astype(np.float64)
    if np.allclose(out, x, rtol=1e-12, atol=0):
        return None
    if p != 1 and np.allclose(out, p * x, rtol=1e-9, atol=0):
        return ("test mode scales by p: that is vanilla dropout's test-time rule; inverted "
                "dropout already divided by p while training, so test mode is the identity")
    if p != 1 and np.allclose(out, x / p, rtol=1e-9, atol=0):
        return ("test mode divides by p: inverted dropout divides only while training; test "
                "mode is the identity (out = x)")
    if np.any((out == 0) & (x != 0)):
        return ("test mode is not the identity: units were dropped at test time (only "
                "mode='train' drops units)")
    return "test mode is not the identity: out must equal x"


def dropout_backward_problem(x, out, dout, dx, p):
    """Judge a train-mode backward against ITS OWN forward: dx = dout * out / x."""
    problem = _array_problem(dx, x.shape, "dx")
    if problem:
        return problem
    dx = dx.astype(np.float64)
    expected = dout * (out / x)
    if np.allclose(dx, expected, rtol=1e-9, atol=1e-12):
        return None
    kept = out != 0
    if np.allclose(dx, dout, rtol=1e-12, atol=0):
        return ("dx = dout: the mask is ignored, so gradient flows into the dropped units; "
                "multiply dout by the forward pass's mask")
    if p != 1 and np.allclose(dx, dout * kept, rtol=1e-12, atol=0):
        return ("the 1/p scaling is missing in the backward pass: out = x * mask / p, so "
                "dx = dout * mask / p")
    if np.any((dx != 0) != kept):
        return ("dx is zero at different places from where the forward pass dropped units: "
                "use the mask saved in the cache by the forward pass, don't draw a new one")
    return "dx does not equal dout times the forward pass's mask (dout * out / x)"


def augment_labels_problem(y, y_aug):
    """The labels of an augmented batch must be those of the originals, in the same order."""
    if not isinstance(y_aug, np.ndarray):
        return f"y_aug should be an ndarray of shape {y.shape}, got {type(y_aug).__name__}"
    if y_aug.shape != y.shape:
        return (f"y_aug has shape {y_aug.shape}, expected {y.shape}: one label per image, "
                "augment returns one transformed copy of each image")
    if np.array_equal(y_aug, y):
        return None
    if np.array_equal(np.sort(y_aug), np.sort(y)):
        return ("the labels were reordered: y_aug[i] must be the label of X[i] (shuffling the "
                "labels without the images separates each image from its label)")
    return ("the labels changed: augmentation must be label-preserving, y_aug[i] = y[i]")


def _shifted(img, dy, dx):
    """img (..., H, W) moved down dy rows and right dx columns, zero-filled."""
    H, W = img.shape[-2:]
    out = np.zeros_like(img)
    src_r = slice(max(0, -dy), min(H, H - dy))
    dst_r = slice(max(0, dy), min(H, H + dy))
    src_c = slice(max(0, -dx), min(W, W - dx))
    dst_c = slice(max(0, dx), min(W, W + dx))
    out[..., dst_r, dst_c] = img[..., src_r, src_c]
    return out


def find_shift(original, image, max_shift):
    """(dy, dx) with |dy|, |dx| <= max_shift such that image is original shifted by it, or None."""
    for dy in range(-max_shift, max_shift + 1):
        for dx in range(-max_shift, max_shift + 1):
            if np.allclose(image, _shifted(original, dy, dx), rtol=1e-12, atol=1e-12):
                return dy, dx
    return None


def _why_not_a_shift(original, image, max_shift):
    for dy in range(-max_shift - 2, max_shift + 3):
        for dx in range(-max_shift - 2, max_shift + 3):
            if (dy or dx) and np.allclose(image, np.roll(original, (dy, dx), axis=(-2, -1))):
                return ("the pixels wrap around to the other side (np.roll?): a shift drops "
                        "the pixels that leave the image and fills the new ones with 0")
    for flip in (-1, -2):
        if find_shift(np.flip(original, axis=flip), image, max_shift) is not None:
            return ("an image was flipped: a flip is not label-preserving for digits (a flipped "
                    "3 is no digit, a 6 turned over looks like a 9); only shift and add noise")
    if find_shift(original, image, max_shift + 2) is not None:
        return f"an image was shifted by more than max_shift = {max_shift} pixels"
    if np.allclose(image, 0):
        return "an image came back all zeros"
    return (f"an augmented image is not its original shifted by at most {max_shift} pixels "
            f"(with noise_std = 0 nothing else may change)")


def augment_shift_problem(X, X_aug, max_shift):
    """Without noise, X_aug[i] must be X[i] shifted by some (dy, dx) in the allowed range, and
    over many images every one of the (2 max_shift + 1)^2 shifts must show up about equally."""
    problem = _array_problem(X_aug, X.shape, "X_aug")
    if problem:
        return problem
    X_aug = X_aug.astype(np.float64)
    shifts = []
    for i in range(X.shape[0]):
        s = find_shift(X[i], X_aug[i], max_shift)
        if s is None:
            return f"image {i}: {_why_not_a_shift(X[i], X_aug[i], max_shift)}"
        shifts.append(s)
    k = (2 * max_shift + 1) ** 2
    counts = {}
    for s in shifts:
        counts[s] = counts.get(s, 0) + 1
    n = len(shifts)
    if len(counts) == 1 and k > 1:
        return ("every image got the same shift: draw a new (dy, dx) for every image")
    missing = [(dy, dx) for dy in range(-max_shift, max_shift + 1)
               for dx in range(-max_shift, max_shift + 1) if (dy, dx) not in counts]
    if missing:
        return (f"over {n} images the shifts {missing[:4]}{'...' if len(missing) > 4 else ''} "
                f"never occurred: draw dy and dx independently, each uniformly from "
                f"-max_shift to +max_shift INCLUSIVE")
    q = 1 / k
    tol = SIGMAS * np.sqrt(n * q * (1 - q))
    bad = {s: c for s, c in counts.items() if abs(c - n * q) > tol}
    if bad:
        s, c = next(iter(bad.items()))
        return (f"the shifts are not uniform: shift {s} occurred {c} times in {n} images, "
                f"expected about {n * q:.0f}")
    return None


def augment_noise_problem(X, X_aug, noise_std):
    """With max_shift = 0, X_aug - X must be independent noise of mean 0 and std noise_std."""
    problem = _array_problem(X_aug, X.shape, "X_aug")
    if problem:
        return problem
    R = X_aug.astype(np.float64) - X
    n = R.size
    if noise_std == 0:
        if np.any(R != 0):
            return "noise_std = 0 and max_shift = 0 must return the images unchanged"
        return None
    if np.allclose(R, 0):
        return "no noise was added (X_aug equals X)"
    if R.shape[0] > 1 and np.allclose(R, R[:1]):
        return "every image got the same noise: draw independent noise for every pixel of every image"
    mean, std = float(R.mean()), float(R.std())
    if abs(mean) > SIGMAS * noise_std / np.sqrt(n):
        return f"the noise has mean {mean:.3g}, expected 0 (Gaussian noise is centred)"
    tol = SIGMAS / np.sqrt(2 * n)
    if abs(std / noise_std - 1) > tol:
        if abs(std / noise_std ** 2 - 1) <= tol:
            return (f"the noise has standard deviation noise_std**2 = {noise_std ** 2:g}: "
                    f"scale standard normal draws by noise_std (the std), not by its square")
        if abs(std * np.sqrt(3) / noise_std - 1) <= tol:
            return ("the noise has standard deviation noise_std/sqrt(3): uniform noise on "
                    "[-noise_std, noise_std]? use Gaussian noise, rng.standard_normal")
        return f"the noise has standard deviation {std:.4g}, expected noise_std = {noise_std:g}"
    return None


def penalty_candidates(fn, params, reg):
    """(value, message) pairs: what a penalty equals under each known mistake."""
    W = [v for k, v in params.items() if k.startswith("W")]
    every = list(params.values())
    if fn == "l2_penalty":
        return [
            (0.5 * reg * sum(np.sum(v * v) for v in every),
             "the biases / normalisation parameters are regularised too: only the weights "
             "(names starting with 'W') are"),
            (reg * sum(np.sum(w * w) for w in W),
             "the 0.5 is missing: this course's L2 penalty is 0.5 * reg * sum(W**2), so that "
             "its gradient is reg * W (PyTorch's weight_decay)"),
            (0.5 * reg * sum(np.sqrt(np.sum(w * w)) for w in W),
             "the norm is not squared: the L2 penalty sums the SQUARED weights"),
        ]
    return [
        (reg * sum(np.sum(np.abs(v)) for v in every),
         "the biases / normalisation parameters are regularised too: only the weights "
         "(names starting with 'W') are"),
        (reg * sum(np.sum(w) for w in W), "the absolute value is missing: L1 sums |W|"),
        (0.5 * reg * sum(np.sum(w * w) for w in W), "that is the L2 penalty: L1 sums |W|"),
        (0.5 * reg * sum(np.sum(np.abs(w)) for w in W),
         "a factor 0.5 slipped in: the L1 penalty is reg * sum(|W|)"),
    ]


def gradient_candidates(fn, w, reg):
    """(value, message) pairs: what the gradient of w equals under each known mistake."""
    if fn == "l2_penalty":
        return [(2 * reg * w, "it is 2 * reg * W: with the 0.5 in the penalty, "
                              "d/dW (0.5 * reg * W**2) = reg * W (the 0.5 convention mixed up)"),
                (0.5 * reg * w, "it is 0.5 * reg * W: the factor 2 from differentiating W**2 "
                                "is missing (d/dW 0.5 * reg * W**2 = reg * W)"),
                (reg * np.sign(w), "that is the L1 gradient: L2's is reg * W")]
    return [(reg * w, "that is the L2 gradient reg * W: L1's is reg * sign(W)"),
            (reg * np.ones_like(w), "d|W|/dW is sign(W), -1 where W < 0, not 1 everywhere"),
            (-reg * np.sign(w), "the sign is wrong: d|W|/dW = +1 for W > 0, -1 for W < 0")]


# --------------------------------------------------------------------------------------------
# open checks (rows of the notebook's tables)
# --------------------------------------------------------------------------------------------
FUNCTIONS = {
    "dropout_forward": "dropout", "dropout_backward": "dropout",
    "l2_penalty": "regularization", "l1_penalty": "regularization",
    "augment": "augment",
}


def _nonzero_x(name, shape):
    from .checks import _rng
    rng = _rng(name)
    return rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], size=shape)


def _params(name):
    from .checks import _away_from_zero, _rng
    rng = _rng(name)
    return {"W1": _away_from_zero(rng.standard_normal((4, 3))), "b1": rng.standard_normal(3),
            "W2": _away_from_zero(rng.standard_normal((3, 2))), "b2": rng.standard_normal(2),
            "gamma1": 1 + 0.1 * rng.standard_normal(3), "beta1": rng.standard_normal(3)}


def _images(name, shape=(300, 6, 5)):
    from .checks import _rng
    return _rng(name).uniform(0.1, 1.0, shape)


def _verdict(problem):
    from .checks import _Problem
    if problem:
        raise _Problem(problem)
    return None


def _drop(env, x, **param):
    from .checks import _as_array, _call, _unpack
    out, _ = _unpack(_call(env, "dropout", "dropout_forward", x, dict(param)), "dropout_forward",
                     ("out", "cache"))
    return _as_array(out, "out")


def _check_dropout_forward(env):
    from .checks import _Problem, _row
    x = _nonzero_x("dropout", (250, 200))
    rows = [_row("dropout_forward", "test mode: out = x", lambda: _verdict(
        dropout_test_problem(x, _drop(env, x, p=0.3, mode="test"), 0.3)))]
    for p in (0.3, 0.8):
        rows.append(_row("dropout_forward", f"train, p={p}: kept {p:.0%}, scaled by 1/p",
                         lambda p=p: _verdict(dropout_train_problem(
                             x, _drop(env, x, p=p, mode="train", seed=1), p))))
    x4 = _nonzero_x("dropout/4d", (40, 3, 10, 10))
    rows.append(_row("dropout_forward", "train, 4-D x, p=0.6", lambda: _verdict(
        dropout_train_problem(x4, _drop(env, x4, p=0.6, mode="train"), 0.6))))

    def seeds():
        a = _drop(env, x, p=0.5, mode="train", seed=7)
        b = _drop(env, x, p=0.5, mode="train", seed=7)
        c = _drop(env, x, p=0.5, mode="train", seed=8)
        if not np.array_equal(a, b):
            return _verdict("the same seed gave different masks: seed the generator with "
                            "dropout_param['seed'] before drawing the mask")
        if np.array_equal(a, c):
            return _verdict("seeds 7 and 8 gave the same mask: is the seed hard-coded?")
    rows.append(_row("dropout_forward", "same seed, same mask", seeds))

    def not_mutated():
        _drop(env, x, p=0.5, mode="train", seed=2)        # raises a row's hint if it fails
        xc = x.copy()    # called directly: _call would hand over a copy
        try:
            env.module("dropout").dropout_forward(xc, {"p": 0.5, "mode": "train", "seed": 2})
        except Exception:  # noqa: BLE001 — it worked on a copy above
            return None
        if not np.array_equal(xc, x):
            raise _Problem("x was modified in place (x *= mask?): compute out = x * mask, the "
                           "caller's x must not change")
    rows.append(_row("dropout_forward", "x not modified", not_mutated))

    def unseeded():
        if np.array_equal(_drop(env, x, p=0.5, mode="train"), _drop(env, x, p=0.5, mode="train")):
            return _verdict("two calls without a seed dropped the same units: without "
                            "dropout_param['seed'] every call needs a fresh mask")
    rows.append(_row("dropout_forward", "no seed: a fresh mask each call", unseeded))
    return rows


def _check_dropout_backward(env):
    from .checks import _as_array, _call, _dout, _gradient_rows, _Problem, _row, _unpack
    x = _nonzero_x("dropout/backward", (60, 50))
    dout = _dout("dropout", x.shape)
    rows = []

    def run(mode, p=0.7):
        try:
            out, cache = _unpack(_call(env, "dropout", "dropout_forward", x,
                                       {"p": p, "mode": mode, "seed": 3}),
                                 "dropout_forward", ("out", "cache"))
            out = _as_array(out, "out")
        except _Problem as e:
            raise _Problem(f"needs a working dropout_forward first ({e.hint})") from None
        dx = _as_array(_call(env, "dropout", "dropout_backward", dout.copy(), cache), "dx")
        return out, dx

    def test_mode():
        out, dx = run("test")
        if dx.shape != x.shape or not np.allclose(dx, dout, rtol=1e-12, atol=0):
            raise _Problem("test mode: out = x, so dx must equal dout")
    rows.append(_row("dropout_backward", "test mode: dx = dout", test_mode))

    def same_mask():
        out, dx = run("train")
        _verdict(dropout_backward_problem(x, out, dout, dx, 0.7))
    rows.append(_row("dropout_backward", "train: dx uses the forward's mask", same_mask))

    def not_mutated():
        run("train")                      # raises a row's hint if it fails
        xc, dc = x.copy(), dout.copy()    # called directly: _call would hand over copies
        try:
            _, cache = env.module("dropout").dropout_forward(xc, {"p": 0.7, "mode": "train",
                                                                  "seed": 3})
            env.module("dropout").dropout_backward(dc, cache)
        except Exception:  # noqa: BLE001 — it worked on copies above
            return None
        if not np.array_equal(dc, dout):
            raise _Problem("dout was modified in place (dout *= mask?): compute dx = dout * "
                           "mask, the caller's dout must not change")
        if not np.array_equal(xc, x):
            raise _Problem("the forward's x was modified in place through the cache: build a "
                           "new array for dx, the caller's x must not change")
    rows.append(_row("dropout_backward", "dout and x not modified", not_mutated))
    small = _nonzero_x("dropout/fd", (4, 5))
    rows += _gradient_rows(env, "dropout_backward", "dropout_forward", "dropout",
                           {"x": small, "dropout_param": {"p": 0.6, "mode": "train", "seed": 0}},
                           ["x"], _dout("dropout/fd", small.shape), label_suffix=" (train, seed=0)")
    return rows


def _numeric_penalty_grad(env, name, params, reg, key):
    from .checks import NUM_H, _as_array, _call, _unpack
    w = params[key].astype(np.float64)
    grad = np.zeros_like(w)
    for ix in np.ndindex(*w.shape):
        vals = []
        for sign in (1.0, -1.0):
            p = {k: v.copy() for k, v in params.items()}
            p[key][ix] += sign * NUM_H
            loss, _ = _unpack(_call(env, "regularization", name, p, reg), name, ("penalty", "grads"))
            vals.append(float(_as_array(loss, "penalty")))
        grad[ix] = (vals[0] - vals[1]) / (2 * NUM_H)
    return grad


def _explained(problem, got, candidates):
    """The problem, with the message of the known mistake ``got`` matches, if any."""
    from .checks import _Problem
    for value, message in candidates:
        value = np.asarray(value, dtype=np.float64)
        if value.shape == np.shape(got) and np.allclose(got, value, rtol=1e-6, atol=1e-12):
            return _Problem(message, problem.rel_error)
    return problem


def _check_penalty(env, name):
    from .checks import (GRADIENT_TOL, _as_array, _call, _compare, _expected, _forward_row,
                         _Problem, _row, _unpack)
    params = _params(name)
    reg = 0.7
    if env.record is not None:
        return [_forward_row(env, name, "penalty", "regularization", (params, reg), index=0,
                             what="loss")]

    def value():
        loss = _unpack(_call(env, "regularization", name, params, reg), name,
                       ("penalty", "grads"))[0]
        loss = _as_array(loss, "penalty")
        try:
            return _compare(loss, _expected(env, name, "penalty"), "penalty",
                            formula_hint="compare with the formula in the docstring")
        except _Problem as p:
            raise _explained(p, loss, penalty_candidates(name, params, reg)) from None
    rows = [_row(name, "penalty", value)]

    def grads():
        loss, g = _unpack(_call(env, "regularization", name, params, reg), name,
                          ("penalty", "grads"))
        if not isinstance(g, dict):
            raise _Problem(f"grads should be a dict from parameter name to array, got "
                           f"{type(g).__name__}")
        return g

    for key in ("W1", "W2"):
        def run(key=key):
            g = grads()
            if key not in g:
                raise _Problem(f"grads has no entry for {key}")
            num = _numeric_penalty_grad(env, name, params, reg, key)
            try:
                return _compare(g[key], num, f"grads['{key}']", reference_shape_of=(key, None),
                                tol=GRADIENT_TOL, formula_hint="differentiate your own penalty")
            except _Problem as p:
                got = _as_array(g[key], f"grads['{key}']")
                raise _explained(p, got, gradient_candidates(name, params[key], reg)) from None
        rows.append(_row(name, f"grads['{key}'] (numerical)", run))

    def not_biases():
        g = grads()
        for key in ("b1", "b2", "gamma1", "beta1"):
            if key in g and np.any(_as_array(g[key], f"grads['{key}']") != 0):
                raise _Problem(f"{key} is regularised: only weights (names starting with 'W') "
                               f"are, never biases or normalisation parameters")
        moved = {k: (v + 1.0 if not k.startswith("W") else v) for k, v in params.items()}
        a = float(_as_array(_unpack(_call(env, "regularization", name, params, reg), name,
                                    ("penalty", "grads"))[0], "penalty"))
        b = float(_as_array(_unpack(_call(env, "regularization", name, moved, reg), name,
                                    ("penalty", "grads"))[0], "penalty"))
        if a != b:
            raise _Problem("the penalty changes with the biases: leave b1, b2, gamma, beta out")
    rows.append(_row(name, "biases not regularised", not_biases))
    return rows


def _aug(env, X, y, **kw):
    from .checks import _as_array, _call, _unpack
    Xa, ya = _unpack(_call(env, "augment", "augment", X, y, **kw), "augment", ("X_aug", "y_aug"))
    if not isinstance(ya, np.ndarray):
        ya = np.asarray(ya) if isinstance(ya, (list, tuple)) else ya
    return _as_array(Xa, "X_aug"), ya


def _check_augment(env):
    from .checks import _Problem, _rng, _row
    X = _images("augment")
    y = _rng("augment/y").integers(0, 10, X.shape[0])
    rows = []

    def labels():
        _, ya = _aug(env, X, y, max_shift=1, noise_std=0.1, seed=0)
        _verdict(augment_labels_problem(y, ya))
    rows.append(_row("augment", "labels unchanged", labels))
    rows.append(_row("augment", "max_shift=1, no noise: zero-filled shifts", lambda: _verdict(
        augment_shift_problem(X, _aug(env, X, y, max_shift=1, noise_std=0.0, seed=1)[0], 1))))
    X4 = _images("augment/4d", (200, 2, 5, 6))
    y4 = np.arange(200) % 10
    rows.append(_row("augment", "(N, C, H, W) images, max_shift=2", lambda: _verdict(
        augment_shift_problem(X4, _aug(env, X4, y4, max_shift=2, noise_std=0.0, seed=2)[0], 2))))
    rows.append(_row("augment", "max_shift=0, noise_std=0.2: Gaussian noise", lambda: _verdict(
        augment_noise_problem(X, _aug(env, X, y, max_shift=0, noise_std=0.2, seed=3)[0], 0.2))))

    def seeds():
        a = _aug(env, X, y, max_shift=1, noise_std=0.1, seed=5)[0]
        b = _aug(env, X, y, max_shift=1, noise_std=0.1, seed=5)[0]
        c = _aug(env, X, y, max_shift=1, noise_std=0.1, seed=6)[0]
        if a.shape != X.shape or not np.array_equal(a, b):
            raise _Problem("the same seed gave different images: draw everything from "
                           "np.random.default_rng(seed)")
        if np.array_equal(a, c):
            raise _Problem("seeds 5 and 6 gave the same images: is the seed hard-coded?")
    rows.append(_row("augment", "same seed, same images", seeds))

    def not_mutated():
        _aug(env, X, y, max_shift=1, noise_std=0.1, seed=0)   # raises a row's hint if it fails
        Xc = X.copy()    # called directly: _call would hand over a copy
        fn = env.module("augment").augment
        try:
            fn(Xc, y.copy(), max_shift=1, noise_std=0.1, seed=0)
        except Exception:  # noqa: BLE001 — it worked on a copy above
            return None
        if not np.array_equal(Xc, X):
            raise _Problem("X was modified in place: work on a copy, the caller's images must "
                           "not change")
    rows.append(_row("augment", "X not modified", not_mutated))
    return rows


def check(env, name):
    """The rows of the open checks of ``name`` (called by ``nnlab.checks``)."""
    if name == "dropout_forward":
        return [] if env.record is not None else _check_dropout_forward(env)
    if name == "dropout_backward":
        return [] if env.record is not None else _check_dropout_backward(env)
    if name in ("l2_penalty", "l1_penalty"):
        return _check_penalty(env, name)
    if name == "augment":
        return [] if env.record is not None else _check_augment(env)
    raise KeyError(name)
