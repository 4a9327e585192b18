"""Lab 06's experiments: training functions for the searches, and the plots (given code).

Nothing here is graded. ``make_train_fn`` turns "train a network with these hyperparameters"
into the ``train_fn(params) -> validation accuracy`` your searches call; it keeps every run's
Solver so the notebook can plot all the loss curves afterwards.
"""
import numpy as np
from tqdm.auto import tqdm

from .fc_net import FullyConnectedNet
from .solver import Solver
from .grading_mode import not_drawn_while_grading


def make_train_fn(data, num_epochs=5, hidden_dims=(64, 64), batch_size=100, seed=0,
                  update_rule="adam", progress_total=None, desc="trials"):
    """A training function for the searches, and the list it records runs in.

    Inputs:
    - data: dict with X_train, y_train, X_val, y_val (preprocessed), e.g. from load_digits.
    - num_epochs, hidden_dims, batch_size, seed, update_rule: the fixed part of the recipe.
    - progress_total: the number of trials, for a tqdm bar over them (None: no bar).

    Returns (train_fn, runs): train_fn(params) trains a FullyConnectedNet with
    params["learning_rate"] and params.get("reg", 0) and returns the best validation accuracy;
    runs is a list of (params, solver), one per call.
    """
    runs = []
    bar = tqdm(total=progress_total, desc=desc, unit="trial") if progress_total else None
    C = int(np.max(data["y_train"])) + 1
    D = int(np.prod(data["X_train"].shape[1:]))

    def train_fn(params):
        model = FullyConnectedNet(list(hidden_dims), input_dim=D, num_classes=C,
                                  reg=float(params.get("reg", 0.0)), weight_scale=0.1,
                                  dtype=np.float64, seed=seed)
        solver = Solver(model, data, update_rule=update_rule,
                        optim_config={"learning_rate": float(params["learning_rate"])},
                        num_epochs=num_epochs, batch_size=batch_size, verbose=False, seed=seed)
        solver.train()
        runs.append((dict(params), solver))
        if bar is not None:
            bar.update(1)
            bar.set_postfix(best=f"{max(s.best_val_acc for _, s in runs):.3f}")
            if bar.n >= bar.total:
                bar.close()
        return float(solver.best_val_acc)

    return train_fn, runs


def overfit_small_sample(data, num_examples=50, num_epochs=40, learning_rate=1e-3,
                         hidden_dims=(64, 64), seed=0):
    """Train without regularisation on ``num_examples`` training images only.

    A correct network and loss reach training accuracy 1.0 in a few dozen epochs (step 3 of
    the recipe: if it cannot overfit 50 images, something is broken). Returns the Solver."""
    small = {"X_train": data["X_train"][:num_examples], "y_train": data["y_train"][:num_examples],
             "X_val": data["X_val"], "y_val": data["y_val"]}
    model = FullyConnectedNet(list(hidden_dims), input_dim=int(np.prod(small["X_train"].shape[1:])),
                              num_classes=int(np.max(data["y_train"])) + 1, weight_scale=0.1,
                              dtype=np.float64, seed=seed)
    solver = Solver(model, small, update_rule="adam", optim_config={"learning_rate": learning_rate},
                    num_epochs=num_epochs, batch_size=25, verbose=False, seed=seed)
    solver.train()
    return solver


def hidden_activations(params, X):
    """The ReLU outputs of every hidden layer of a plain FullyConnectedNet (no normalisation),
    read from its params dict W1, b1, ..., WL, bL: a list of (N, H_l) arrays."""
    L = sum(1 for k in params if k.startswith("W"))
    h, out = X.reshape(X.shape[0], -1), []
    for i in range(1, L):
        h = np.maximum(0.0, h @ params[f"W{i}"] + params[f"b{i}"])
        out.append(h)
    return out


def _plt():
    import matplotlib.pyplot as plt
    return plt


@not_drawn_while_grading
def plot_search(trials, x="learning_rate", y="reg", title="random search", ax=None):
    """Validation accuracy of each trial over (x, y), both on log axes; the best one starred."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.5))
    xs = np.array([p[x] for p, _ in trials])
    ys = np.array([p[y] for p, _ in trials])
    acc = np.array([s for _, s in trials])
    points = ax.scatter(xs, ys, c=acc, cmap="viridis", s=60, edgecolors="k", vmin=0, vmax=1)
    i = int(np.argmax(acc))
    ax.scatter([xs[i]], [ys[i]], marker="*", s=400, c="red", edgecolors="k",
               label=f"best: {acc[i]:.3f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(title)
    ax.legend(loc="best")
    plt.colorbar(points, ax=ax, label="validation accuracy")
    return ax


def important_only(params):
    """Bergstra & Bengio's situation: a made-up validation accuracy that depends on the learning
    rate only (sharply peaked at 3e-3); "unimportant" changes nothing."""
    return float(0.95 * np.exp(-2.0 * (np.log10(params["learning_rate"]) - np.log10(3e-3)) ** 2))


@not_drawn_while_grading
def plot_grid_vs_random(grid_trials, random_trials):
    """The settings each search tried over (learning_rate, unimportant), with the accuracy
    curve of the important parameter underneath: the grid tests few distinct learning rates."""
    plt = _plt()
    fig, axes = plt.subplots(2, 2, figsize=(11, 6.5), sharex=True,
                             gridspec_kw={"height_ratios": [2, 1]})
    lr = np.geomspace(1e-5, 1e-1, 400)
    curve = [important_only({"learning_rate": v}) for v in lr]
    for col, (name, trials) in enumerate((("grid search", grid_trials),
                                          ("random search", random_trials))):
        xs = [p["learning_rate"] for p, _ in trials]
        ys = [p["unimportant"] for p, _ in trials]
        best = max(s for _, s in trials)
        top, bottom = axes[0, col], axes[1, col]
        top.scatter(xs, ys, s=60, edgecolors="k")
        top.set_xscale("log")
        top.set_ylabel("unimportant")
        top.set_title(f"{name}: {len(set(np.round(np.log10(xs), 9)))} distinct learning rates"
                      f" in {len(trials)} trials")
        bottom.plot(lr, curve, color="gray")
        bottom.scatter(xs, [s for _, s in trials], color="C1", zorder=3)
        bottom.set_xlabel("learning_rate")
        bottom.set_ylabel("accuracy")
        bottom.set_title(f"best found: {best:.3f}", fontsize=10)
    plt.tight_layout()
    plt.show()


@not_drawn_while_grading
def plot_loss_curves(runs, smooth, window=20, label_keys=("learning_rate", "reg")):
    """Every run's minibatch loss on one plot, smoothed by ``smooth(values, window)``."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(9, 4.5))
    for params, solver in runs:
        label = ", ".join(f"{k}={params[k]:.1e}" for k in label_keys if k in params)
        ax.plot(smooth(np.array(solver.loss_history), window), label=label, lw=1.2)
    ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel(f"loss (moving average over {window})")
    ax.set_title("every trial's training loss")
    if len(runs) <= 12:
        ax.legend(fontsize=7, ncol=2)
    plt.show()


@not_drawn_while_grading
def plot_accuracy_gap(solvers):
    """Training and validation accuracy per epoch for a few named runs."""
    plt = _plt()
    fig, axes = plt.subplots(1, len(solvers), figsize=(5 * len(solvers), 3.5), squeeze=False)
    for ax, (name, solver) in zip(axes[0], solvers.items()):
        ax.plot(solver.train_acc_history, "o-", label="train")
        ax.plot(solver.val_acc_history, "o-", label="validation")
        ax.set_title(name)
        ax.set_xlabel("check (epoch)")
        ax.set_ylim(0, 1.02)
        ax.legend()
    axes[0, 0].set_ylabel("accuracy")
    plt.tight_layout()
    plt.show()
