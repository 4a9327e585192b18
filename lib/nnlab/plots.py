"""Plots the labs draw with YOUR functions (complete; nothing to write here).

Every helper calls the functions of your ``nnlab`` package. When one of them is still a stub (it
raises ``NotImplementedError``) or fails, the plot leaves that panel empty with a note and prints
one line saying what to write first, instead of stopping the notebook.
"""
import importlib

import numpy as np

__all__ = ["plot_activations", "plot_dying_relu", "plot_sigmoid_not_zero_centred",
           "plot_training_curves", "try_activation"]

#: |f'(x)| below this counts as "saturated" (the gradient is almost switched off there)
SATURATION = 0.01


def _activations():
    return importlib.import_module(f"{__package__}.activations")


def _plt():
    import matplotlib.pyplot as plt
    return plt


def try_activation(name, x, **kwargs):
    """(out, dout/dx) of activation ``name`` at points ``x`` with your functions, or (None, why)."""
    act = _activations()
    try:
        fwd = getattr(act, f"{name}_forward")
        bwd = getattr(act, f"{name}_backward")
        with np.errstate(all="ignore"):
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


def _shade(ax, x, mask, label):
    """Shade the runs of x where mask is true."""
    if not np.any(mask):
        return
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(int), [0]])))
    for i, (start, stop) in enumerate(zip(edges[::2], edges[1::2])):
        ax.axvspan(x[start], x[stop - 1], color="tab:red", alpha=0.12,
                   label=label if i == 0 else None)


def plot_activations(names=("sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "gelu",
                            "swish"), lo=-6.0, hi=6.0, ncols=4):
    """Each activation f and its derivative f' (from your backward), saturated regions shaded."""
    plt = _plt()
    x = np.linspace(lo, hi, 1001).reshape(1, -1)
    nrows = -(-len(names) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 2.7 * nrows), squeeze=False)
    missing = []
    for ax, name in zip(axes.ravel(), names):
        ax.set_title(name)
        ax.axhline(0, color="0.8", lw=0.8)
        ax.axvline(0, color="0.8", lw=0.8)
        out, grad = try_activation(name, x)
        if out is None:
            missing.append(grad)
            _note(ax, grad.replace(" not written", "\nnot written"))
            continue
        ax.plot(x.ravel(), out.ravel(), label="f(x)")
        ax.plot(x.ravel(), grad.ravel(), "--", label="f'(x)")
        _shade(ax, x.ravel(), np.abs(grad.ravel()) < SATURATION, f"|f'| < {SATURATION}")
        ax.set_ylim(-2.2, 3.2)
        ax.legend(fontsize=7, loc="upper left")
    for ax in axes.ravel()[len(names):]:
        ax.axis("off")
    fig.tight_layout()
    plt.show()
    for m in missing:
        print("skipped:", m)


def plot_dying_relu(n=500, dim=20, seed=0):
    """Two ReLU units on the same inputs: a healthy one and one whose bias was pushed far negative.

    A dead unit outputs 0 for every input, so relu_backward passes no gradient to its weights and
    nothing can revive it.
    """
    plt = _plt()
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, dim))
    w = rng.standard_normal(dim) / np.sqrt(dim)
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
        except Exception as exc:  # noqa: BLE001
            _note(ax, f"relu: {type(exc).__name__}")
        ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    plt.show()


def plot_sigmoid_not_zero_centred(n=2000, seed=0):
    """Sigmoid outputs are all positive, so the gradients on the next layer's weights share a sign.

    Left: outputs of sigmoid and tanh for standard-normal inputs. Right: for a neuron fed by two
    sigmoid (resp. tanh) units, the gradient (dL/dw1, dL/dw2) = upstream * (h1, h2) for random
    upstream gradients: with sigmoid inputs it lies only in the first and third quadrants.
    """
    plt = _plt()
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, 2)) * 2
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
        print("skipped: sigmoid/tanh not written yet")
    else:
        axes[0].set_title("activation outputs", fontsize=10)
        axes[0].legend(fontsize=8)
        axes[1].axhline(0, color="0.6", lw=0.8)
        axes[1].axvline(0, color="0.6", lw=0.8)
        axes[1].set_xlabel("dL/dw1")
        axes[1].set_ylabel("dL/dw2")
        axes[1].set_title("gradient directions for the next layer's weights", fontsize=10)
        axes[1].legend(fontsize=8, markerscale=4)
    fig.tight_layout()
    plt.show()


def plot_training_curves(histories, smooth=10):
    """Two panels: training loss (moving average) and validation accuracy per epoch.

    ``histories``: name -> a trained ``Solver`` (or any object with ``loss_history`` and
    ``val_acc_history``).
    """
    plt = _plt()
    if not histories:
        print("nothing to plot: no run finished")
        return
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 3.6))
    for name, solver in histories.items():
        loss = np.asarray(solver.loss_history, dtype=float)
        if loss.size >= smooth > 1:
            loss = np.convolve(loss, np.ones(smooth) / smooth, mode="valid")
        ax_loss.plot(loss, label=name)
        acc = np.asarray(solver.val_acc_history, dtype=float)
        ax_acc.plot(np.arange(len(acc)), acc, marker="o", ms=3, label=name)
    ax_loss.set_xlabel("iteration")
    ax_loss.set_ylabel(f"training loss (moving average of {smooth})")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("validation accuracy")
    ax_acc.legend(fontsize=8)
    ax_loss.legend(fontsize=8)
    fig.tight_layout()
    plt.show()
