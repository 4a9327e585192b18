"""nnlab's faster check of nbgrader's cell metadata decides exactly as nbgrader's own."""
import copy

import jsonschema
import nbformat
import pytest
from nbgrader.nbgraderformat import MetadataValidator, SchemaTooNewError, SchemaTooOldError
from nbgrader.nbgraderformat import common

from autograder import nbgrader_speedups

GOOD = {"grade": True, "grade_id": "check_relu_forward", "locked": True, "points": 1,
        "schema_version": 3, "solution": False, "task": False}
BAD = [
    {**GOOD, "points": "one"},                       # wrong type
    {**GOOD, "grade_id": 7},
    {k: v for k, v in GOOD.items() if k != "grade_id"},   # required key missing
    {**GOOD, "points": "one", "locked": "yes"},      # two errors: best_match picks one
    {**GOOD, "schema_version": 2},                   # too old
    {**GOOD, "schema_version": 4},                   # too new
]


def _cell(meta):
    cell = nbformat.v4.new_code_cell("pass")
    cell.metadata["nbgrader"] = copy.deepcopy(meta)
    return cell


def _outcome(validator, meta):
    try:
        validator.validate_cell(_cell(meta))
    except (jsonschema.ValidationError, SchemaTooOldError, SchemaTooNewError) as e:
        return type(e).__name__, str(e)
    return None


@pytest.mark.parametrize("meta", [GOOD] + BAD)
def test_same_verdict_and_message_as_nbgrader(meta, monkeypatch):
    validator = MetadataValidator()
    # nbgrader's own check, even where an earlier test of this process installed ours
    monkeypatch.setattr(common, "jsonschema", jsonschema)
    stock = _outcome(validator, meta)
    nbgrader_speedups.install()
    assert common.jsonschema.validate is nbgrader_speedups.validate
    assert _outcome(validator, meta) == stock
    assert (stock is None) == (meta is GOOD)


def test_output_budget_cuts_a_cell_and_then_the_notebook(monkeypatch):
    """The grader's bound on what a notebook keeps (autograder/notebook_output.py)."""
    from autograder import notebook_output as bound
    monkeypatch.setattr(bound, "MAX_CELL_OUTPUT_CHARS", 10)
    monkeypatch.setattr(bound, "MAX_NOTEBOOK_OUTPUT_CHARS", 25)
    budget = bound.OutputBudget()
    assert budget.admit(0, 6) is None and budget.admit(0, 4) is None     # cell 0 at its limit
    note = budget.admit(0, 1)
    assert "this cell produced more than 10 characters" in note.text
    assert budget.admit(0, 1) is False                                   # one note per cell
    assert budget.admit(1, 9) is None and budget.admit(2, 6) is None     # notebook at 25
    assert "the notebook produced more than 25 characters" in budget.admit(3, 1).text


def test_nnlab_processes_skip_the_iri_grammar_import_and_still_validate_notebooks():
    """autograder.lean_imports: jsonschema's optional rfc3987_syntax import (1.2 s per process)
    is skipped in a process that imports nnlab first; notebooks validate as before."""
    import subprocess
    import sys
    from pathlib import Path
    source = Path(__file__).resolve().parents[1] / "assignments" / "source"
    code = (
        "import sys, autograder, jsonschema, nbformat, glob\n"
        "assert sys.modules.get('rfc3987_syntax') is None\n"
        f"paths = sorted(glob.glob({str(source)!r} + '/*/*.ipynb'))\n"
        "assert paths\n"
        "for p in paths: nbformat.validate(nbformat.read(p, as_version=4))\n"
        "jsonschema.validate('not an iri?', {'type': 'string', 'format': 'iri'},"
        " format_checker=jsonschema.FormatChecker())\n"
        "print(len(paths))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) >= 6
