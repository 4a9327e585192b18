"""Hyperparameter search: log-uniform sampling, random and grid search, coarse-to-fine ranges.

A search space is a dict from a hyperparameter's name to ``(low, high, scale)``:

    space = {"learning_rate": (1e-4, 1e0, "log"),      # spans decades: sample its exponent
             "reg": (1e-6, 1e-1, "log"),
             "dropout_keep": (0.5, 1.0, "linear")}

A trial trains a model with one setting and returns its VALIDATION accuracy (higher is better).
The training function is passed in, ``train_fn(params) -> float`` with params a dict
``{name: float}``, so the search never knows what it is optimising (the notebook trains a
network; the grader passes a cheap synthetic function).

Random search beats grid search when only a few hyperparameters matter (Bergstra & Bengio,
2012): with a budget of 9 trials, a 3 x 3 grid tries only 3 values of the important
parameter, random search 9.
"""
import itertools

import numpy as np

SCALES = ("log", "linear")


def _check_space(space):
    for name, spec in space.items():
        low, high, scale = spec
        if scale not in SCALES:
            raise ValueError(f"{name}: scale must be 'log' or 'linear', got {scale!r}")
        if not low < high or (scale == "log" and low <= 0):
            raise ValueError(f"{name}: need 0 < low < high on a log scale, low < high on a "
                             f"linear one; got ({low!r}, {high!r})")


def sample_log_uniform(low, high, size, seed=None):
    """Draw values whose base-10 logarithm is uniform on [log10(low), log10(high)].

    Each decade gets the same share of samples: between 1e-4 and 1e-1 a third fall in
    [1e-4, 1e-3], a third in [1e-3, 1e-2], a third in [1e-2, 1e-1].

    Inputs:
    - low, high: floats, 0 < low < high.
    - size: int, how many values.
    - seed: int or None, seeds np.random.default_rng (the same seed gives the same values).

    Returns:
    - float64 array of shape (size,), every value in [low, high].
    """
    if not 0 < low < high:
        raise ValueError(f"need 0 < low < high, got low={low!r}, high={high!r}")
    rng = np.random.default_rng(seed)
    ### BEGIN SOLUTION
    ### HINT: sample the EXPONENT uniformly, then raise 10 to it.
    ### HINT: the exponent's range comes from low and high, in the same base you raise.
    exponents = rng.uniform(np.log10(low), np.log10(high), size=size)
    return 10.0 ** exponents
    ### END SOLUTION


def random_search(train_fn, space, num_trials, seed=None):
    """Try ``num_trials`` random settings and keep the best.

    Every hyperparameter is drawn independently for every trial: with sample_log_uniform on a
    "log" scale, uniformly between low and high on a "linear" one. Every random number comes
    from ``rng`` below (directly, or through seeds drawn from it), so a seed fixes the search.

    Inputs:
    - train_fn: function(params dict {name: float}) -> validation accuracy (float).
    - space: dict name -> (low, high, "log" | "linear").
    - num_trials: int >= 1, the budget: train_fn is called exactly this many times.
    - seed: int or None, for a reproducible search.

    Returns a tuple (best_params, best_score, trials):
    - best_params: dict {name: float}, the setting with the HIGHEST score;
    - best_score: float, its score;
    - trials: list of (params, score) tuples, one per call of train_fn, in the order tried.
    """
    _check_space(space)
    rng = np.random.default_rng(seed)
    ### BEGIN SOLUTION
    ### HINT: draw each hyperparameter's num_trials values first, then loop over the trials.
    ### HINT: keep the best setting seen so far; accuracies are to be maximised.
    columns = {}
    for name, (low, high, scale) in space.items():
        if scale == "log":
            columns[name] = sample_log_uniform(low, high, num_trials,
                                               seed=int(rng.integers(2 ** 31)))
        else:
            columns[name] = rng.uniform(low, high, size=num_trials)
    trials = []
    for i in range(num_trials):
        params = {name: float(values[i]) for name, values in columns.items()}
        trials.append((params, float(train_fn(params))))
    best_params, best_score = max(trials, key=lambda trial: trial[1])
    return best_params, best_score, trials
    ### END SOLUTION


def grid_points(space, num_trials):
    """The values per axis of the largest full grid with at most ``num_trials`` points.

    With d hyperparameters, n values per axis where n is the largest integer with
    n ** d <= num_trials; each axis holds n values evenly spaced from low to high (on a "log"
    scale evenly spaced exponents, np.geomspace; with n = 1 the middle of the range).

    Returns a dict name -> float64 array of shape (n,).
    """
    _check_space(space)
    d = len(space)
    n = 1
    while (n + 1) ** d <= num_trials:       # an integer root: a float one misses 4 = 64 ** (1/3)
        n += 1
    axes = {}
    for name, (low, high, scale) in space.items():
        if n == 1:
            middle = np.sqrt(low * high) if scale == "log" else (low + high) / 2
            axes[name] = np.array([middle], dtype=np.float64)
        elif scale == "log":
            axes[name] = np.geomspace(low, high, n)
        else:
            axes[name] = np.linspace(low, high, n)
    return axes


def grid_search(train_fn, space, num_trials):
    """Try every point of the grid of ``grid_points(space, num_trials)`` and keep the best.

    Inputs:
    - train_fn, space: as in random_search.
    - num_trials: int >= 1, the budget: train_fn is called at most this many times (n ** d).

    Returns (best_params, best_score, trials) as random_search.
    """
    ### BEGIN SOLUTION
    ### HINT: grid_points gives the values of each axis; itertools.product visits every combination.
    axes = grid_points(space, num_trials)
    names = list(axes)
    trials = []
    for values in itertools.product(*(axes[name] for name in names)):
        params = {name: float(v) for name, v in zip(names, values)}
        trials.append((params, float(train_fn(params))))
    best_params, best_score = max(trials, key=lambda trial: trial[1])
    return best_params, best_score, trials
    ### END SOLUTION


def refine_range(low, high, best, shrink=0.5, border=0.1):
    """Coarse to fine: the log-scale range of the next, finer search around ``best``.

    Work with exponents: width = log10(high) - log10(low), and the position of best in the
    range, u = (log10(best) - log10(low)) / width (0 at low, 1 at high).

    - best well inside (border <= u <= 1 - border): ZOOM IN, a range shrink * width wide (in
      decades) centred on best;
    - best on the border (u < border or u > 1 - border): the optimum may lie outside the range,
      so RE-CENTRE on best keeping the full width (the new range reaches beyond the old one).

    Inputs:
    - low, high: floats, 0 < low < high, the range just searched.
    - best: float in [low, high], the best value found there.
    - shrink: float in (0, 1], the new width as a fraction of the old (in decades).
    - border: float in [0, 0.5), the share of the range at each end counted as its border.

    Returns a tuple of floats (new_low, new_high), centred on best in log scale.
    """
    if not 0 < low < high:
        raise ValueError(f"need 0 < low < high, got low={low!r}, high={high!r}")
    ### BEGIN SOLUTION
    ### HINT: compute the new width in decades first (shrunk or not?), then put best in its middle.
    width = np.log10(high) - np.log10(low)
    u = (np.log10(best) - np.log10(low)) / width
    if border <= u <= 1 - border:
        width = shrink * width
    half = 10.0 ** (width / 2)
    return float(best / half), float(best * half)
    ### END SOLUTION
