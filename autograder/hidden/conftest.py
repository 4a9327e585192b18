"""Fixtures of the hidden checks: ``student`` (the sandboxed submission) and ``ref``.

autograder.grade registers a plugin object that sets ``config.nnlab_grader`` to itself; it holds
the Sandbox of the submission being graded and the reference. The fixtures read them there.
"""
import pytest

from autograder.hidden.checklib import Student


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "grades(function, weight=3.0): the graded function a check belongs to")


def _grader(request):
    plugin = getattr(request.config, "nnlab_grader", None)
    if plugin is None:
        pytest.skip("hidden checks run only under autograder.grade")
    return plugin


@pytest.fixture(scope="session")
def student(request):
    return Student(_grader(request).sandbox)


@pytest.fixture(scope="session")
def ref(request):
    return _grader(request).reference
