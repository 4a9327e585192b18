"""Numerical gradients by centred differences, to check analytic backward passes.

The centred difference (f(x + h) - f(x - h)) / (2h) has error O(h**2), far better than the
one-sided (f(x + h) - f(x)) / h with error O(h). Use float64: with float32 the rounding error of f
swamps the difference for h = 1e-5.

Compatible with cs231n's ``gradient_check`` except that ``rel_error`` refuses arrays of different
shapes, and ``grad_check_sparse`` takes a ``seed`` and returns the errors it prints.
"""
import numpy as np


def eval_numerical_gradient(f, x, verbose=False, h=1e-5):
    """Numerical gradient of a scalar function f at x.

    Inputs:
    - f: function taking one argument (an array shaped like x) and returning a scalar.
    - x: float array of any shape. It is modified in place while f is evaluated, one element at
      a time, and every element is restored to its exact original value.
    - verbose: print each index and its partial derivative.
    - h: step size.

    Returns:
    - grad: float64 array shaped like x, grad[i] ~= d f / d x[i].
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old_value = x[ix]
        x[ix] = old_value + h
        fxph = float(f(x))
        x[ix] = old_value - h
        fxmh = float(f(x))
        x[ix] = old_value  # the saved value, not old_value - h + h: that would round
        grad[ix] = (fxph - fxmh) / (2 * h)
        if verbose:
            print(ix, grad[ix])
        it.iternext()
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Numerical gradient of an array-valued function f at x, contracted with an upstream df.

    Returns sum over j of df[j] * d f(x)[j] / d x[i] for every i: what a backward pass returns
    when it receives dout = df.

    Inputs:
    - f: function taking one argument (an array shaped like x) and returning an array.
    - x: float array of any shape; modified in place during the evaluation and restored exactly.
    - df: upstream gradient, shaped like f(x).
    - h: step size.

    Returns:
    - grad: float64 array shaped like x.
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old_value = x[ix]
        x[ix] = old_value + h
        pos = np.array(f(x), dtype=np.float64)  # a copy: f may return a view of its input
        x[ix] = old_value - h
        neg = np.array(f(x), dtype=np.float64)
        x[ix] = old_value
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5, seed=None):
    """Compare an analytic gradient with numerical ones at a few random elements of x.

    Useful when x is large and a full numerical gradient would be slow. Prints one line per
    check, like cs231n.

    Inputs:
    - f: scalar function of one argument shaped like x.
    - x: float array; modified in place during the checks and restored exactly.
    - analytic_grad: array shaped like x, the gradient to check.
    - num_checks: how many random elements to check.
    - h: step size.
    - seed: seed of the random choice of elements (a private generator; numpy's global random
      state is left alone).

    Returns:
    - list of num_checks relative errors |num - analytic| / max(1e-8, |num| + |analytic|).
    """
    rng = np.random.default_rng(seed)
    errors = []
    for _ in range(num_checks):
        ix = tuple(int(rng.integers(n)) for n in x.shape)
        old_value = x[ix]
        x[ix] = old_value + h
        fxph = float(f(x))
        x[ix] = old_value - h
        fxmh = float(f(x))
        x[ix] = old_value
        grad_numerical = (fxph - fxmh) / (2 * h)
        grad_analytic = float(analytic_grad[ix])
        error = abs(grad_numerical - grad_analytic) / max(1e-8, abs(grad_numerical) + abs(grad_analytic))
        errors.append(error)
        print(f"numerical: {grad_numerical:f} analytic: {grad_analytic:f}, relative error: {error:e}")
    return errors


def rel_error(x, y):
    """Maximum relative error between two arrays of the SAME shape.

    rel_error = max over elements of |x - y| / max(1e-8, |x| + |y|)

    Unlike cs231n's version this raises ValueError when the shapes differ. cs231n's silently
    broadcasts: comparing an (N, 1) array with an (N,) one compares every element with every
    other, an (N, N) table, and reports a large error for a correct answer or, for constant
    arrays, a small error for a wrongly shaped one.

    Inputs:
    - x, y: array-likes (scalars allowed) of equal shape.

    Returns:
    - a float (0.0 for empty arrays).
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(
            f"rel_error: shapes differ, {x.shape} vs {y.shape}. Compare arrays of the same shape "
            "(broadcasting them would compare unrelated elements)."
        )
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))
