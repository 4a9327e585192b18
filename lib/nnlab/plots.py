"""Plots the labs draw with YOUR functions (complete; nothing to write here).

Every helper calls the functions of your ``nnlab`` package. When one of them is still a stub (it
raises ``NotImplementedError``) or fails, the plot leaves that panel empty with a note and prints
one line saying what to write first, instead of stopping the notebook.
"""
import importlib

import numpy as np

from .grading_mode import not_drawn_while_grading

__all__ = ["plot_activations", "plot_dying_relu", "plot_sigmoid_not_zero_centred",
           "plot_training_curves", "summarise_runs", "plot_gradient_check_h", "try_activation",
           "saturated", "gradient_check_errors", "plot_zig_zag", "zig_zag_paths", "SATURATION",
           "ACTIVATION_PANELS"]

#: |f'(x)| below this from some x out to the edge of the plot counts as "saturated" (see saturated)
SATURATION = 0.01


def _activations():
    return importlib.import_module(f"{__package__}.activations")


def _plt():
    import matplotlib.pyplot as plt
    return plt


#: Extra arguments that turn the activations with parameters into curves of one variable:
#: PReLU with every learned slope at 0.25 (He et al.'s initial value), and a maxout unit with
#: D = 1 input, M = 1 output and k = 3 affine pieces, max(-0.5x - 1, 0.25x, 1.5x - 1.5).
PRELU_ALPHA = 0.25
MAXOUT_W = np.array([-0.5, 0.25, 1.5]).reshape(1, 3, 1)     # (D, k, M)
MAXOUT_B = np.array([-1.0, 0.0, -1.5]).reshape(3, 1)        # (k, M)


def try_activation(name, x, **kwargs):
    """(out, dout/dx) of activation ``name`` at points ``x`` with your functions, or (None, why).

    ``x`` has shape (1, P) (P points). PReLU gets one slope per point, all PRELU_ALPHA; maxout
    treats each point as one example with a single input feature (pieces MAXOUT_W, MAXOUT_B).
    Only dout/dx is returned for the activations whose backward also returns parameter gradients.
    """
    act = _activations()
    try:
        fwd = getattr(act, f"{name}_forward")
        bwd = getattr(act, f"{name}_backward")
        with np.errstate(all="ignore"):
            if name == "prelu":
                out, cache = fwd(x.copy(), np.full(x.shape[-1], PRELU_ALPHA), **kwargs)
                grad = bwd(np.ones_like(x), cache)[0]
            elif name == "maxout":
                column = x.reshape(-1, 1)
                out, cache = fwd(column.copy(), MAXOUT_W.copy(), MAXOUT_B.copy(), **kwargs)
                grad = bwd(np.ones_like(column), cache)[0]
                out, grad = np.reshape(out, x.shape), np.reshape(grad, x.shape)
            else:
                out, cache = fwd(x.copy(), **kwargs)
                grad = bwd(np.ones_like(x), cache)
        return np.asarray(out, dtype=float), np.asarray(grad, dtype=float)
    except NotImplementedError:
        return None, f"{name}_forward/{name}_backward not written yet"
    except Exception as exc:  # noqa: BLE001 — a bug in a student's function must not stop the plot
        return None, f"{name}: {type(exc).__name__}: {exc}"


def _note(ax, text):
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True, fontsize=9,
            transform=ax.transAxes, color="0.4")


def _runs(mask):
    """(start, stop) index pairs of the runs of True in a 1-D boolean array (stop exclusive)."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(int), [0]])))
    return list(zip(edges[::2], edges[1::2]))


def saturated(grad):
    """Where the unit is saturated (or dead): |f'| < SATURATION from there out to an edge of x.

    Saturation is the function flattening out for large |x|: the derivative stays near zero
    however much further x goes. A derivative that only crosses zero (GELU near x = -0.75, Swish
    near x = -1.28, where the curve has its minimum) passes gradient again on both sides, so a
    run of small |f'| counts only when it reaches the first or the last point.
    """
    small = np.abs(grad) < SATURATION
    mask = np.zeros_like(small)
    for start, stop in _runs(small):
        if start == 0 or stop == small.size:
            mask[start:stop] = True
    return mask


def _shade(ax, x, mask, label):
    """Shade the runs of x where mask is true."""
    for i, (start, stop) in enumerate(_runs(mask)):
        ax.axvspan(x[start], x[stop - 1], color="tab:red", alpha=0.12,
                   label=label if i == 0 else None)


#: Every activation of lab 01, in the order the notebook introduces them.
ACTIVATION_PANELS = ("sigmoid", "tanh", "relu", "leaky_relu", "prelu", "elu", "selu", "gelu",
                     "swish", "maxout")
_TITLES = {"prelu": f"prelu (every alpha = {PRELU_ALPHA})",
           "maxout": "maxout, k = 3 pieces\nmax(-0.5x - 1, 0.25x, 1.5x - 1.5)"}


@not_drawn_while_grading
def plot_activations(names=ACTIVATION_PANELS, lo=-6.0, hi=6.0, ncols=5):
    """Each activation f and its derivative f' (from your backward), saturated regions shaded."""
    plt = _plt()
    x = np.linspace(lo, hi, 1001).reshape(1, -1)
    nrows = -(-len(names) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.0 * ncols, 2.8 * nrows), squeeze=False)
    missing = []
    for ax, name in zip(axes.ravel(), names):
        ax.set_title(_TITLES.get(name, name), fontsize=10)
        ax.axhline(0, color="0.8", lw=0.8)
        ax.axvline(0, color="0.8", lw=0.8)
        out, grad = try_activation(name, x)
        if out is None:
            missing.append(grad)
            _note(ax, grad.replace(" not written", "\nnot written"))
            continue
        ax.plot(x.ravel(), out.ravel(), label="f(x)")
        ax.plot(x.ravel(), grad.ravel(), "--", label="f'(x)")
        _shade(ax, x.ravel(), saturated(grad.ravel()), "saturated / dead")
        ax.set_ylim(-2.2, 3.2)
        ax.legend(fontsize=7, loc="upper left")
    for ax in axes.ravel()[len(names):]:
        ax.axis("off")
    fig.tight_layout()
    plt.show()
    unwritten = [m.split("_forward/")[0] for m in missing if m.endswith("not written yet")]
    if unwritten:
        print(f"empty panels: {', '.join(unwritten)} (their _forward/_backward in "
              "nnlab/activations.py are not written yet): come back when they pass their checks")
    for m in missing:
        if not m.endswith("not written yet"):
            print("empty panel:", m)


@not_drawn_while_grading
def plot_dying_relu(n=500, dim=20, seed=0):
    """Two ReLU units on the same inputs: a healthy one and one whose bias was pushed far negative.

    A dead unit outputs 0 for every input, so relu_backward passes no gradient to its weights and
    nothing can revive it.
    """
    plt = _plt()
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, dim))
    w = rng.standard_normal(dim) / np.sqrt(dim)
    missing = False
    cases = {"healthy unit (b = 0.01)": X @ w + 0.01,
             "dead unit (b = -5, e.g. after one huge update)": X @ w - 5.0}
    act = _activations()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3), sharex=True)
    for ax, (title, z) in zip(axes, cases.items()):
        ax.hist(z, bins=40, color="tab:blue", alpha=0.7)
        ax.axvspan(min(z.min(), -6), 0, color="tab:red", alpha=0.12, label="ReLU gradient = 0")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("pre-activation $w^T x + b$")
        try:
            _, cache = act.relu_forward(z.reshape(-1, 1))
            g = np.asarray(act.relu_backward(np.ones((n, 1)), cache))
            ax.text(0.98, 0.9, f"gradient reaches w for\n{np.mean(g != 0):.0%} of the inputs",
                    ha="right", va="top", transform=ax.transAxes, fontsize=9)
        except NotImplementedError:
            _note(ax, "write relu_forward / relu_backward\nto count the inputs that pass a gradient")
            missing = True
        except Exception as exc:  # noqa: BLE001
            _note(ax, f"relu: {type(exc).__name__}")
        ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    plt.show()
    if missing:
        print("no counts: this plot needs relu_forward, relu_backward (nnlab/activations.py): "
              "come back when they pass their checks")


@not_drawn_while_grading
def plot_sigmoid_not_zero_centred(n=2000, scale=2.0, seed=0):
    """Sigmoid outputs are all positive, so the gradients on the next layer's weights share a sign.

    Pre-activations z are drawn from a normal distribution with mean 0 and standard deviation
    ``scale`` (2 by default: wide enough to reach the flat parts of both functions).
    Left: sigmoid(z) and tanh(z). Right: for a neuron fed by two sigmoid (resp. tanh) units
    h1, h2, the gradient (dL/dw1, dL/dw2) = upstream * (h1, h2) for random upstream gradients:
    with sigmoid inputs it lies only in the first and third quadrants.
    """
    plt = _plt()
    rng = np.random.default_rng(seed)
    z = scale * rng.standard_normal((n, 2))
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    upstream = rng.standard_normal((n, 1))
    shown = False
    for name, colour in (("sigmoid", "tab:orange"), ("tanh", "tab:green")):
        h, _ = try_activation(name, z)
        if h is None:
            continue
        shown = True
        axes[0].hist(h.ravel(), bins=50, alpha=0.6, color=colour,
                     label=f"{name}: mean {h.mean():+.2f}")
        dw = upstream * h
        axes[1].scatter(dw[:, 0], dw[:, 1], s=3, alpha=0.4, color=colour, label=name)
    if not shown:
        for ax in axes:
            _note(ax, "write sigmoid_forward / tanh_forward (and their backward)\nto see this plot")
        print("skipped: this plot needs sigmoid_forward, tanh_forward (nnlab/activations.py): "
              "come back when they pass their checks")
    else:
        axes[0].set_title(f"activation outputs for z ~ N(0, {scale:g}²)", fontsize=10)
        axes[0].legend(fontsize=8)
        axes[1].axhline(0, color="0.6", lw=0.8)
        axes[1].axvline(0, color="0.6", lw=0.8)
        axes[1].set_xlabel("dL/dw1")
        axes[1].set_ylabel("dL/dw2")
        axes[1].set_title("gradient directions for the next layer's weights", fontsize=10)
        axes[1].legend(fontsize=8, markerscale=4)
    fig.tight_layout()
    plt.show()


#: One look per activation of the experiment: colour, line style and marker all differ, so two
#: runs whose curves coincide (ReLU and leaky ReLU with alpha = 0.01 nearly do) stay visible.
_STYLES = {
    "sigmoid": ("tab:blue", "-", "o"),
    "tanh": ("tab:orange", "-", "s"),
    "relu": ("tab:green", "-", "^"),
    "leaky_relu": ("tab:red", (0, (5, 3)), "v"),
    "elu": ("tab:purple", (0, (1, 2)), "D"),
    "gelu": ("tab:brown", (0, (6, 2, 1, 2)), "P"),
    "selu": ("tab:pink", (0, (3, 1, 1, 1)), "X"),
    "swish": ("tab:olive", (0, (8, 2)), "*"),
}


def _style(name, i):
    colour, ls, marker = _STYLES.get(name, (f"C{i % 10}", "-", "o"))
    return dict(color=colour, linestyle=ls, marker=marker)


def _final(history, last):
    """(mean, min, max) of the last ``last`` entries of a history."""
    tail = np.asarray(history, dtype=float)[-last:]
    return float(tail.mean()), float(tail.min()), float(tail.max())


def summarise_runs(histories, last=5):
    """Print one line per run: validation accuracy over its last ``last`` epochs, and final loss.

    The mean of the last epochs is what a run has learnt; the best single epoch is not: a run that
    guesses (sigmoid here) can score one lucky epoch far above its usual accuracy.
    """
    if not histories:
        return
    print(f"{'':>10}  validation accuracy, last {last} epochs   final training loss")
    print(f"{'':>10}  {'mean':>6}  {'min':>6}  {'max':>6}")
    for name, solver in histories.items():
        mean, lo, hi = _final(solver.val_acc_history, last)
        loss = _final(solver.loss_history, 20)[0]
        print(f"{name:>10}  {mean:6.3f}  {lo:6.3f}  {hi:6.3f}   {loss:8.3f}")


@not_drawn_while_grading
def plot_training_curves(histories, smooth=10, last=5):
    """Training loss of every run (top), and validation accuracy, one panel per run (bottom).

    ``histories``: name -> a trained ``Solver`` (or any object with ``loss_history`` and
    ``val_acc_history``). In the loss panel each run has its own colour, line style and markers
    (placed at different iterations, so runs whose curves coincide stay distinguishable). Below,
    each run's validation accuracy gets its own panel, the other runs in grey behind it, with a
    black bar at the mean of its last ``last`` epochs.
    """
    plt = _plt()
    if not histories:
        print("nothing to plot: no run finished")
        return
    n = len(histories)
    cols = max(n, 3)
    fig = plt.figure(figsize=(2.5 * cols, 6.6))
    grid = fig.add_gridspec(2, cols, height_ratios=[1.25, 1])
    ax_loss = fig.add_subplot(grid[0, :])
    curves = {}
    for i, (name, solver) in enumerate(histories.items()):
        loss = np.asarray(solver.loss_history, dtype=float)
        if loss.size >= smooth > 1:
            loss = np.convolve(loss, np.ones(smooth) / smooth, mode="valid")
        step = max(1, loss.size // 8)
        ax_loss.plot(loss, label=name, markevery=(i * step // n, step), ms=6, lw=1.4,
                     **_style(name, i))
        curves[name] = np.asarray(solver.val_acc_history, dtype=float)
    ax_loss.set_xlabel("iteration")
    ax_loss.set_ylabel(f"training loss\n(moving average of {smooth})")
    ax_loss.legend(fontsize=8, ncol=2)
    first = None
    for i, (name, acc) in enumerate(curves.items()):
        ax = fig.add_subplot(grid[1, i], sharey=first)
        first = first or ax
        for other, other_acc in curves.items():
            if other != name:
                ax.plot(other_acc, color="0.85", lw=1)
        style = _style(name, i)
        ax.plot(acc, ms=3, lw=1.2, **style)
        k = min(last, acc.size)
        mean = float(acc[-k:].mean())
        ax.hlines(mean, acc.size - k, acc.size - 1, color="black", lw=2.5)
        ax.set_title(f"{name}: {mean:.3f}", fontsize=10, color=style["color"])
        ax.set_xlabel("epoch")
        ax.set_ylim(0, 1)
        if i == 0:
            ax.set_ylabel(f"validation accuracy\n(bar: mean of last {k})")
        else:
            ax.tick_params(labelleft=False)
    fig.tight_layout()
    plt.show()


# --------------------------------------------------------------------------------------------
# gradient checking: the choice of h
# --------------------------------------------------------------------------------------------

def gradient_check_errors(hs, seed=0):
    """Relative errors of one-sided and centred numerical gradients of a smooth f, for each h.

    f(x) = sum(tanh(x)) at 5 standard-normal points, with the exact gradient 1 - tanh(x)**2. The
    centred difference is ``nnlab.gradient_check.eval_numerical_gradient``.

    Returns (one_sided, centred): two float arrays shaped like ``hs``.
    """
    from .gradient_check import eval_numerical_gradient, rel_error
    x = np.random.default_rng(seed).standard_normal(5)
    f = lambda z: float(np.sum(np.tanh(z)))  # noqa: E731
    exact = 1.0 - np.tanh(x) ** 2
    one_sided, centred = [], []
    for h in hs:
        fx = f(x)
        forward = np.array([(f(x + h * e) - fx) / h for e in np.eye(x.size)])
        one_sided.append(rel_error(forward, exact))
        centred.append(rel_error(eval_numerical_gradient(f, x.copy(), h=h), exact))
    return np.array(one_sided), np.array(centred)


@not_drawn_while_grading
def plot_gradient_check_h(hs=None):
    """Relative error of numerical gradients against the step h (log-log): a V for each formula.

    Right of the minimum the formula's truncation error dominates (it grows like h for the
    one-sided difference, like h**2 for the centred one); left of it, round-off: f is known to
    about 1e-16 relative precision, and dividing that error by h makes it grow like 1/h.
    """
    plt = _plt()
    hs = np.logspace(-13, -1, 37) if hs is None else np.asarray(hs, dtype=float)
    one_sided, centred = gradient_check_errors(hs)
    floor = 1e-17
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.loglog(hs, np.maximum(one_sided, floor), "o-", ms=3, label="one-sided (f(x+h) - f(x)) / h")
    ax.loglog(hs, np.maximum(centred, floor), "s-", ms=3,
              label="centred (f(x+h) - f(x-h)) / 2h")
    eps = np.finfo(float).eps
    ax.loglog(hs, eps / hs, ":", color="0.5", label="round-off ~ ε / h")
    ax.loglog(hs, hs, "--", color="tab:blue", lw=0.8, alpha=0.6, label="truncation ~ h")
    ax.loglog(hs, hs ** 2, "--", color="tab:orange", lw=0.8, alpha=0.6, label="truncation ~ h²")
    for errors, colour in ((one_sided, "tab:blue"), (centred, "tab:orange")):
        best = int(np.argmin(errors))
        ax.annotate(f"best h ≈ {hs[best]:.0e}", (hs[best], errors[best]),
                    xytext=(0, -22), textcoords="offset points", ha="center", fontsize=8,
                    color=colour)
    ax.axvline(1e-5, color="0.7", lw=0.8)
    ax.set_ylim(1e-13, 1)
    ax.set_xlabel("step h")
    ax.set_ylabel("relative error vs the exact gradient")
    ax.set_title("numerical gradient of sum(tanh(x)): truncation (right) vs round-off (left)",
                 fontsize=10)
    ax.legend(fontsize=8, loc="upper center")
    fig.tight_layout()
    plt.show()


# --------------------------------------------------------------------------------------------
# why zero-centred inputs matter
# --------------------------------------------------------------------------------------------

def zig_zag_paths(steps=60, lr=0.05, seed=0):
    """SGD paths of a 2-weight linear neuron, fed all-positive inputs and the same inputs centred.

    The neuron computes w . x and learns w* = (1, -1) from targets y = w* . x with the squared
    loss 0.5 (w . x - y)**2, one example per step from w = (0, 0). The gradient on w is
    (w . x - y) * x: for x > 0 both components have the sign of (w . x - y).

    Returns a dict name -> (path of shape (steps + 1, 2), fraction of steps on which the two
    weights moved in the same direction), for "all-positive inputs" and "zero-centred inputs".
    """
    rng = np.random.default_rng(seed)
    raw = rng.uniform(0.5, 1.5, size=(steps, 2))
    w_star = np.array([1.0, -1.0])
    paths = {}
    for name, X in (("all-positive inputs", raw), ("zero-centred inputs", raw - raw.mean(0))):
        X = X / np.sqrt(np.mean(np.sum(X ** 2, axis=1)))   # same average step size for both
        w = np.zeros(2)
        path = [w.copy()]
        for x in X:
            w = w - lr * 10 * (w @ x - w_star @ x) * x
            path.append(w.copy())
        path = np.array(path)
        moves = np.diff(path, axis=0)
        same_sign = float(np.mean(np.sign(moves[:, 0]) == np.sign(moves[:, 1])))
        paths[name] = (path, same_sign)
    return paths


@not_drawn_while_grading
def plot_zig_zag(steps=60, seed=0):
    """SGD paths of a 2-weight neuron towards w* = (1, -1): raw (left), zero-centred inputs (right)."""
    plt = _plt()
    paths = zig_zag_paths(steps=steps, seed=seed)
    fig, axes = plt.subplots(1, 2, figsize=(9, 4), sharex=True, sharey=True)
    for ax, (name, (path, same)) in zip(axes, paths.items()):
        ax.plot(path[:, 0], path[:, 1], "o-", ms=3, lw=1, color="tab:blue")
        ax.plot([0], [0], "ks", ms=6, label="start")
        ax.plot([1], [-1], "r*", ms=14, label="w* = (1, -1)")
        ax.axhline(0, color="0.8", lw=0.8)
        ax.axvline(0, color="0.8", lw=0.8)
        ax.set_title(f"{name}, {steps} SGD steps: both weights\n"
                     f"moved the same way on {same:.0%} of them",
                     fontsize=10)
        ax.set_xlabel("w1")
        ax.legend(fontsize=8, loc="lower left")
    axes[0].set_ylabel("w2")
    for ax in axes:
        ax.set_aspect("equal", adjustable="box")
    fig.tight_layout()
    plt.show()
