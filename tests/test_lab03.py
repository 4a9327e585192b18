"""Lab 03 (regularization), end to end through the trusted grader, plus its references.

Every submission below is graded once (module-scoped cache): the reference, the stubs, each
entry of the public catalogue of mistakes (tests/catalogue/lab03_mistakes.py) and each correct
variant (tests/catalogue/lab03_correct_variants.py). The references are compared with PyTorch
where it has the operation (dropout's scaling convention, weight decay, the L1 subgradient).
"""
import shutil
from pathlib import Path

import numpy as np
import pytest

from autograder.grade import grade_submission
from autograder.labs import LAB03, get_lab
from catalogue.lab03_correct_variants import VARIANTS
from catalogue.lab03_mistakes import DEPENDENTS, MISTAKES
REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "solutions" / "nnlab"
STUBS = REPO / "lib" / "nnlab"
ALL = [f.name for f in LAB03.functions]


def _copy(src, dest):
    shutil.copytree(src, dest / "nnlab", ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def _patched(root, name, module, source):
    d = _copy(SOLUTIONS, root / name)
    with open(d / "nnlab" / f"{module}.py", "a") as f:
        f.write("\n\n# --- replaced for this test ---\n" + source)
    return d


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab03")
    out = {"reference": grade_submission(_copy(SOLUTIONS, root / "reference"), "03"),
           "stubs": grade_submission(_copy(STUBS, root / "stubs"), "03")}
    for entry in MISTAKES + VARIANTS:
        out[entry.id] = grade_submission(_patched(root, entry.id, entry.module, entry.source), "03")
    return out


def test_lab03_is_registered():
    assert get_lab("03") is LAB03 and get_lab("03_regularization") is LAB03
    from nnlab.checks import LAB_FUNCTIONS
    assert LAB_FUNCTIONS["03_regularization"] == {f.name: f.module for f in LAB03.functions}


def test_catalogue_size():
    assert len(MISTAKES) >= 10 and len(VARIANTS) >= 4
    assert len({m.id for m in MISTAKES} | {v.id for v in VARIANTS}) == len(MISTAKES) + len(VARIANTS)
    assert {m.function for m in MISTAKES} == set(ALL), "every graded function has a mistake"


def test_reference_gets_full_marks(reports):
    r = reports["reference"]
    assert r.status == "ok" and not r.grader_errors, r.to_text()
    assert [(f.name, f.score) for f in r.functions if f.score != f.max_score] == []
    assert r.total == r.max_total == LAB03.max_points
    assert all(f.checks_total >= 5 for f in r.functions)
    assert r.elapsed < 20


def test_stubs_get_zero_and_every_check_fails(reports):
    r, ref = reports["stubs"], reports["reference"]
    assert r.status == "ok" and r.total == 0
    assert len(r.checks) == len(ref.checks) >= 30
    assert [c.check for c in r.checks if c.passed] == []
    assert all("not implemented" in f.messages[0] for f in r.functions)


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.id for m in MISTAKES])
def test_catalogue_mistake_is_caught(reports, mistake):
    r = reports[mistake.id]
    assert not r.grader_errors, r.grader_errors
    f = r.function(mistake.function)
    assert f.score < f.max_score, f"{mistake.id} was not caught"
    feedback = "\n".join(f.messages)
    assert mistake.expect.lower() in feedback.lower(), feedback
    allowed = DEPENDENTS.get(mistake.function, set()) | {mistake.function}
    collateral = [g.name for g in r.functions if g.score != g.max_score and g.name not in allowed]
    assert not collateral, f"{mistake.id} also cost {collateral}"


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.id for v in VARIANTS])
def test_correct_variant_gets_full_marks(reports, variant):
    r = reports[variant.id]
    for name in variant.functions:
        f = r.function(name)
        assert f.score == f.max_score, (name, f.messages)
    assert r.total == r.max_total
