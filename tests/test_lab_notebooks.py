"""What every lab's notebook must be, whatever the lab: generated from its description and up to
date, alone in its release folder, one locked grade cell per graded function worth its points in
autograder/labs.py, manually graded answers as markdown, no reference code."""
import nbformat
import pytest

from autograder.labs import LABS
from lab_notebooks import builder, notebook_path

LAB_NAMES = sorted(LABS)


@pytest.fixture(scope="module")
def build():
    return builder()


def test_every_lab_has_a_notebook_description(build):
    assert sorted(build.NOTEBOOKS) == LAB_NAMES


@pytest.mark.parametrize("lab_name", LAB_NAMES)
def test_generated_up_to_date_and_alone_in_its_release_folder(lab_name, build):
    path = notebook_path(lab_name)
    assert path.read_text(encoding="utf-8") == build.render(lab_name), \
        "run `python assignments/build_notebooks.py`"
    # nbgrader releases every file of the source folder: only the notebook may be there
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


@pytest.mark.parametrize("lab_name", LAB_NAMES)
def test_grade_cells_and_points(lab_name):
    lab = LABS[lab_name]
    nb = nbformat.read(notebook_path(lab_name), as_version=4)
    nbformat.validate(nb)
    cells = [c for c in nb.cells if "nbgrader" in c.metadata]
    ids = [c.metadata.nbgrader["grade_id"] for c in cells]
    assert len(ids) == len(set(ids)), "grade ids must be unique"
    graded = [c for c in cells if c.metadata.nbgrader["grade"]]
    for f in lab.functions:
        (cell,) = [c for c in graded if c.metadata.nbgrader["grade_id"] == f.grade_cell_id]
        meta = cell.metadata.nbgrader
        assert cell.cell_type == "code" and meta["locked"] and not meta["solution"]
        assert meta["points"] == f.points
        assert cell.source == f'check("{f.name}").raise_if_failed()'
    answers = [c for c in graded if c.metadata.nbgrader["grade_id"] not in
               {f.grade_cell_id for f in lab.functions}]
    assert answers, "a lab asks at least one question about what its plots show"
    for cell in answers:
        meta = cell.metadata.nbgrader
        assert cell.cell_type == "markdown" and meta["solution"] and not meta["locked"]
        assert meta["points"] > 0
    assert sum(c.metadata.nbgrader["points"] for c in graded) == \
        lab.max_points + sum(c.metadata.nbgrader["points"] for c in answers)
    assert any(c.source.strip() == f'check_lab("{lab_name}")' for c in nb.cells)
    # the notebook holds no reference code: only the package does
    assert not any("BEGIN SOLUTION" in c.source for c in nb.cells)
