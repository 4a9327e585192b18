"""The numerical-gradient tools of the reference (nnlab.gradient_check) are right."""
import numpy as np
import pytest


@pytest.fixture
def gc(reference):
    return reference.gradient_check


def test_scalar_gradient_of_known_function(gc):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    original = x.copy()
    # f(x) = sum(sin(x) * x**2), df/dx = cos(x) * x**2 + 2 x sin(x)
    grad = gc.eval_numerical_gradient(lambda a: np.sum(np.sin(a) * a**2), x)
    expected = np.cos(x) * x**2 + 2 * x * np.sin(x)
    assert gc.rel_error(grad, expected) < 1e-8
    assert grad.dtype == np.float64
    np.testing.assert_array_equal(x, original)  # restored exactly, bit for bit


def test_array_gradient_of_known_function(gc):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 4))
    original = x.copy()
    df = rng.standard_normal(x.shape)
    grad = gc.eval_numerical_gradient_array(lambda a: np.exp(a) * 3.0, x, df)
    assert gc.rel_error(grad, df * 3.0 * np.exp(x)) < 1e-8
    np.testing.assert_array_equal(x, original)


def test_array_gradient_of_matrix_product(gc):
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((5, 3)), rng.standard_normal((3, 4))
    df = rng.standard_normal((5, 4))
    grad = gc.eval_numerical_gradient_array(lambda a: a @ w, x, df)
    assert gc.rel_error(grad, df @ w.T) < 1e-8


def test_array_gradient_when_f_returns_a_view(gc):
    """f returning (a view of) its argument must not alias the +h and -h evaluations."""
    x = np.array([1.0, 2.0, 3.0])
    df = np.array([1.0, -2.0, 0.5])
    grad = gc.eval_numerical_gradient_array(lambda a: a, x, df)
    assert gc.rel_error(grad, df) < 1e-8


def test_grad_check_sparse(gc, capsys):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 7))
    original = x.copy()
    errors = gc.grad_check_sparse(lambda a: np.sum(a**3), x, 3 * x**2, num_checks=5, seed=0)
    assert len(errors) == 5 and max(errors) < 1e-7
    np.testing.assert_array_equal(x, original)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 5 and lines[0].startswith("numerical:") and "relative error" in lines[0]


def test_grad_check_sparse_spots_a_wrong_gradient(gc, capsys):
    x = np.linspace(0.5, 2.0, 12).reshape(3, 4)
    errors = gc.grad_check_sparse(lambda a: np.sum(a**2), x, 3 * x, num_checks=4, seed=1)
    assert min(errors) > 0.1


def test_grad_check_sparse_leaves_global_random_state_alone(gc, capsys):
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    gc.grad_check_sparse(lambda a: np.sum(a), np.ones((3, 3)), np.ones((3, 3)), num_checks=3)
    assert np.random.rand() == expected


def test_rel_error_values(gc):
    assert gc.rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert gc.rel_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)
    assert gc.rel_error(np.zeros(3), np.zeros(3)) == 0.0  # no 0/0
    assert gc.rel_error(1.0, 1.0 + 1e-9) < 1e-9
    assert isinstance(gc.rel_error(np.ones(2), np.ones(2)), float)


def test_rel_error_refuses_mismatched_shapes(gc):
    """cs231n's rel_error broadcasts (N, 1) against (N,) into an (N, N) table; ours refuses."""
    column = np.arange(4.0).reshape(4, 1)
    flat = np.arange(4.0)
    with pytest.raises(ValueError, match=r"shapes differ.*\(4, 1\).*\(4,\)"):
        gc.rel_error(column, flat)
    with pytest.raises(ValueError):
        gc.rel_error(np.ones((2, 3)), np.ones((3, 2)))
