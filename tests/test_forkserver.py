"""The sandbox's fork server: a forked worker is the worker a fresh jailed process would be.

Every jailed worker is forked from a server that imported numpy once (autograder/sandbox/
forkserver.py). These tests run the same student code in both kinds of worker and compare what
it sees (ids, environment, limits, open files, modules, signals, the jail's report) and how
each way of dying is reported; and they kill the server to check that grading goes on.
"""
import os

import pytest

from autograder.sandbox import Sandbox, StudentError, forkserver, isolation

AVAILABLE = isolation.isolation_available()

PROBE = '''
import os, resource, signal, sys

def seen():
    here = os.getcwd()
    limits = {name: resource.getrlimit(getattr(resource, name)) for name in
              ("RLIMIT_CPU", "RLIMIT_AS", "RLIMIT_FSIZE", "RLIMIT_NPROC", "RLIMIT_NOFILE",
               "RLIMIT_CORE")}
    return {
        "ids": [os.getuid(), os.geteuid(), os.getgid(), os.getgroups()],
        "session leader": os.getsid(0) == os.getpid() == os.getpgid(0),
        "environment": {k: v.replace(here, "SCRATCH") for k, v in os.environ.items()},
        "path": [p.replace(here, "SCRATCH") for p in sys.path],
        "flags": [sys.flags.isolated, sys.flags.no_site, sys.flags.dont_write_bytecode],
        "argv": [a.replace(here, "SCRATCH") for a in sys.argv],
        "limits": {k: list(v) for k, v in limits.items()},
        "open files": sorted(int(fd) for fd in os.listdir("/proc/self/fd")),
        "signals": [str(signal.getsignal(s)) for s in (signal.SIGCHLD, signal.SIGINT,
                                                     signal.SIGPIPE, signal.SIGTERM)],
        "server modules": sorted(m for m in ("jail", "forkserver_main", "forkserver", "proxy",
                                             "autograder") if m in sys.modules),
        "numpy": "numpy" in sys.modules,
        "cwd": here.startswith("/tmp/nnlab-sandbox-"),
    }

def exit3():
    sys.exit(3)

def segfault():
    os.kill(os.getpid(), signal.SIGSEGV)

def hard_exit():
    os._exit(0)

def spin():
    while True:
        pass
'''


def need_jail():
    if not (AVAILABLE.get("mount_ns") and AVAILABLE.get("uid")):
        pytest.skip(f"the fork server forks jailed workers only; no jail here: {AVAILABLE}")


@pytest.fixture
def pkg(tmp_path):
    need_jail()
    d = tmp_path / "nnlab"
    d.mkdir()
    (d / "__init__.py").write_text("")
    (d / "probe.py").write_text(PROBE)
    return d


def _seen(pkg, fork):
    with Sandbox(pkg, fork=fork) as sb:
        seen = sb.module("probe").seen()       # the worker starts with the first request
        started_by = type(sb.proc).__name__
        seen["slot uid"] = seen["ids"][0] == sb.slot.uid
        seen["ids"] = None        # two sandboxes open one after the other may hold other slots
    report = dict(sb.isolation_report)
    report["uid"] = report["uid"] is not None
    return started_by, seen, report


def test_a_forked_worker_sees_what_a_fresh_jailed_process_sees(pkg):
    forked_by, forked, forked_report = _seen(pkg, fork=True)
    exec_by, fresh, fresh_report = _seen(pkg, fork=False)
    assert (forked_by, exec_by) == ("ForkedWorker", "Popen")
    assert forked == fresh
    assert forked_report == fresh_report
    assert forked["session leader"] and forked["slot uid"] and forked["numpy"]
    assert forked["server modules"] == []         # nothing of the server stays importable
    assert forked["environment"]["HOME"] == "SCRATCH"


@pytest.mark.parametrize("death", ["exit3", "segfault", "hard_exit"])
def test_a_worker_that_dies_is_reported_alike_whichever_way_it_started(pkg, death):
    reports = []
    for fork in (True, False):
        with Sandbox(pkg, fork=fork) as sb:
            with pytest.raises(StudentError) as caught:
                getattr(sb.module("probe"), death)()
            reports.append((caught.value.kind, str(caught.value)))
            assert sb.module("probe").seen()["session leader"]     # restarted, the same way
    assert reports[0] == reports[1]


def test_the_cpu_limit_counts_from_the_fork(pkg):
    """A forked worker starts with no CPU time spent (the server's is not inherited), so the
    limit means what it says; the spin is stopped by it, not by the wall-clock timeout."""
    for fork in (True, False):
        with Sandbox(pkg, fork=fork, limits={"cpu_seconds": 1}, call_timeout=30) as sb:
            with pytest.raises(StudentError) as caught:
                sb.module("probe").spin()
        assert caught.value.kind == "timeout" and "CPU time" in str(caught.value), fork


def _server():
    return next(s for key, s in forkserver._SERVERS.items() if key[0] == os.getpid())


def test_grading_goes_on_when_the_fork_server_dies(pkg):
    with Sandbox(pkg) as sb:
        sb.module("probe").seen()
        server = _server()
        server.proc.kill()                   # the worker it forked keeps its pipes
        server.proc.wait()
        assert sb.module("probe").seen()["session leader"]
    with Sandbox(pkg) as sb:                 # a new server for the next submission
        assert sb.module("probe").seen()["numpy"]
        assert type(sb.proc).__name__ == "ForkedWorker"
    assert _server() is not server and _server().proc.poll() is None


def test_the_server_exits_with_the_grader_and_leaves_no_worker(pkg):
    with Sandbox(pkg) as sb:
        sb.module("probe").seen()
        worker = sb.proc.pid
    server = _server()
    forkserver.close_servers()
    assert server.proc.wait(timeout=10) == 0
    with pytest.raises(ProcessLookupError):
        os.kill(worker, 0)
    with pytest.raises(ProcessLookupError):
        os.kill(server.proc.pid, 0)
