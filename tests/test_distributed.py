"""`nnlab autograde --scheduler`: a real Dask scheduler and real workers on this machine grade a
mixed class (reference, stubs, catalogued mistakes, hostile, broken) exactly as the local path
does; a worker killed mid-run costs nothing and nobody is recorded twice; a worker with another
grader is refused."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from autograder import course as courselib
from autograder import distributed
from autograder.demo import make_hostile_and_broken, make_submissions
from autograder.labs import LAB01

# nbgrader's own autoflush notice, an SAWarning (a RuntimeWarning, which this suite turns into
# errors), when the coordinator grades in this process; `nnlab autograde` logs it.
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")

BIN = Path(sys.executable).parent
ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_worker(scheduler: str, *extra) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen(
        [str(BIN / "dask"), "worker", scheduler, "--nthreads", "1", "--no-nanny",
         "--host", "127.0.0.1", "--worker-port", str(port), "--no-dashboard", *extra],
        env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, f"tcp://127.0.0.1:{port}"


def _wait_for_workers(scheduler: str, addresses: set, timeout=90) -> None:
    from distributed import Client
    with Client(scheduler, timeout=30) as client:
        deadline = time.monotonic() + timeout
        while set(client.scheduler_info()["workers"]) != addresses:
            assert time.monotonic() < deadline, (client.scheduler_info()["workers"].keys(), addresses)
            time.sleep(0.2)


@pytest.fixture(scope="module")
def cluster():
    """A `dask scheduler` and two single-threaded `dask worker` processes on localhost."""
    address = f"tcp://127.0.0.1:{_free_port()}"
    scheduler = subprocess.Popen(
        [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
         "--no-dashboard"], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = [_start_worker(address) for _ in range(2)]
    try:
        _wait_for_workers(address, {a for _, a in workers})
        yield address, workers
    finally:
        for process in [p for p, _ in workers] + [scheduler]:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def class_graded_locally(tmp_path_factory):
    """A released lab 01 with a mixed class, graded by the local path; and an ungraded copy."""
    root = tmp_path_factory.mktemp("distributed")
    local = root / "local"
    courselib.create_course(local)
    courselib.release(local, LAB01)
    students = make_submissions(local) + make_hostile_and_broken(local)
    students.remove("dev_mistakes")      # one catalogued-mistake student is enough here
    shutil.rmtree(local / "submitted" / "dev_mistakes")
    on_cluster = root / "on_cluster"
    shutil.copytree(local, on_cluster, symlinks=True)
    subprocess.run([str(BIN / "nnlab"), "autograde", LAB01.name, "--course", str(local),
                    "--workers", "2"], check=True, capture_output=True, env=ENV)      # the local path, as staff run it
    outcomes = {s: courselib.read_outcome(local, LAB01, s) for s in students}
    return local, on_cluster, students, outcomes


def _gradebook_scores(course: Path, students) -> dict:
    with courselib.gradebook(course) as gb:
        return {s: {f.name: gb.find_grade(f.grade_cell_id, LAB01.name, LAB01.name, s).score
                    for f in LAB01.functions} for s in students}


def _assert_same_grades(course, local, students, local_outcomes):
    for student in students:
        theirs, ours = courselib.read_outcome(course, LAB01, student), local_outcomes[student]
        assert (theirs.status, theirs.score, theirs.functions) == \
            (ours.status, ours.score, ours.functions), student
        assert theirs.fingerprint == ours.fingerprint, student
        report = (course / courselib.STATUS_DIR / LAB01.name / f"{student}.report.txt").read_text()
        assert report.splitlines()[:-1] == (local / courselib.STATUS_DIR / LAB01.name
                                            / f"{student}.report.txt").read_text().splitlines()[:-1]
    assert _gradebook_scores(course, students) == _gradebook_scores(local, students)


def test_the_class_is_graded_on_the_cluster_as_locally(cluster, class_graded_locally):
    address, _ = cluster
    local, course, students, local_outcomes = class_graded_locally
    # the class is mixed: full marks, zero, partial, the hostile student, a broken notebook
    assert local_outcomes["ada_reference"].score == pytest.approx(LAB01.max_points)
    assert local_outcomes["ben_untouched"].score == 0
    assert 0 < local_outcomes["cleo_mistakes"].score < LAB01.max_points
    assert local_outcomes["eve_hostile"].score == 0
    assert local_outcomes["finn_broken"].status == "invalid_notebook"

    outcomes = courselib.autograde(course, LAB01, progress=False, scheduler=address)
    assert [o.student for o in outcomes] == students
    _assert_same_grades(course, local, students, local_outcomes)

    # a re-run reuses every recorded grade: nothing is sent to the cluster
    again = courselib.autograde(course, LAB01, progress=False, scheduler=address)
    assert [o.elapsed for o in again] == [o.elapsed for o in outcomes]


def test_a_worker_killed_mid_run_costs_nothing_and_nobody_is_recorded_twice(
        cluster, class_graded_locally, monkeypatch):
    from distributed import Client

    address, workers = cluster
    local, course, students, local_outcomes = class_graded_locally
    victim, victim_address = workers[0]
    recorded = []
    real_record = distributed.record_outcome

    def counting_record(course, lab, student, *args, **kwargs):
        recorded.append(student)
        return real_record(course, lab, student, *args, **kwargs)

    monkeypatch.setattr(distributed, "record_outcome", counting_record)
    killed = threading.Event()

    def kill_when_busy():
        with Client(address, timeout=30) as client:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if client.processing().get(victim_address):   # grading a submission now
                    victim.send_signal(signal.SIGKILL)
                    killed.set()
                    return
                time.sleep(0.02)

    killer = threading.Thread(target=kill_when_busy)
    killer.start()
    regraded = ["ada_reference", "cleo_mistakes", "eve_hostile"]
    outcomes = courselib.autograde(course, LAB01, students=regraded, progress=False,
                                   scheduler=address, force=True)
    killer.join()
    assert killed.is_set() and victim.wait(5) == -signal.SIGKILL
    assert sorted(recorded) == regraded                   # each student recorded exactly once
    assert [o.student for o in outcomes] == regraded
    _assert_same_grades(course, local, students, local_outcomes)


def test_a_worker_with_another_grader_is_refused(cluster, class_graded_locally, tmp_path):
    address, workers = cluster
    _, course, _, _ = class_graded_locally
    preload = tmp_path / "other_grader.py"
    preload.write_text("import autograder.course\nautograder.course._grader_digest = '0' * 16\n")
    stranger, stranger_address = _start_worker(address, "--preload", str(preload))
    try:
        alive = {a for p, a in workers if p.poll() is None}
        _wait_for_workers(address, alive | {stranger_address})
        before = {s: courselib.read_outcome(course, LAB01, s) for s in ("ada_reference",)}
        with pytest.raises(SystemExit) as refused:
            courselib.autograde(course, LAB01, progress=False, scheduler=address, force=True)
        message = str(refused.value)
        assert stranger_address in message and "0" * 16 in message
        assert courselib.grader_fingerprint() in message and "same nnlab" in message
        assert courselib.read_outcome(course, LAB01, "ada_reference") == before["ada_reference"]
    finally:
        stranger.kill()
        stranger.wait()


def test_a_local_cluster_grades_like_the_process_pool(class_graded_locally, tmp_path):
    """`--scheduler local`: the single-machine cluster, through the CLI."""
    local, _, _, local_outcomes = class_graded_locally
    course = tmp_path / "course"
    shutil.copytree(local, course, symlinks=True)
    shutil.rmtree(course / courselib.STATUS_DIR)
    result = subprocess.run([str(BIN / "nnlab"), "autograde", LAB01.name, "--course", str(course),
                             "--student", "cleo_mistakes", "--scheduler", "local", "--workers", "1"],
                            capture_output=True, text=True, env=ENV, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = courselib.read_outcome(course, LAB01, "cleo_mistakes")
    assert (outcome.score, outcome.functions) == (local_outcomes["cleo_mistakes"].score,
                                                  local_outcomes["cleo_mistakes"].functions)
    assert "cleo_mistakes" in result.stdout


def test_a_scheduler_address_that_is_no_address_is_a_clear_error(class_graded_locally):
    _, course, students, _ = class_graded_locally
    before = [courselib.read_outcome(course, LAB01, s) for s in students]
    with pytest.raises(SystemExit, match=r"Cannot reach a Dask scheduler at --scheduler "
                                         r"'nonsense://x'.*tcp://HOST:PORT"):
        courselib.autograde(course, LAB01, progress=False, scheduler="nonsense://x", force=True)
    assert [courselib.read_outcome(course, LAB01, s) for s in students] == before
