"""The TA's end-to-end course run (benchmarks/course_run.py) in its quick mode: 8 students of
lab 01 through nbgrader's real exchange and through a Canvas zip, with a late student, an
extension, an override, Ctrl-C and a concurrent run. The script asserts every grade itself and
exits non-zero on any failed expectation; this keeps it true in CI."""
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "course_run.py"


def test_course_run_quick_mode_meets_every_expectation(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT), "--students", "8",
                           "--keep", str(tmp_path / "run")],
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    assert "every expectation held" in done.stdout
    for step in ("Ctrl-C part-way", "second concurrent run refused", "override and answers kept",
                 "formgrader's Autograde button", "Canvas CSV checked"):
        assert step in done.stdout, step
