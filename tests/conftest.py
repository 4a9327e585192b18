# --- reference package (tests/test_reference_*.py, test_cs231n_oracles.py, test_gradient_check.py)
import pytest

from autograder.reference import load_reference


@pytest.fixture(scope="session")
def reference():
    """The reference package solutions/nnlab, imported as ``nnlab_reference``."""
    return load_reference()
