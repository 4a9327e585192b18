"""Trusted side of the OS isolation of everything that runs student code (see docs/grading.md).

- :func:`jail_command` / :func:`write_spec`: the command prefix that runs a command under
  ``jail.py`` (mount + network namespaces, a per-slot uid, rlimits, no_new_privs);
- :func:`acquire_slot`: a uid (61000 + slot) that no other running sandbox on this machine uses;
- :func:`reap_uid`: kill every process of a slot uid (setsid'd and double-forked ones too);
- :func:`default_hidden_paths`: what the jailed process must not see;
- :func:`kernel_sandbox`: a jailed kernelspec for nbgrader's notebook kernel;
- :func:`isolation_available`: what actually works on this machine (probed once).
"""
import contextlib
import fcntl
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
JAIL = os.path.join(HERE, "jail.py")
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
UID_BASE = 61000
SLOTS = 256
SLOT_DIR = "/tmp/nnlab-slots"
# top-level directories a jailed Python needs; every other top-level entry is hidden
SYSTEM_DIRS = frozenset({"usr", "etc", "dev", "proc", "sys", "bin", "sbin", "lib", "lib32",
                         "lib64", "libx32"})
EXTRA_HIDDEN = ("/dev/shm", "/dev/mqueue")      # world-writable places inside system dirs

KERNEL_LIMITS = {"CPU": 300, "AS": 4 * 1024 ** 3, "NPROC": 64, "FSIZE": 64 * 1024 ** 2,
                 "NOFILE": 1024, "CORE": 0}


# ----------------------------------------------------------------------------------- slots

class Slot:
    """A slot index held (flock) for the lifetime of one sandbox: uid = gid = 61000 + index."""

    def __init__(self, index, fh):
        self.index = index
        self.uid = self.gid = UID_BASE + index
        self._fh = fh

    def release(self):
        if self._fh is not None:
            reap_uid(self.uid)
            self._fh.close()          # closing the file drops the lock
            self._fh = None

    def __repr__(self):
        return f"<Slot {self.index} uid={self.uid}>"


def acquire_slot(preferred=None):
    """Lock a free slot (``/tmp/nnlab-slots/<n>.lock``); parallel graders never share a uid."""
    os.makedirs(SLOT_DIR, mode=0o755, exist_ok=True)
    order = [preferred] if preferred is not None else range(SLOTS)
    for n in order:
        fh = open(os.path.join(SLOT_DIR, f"{n}.lock"), "a")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            continue
        slot = Slot(n, fh)
        reap_uid(slot.uid)           # leftovers of a grader that died without cleaning up
        return slot
    raise RuntimeError(f"no free sandbox slot (all of {list(order)[:3]}... are in use)")


def _uid_pids(uid):
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status") as fh:
                real = state = None
                for line in fh:
                    if line.startswith("State:"):
                        state = line.split()[1]
                    elif line.startswith("Uid:"):
                        real = int(line.split()[1])
                        break
        except (OSError, ValueError, IndexError):
            continue
        if real == uid and state != "Z":
            pids.append(int(name))
    return pids


def reap_uid(uid, timeout=5.0):
    """SIGKILL every process whose real uid is ``uid`` until none is left; return how many.

    First ``kill(-1, SIGKILL)`` from a helper that became ``uid`` (signals all of the uid's
    processes at once: a fork bomb cannot outrun it), then a /proc scan. Zombies are ignored
    (already dead; their parent reaps them). Needs root (or the same uid); a no-op otherwise.
    """
    if uid is None or not os.path.isdir("/proc") or uid == os.getuid():
        return 0
    killed = 0
    deadline = time.monotonic() + timeout
    while True:
        pids = _uid_pids(uid)
        if not pids or time.monotonic() > deadline:
            return killed
        if os.geteuid() == 0:
            pid = os.fork()
            if pid == 0:       # child: become the uid, kill everything it owns, leave
                try:
                    os.setresgid(uid, uid, uid)
                    os.setresuid(uid, uid, uid)
                    os.kill(-1, signal.SIGKILL)
                finally:
                    os._exit(0)
            os.waitpid(pid, 0)
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
                killed += 1
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.002)


# ----------------------------------------------------------------------------------- specs

def python_paths():
    """Directories the interpreter needs (the venv and the base installation)."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             os.path.dirname(os.path.dirname(os.path.realpath(sys.executable)))}
    return sorted({os.path.realpath(p) for p in paths if p})


def _inside(path, root):
    return path == root or path.startswith(root.rstrip("/") + "/")


def default_hidden_paths(course=None, keep=(), extra=()):
    """``[[hidden, [[keep, mode], ...]], ...]`` for jail.py.

    Hidden: every top-level entry of / but the system directories (so /root, /home, /work,
    /tmp, /var, /opt, /run, /mnt, ... — wherever the repository, the course root, solutions,
    hidden checks and gradebook live), /dev/shm, /dev/mqueue, the repository root, the course
    root and ``extra``. Kept (read-only): the Python installation (venv and base prefix); plus
    ``keep``: ``[(path, "ro"|"rw"), ...]`` (the scratch dir, a submission dir).
    """
    hidden = []
    for name in sorted(os.listdir("/")):
        p = "/" + name
        if name not in SYSTEM_DIRS and not os.path.islink(p):
            hidden.append(p)
    hidden += [p for p in EXTRA_HIDDEN if os.path.isdir(p)]
    hidden += [REPO_ROOT] + ([str(course)] if course else []) + [str(p) for p in extra]
    hidden = sorted({os.path.realpath(p) for p in hidden if os.path.exists(p)}, key=len)
    keeps = [(p, "ro") for p in python_paths()] + [(os.path.realpath(str(p)), m) for p, m in keep]

    # an outer hidden path covers an inner one (unless the inner one lies inside a kept path)
    roots = []
    for h in hidden:
        outer = [r for r in roots if _inside(h, r)]
        if outer and not any(_inside(h, k) and _inside(k, outer[-1]) for k, _ in keeps):
            continue
        roots.append(h)
    spec = {h: [] for h in roots}
    for k, mode in keeps:
        # bind each kept path into the innermost hidden path that contains it
        owners = [h for h in roots if _inside(k, h) and k != h]
        if owners:
            lst = spec[max(owners, key=len)]
            if not any(_inside(k, other) for other, _ in lst):
                lst[:] = [(o, m) for o, m in lst if not _inside(o, k)] + [(k, mode)]
    return [[h, [list(k) for k in spec[h]]] for h in roots]


def write_spec(directory, spec, name="jail.json"):
    """Write SPEC into a root-only control directory (never into the jailed scratch dir)."""
    path = os.path.join(directory, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(spec, fh)
    return path


def jail_command(spec_path, python=None):
    """Command prefix: ``[python, -I, -S, jail.py, SPEC, "--"]``; append the command to it."""
    return [python or sys.executable, "-I", "-S", JAIL, str(spec_path), "--"]


def prepare_scratch(path, uid):
    """The scratch dir belongs to the slot uid, mode 0700 (other slots cannot look inside)."""
    try:
        os.chown(path, uid, uid)
    except (OSError, TypeError):
        pass
    os.chmod(path, 0o700)


def read_report(path):
    try:
        with open(path) as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


@functools.lru_cache(maxsize=None)
def isolation_available():
    """Probe (once) what jail.py can enforce here, by jailing ``true``.

    Returns {"mount_ns", "hide", "net", "uid", "nproc", "no_new_privs", "errors"}: booleans
    (``nproc``: RLIMIT_NPROC binds, i.e. the uid was dropped to a per-slot uid).
    """
    control = tempfile.mkdtemp(prefix="nnlab-probe-")
    slot = None
    try:
        slot = acquire_slot()
        scratch = os.path.join(control, "scratch")
        os.mkdir(scratch)
        prepare_scratch(scratch, slot.uid)
        report_path = os.path.join(control, "report.json")
        spec = {"uid": slot.uid, "gid": slot.gid, "workdir": scratch, "net": False,
                "hide": default_hidden_paths(keep=[(scratch, "rw")]),
                "rlimits": {"NPROC": 64, "CORE": 0}, "report": report_path,
                "env": {"PATH": "/usr/bin:/bin"}}
        cmd = jail_command(write_spec(control, spec)) + [
            sys.executable, "-I", "-S", "-c",
            "import os,sys; sys.exit(0 if os.getuid() != 0 and not os.path.exists(%r) else 3)"
            % os.path.join(REPO_ROOT, "autograder")]
        proc = subprocess.run(cmd, capture_output=True, timeout=30)
        rep = read_report(report_path) or {"errors": ["jail did not run"]}
        ok = proc.returncode == 0
        return {"mount_ns": bool(rep.get("mount_ns")) and ok,
                "hide": bool(rep.get("hidden")) and ok,
                "net": bool(rep.get("net")),
                "uid": bool(rep.get("uid")) and ok,
                "nproc": bool(rep.get("uid")) and "NPROC" in rep.get("rlimits", {}),
                "no_new_privs": bool(rep.get("no_new_privs")),
                "errors": list(rep.get("errors", [])) + (
                    [] if ok else [f"probe exited {proc.returncode}: {proc.stderr[-300:]!r}"])}
    finally:
        if slot is not None:
            slot.release()
        shutil.rmtree(control, ignore_errors=True)


# ----------------------------------------------------------------------------------- kernel

KERNEL_ENV_INHERIT = ["PATH", "LANG", "LC_*", "TERM", "NNLAB_*", "OMP_NUM_THREADS",
                      "OPENBLAS_*", "MKL_NUM_THREADS", "JPY_*", "PYDEVD_DISABLE_FILE_VALIDATION",
                      "MPLBACKEND"]


class KernelSandbox:
    """What :func:`kernel_sandbox` yields.

    ``env``: environment changes (already applied to ``os.environ`` inside the context);
    ``config``: traitlets settings for nbgrader (``configure(api)`` applies them to an
    ``NbGraderAPI``'s config and the context restores them on exit); ``slot``, ``scratch``,
    ``report()``: what jail.py applied to the last kernel started.
    """

    def __init__(self, slot, control, scratch, kernel_name, config, env):
        self.slot = slot
        self.control = control
        self.scratch = scratch
        self.kernel_name = kernel_name
        self.config = config
        self.env = env
        self._restore = []

    def configure(self, api_or_config):
        from traitlets.config import Config
        cfg = api_or_config if isinstance(api_or_config, Config) else api_or_config.config
        for section, values in self.config.items():
            sec = cfg[section]
            for key, value in values.items():
                had = key in sec
                self._restore.append((sec, key, had, sec[key] if had else None))
                sec[key] = value
        return api_or_config

    def unconfigure(self):
        for sec, key, had, old in reversed(self._restore):
            if had:
                sec[key] = old
            else:
                sec.pop(key, None)
        self._restore = []

    def report(self):
        return read_report(os.path.join(self.control, "report.json"))


@contextlib.contextmanager
def kernel_sandbox(course, student, lab, slot=None, *, limits=None, cut_network=None,
                   kernel_name="python3"):
    """Jail the notebook kernel that nbgrader starts for ``course/autograded/student/lab``.

    Writes a kernelspec ``kernel_name`` whose argv runs ipykernel under jail.py into a private
    directory put first on ``JUPYTER_PATH``; ``configure(api)`` pins nbgrader's
    ``Execute.kernel_name`` to it (a notebook cannot pick another kernel through its metadata)
    and switches the kernel's transport to IPC sockets in its scratch dir, which lets the
    kernel live in an empty network namespace (``cut_network`` defaults to True when the
    namespace is available; False keeps TCP on the host network). The kernel runs as the slot
    uid; it sees the Python installation, its own submission dir (read-only) and a private writable scratch dir (HOME, IPYTHONDIR,
    MPLCONFIGDIR, TMPDIR); the rest of the course root, the repository, /root, /home, /tmp ...
    are empty tmpfs. On exit every process of the slot uid is killed.

    ``slot``: None (allocate), an int (lock that slot) or a :class:`Slot` held by the caller.
    """
    from pathlib import Path

    course = Path(course).resolve()
    submission = course / "autograded" / student / lab
    own_slot = not isinstance(slot, Slot)
    slot = acquire_slot(slot) if own_slot else slot
    control = tempfile.mkdtemp(prefix="nnlab-kernel-")       # root only: spec, kernelspec
    scratch = tempfile.mkdtemp(prefix="nnlab-kscratch-")     # the kernel's: home, sockets
    old_env = {}
    ks = None
    try:
        prepare_scratch(scratch, slot.uid)
        for sub in ("home", "ipython", "mpl", "tmp"):
            os.mkdir(os.path.join(scratch, sub), 0o700)
            prepare_scratch(os.path.join(scratch, sub), slot.uid)
        _seed_matplotlib_cache(os.path.join(scratch, "mpl"), slot.uid)
        if cut_network is None:
            cut_network = isolation_available()["net"]
        rl = dict(KERNEL_LIMITS, **(limits or {}))
        spec = {
            "uid": slot.uid, "gid": slot.gid,
            "hide": default_hidden_paths(course=course, keep=[(str(submission), "ro"),
                                                              (scratch, "rw")]),
            "rlimits": rl, "net": not cut_network,
            "env": {"HOME": os.path.join(scratch, "home"),
                    "IPYTHONDIR": os.path.join(scratch, "ipython"),
                    "MPLCONFIGDIR": os.path.join(scratch, "mpl"),
                    "TMPDIR": os.path.join(scratch, "tmp"),
                    "JUPYTER_RUNTIME_DIR": os.path.join(scratch, "home"),
                    "PYTHONDONTWRITEBYTECODE": "1"},
            "env_inherit": KERNEL_ENV_INHERIT,
            "fallback_workdir": os.path.join(scratch, "home"),
            "copy_arg": {"flag": "-f", "dest": scratch},
            "report": os.path.join(control, "report.json"),
        }
        spec_path = write_spec(control, spec)
        kdir = os.path.join(control, "kernels", kernel_name)
        os.makedirs(kdir)
        with open(os.path.join(kdir, "kernel.json"), "w") as fh:
            json.dump({"argv": jail_command(spec_path) + [
                          sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                       "display_name": "Python 3 (nnlab sandbox)", "language": "python",
                       "metadata": {"debugger": False}}, fh)
        config = {"Execute": {"kernel_name": kernel_name}}
        if cut_network:
            config["KernelManager"] = {"transport": "ipc", "ip": os.path.join(scratch, "ipc")}
        env = {"JUPYTER_PATH": os.pathsep.join(
            [control] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p])}
        for key, value in env.items():
            old_env[key] = os.environ.get(key)
            os.environ[key] = value
        ks = KernelSandbox(slot, control, scratch, kernel_name, config, env)
        yield ks
    finally:
        if ks is not None:
            ks.unconfigure()
        for key, value in old_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reap_uid(slot.uid)
        if own_slot:
            slot.release()
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(control, ignore_errors=True)


def _seed_matplotlib_cache(dest, uid):
    """Copy the grader's matplotlib font cache, so each jailed kernel does not rebuild it."""
    src = os.environ.get("MPLCONFIGDIR") or os.path.join(os.path.expanduser("~"), ".cache",
                                                         "matplotlib")
    try:
        names = [n for n in os.listdir(src) if n.startswith("fontlist") and n.endswith(".json")]
    except OSError:
        return
    for n in names:
        try:
            shutil.copy(os.path.join(src, n), os.path.join(dest, n))
            os.chown(os.path.join(dest, n), uid, uid)
        except OSError:
            pass
