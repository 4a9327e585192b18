"""One mistake, one deduction: the trusted grader charges a mistake to the function that holds it.

Each submission below is a copy of the reference package with exactly one function replaced (as
in tests/catalogue/lab01_mistakes.py), graded by the real trusted grader (sandboxed worker,
hidden checks). Only the mistaken function may lose points:

- a correct backward keeps its points when its forward is wrong (it is judged against the
  reference given its own forward's cache; finite differences are those of the student's forward
  only where that forward is right, of the reference forward elsewhere);
- a composite (affine_relu_* on affine_* and relu_*, selu_* on elu_*, swish_* on sigmoid_*)
  keeps its points when a part it calls is wrong, and its feedback names the part;
- partial credit is proportional to what is right: an averaged db costs a third of
  affine_backward's correctness weight, not all of it;
- every report says how each score was computed, in one sentence.
"""
import json
import shutil
from pathlib import Path

import pytest

from autograder.grade import grade_submission
from autograder.labs import LAB01

SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions" / "nnlab"

# id -> (module, replacement source, the one function that holds the mistake)
CASES = {
    # a wrong forward whose cache is still right: its backward must not pay
    "affine_forward_no_bias": ("layers", '''
def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1) @ w
    return out, (x, w, b)
''', "affine_forward"),
    # a forward that crashes on 4-D input: no cache there, so those backward checks don't count
    "affine_forward_no_reshape": ("layers", '''
def affine_forward(x, w, b):
    return x @ w + b, (x, w, b)
''', "affine_forward"),
    # a forward whose cache carries its mistake (out without alpha): the backward is still right
    "elu_forward_ignores_alpha": ("activations", '''
def elu_forward(x, alpha=1.0):
    out = np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))
    return out, (x, out, alpha)
''', "elu_forward"),
    # parts of composites
    "relu_backward_no_mask": ("activations", '''
def relu_backward(dout, cache):
    return dout.copy()
''', "relu_backward"),
    "elu_backward_alpha": ("activations", '''
def elu_backward(dout, cache):
    x, out, alpha = cache
    return np.where(x > 0, dout, alpha * dout)
''', "elu_backward"),
    "sigmoid_sign_flipped": ("activations", '''
def sigmoid_forward(x):
    z = np.exp(-np.abs(x))
    out = np.where(x < 0, 1.0 / (1.0 + z), z / (1.0 + z))
    return out, out
''', "sigmoid_forward"),
    "sigmoid_overflows": ("activations", '''
def sigmoid_forward(x):
    out = 1.0 / (1.0 + np.exp(-x))
    return out, out
''', "sigmoid_forward"),
    "affine_backward_db_mean": ("layers", '''
def affine_backward(dout, cache):
    x, w, b = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.mean(axis=0)
    return dx, dw, db
''', "affine_backward"),
    # crashes on any input that is not 2-D
    "affine_backward_2d_only": ("layers", '''
def affine_backward(dout, cache):
    x, w, b = cache
    N, D = x.shape
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)
''', "affine_backward"),
    # right shapes, values nowhere right: the anchor rule still gives 0
    "affine_backward_zeros": ("layers", '''
def affine_backward(dout, cache):
    x, w, b = cache
    return np.zeros_like(x), np.zeros_like(w), np.zeros_like(b)
''', "affine_backward"),
}

# Two mistakes: a relu_backward with an inverted mask AND an affine_relu_backward that skips
# relu_backward. The composite differs from the reference and from its parts put together.
TWO_MISTAKES = [("activations", '''
def relu_backward(dout, cache):
    x = cache
    return dout * (x < 0)
'''), ("layer_utils", '''
def affine_relu_backward(dout, cache):
    fc_cache, relu_cache = cache
    return affine_backward(dout, fc_cache)
''')]


def _submission(root, name, replacements):
    d = root / name
    shutil.copytree(SOLUTIONS, d / "nnlab", ignore=shutil.ignore_patterns("__pycache__"))
    for module, source in replacements:
        with open(d / "nnlab" / f"{module}.py", "a") as f:
            f.write("\n\n# --- replaced for this test ---\n" + source)
    return d


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    root = tmp_path_factory.mktemp("one_mistake")
    out = {name: grade_submission(_submission(root, name, [(module, source)]), "01")
           for name, (module, source, _) in CASES.items()}
    out["two_mistakes"] = grade_submission(_submission(root, "two_mistakes", TWO_MISTAKES), "01")
    out["reference"] = grade_submission(_submission(root, "reference", []), "01")
    return out


def _lost(report):
    return {f.name: f.score for f in report.functions if f.score != f.max_score}


def _notes(report, name):
    return "\n".join(report.function(name).notes)


@pytest.mark.parametrize("case", list(CASES))
def test_only_the_mistaken_function_loses_points(reports, case):
    r = reports[case]
    function = CASES[case][2]
    assert r.status == "ok", r.to_text()
    assert set(_lost(r)) == {function}, r.to_text()


@pytest.mark.parametrize("case,backward", [("affine_forward_no_bias", "affine_backward"),
                                           ("affine_forward_no_reshape", "affine_backward"),
                                           ("elu_forward_ignores_alpha", "elu_backward")])
def test_a_correct_backward_keeps_its_points_when_its_forward_is_wrong(reports, case, backward):
    r = reports[case]
    b = r.function(backward)
    assert b.score == b.max_score and b.passed and not b.messages, r.to_text()
    # it was really judged: at least one comparison with the reference counted and passed
    judged = [c for c in r.checks if c.function == backward and c.counted and c.passed
              and "properties" not in c.check]
    assert judged, [(c.check, c.counted, c.message) for c in r.checks if c.function == backward]


def test_finite_differences_come_from_the_reference_where_the_forward_is_wrong(reports):
    r = reports["affine_forward_no_bias"]
    fd = next(c for c in r.checks if c.check == "test_affine_backward_numerical_gradient")
    assert fd.counted and fd.passed and fd.anchored    # before: failed against the wrong forward
    # and a forward that cannot make a cache leaves the backward's checks on those inputs out
    r = reports["affine_forward_no_reshape"]
    left_out = [c.check for c in r.checks if c.function == "affine_backward" and not c.counted]
    assert "test_affine_backward_4d" in left_out
    assert "not counted: your affine_forward raises ValueError" in _notes(r, "affine_backward")
    assert "not counted" in r.function("affine_backward").rule


@pytest.mark.parametrize("case,composite,part", [
    ("relu_backward_no_mask", "affine_relu_backward", "relu_backward"),
    ("affine_forward_no_bias", "affine_relu_forward", "affine_forward"),
    ("affine_forward_no_bias", "affine_relu_backward", "affine_forward"),
    ("affine_forward_no_reshape", "affine_relu_forward", "affine_forward"),
    ("affine_backward_db_mean", "affine_relu_backward", "affine_backward"),
    ("elu_backward_alpha", "selu_backward", "elu_backward"),
    ("elu_forward_ignores_alpha", "selu_forward", "elu_forward"),
    ("sigmoid_sign_flipped", "swish_forward", "sigmoid_forward"),
    ("sigmoid_sign_flipped", "swish_backward", "sigmoid_forward"),
    ("sigmoid_overflows", "swish_forward", "sigmoid_forward"),
])
def test_a_composite_keeps_its_points_and_names_the_part_at_fault(reports, case, composite, part):
    r = reports[case]
    c = r.function(composite)
    assert c.score == c.max_score and not c.messages, r.to_text()
    assert f"your {part} is at fault (graded there)" in _notes(r, composite), r.to_text()
    assert r.function(part).score < r.function(part).max_score
    # the note reaches every export
    assert f"your {part} is at fault" in r.to_text()
    test = next(t for t in json.loads(r.to_gradescope())["tests"] if t["name"] == composite)
    assert f"your {part} is at fault" in test["output"]


def test_a_composite_that_differs_from_its_parts_loses_points_with_its_own_message(reports):
    r = reports["two_mistakes"]
    assert set(_lost(r)) == {"relu_backward", "affine_relu_backward"}, r.to_text()
    c = r.function("affine_relu_backward")
    assert c.score < c.max_score and c.messages
    assert "at fault" not in "\n".join(c.messages + c.notes)


def test_partial_credit_is_proportional_to_what_is_right(reports):
    # Before: an averaged db failed every check that compares values (db is wrong in each), and
    # the anchor rule then gave 0/3. Now each of dx, dw, db is its own verdict: the three value
    # checks earn 2 of 3 each, the property check 1 of 1 -> 3 × 7/10 = 2.1.
    mean = reports["affine_backward_db_mean"]
    f = mean.function("affine_backward")
    assert f.score == 2.1
    checks = [c for c in mean.checks if c.function == "affine_backward"]
    correctness = [c for c in checks if c.weight == 3]
    assert sum(c.earned for c in correctness) == 6 and sum(c.weight for c in correctness) == 9
    assert "factor N=" in "\n".join(f.messages)
    # crashing on every input that is not 2-D keeps only the 2-D check: 3 × 3/10 = 0.9,
    # less than the averaged db, which is right in two gradients of three everywhere
    crash = reports["affine_backward_2d_only"].function("affine_backward")
    assert crash.score == 0.9 < f.score


def test_a_function_that_matches_the_reference_nowhere_still_scores_zero(reports):
    r = reports["affine_backward_zeros"]
    f = r.function("affine_backward")
    assert f.score == 0 and f.checks_passed == 1     # the property check passes, alone
    assert "matches the reference nowhere scores 0" in f.rule


RULE = ("affine_backward: 1 of 4 checks passed, 3 in part (weights earned 2, 2, 2, 1 of "
        "3, 3, 3, 1) -> 3 × 7/10 = 2.1/3 (points × weight earned / total weight).")


def test_every_report_states_the_scoring_rule(reports):
    r = reports["affine_backward_db_mean"]
    assert r.function("affine_backward").rule == RULE
    assert RULE in r.to_text()
    j = json.loads(r.to_json())
    assert next(f for f in j["functions"] if f["name"] == "affine_backward")["rule"] == RULE
    assert all(f["rule"].startswith(f["name"] + ": ") for f in j["functions"])
    g = json.loads(r.to_gradescope())
    assert RULE in next(t for t in g["tests"] if t["name"] == "affine_backward")["output"]
    assert all(t["output"].endswith(".") and "Score: " in t["output"] for t in g["tests"])
    # a full score says so in the same words
    ref = reports["reference"]
    assert ref.total == LAB01.max_points
    for f in ref.functions:
        assert f.rule.endswith(f"= {f.max_score:g}/{f.max_score:g} (points × weight earned / "
                               f"total weight)."), f.rule
        assert not f.notes
