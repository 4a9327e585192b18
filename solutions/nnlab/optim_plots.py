"""Experiments and plots of lab 04 (complete; nothing to write here).

Every helper runs the update rules and schedules of YOUR ``nnlab`` package. A rule or schedule
that is still a stub (it raises ``NotImplementedError``) is left out of the plot, and one line
says so, instead of stopping the notebook.

    from nnlab.optim_plots import SURFACES, run_on_surface, plot_trajectories
    paths = {rule: run_on_surface(rule, SURFACES["valley"], steps=60) for rule in RULES}
    plot_trajectories(SURFACES["valley"], paths)
"""
import importlib
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .grading_mode import not_drawn_while_grading

__all__ = ["Surface", "SURFACES", "run_on_surface", "plot_trajectories", "plot_surface_losses",
           "plot_schedules", "plot_solver_losses", "lr_slider"]


def _plt():
    import matplotlib.pyplot as plt
    return plt


def _module(name):
    return importlib.import_module(f"{__package__}.{name}")


def _not_written(name, exc):
    print(f"{name}: skipped — {str(exc).split('. ')[0] or 'not written yet'}")


@dataclass(frozen=True)
class Surface:
    """A 2-D loss surface f(w) with its gradient, a start point and a region to draw."""
    name: str
    f: Callable                 # f(x, y) -> value (works elementwise on arrays)
    grad: Callable              # grad(w) -> array (2,)
    start: tuple
    xlim: tuple
    ylim: tuple
    levels: int = 30


def _valley():
    a, b = 0.1, 4.0                                  # curvatures: condition number 40
    return Surface("narrow valley  f = 0.05 x² + 2 y²",
                   lambda x, y: 0.5 * (a * x * x + b * y * y),
                   lambda w: np.array([a * w[0], b * w[1]]),
                   (-4.5, 1.2), (-5, 1.5), (-1.6, 1.6))


def _saddle():
    return Surface("saddle  f = x² - y² + y⁴/4",
                   lambda x, y: x * x - y * y + 0.25 * y ** 4,
                   lambda w: np.array([2 * w[0], -2 * w[1] + w[1] ** 3]),
                   (1.8, 1e-3), (-2, 2), (-2.2, 2.2))


def _bumpy():
    return Surface("local minima  f = (x² + y²)/10 - cos(2x) cos(2y)/2",
                   lambda x, y: 0.1 * (x * x + y * y) - 0.5 * np.cos(2 * x) * np.cos(2 * y),
                   lambda w: np.array([0.2 * w[0] + np.sin(2 * w[0]) * np.cos(2 * w[1]),
                                       0.2 * w[1] + np.cos(2 * w[0]) * np.sin(2 * w[1])]),
                   (3.8, 3.0), (-4, 4.2), (-4, 4.2))


SURFACES = {"valley": _valley(), "saddle": _saddle(), "bumpy": _bumpy()}


def run_on_surface(rule, surface, steps=60, config=None, noise=0.0, seed=0):
    """Run update rule ``rule`` (a name in nnlab.optim, or a function) from surface.start.

    noise: standard deviation of Gaussian noise added to every gradient (minibatch jitter).
    Returns the path, an array (steps + 1, 2), or None when the rule is not written yet.
    """
    fn = getattr(_module("optim"), rule) if isinstance(rule, str) else rule
    rng = np.random.default_rng(seed)
    w = np.array(surface.start, dtype=np.float64)
    config = None if config is None else dict(config)
    path = [w.copy()]
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(steps):
                dw = surface.grad(w) + noise * rng.standard_normal(2)
                w, config = fn(w, dw, config)
                path.append(np.array(w, dtype=np.float64))
                if not np.all(np.isfinite(w)) or np.max(np.abs(w)) > 1e6:
                    break                       # diverged: stop drawing
    except NotImplementedError as exc:
        _not_written(rule if isinstance(rule, str) else getattr(rule, "__name__", "rule"), exc)
        return None
    return np.array(path)


@not_drawn_while_grading
def plot_trajectories(surface, paths, ax=None, title=None):
    """Contour plot of ``surface`` with one path per rule (``paths``: name -> array (T, 2))."""
    plt = _plt()
    show = ax is None
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.6))
    x = np.linspace(*surface.xlim, 200)
    y = np.linspace(*surface.ylim, 200)
    X, Y = np.meshgrid(x, y)
    ax.contour(X, Y, surface.f(X, Y), levels=surface.levels, cmap="Greys", linewidths=0.6)
    for name, path in paths.items():
        if path is None:
            continue
        ax.plot(path[:, 0], path[:, 1], ".-", ms=3, lw=1.2, label=name)
    ax.plot(*surface.start, "k*", ms=10)
    ax.set_xlim(surface.xlim)
    ax.set_ylim(surface.ylim)
    ax.set_title(title or surface.name, fontsize=10)
    if any(p is not None for p in paths.values()):
        ax.legend(fontsize=7, loc="best")
    if show:
        plt.show()
    return ax


@not_drawn_while_grading
def plot_surface_losses(surface, paths, ax=None):
    """f(w_t) against the step t, one line per rule (log scale when f stays positive)."""
    plt = _plt()
    show = ax is None
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.4))
    values = {n: surface.f(p[:, 0], p[:, 1]) for n, p in paths.items() if p is not None}
    for name, v in values.items():
        ax.plot(v, label=name)
    if values and min(float(np.min(v)) for v in values.values()) > 0:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("f(w)")
    if values:
        ax.legend(fontsize=7)
    if show:
        plt.show()
    return ax


@not_drawn_while_grading
def plot_schedules(schedules, epochs=30, ax=None):
    """The learning rate against the epoch, one line per schedule (``name -> epoch -> lr``)."""
    plt = _plt()
    show = ax is None
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 3.4))
    grid = np.linspace(0, epochs, 20 * epochs + 1)
    drawn = 0
    for name, schedule in schedules.items():
        try:
            ax.plot(grid, [schedule(float(e)) for e in grid], label=name)
            drawn += 1
        except NotImplementedError as exc:
            _not_written(name, exc)
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate")
    if drawn:
        ax.legend(fontsize=8)
    if show:
        plt.show()
    return ax


@not_drawn_while_grading
def plot_solver_losses(solvers, smooth=10, log=True, title=None, ax=None):
    """Training loss (moving average) against the iteration, one line per Solver."""
    plt = _plt()
    show = ax is None
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 3.6))
    for name, solver in solvers.items():
        loss = np.asarray(solver.loss_history, dtype=float)
        loss = loss[np.isfinite(loss)]
        if loss.size >= smooth > 1:
            loss = np.convolve(loss, np.ones(smooth) / smooth, mode="valid")
        ax.plot(loss, label=name)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel(f"training loss (moving average of {smooth})")
    if title:
        ax.set_title(title, fontsize=10)
    if solvers:
        ax.legend(fontsize=8)
    if show:
        plt.show()
    return ax


def lr_slider(rule="sgd_momentum", surface="valley", steps=60):
    """An interactive plot: drag the learning rate and watch the path of ``rule`` change.

    Needs ipywidgets (JupyterLab has it); without it, says so and draws nothing.
    """
    try:
        import ipywidgets as widgets
    except ImportError:
        print("lr_slider needs ipywidgets (pip install ipywidgets)")
        return None
    surf = SURFACES[surface]

    def draw(log10_lr=-1.0):
        path = run_on_surface(rule, surf, steps, {"learning_rate": 10.0 ** log10_lr})
        plot_trajectories(surf, {f"{rule}, learning_rate={10 ** log10_lr:.3g}": path})

    return widgets.interact(draw, log10_lr=widgets.FloatSlider(
        value=-1.0, min=-3.0, max=0.0, step=0.1, description="log10 lr"))
