"""Bad input from a TA loses nothing and says what is wrong: a course folder that does not
exist or is not a course, grading a lab before releasing it, `nnlab course create --force` on an
existing nbgrader course (merged and backed up, not overwritten), and choosing the course id.
Real `nnlab` and nbgrader commands on real course folders."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.api import Course
from traitlets.config.loader import PyFileConfigLoader

from autograder import course as courselib
from autograder.labs import LAB01

NNLAB = str(Path(sys.executable).parent / "nnlab")


def nnlab(*args, cwd=None):
    return subprocess.run([NNLAB, *map(str, args)], capture_output=True, text=True, cwd=cwd)


def files_under(folder: Path) -> set:
    return {p.relative_to(folder) for p in folder.rglob("*")}


def config_of(course: Path):
    return PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()


@pytest.mark.parametrize("command", [
    ["autograde", LAB01.name], ["feedback", LAB01.name], ["gradebook", LAB01.name],
    ["export", "--to", "{tmp}/grades.csv"], ["release", LAB01.name],
])
def test_a_course_folder_that_does_not_exist(tmp_path, command):
    missing = tmp_path / "no-such-course"
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    result = nnlab(*args, "--course", missing)
    assert result.returncode != 0
    assert "does not exist" in result.stderr or "not an nnlab course" in result.stderr
    assert "Traceback" not in result.stderr and "sqlalchemy" not in result.stderr.lower()
    assert "No submissions" not in result.stdout
    assert files_under(tmp_path) == set()          # no folder, no CSV, no gradebook


@pytest.mark.parametrize("command", [["export"], ["gradebook", LAB01.name], ["autograde", LAB01.name]])
def test_a_folder_that_is_not_a_course(tmp_path, command):
    """`nnlab export` run in any folder used to create a stray gradebook and report success."""
    (tmp_path / "notes.txt").write_text("my folder")
    result = nnlab(*command, cwd=tmp_path)
    assert result.returncode != 0
    assert "not an nnlab course" in result.stderr and "nnlab course create" in result.stderr
    assert files_under(tmp_path) == {Path("notes.txt")}


@pytest.fixture(scope="module")
def fresh_course(tmp_path_factory):
    """A course with a submission of lab 01, which was never released."""
    course = tmp_path_factory.mktemp("ta") / "course"
    assert nnlab("course", "create", course).returncode == 0
    student = course / "submitted" / "alice" / LAB01.name
    shutil.copytree(course / "source" / LAB01.name, student)
    return course


def test_export_of_a_course_with_no_gradebook_says_release_first(fresh_course, tmp_path):
    result = nnlab("export", "--course", fresh_course, "--to", tmp_path / "g.csv")
    assert result.returncode != 0 and "nnlab release" in result.stderr
    assert not (fresh_course / "gradebook.db").exists() and not (tmp_path / "g.csv").exists()


def test_grading_before_release_names_the_release_command(fresh_course):
    before = files_under(fresh_course)
    result = nnlab("autograde", LAB01.name, "--course", fresh_course)
    assert result.returncode != 0
    assert f"nnlab release {LAB01.name}" in result.stderr
    assert "grader itself failed" not in result.stdout + result.stderr
    assert files_under(fresh_course) == before       # nothing graded, no gradebook, no status


def test_course_create_force_merges_an_existing_nbgrader_config(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    ta_config = ('c = get_config()\n'
                 'c.CourseDirectory.course_id = "ml101"\n'
                 'c.Execute.timeout = 300\n'
                 'c.ClearSolutions.code_stub = {"python": "# your code here"}\n')
    (course / "nbgrader_config.py").write_text(ta_config)
    result = nnlab("course", "create", course, "--force")
    assert result.returncode == 0, result.stderr
    backups = list(course.glob("nbgrader_config.py.*.bak"))
    assert len(backups) == 1 and backups[0].read_text() == ta_config
    assert "backup" in result.stdout
    config = config_of(course)
    assert config.CourseDirectory.course_id == "ml101"           # the course id is kept
    assert config.Execute.timeout == 300                         # the TA's settings win
    assert config.ClearSolutions.code_stub == {"python": "# your code here"}
    assert LAB01.name in config.Autograde.exclude_overwriting    # nnlab's settings are there
    assert config.HTMLExporter.template_name == "feedback"

    # running it again changes nothing and makes no second backup
    text = (course / "nbgrader_config.py").read_text()
    assert nnlab("course", "create", course, "--force").returncode == 0
    assert (course / "nbgrader_config.py").read_text() == text
    assert len(list(course.glob("nbgrader_config.py.*.bak"))) == 1

    # the course id reaches the gradebook nbgrader and nnlab write
    with courselib.gradebook(course) as gb:
        assert [c.id for c in gb.db.query(Course)] == ["ml101"]


def test_course_id_can_be_chosen_but_not_changed_under_a_gradebook(tmp_path):
    course = tmp_path / "course"
    assert nnlab("course", "create", course, "--course-id", "nn-2026").returncode == 0
    assert config_of(course).CourseDirectory.course_id == "nn-2026"
    with courselib.gradebook(course):
        pass
    text = (course / "nbgrader_config.py").read_text()
    result = nnlab("course", "create", course, "--force", "--course-id", "other")
    assert result.returncode != 0 and "would detach every grade" in result.stderr
    assert (course / "nbgrader_config.py").read_text() == text
    assert not list(course.glob("*.bak"))
    bad = nnlab("course", "create", tmp_path / "x", "--course-id", "../evil")
    assert bad.returncode != 0 and not (tmp_path / "x").exists()


def test_course_create_on_a_non_empty_folder_needs_force(tmp_path):
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "keep.txt").write_text("x")
    result = nnlab("course", "create", tmp_path / "course")
    assert result.returncode != 0 and "--force" in result.stderr
    assert files_under(tmp_path / "course") == {Path("keep.txt")}


def test_course_create_force_keeps_edits_made_inside_an_older_nnlab_config(tmp_path):
    course = courselib.create_course(tmp_path / "course")
    config = course / "nbgrader_config.py"
    # a config written by an older nnlab (no "your own settings" line), edited in the middle
    older = config.read_text().split(courselib.KEPT_SETTINGS_MARK)[0]
    config.write_text(older.replace("c.Execute.timeout = 120", "c.Execute.timeout = 600"))
    assert nnlab("course", "create", course, "--force").returncode == 0
    assert config_of(course).Execute.timeout == 600
    assert len(list(course.glob("nbgrader_config.py.*.bak"))) == 1
