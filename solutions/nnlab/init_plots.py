"""The lecture's initialization experiments and their plots (lab 05; complete, nothing to write).

    result = lecture_experiment("xavier_tanh", seed=0)   # runs YOUR activation_statistics
    print(stats_table(result))                            # yours next to the lecture's numbers
    plot_layer_histograms([result]); plot_layer_stats([result])

Everything here calls your ``initializers`` and ``init_stats`` through their modules, so a fix
in your code shows up on the next run of the cell.
"""
import importlib

import numpy as np

from .init_lecture import LECTURE_TABLES
from .grading_mode import not_drawn_while_grading


def _plt():
    import matplotlib.pyplot as plt
    return plt


def _module(name):
    return importlib.import_module(f"{__package__}.{name}")


def lecture_batch(seed=0, n=1000, dim=500):
    """The lecture's input: ``n`` unit-Gaussian examples of ``dim`` features, shape (n, dim)."""
    return np.random.default_rng(seed).standard_normal((n, dim))


def lecture_experiment(key, seed=0, n_layers=10, width=500, batch=1000):
    """Run the lecture's table ``key`` (see ``init_lecture.LECTURE_TABLES``) with your
    initializer and your ``activation_statistics``.

    Returns a dict: title, activation, means (L,), stds (L,), activations (list of (N, width)),
    lecture (the slide's [(mean, std)] per layer), weights (the stack)."""
    title, activation, init, kwargs, lecture = LECTURE_TABLES[key]
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, width))
    weights = _module("init_stats").deep_stack(init, n_layers=n_layers, width=width,
                                               input_dim=width, seed=rng, **kwargs)
    means, stds, acts = _module("init_stats").activation_statistics(x, weights, activation)
    return {"key": key, "title": title, "activation": activation, "x": x, "weights": weights,
            "means": np.asarray(means), "stds": np.asarray(stds), "activations": acts,
            "lecture": lecture}


def stats_table(result):
    """A text table: every layer's mean and std next to the lecture's."""
    lines = [result["title"],
             f"{'layer':>5}  {'mean':>10}  {'std':>10}   {'lecture mean':>12}  {'lecture std':>11}"]
    lecture = result["lecture"]
    for i, (m, s) in enumerate(zip(result["means"], result["stds"])):
        lm, ls = lecture[i] if i < len(lecture) else (float("nan"), float("nan"))
        lines.append(f"{i + 1:>5}  {m:>10.6f}  {s:>10.6f}   {lm:>12.6f}  {ls:>11.6f}")
    return "\n".join(lines)


@not_drawn_while_grading
def plot_layer_histograms(results, bins=30):
    """One row per result, one histogram per layer (the lecture's raw distributions)."""
    plt = _plt()
    n_layers = max(len(r["activations"]) for r in results)
    fig, axes = plt.subplots(len(results), n_layers, figsize=(1.6 * n_layers, 1.5 * len(results)),
                             squeeze=False, sharey="row")
    for row, r in zip(axes, results):
        lo = -1.0 if r["activation"] == "tanh" else 0.0
        hi = 1.0 if r["activation"] == "tanh" else max(float(np.percentile(r["activations"][0], 99.5)), 1e-12)
        for i, (ax, h) in enumerate(zip(row, r["activations"])):
            ax.hist(np.ravel(h), bins=bins, range=(lo, hi), color="C0")
            ax.set_yticks([])
            ax.tick_params(labelsize=6)
            ax.set_title(f"layer {i + 1}", fontsize=7)
        row[0].set_ylabel(r["title"], fontsize=7, rotation=0, ha="right", va="center")
    fig.tight_layout()
    plt.show()


@not_drawn_while_grading
def plot_layer_stats(results):
    """Each result's per-layer mean and std (std on a log scale: collapse is exponential)."""
    plt = _plt()
    fig, (ax_m, ax_s) = plt.subplots(1, 2, figsize=(12, 3.5))
    for r in results:
        layers = np.arange(1, len(r["means"]) + 1)
        ax_m.plot(layers, r["means"], "o-", label=r["title"])
        ax_s.semilogy(layers, np.maximum(r["stds"], 1e-12), "o-", label=r["title"])
    ax_m.set_title("layer mean")
    ax_s.set_title("layer std (log scale)")
    for ax in (ax_m, ax_s):
        ax.set_xlabel("layer")
    ax_s.legend(fontsize=7)
    fig.tight_layout()
    plt.show()


def gradient_experiment(key, seed=0, n_layers=10, width=500, batch=1000):
    """Your ``gradient_statistics`` on the stack of the lecture's table ``key``, with a
    unit-Gaussian upstream gradient scaled as for a loss averaged over the batch."""
    r = lecture_experiment(key, seed, n_layers, width, batch)
    dout = np.random.default_rng(seed + 1).standard_normal((batch, width)) / batch
    grads = _module("init_stats").gradient_statistics(r["x"], r["weights"], dout, r["activation"])
    return np.asarray(grads)


@not_drawn_while_grading
def plot_gradient_stats(grads):
    """grads: {label: grad_stds (L,)}; the std of dLoss/dW per layer, log scale."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for label, g in grads.items():
        ax.semilogy(np.arange(1, len(g) + 1), np.maximum(g, 1e-30), "o-", label=label)
    ax.set_xlabel("layer (1 = nearest the input)")
    ax.set_title("std of dLoss/dW per layer")
    ax.legend(fontsize=7)
    fig.tight_layout()
    plt.show()


def unit_spread(W):
    """The largest difference between any hidden unit's incoming weights and unit 0's:
    0 means every unit computes the same function."""
    W = np.asarray(W, dtype=np.float64)
    return float(np.max(np.abs(W - W[:, :1])))


@not_drawn_while_grading
def plot_training(solvers, title="training loss"):
    """solvers: {label: Solver}; loss per iteration (smoothed) and validation accuracy."""
    plt = _plt()
    fig, (ax_l, ax_a) = plt.subplots(1, 2, figsize=(12, 3.5))
    for label, s in solvers.items():
        loss = np.asarray(s.loss_history, dtype=np.float64)
        k = min(10, max(1, loss.size))
        smooth = np.convolve(loss, np.ones(k) / k, mode="valid") if loss.size else loss
        ax_l.plot(smooth, label=label)
        ax_a.plot(np.arange(1, len(s.val_acc_history) + 1), s.val_acc_history, "o-", label=label)
    ax_l.set_title(title)
    ax_l.set_xlabel("iteration")
    ax_a.set_title("validation accuracy")
    ax_a.set_xlabel("epoch")
    ax_a.legend(fontsize=7)
    fig.tight_layout()
    plt.show()
