"""OS isolation of everything that runs student code: the function worker and the notebook kernel.

Each assertion is skipped (with the reason) only when ``isolation_available()`` says the
mechanism it needs is missing on this machine (no mount/network namespace, no uid drop).
"""
import json
import os
import shutil
import socket
import sys
import time
import warnings
from pathlib import Path

import nbformat
import pytest

from autograder.sandbox import Sandbox, StudentError
from autograder.sandbox import isolation

REPO = Path(__file__).resolve().parents[1]
SOLUTION = REPO / "solutions" / "nnlab" / "layers.py"
HIDDEN = REPO / "autograder" / "hidden"
AVAILABLE = isolation.isolation_available()


def need(*mechanisms):
    missing = [m for m in mechanisms if not AVAILABLE.get(m)]
    if missing:
        pytest.skip(f"isolation mechanism(s) {missing} not available on this machine: "
                    f"{AVAILABLE.get('errors')}")


HOSTILE = '''
import os, socket, time

def read(path):
    try:
        with open(path, "rb") as fh:
            return "read %d bytes" % len(fh.read())
    except Exception as e:
        return type(e).__name__

def listdir(path):
    try:
        return sorted(os.listdir(path))
    except Exception as e:
        return type(e).__name__

def write(path):
    try:
        with open(path, "w") as fh:
            fh.write("pwned")
        return "written"
    except Exception as e:
        return type(e).__name__

def connect(host, port):
    try:
        socket.create_connection((host, port), timeout=2).close()
        return "connected"
    except Exception as e:
        return type(e).__name__

def ids():
    return [os.getuid(), os.geteuid(), os.getgid()]

def kill_parent():
    try:
        os.kill(os.getppid(), 0)
        return "allowed"
    except Exception as e:
        return type(e).__name__

def double_fork():
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(300)
            os._exit(0)
        os._exit(0)
    os.waitpid(pid, 0)
    p = os.popen("true")  # noqa: keep the API busy a little
    p.close()
    return pid

def setsid_sleeper():
    pid = os.fork()
    if pid == 0:
        os.setsid()
        time.sleep(300)
        os._exit(0)
    return pid

def grandchild():
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.setsid()
        g = os.fork()
        if g == 0:
            time.sleep(300)
            os._exit(0)
        os.write(w, str(g).encode())
        os._exit(0)
    os.waitpid(pid, 0)
    return int(os.read(r, 32))

def fork_bomb():
    t = time.monotonic()
    n = 0
    try:
        for _ in range(5000):
            if os.fork() == 0:
                time.sleep(300)
                os._exit(0)
            n += 1
        err = None
    except OSError as e:
        err = type(e).__name__
    return [n, err, time.monotonic() - t]
'''


@pytest.fixture(params=["forked", "exec"])
def pkg(tmp_path, request, monkeypatch):
    """A hostile package; each worker test runs twice: a worker forked from the fork server
    (the default) and a fresh ``jail.py ... python worker_main.py`` process."""
    from autograder.sandbox import proxy
    monkeypatch.setattr(proxy, "FORK_WORKERS", request.param == "forked")
    d = tmp_path / "sub" / "nnlab"
    d.mkdir(parents=True)
    (d / "__init__.py").write_text("")
    (d / "h.py").write_text(HOSTILE)
    (tmp_path / "sub" / "secret.txt").write_text("not copied")
    return d


def _gone(pid, timeout=2.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.01)
    return False


# ------------------------------------------------------------------------------- worker

def test_probe_reports_every_mechanism_on_this_machine():
    assert set(AVAILABLE) >= {"mount_ns", "hide", "net", "uid", "nproc", "no_new_privs"}
    if os.getuid() == 0 and os.path.exists("/proc/self/ns/mnt"):
        # root on Linux (the grading containers): every mechanism must work, nothing skips
        assert all(AVAILABLE[k] for k in ("mount_ns", "hide", "net", "uid", "nproc")), AVAILABLE


def test_worker_runs_as_an_unprivileged_slot_uid(pkg):
    need("uid")
    with Sandbox(pkg) as sb:
        uid, euid, gid = sb.module("h").ids()
        assert uid == euid == sb.slot.uid != 0 and gid == sb.slot.gid
        assert sb.module("h").kill_parent() == "PermissionError"
        assert oct(os.stat(sb.scratch).st_mode & 0o777) == "0o700"
    assert sb.isolation_report["uid"] == uid and sb.isolation_report["no_new_privs"]


def test_worker_cannot_read_solutions_hidden_checks_gradebook(pkg, tmp_path):
    need("hide")
    course = tmp_path / "course"
    course.mkdir()
    (course / "gradebook.db").write_text("hidden tests in plain text")
    with Sandbox(pkg, hide=[course]) as sb:
        h = sb.module("h")
        for path in [SOLUTION, *sorted((REPO / "solutions" / "nnlab").glob("*.py"))[:3],
                     HIDDEN / "conftest.py", course / "gradebook.db",
                     pkg.parent / "secret.txt", pkg / "h.py", "/root/.bashrc"]:
            assert h.read(str(path)) in ("FileNotFoundError", "PermissionError"), path
        assert h.listdir(str(HIDDEN)) == "FileNotFoundError"
        # only the Python installation when the venv lives in the repository (.venv); else
        # nothing at all (.ci/run installs into fresh venvs outside the checkout)
        venv = Path(sys.prefix).resolve()
        inside = venv.is_relative_to(REPO.resolve())
        assert h.listdir(str(REPO)) == ([venv.relative_to(REPO.resolve()).parts[0]] if inside
                                        else "FileNotFoundError")
        # /tmp shows its own scratch, plus the way down to the Python installation when the
        # repository (and its .venv) happens to live under /tmp, as in a CI checkout.
        visible = {os.path.basename(sb.scratch)}
        for kept in (Path(sys.prefix), Path(sys.base_prefix)):
            if kept.resolve().is_relative_to("/tmp"):
                visible.add(kept.resolve().relative_to("/tmp").parts[0])
        assert set(h.listdir("/tmp")) == visible
        assert h.read(os.path.join(sb.scratch, "nnlab", "h.py")).startswith("read")


def test_worker_cannot_see_another_scratch_dir(pkg):
    need("hide")
    with Sandbox(pkg) as a, Sandbox(pkg) as b:
        a.ping()
        b.ping()
        assert a.slot.uid != b.slot.uid
        assert a.module("h").listdir(b.scratch) == "FileNotFoundError"
        assert a.module("h").read(os.path.join(b.scratch, "nnlab", "h.py")) == "FileNotFoundError"


def test_worker_cannot_write_outside_its_scratch(pkg, tmp_path):
    need("hide", "uid")
    with Sandbox(pkg) as sb:
        h = sb.module("h")
        assert h.write(os.path.join(sb.scratch, "mine.txt")) == "written"
        for path in ("/tmp/nnlab-pwned", "/var/tmp/nnlab-pwned", "/dev/shm/nnlab-pwned",
                     str(REPO / "pwned.txt"), str(REPO / ".venv" / "pwned.txt"),
                     str(tmp_path / "pwned.txt"), "/etc/pwned", "/pwned"):
            assert h.write(path) in ("PermissionError", "FileNotFoundError", "OSError"), path
    for path in ("/tmp/nnlab-pwned", "/var/tmp/nnlab-pwned", "/dev/shm/nnlab-pwned",
                 REPO / "pwned.txt", tmp_path / "pwned.txt", "/etc/pwned", "/pwned"):
        assert not os.path.exists(path)


def test_worker_has_no_network(pkg):
    need("net")
    server = socket.create_server(("127.0.0.1", 0))
    try:
        port = server.getsockname()[1]
        with Sandbox(pkg) as sb:
            assert sb.module("h").connect("127.0.0.1", port) != "connected"
            assert sb.module("h").connect("1.1.1.1", 53) != "connected"
    finally:
        server.close()


def test_setsid_and_double_forked_children_are_reaped(pkg):
    need("uid")
    with Sandbox(pkg) as sb:
        sleeper = sb.module("h").setsid_sleeper()
        grandchild = sb.module("h").grandchild()
        os.kill(sleeper, 0)
        os.kill(grandchild, 0)            # alive, in sessions of their own
        uid = sb.slot.uid
    assert _gone(sleeper) and _gone(grandchild)
    assert isolation._uid_pids(uid) == []


def test_a_fork_bomb_is_stopped_by_rlimit_nproc(pkg):
    need("uid", "nproc")
    with Sandbox(pkg, limits={"processes": 32}) as sb:
        t = time.monotonic()
        n, err, took = sb.module("h").fork_bomb()
        assert err in ("BlockingIOError", "OSError") and n < 32
        assert time.monotonic() - t < 5
        uid = sb.slot.uid
    assert isolation._uid_pids(uid) == []


def test_a_hung_worker_is_restarted_in_the_same_jail(pkg):
    need("uid")
    (pkg / "loop.py").write_text("import os\ndef loop():\n    while True: pass\n"
                                 "def uid():\n    return os.getuid()\n")
    with Sandbox(pkg, call_timeout=0.5) as sb:
        with pytest.raises(StudentError):
            sb.module("loop").loop()
        assert sb.module("loop").uid() == sb.slot.uid


def test_reap_uid_kills_everything_of_a_uid():
    need("uid")
    slot = isolation.acquire_slot()
    try:
        pid = os.fork()
        if pid == 0:
            os.setresgid(slot.gid, slot.gid, slot.gid)
            os.setresuid(slot.uid, slot.uid, slot.uid)
            os.setsid()
            time.sleep(60)
            os._exit(0)
        deadline = time.monotonic() + 2
        while pid not in isolation._uid_pids(slot.uid) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert isolation.reap_uid(slot.uid) >= 1
        os.waitpid(pid, 0)
        assert isolation._uid_pids(slot.uid) == []
    finally:
        slot.release()


def test_slots_are_unique_while_held():
    a = isolation.acquire_slot()
    b = isolation.acquire_slot()
    try:
        assert a.uid != b.uid and a.uid >= isolation.UID_BASE
        with pytest.raises(RuntimeError):
            isolation.acquire_slot(a.index)
    finally:
        a.release()
        b.release()
    c = isolation.acquire_slot(a.index)
    c.release()


def test_hidden_paths_nest_and_keep_the_interpreter(tmp_path):
    course = tmp_path / "course"
    sub = course / "autograded" / "s" / "lab"
    sub.mkdir(parents=True)
    hidden = dict((h, keeps) for h, keeps in isolation.default_hidden_paths(
        course=course, keep=[(sub, "ro")]))
    assert "/root" in hidden and "/home" in hidden or not os.path.isdir("/home")
    assert "/usr" not in hidden and "/etc" not in hidden
    kept = [k for keeps in hidden.values() for k, _ in keeps]
    assert str(sub.resolve()) in kept
    assert any(str(Path(os.path.realpath(os.sys.executable))).startswith(k) for k in kept)


# ------------------------------------------------------------------------------- kernel

PROBE = r'''
import json, os, socket, sqlite3, time
R = {}
def attempt(name, fn):
    try:
        fn()
        R[name] = "ok"
    except Exception as e:
        R[name] = type(e).__name__
attempt("read_solution", lambda: open(SOLUTION).read())
attempt("read_hidden", lambda: open(HIDDEN_CONFTEST).read())
def course_listing():
    out, p = [], COURSE
    while True:
        names = sorted(os.listdir(p))
        out.append(names)
        if len(names) != 1 or not os.path.isdir(os.path.join(p, names[0])):
            return out
        p = os.path.join(p, names[0])
try:
    R["course_listing"] = course_listing()
except Exception as e:
    R["course_listing"] = type(e).__name__
attempt("gradebook_write",
        lambda: sqlite3.connect(os.path.join(COURSE, "gradebook.db")).execute("create table t(x)"))
attempt("write_submission", lambda: open("pwned.txt", "w").write("x"))
attempt("tcp_local", lambda: socket.create_connection(("127.0.0.1", PORT), timeout=2))
attempt("tcp_ssh", lambda: socket.create_connection(("127.0.0.1", 22), timeout=2))
attempt("tcp_out", lambda: socket.create_connection(("1.1.1.1", 53), timeout=2))
R["uid"] = os.getuid()
if os.getuid() != 0:       # (as root this would kill the test run itself)
    attempt("kill_parent", lambda: os.kill(os.getppid(), 9))
R["home_writable"] = os.access(os.environ["HOME"], os.W_OK)
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.setsid()
    g = os.fork()
    if g == 0:
        time.sleep(300)
        os._exit(0)
    os.write(w, str(g).encode())
    os._exit(0)
os.waitpid(pid, 0)
R["sleeper"] = int(os.read(r, 32))
print("RESULT" + json.dumps(R))
'''


def _run_probe(course, student, lab, port, configure):
    from nbclient import NotebookClient
    from traitlets.config import Config

    sub = course / "autograded" / student / lab
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(
        f"SOLUTION = {str(SOLUTION)!r}\nHIDDEN_CONFTEST = {str(HIDDEN / 'conftest.py')!r}\n"
        f"COURSE = {str(course)!r}\nPORT = {port}\n" + PROBE)]
    cfg = Config()
    configure(cfg)
    client = NotebookClient(nb, kernel_name=cfg.Execute.kernel_name or "python3", timeout=60,
                            resources={"metadata": {"path": str(sub)}}, config=cfg)
    client.execute()
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    assert "RESULT" in text, nb.cells[0].outputs
    return json.loads(text.split("RESULT", 1)[1])


@pytest.fixture
def course(tmp_path):
    course = tmp_path / "course"
    for student in ("s1", "s2"):
        sub = course / "autograded" / student / "lab01"
        sub.mkdir(parents=True)
        (sub / "lab01.ipynb").write_text("{}")
    (course / "submitted").mkdir()
    (course / "gradebook.db").write_text("")
    (course / "nbgrader_config.py").write_text("")
    yield course
    shutil.rmtree(course, ignore_errors=True)


def test_the_jailed_kernelspec_is_the_one_jupyter_finds(course):
    from jupyter_client.kernelspec import KernelSpecManager
    with isolation.kernel_sandbox(course, "s1", "lab01") as ks:
        spec = KernelSpecManager().get_kernel_spec("python3")
        assert isolation.JAIL in spec.argv and spec.argv[-2:] == ["-f", "{connection_file}"]
    assert isolation.JAIL not in KernelSpecManager().get_kernel_spec("python3").argv
    assert not os.path.exists(ks.control) and not os.path.exists(ks.scratch)


def test_the_notebook_kernel_is_jailed(course):
    need("hide", "uid")
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    try:
        with isolation.kernel_sandbox(course, "s1", "lab01") as ks:
            r = _run_probe(course, "s1", "lab01", port, ks.configure)
            report = ks.report()
            uid = ks.slot.uid
            os.kill(r["sleeper"], 0)          # survived the kernel's shutdown ...
        assert _gone(r["sleeper"])            # ... and was reaped when the context closed
    finally:
        server.close()
    assert r["uid"] == uid != 0 and report["uid"] == uid
    assert r["kill_parent"] == "PermissionError"
    assert r["read_solution"] in ("FileNotFoundError", "PermissionError")
    assert r["read_hidden"] in ("FileNotFoundError", "PermissionError")
    # the course root shows only the path to the kernel's own submission
    assert r["course_listing"] == [["autograded"], ["s1"], ["lab01"], ["lab01.ipynb"]]
    assert r["gradebook_write"] in ("OperationalError", "DatabaseError")
    assert r["write_submission"] in ("OSError", "PermissionError")   # read-only
    assert r["home_writable"] is True
    assert (course / "gradebook.db").read_text() == ""
    assert isolation._uid_pids(uid) == []
    if AVAILABLE["net"]:
        assert report["net"] is True
        assert r["tcp_local"] != "ok" and r["tcp_ssh"] != "ok" and r["tcp_out"] != "ok"


def test_kernel_limits_are_applied(course):
    need("uid")
    with isolation.kernel_sandbox(course, "s2", "lab01", limits={"NPROC": 16}) as ks:
        _run_probe(course, "s2", "lab01", 9, ks.configure)
        rl = ks.report()["rlimits"]
    assert rl["CPU"] == 300 and rl["AS"] == 4 * 1024 ** 3 and rl["NPROC"] == 16
    assert rl["FSIZE"] == 64 * 1024 ** 2 and rl["CORE"] == 0


def test_nbgrader_autograde_runs_in_the_jailed_kernel(tmp_path):
    """The real glue: nbgrader's autograde through NbGraderAPI, the kernel in the jail."""
    need("hide", "uid")
    from autograder import course as courselib
    from autograder.labs import LAB01

    course = courselib.create_course(tmp_path / "course")
    courselib.release(course, LAB01)
    sub = course / "submitted" / "s1" / LAB01.name
    shutil.copytree(course / "release" / LAB01.name, sub)
    nb_path = sub / f"{LAB01.name}.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(
        "import os\nprint('UID', os.getuid(), sorted(os.listdir(%r)))" % str(course)))
    nb.metadata["kernelspec"] = {"name": "evil", "display_name": "x", "language": "python"}
    nbformat.write(nb, nb_path)
    api = courselib.nbgrader_api(course, grading=True)   # nnlab's own run: nbgrader's exporter
    with isolation.kernel_sandbox(course, "s1", LAB01.name) as ks:
        ks.configure(api)
        cwd = os.getcwd()
        os.chdir(course)
        try:
            with warnings.catch_warnings():      # nbgrader's SQLAlchemy warnings (not ours)
                warnings.simplefilter("ignore")
                result = api.autograde(LAB01.name, "s1", force=True, create=True)
        finally:
            os.chdir(cwd)
        uid = ks.slot.uid
    assert "evil" not in str(result.get("error")), result
    out = nbformat.read(course / "autograded" / "s1" / LAB01.name / f"{LAB01.name}.ipynb",
                        as_version=4)
    text = "".join(o.get("text", "") for o in out.cells[0].outputs)
    assert f"UID {uid} ['autograded']" in text, (text, result.get("log", "")[-2000:])
    assert "KernelManager" not in api.config or "ip" not in api.config.KernelManager
