"""The open checks of labs 02–06, one test per property for every lab (lab 01's, with its named
bugs and rendering, are in test_open_checks.py; each lab's own hints in tests/test_labNN.py):

- each lab's table of checked functions is its grading table (autograder/labs.py);
- its stored expected values (solutions/nnlab/open_expected) are what the reference computes now;
- its checks pass on the reference and fail on the stubs, every row of them.
"""
import importlib

import pytest

from autograder.labs import get_lab

#: lab -> the least number of open-check rows it has (a lab whose checks vanished fails)
MIN_ROWS = {"03_regularization": 20, "04_optimizers": 35, "05_initialization": 40,
            "06_training_recipe": 35}
#: the labs whose checks live in a module of their own, with its FUNCTIONS table
OWN_MODULE = {"04_optimizers": "checks_optim", "05_initialization": "checks_init",
              "06_training_recipe": "checks_recipe"}


@pytest.mark.parametrize("lab", ["02_normalization", *MIN_ROWS])
def test_open_check_tables_match_the_grading_table(lab):
    from nnlab.checks import LAB_FUNCTIONS
    grading = {f.name: f.module for f in get_lab(lab).functions}
    assert LAB_FUNCTIONS[lab] == grading
    if lab in OWN_MODULE:
        assert importlib.import_module(f"nnlab.{OWN_MODULE[lab]}").FUNCTIONS == grading


@pytest.mark.parametrize("lab", ["02_normalization", *MIN_ROWS])
def test_open_expected_values_are_not_stale(lab):
    from autograder.open_expected import EXPECTED_DIR, FILES, compute, render
    stored = (EXPECTED_DIR / FILES[lab]).read_text(encoding="utf-8")
    assert stored == render(compute(lab)), \
        "run `python -m autograder.open_expected` (then `nnlab stubs`)"


@pytest.mark.parametrize("lab", MIN_ROWS)
def test_open_checks_pass_on_the_reference_and_fail_on_the_stubs(reference, lab):
    import nnlab.checks
    ref_checks = importlib.import_module(f"{reference.__name__}.checks")
    table = ref_checks.check_lab(lab[:2], package=reference.__name__)
    assert table.passed and table.n_checks >= MIN_ROWS[lab], str(table)
    stubs = nnlab.checks.check_lab(lab)
    assert stubs.n_checks == table.n_checks and stubs.n_checks_passed == 0
    assert all("not written yet" in r.hint for r in stubs.rows)
