"""Trusted side of the sandbox: start the untrusted worker, call student functions through it.

    with Sandbox("/path/to/submission/nnlab") as sb:
        out, cache = sb.module("layers").affine_forward(x, w, b, keep=[1])
        dx, dw, db = sb.module("layers").affine_backward(dout, cache)

Results are plain numpy arrays (allow-listed dtypes), Python scalars, numpy scalars, lists,
tuples, dicts and :class:`Handle` objects for whatever stayed in the worker. Every failure of
the student's code (exception, ``NotImplementedError``, hang, crash, exit, memory) raises
:class:`StudentError`; the worker is then killed (for hangs/crashes) and started again lazily on
the next call, so the rest of the submission is still graded.
"""
import errno
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np

from . import forkserver, isolation, protocol
from .protocol import Handle, ProtocolError

HERE = os.path.dirname(os.path.abspath(__file__))

DEFAULT_LIMITS = {
    "cpu_seconds": 60,              # RLIMIT_CPU over one worker's life (SIGXCPU, then SIGKILL)
    "memory_bytes": 2 * 1024 ** 3,  # RLIMIT_AS
    "file_bytes": 16 * 1024 ** 2,   # RLIMIT_FSIZE
    "processes": 64,                # RLIMIT_NPROC (per uid: binds once the jail drops to a slot uid)
    "open_files": 256,              # RLIMIT_NOFILE
}

KINDS = ("not_implemented", "exception", "timeout", "crash", "memory", "protocol", "import")


class StudentError(Exception):
    """The student's code failed: ``kind`` is one of KINDS, ``message`` is for the student."""

    def __init__(self, kind, message, *, exc_type=None, traceback="", warnings=()):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.exc_type = exc_type
        self.traceback = traceback
        self.warnings = list(warnings)

    def __str__(self):
        return self.message


def _fmt_bytes(n):
    return f"{n / 1024 ** 3:g} GiB" if n >= 1024 ** 3 else f"{n / 1024 ** 2:g} MiB"


def _numpy_site_dir():
    return os.path.dirname(os.path.dirname(os.path.abspath(np.__file__)))


_CACHES = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")


def _ignore_links_and_caches(folder, names):
    """Copy regular files only: a symbolic link in a submission (``layers.py -> the reference``)
    would otherwise be followed, with the grader's rights, into the student's scratch dir."""
    links = {n for n in names if os.path.islink(os.path.join(folder, n))}
    return links | set(_CACHES(folder, names))


def _minimal_env(scratch):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": scratch,
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def _make_preexec(limits):
    def preexec():
        def setlim(res, value):
            try:
                soft, hard = resource.getrlimit(res)
                if hard != resource.RLIM_INFINITY:
                    value = min(value, hard)
                resource.setrlimit(res, (value, value if res != resource.RLIMIT_CPU else value + 5))
            except (ValueError, OSError):
                pass
        setlim(resource.RLIMIT_CPU, int(limits["cpu_seconds"]))
        setlim(resource.RLIMIT_AS, int(limits["memory_bytes"]))
        setlim(resource.RLIMIT_FSIZE, int(limits["file_bytes"]))
        setlim(resource.RLIMIT_NPROC, int(limits["processes"]))
        setlim(resource.RLIMIT_NOFILE, int(limits["open_files"]))
        setlim(resource.RLIMIT_CORE, 0)
    return preexec


def _jail_rlimits(limits):
    return {"CPU": int(limits["cpu_seconds"]), "AS": int(limits["memory_bytes"]),
            "FSIZE": int(limits["file_bytes"]), "NPROC": int(limits["processes"]),
            "NOFILE": int(limits["open_files"]), "CORE": 0}


#: Start jailed workers by forking the fork server (forkserver.py): the same jail, without paying
#: for an interpreter and numpy's import per worker. NNLAB_SANDBOX_FORK=0 starts each worker
#: as a fresh ``jail.py ... python worker_main.py`` process instead.
FORK_WORKERS = os.environ.get("NNLAB_SANDBOX_FORK", "1") != "0"

#: Importing a module that killed the worker this many times is not tried again (one retry, in
#: case the first death came from something else the student's code left running).
IMPORT_CRASHES_BEFORE_GIVING_UP = 2


class Sandbox:
    """One untrusted worker per submission (restarted after crashes), in a private scratch dir.

    ``package_dir`` is the submission's ``nnlab`` folder; only it is copied into the scratch dir.
    ``isolate`` (default True): start the worker under ``jail.py`` (autograder/sandbox/
    isolation.py): a per-slot uid, an empty network namespace, and a mount namespace in which
    everything but the Python installation and the scratch dir is hidden (plus ``hide``: more
    paths to hide, e.g. the course root). What was applied is in ``isolation_report``.
    ``fork``: a jailed worker is forked from this process's fork server, which imported numpy
    once (forkserver.py; the same jail, entered after the fork); False: a fresh interpreter per
    worker. Default: :data:`FORK_WORKERS`.
    """

    def __init__(self, package_dir, *, call_timeout=10.0, import_timeout=30.0, limits=None,
                 python=None, isolate=True, hide=(), fork=None):
        self.package_dir = os.path.abspath(package_dir)
        if not os.path.isfile(os.path.join(self.package_dir, "__init__.py")):
            raise FileNotFoundError(f"{self.package_dir} is not a Python package (no __init__.py)")
        self.call_timeout = float(call_timeout)
        self.import_timeout = float(import_timeout)
        self.limits = dict(DEFAULT_LIMITS, **(limits or {}))
        self.python = python or sys.executable
        self.scratch = None
        self.proc = None
        self.pgid = None
        self.generation = 0
        self.last_warnings = []
        self.last_mutated = []
        self.last_args = None
        self.restarts = 0
        self._imported = set()
        self._hung_imports = {}       # module -> message (an import that timed out)
        self._hung_functions = {}     # (module, function) -> message (a call that timed out)
        self._exhausted_functions = {}  # (module, function) -> message (a call out of memory)
        self._import_crashes = {}     # module -> (how many times importing it killed the worker, why)
        self._wfd = self._rfd = None
        self._closed = False
        self.isolate = bool(isolate)
        # forked from a fork server (only jailed workers: the jail is what the fork applies)
        self.fork = self.isolate and (FORK_WORKERS if fork is None else bool(fork))
        self.hide = [str(p) for p in hide]
        self.slot = None
        self._control = None            # root-only dir: the jail's spec and report
        self.isolation_report = None

    # ------------------------------------------------------------------ life cycle
    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc):
        self.close()

    def open(self):
        if self.scratch is None:
            self.scratch = tempfile.mkdtemp(prefix="nnlab-sandbox-")
            shutil.copytree(self.package_dir, os.path.join(self.scratch, "nnlab"),
                            ignore=_ignore_links_and_caches)
            for name in ("protocol.py", "worker_main.py"):
                shutil.copy(os.path.join(HERE, name), os.path.join(self.scratch, name))
            if self.isolate:
                self.slot = isolation.acquire_slot()
                isolation.prepare_scratch(self.scratch, self.slot.uid)
                self._control = tempfile.mkdtemp(prefix="nnlab-jail-")
                spec = {
                    "uid": self.slot.uid, "gid": self.slot.gid, "workdir": self.scratch,
                    "net": False, "rlimits": _jail_rlimits(self.limits),
                    "hide": isolation.default_hidden_paths(
                        keep=[(self.scratch, "rw"), (_numpy_site_dir(), "ro")], extra=self.hide),
                    "report": os.path.join(self._control, "report.json"),
                }
                self._spec = isolation.write_spec(self._control, spec)
        return self

    def _start(self):
        self.open()
        self.generation += 1
        self._imported = set()
        worker = os.path.join(self.scratch, "worker_main.py")
        env = _minimal_env(self.scratch)
        self.proc = self._fork(worker, env) if self.fork else None
        if self.proc is None:
            cmd = [self.python, "-I", "-S", "-B", worker, _numpy_site_dir()]
            if self.isolate:
                cmd = isolation.jail_command(self._spec, self.python) + cmd
            self.proc = subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                cwd=self.scratch, env=env, start_new_session=True,
                preexec_fn=None if self.isolate else _make_preexec(self.limits), close_fds=True,
                bufsize=0,
            )
        self.pgid = self.proc.pid        # a session of its own: the worker leads its own group
        self._wfd = self.proc.stdin.fileno()
        self._rfd = self.proc.stdout.fileno()

    def _fork(self, worker, env):
        """The worker forked from this process's fork server (numpy already imported there), in
        the same jail; None when the server cannot start one (then it is started as before)."""
        site = _numpy_site_dir()
        try:
            server = forkserver.fork_server(self.python, site, _minimal_env("/"))
            return server.spawn([self.python, worker, site], env, self.scratch, self._spec)
        except (forkserver.ForkServerError, OSError):
            self.fork = False
            return None

    def _kill(self):
        """Kill the worker's whole process group and reap it."""
        if self.proc is None:
            return
        try:
            os.killpg(self.pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        if self.slot is not None:     # children that left the group (setsid, double fork)
            isolation.reap_uid(self.slot.uid)
        self.proc = None
        self._wfd = self._rfd = None

    def close(self):
        if self._closed:
            return
        self._closed = True
        pgid = self.pgid
        if self.proc is not None:
            try:    # polite first: EOF on stdin ends the loop; then kill whatever is left
                self.proc.stdin.close()
            except OSError:
                pass
            self._kill()
        if pgid is not None:
            # children left in the group (forked by the student's code) after the leader died:
            # kill them and wait (briefly) until the group is gone (reaped by init)
            deadline = time.monotonic() + 2.0
            while True:
                try:
                    os.killpg(pgid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    break
                if time.monotonic() > deadline:
                    break
                time.sleep(0.005)
        if self.slot is not None:
            isolation.reap_uid(self.slot.uid)
        if self._control:
            self.isolation_report = isolation.read_report(os.path.join(self._control, "report.json"))
            shutil.rmtree(self._control, ignore_errors=True)
            self._control = None
        if self.scratch and os.path.isdir(self.scratch):
            shutil.rmtree(self.scratch, ignore_errors=True)
        self.scratch = None
        if self.slot is not None:
            self.slot.release()
            self.slot = None

    @property
    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    # ------------------------------------------------------------------ transport
    def _read_exact(self, n, deadline):
        buf = bytearray(n)
        mv = memoryview(buf)
        got = 0
        while got < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            r, _, _ = select.select([self._rfd], [], [], remaining)
            if not r:
                raise TimeoutError
            k = os.readv(self._rfd, [mv[got:]])
            if k == 0:
                raise EOFError
            got += k
        return buf

    def _read_reply(self, deadline):
        (n,) = protocol._LEN.unpack(self._read_exact(protocol._LEN.size, deadline))
        if n > protocol.MAX_FRAME:
            raise ProtocolError(f"the worker announced a frame of {n} bytes")
        body = self._read_exact(n, deadline)
        gen = self.generation
        return protocol.unpack(body, handle_factory=lambda i, t: Handle(i, t, gen))

    def _answer_callback(self, reply, callbacks):
        """Run the grader's function a student's code called (trusted side) and send its value.

        Only names registered for this call are answered; the function receives decoded plain
        values (never a handle) and its exceptions go back to the student's code as a message."""
        fn = callbacks.get(reply.get("callback")) if type(reply.get("callback")) is str else None
        args, kwargs = reply.get("args"), reply.get("kwargs")
        if fn is None or type(args) is not list or type(kwargs) is not dict:
            raise ProtocolError("a callback the grader did not offer")
        try:
            answer = {"return": fn(*args, **kwargs)}
        except Exception as e:  # noqa: BLE001 — the student's arguments were wrong: tell them
            answer = {"raise": f"{reply['callback']}: {str(e)[:300]}"}
        try:
            protocol.write_frame(self._wfd, protocol.pack(answer))
        except (BrokenPipeError, OSError):
            raise EOFError from None

    def _exchange(self, request, timeout, callbacks=None):
        data = protocol.pack(request)
        deadline = time.monotonic() + timeout
        try:
            protocol.write_frame(self._wfd, data)
        except (BrokenPipeError, OSError) as e:
            if isinstance(e, BrokenPipeError) or e.errno in (errno.EPIPE, errno.EBADF):
                raise EOFError from None
            raise
        reply = self._read_reply(deadline)
        while callbacks and type(reply) is dict and "callback" in reply:
            self._answer_callback(reply, callbacks)
            reply = self._read_reply(deadline)
        return reply

    def _exit_message(self, what):
        code = self.proc.poll() if self.proc is not None else None
        if code is None:
            try:
                code = self.proc.wait(timeout=1)
            except Exception:
                code = None
        mem = _fmt_bytes(self.limits["memory_bytes"])
        if code is None:
            return "crash", f"the worker process stopped answering while running {what}"
        if code == 0 or (code > 0 and code < 128):
            return "crash", (f"the worker process exited with status {code} while running {what}"
                             f" — does your code call sys.exit/exit()/os._exit()?")
        sig = -code if code < 0 else code - 128
        if sig == signal.SIGXCPU or sig == signal.SIGKILL and self._cpu_exhausted():
            return "timeout", (f"used more than {self.limits['cpu_seconds']} s of CPU time in total"
                               f" (while running {what}) — an infinite loop or very slow code?")
        if sig == signal.SIGSEGV:
            return "crash", (f"the worker process crashed (segmentation fault) while running {what}"
                             f" — possibly out of memory (limit {mem})")
        if sig == signal.SIGXFSZ:
            return "crash", f"wrote a file larger than {_fmt_bytes(self.limits['file_bytes'])} while running {what}"
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        if sig == signal.SIGKILL:
            return "memory", f"the worker was killed (SIGKILL) while running {what} — ran out of memory (limit {mem})?"
        return "crash", f"the worker process died from signal {name} while running {what}"

    def _cpu_exhausted(self):
        return False

    def request(self, request, what, timeout=None, callbacks=None):
        """Send one request; return the decoded reply dict or raise StudentError."""
        if self._closed:
            raise RuntimeError("sandbox is closed")
        module = request.get("module")
        key = (module, request.get("function"))
        # known outcomes first: no worker is (re)started to fail again
        if module in self._hung_imports:
            raise StudentError("timeout", self._hung_imports[module])
        crashes, why = self._import_crashes.get(module, (0, None))
        if crashes >= IMPORT_CRASHES_BEFORE_GIVING_UP:
            raise StudentError(why[0], f"{why[1]} (nnlab.{module} was not imported again: "
                                       f"importing it killed the worker {crashes} times)")
        if key in self._hung_functions:
            raise StudentError("timeout", f"{what} was not run again: {self._hung_functions[key]}")
        if key in self._exhausted_functions:
            raise StudentError("memory", f"{what} was not run again: "
                                         f"{self._exhausted_functions[key]}")
        if not self.alive:
            if self.proc is not None:
                self._kill()
            if self.generation:
                self.restarts += 1
            self._start()
        first_import = module is not None and module not in self._imported
        if first_import and request.get("op") != "import":
            # import on its own (import_timeout), so that the call itself gets call_timeout
            self.request({"op": "import", "module": module}, what, self.import_timeout)
            first_import = False
        if timeout is None:
            timeout = self.import_timeout if first_import else self.call_timeout
        try:
            reply = self._exchange(request, timeout, callbacks)
        except TimeoutError:
            self._kill()
            if request.get("op") == "import":
                msg = (f"importing nnlab.{module} took longer than {timeout:g} s "
                       f"— an infinite loop at import time?")
                self._hung_imports[module] = msg
            else:
                msg = f"{what} took longer than {timeout:g} s — an infinite loop?"
                # one hang per function is enough: later calls fail at once (grading stays fast)
                self._hung_functions[key] = f"it took longer than {timeout:g} s earlier"
            raise StudentError("timeout", msg) from None
        except EOFError:
            kind, msg = self._exit_message(what)
            self._kill()
            if request.get("op") == "import":
                # an import that kills the worker kills it every time: after the second time,
                # later requests fail at once instead of restarting the worker for each check
                self._import_crashes[module] = (crashes + 1, (kind, msg))
            elif kind == "memory":
                self._remember_exhausted(key)
            raise StudentError(kind, msg) from None
        except ProtocolError as e:
            self._kill()
            raise StudentError("protocol", f"the worker sent garbage while running {what} "
                                           f"(writing to the grader's pipe?): {e}") from None
        if type(reply) is not dict or not ("ok" in reply or "error" in reply):
            self._kill()
            raise StudentError("protocol", f"the worker sent an unexpected reply while running {what}")
        if module is not None:
            self._imported.add(module)
        self.last_warnings = [w for w in reply.get("warnings", []) if type(w) is str]
        self.last_mutated = [m for m in reply.get("mutated", []) if type(m) is str]
        if "error" in reply:
            kind = reply.get("error")
            kind = kind if kind in KINDS else "exception"
            etype = str(reply.get("type", "Exception"))
            message = str(reply.get("message", ""))
            tb = str(reply.get("traceback", ""))
            if kind == "not_implemented":
                text = f"{what} is not implemented yet (it raises NotImplementedError)"
            elif kind == "import":
                text = f"nnlab.{module} could not be imported: {etype}: {message}"
            elif kind == "memory":
                text = (f"{what} ran out of memory (limit {_fmt_bytes(self.limits['memory_bytes'])})"
                        f": {etype}")
                if request.get("op") != "import":
                    self._remember_exhausted(key)
            elif kind == "crash":
                text = f"{what} {message}"
            else:
                text = f"{what} raised {etype}: {message}"
            raise StudentError(kind, text, exc_type=etype, traceback=tb,
                               warnings=self.last_warnings)
        return reply

    def _check_handles(self, value):
        if type(value) is Handle:
            if value.generation != self.generation or not self.alive:
                raise StudentError("crash", "a cache from before the worker restarted was lost "
                                            "(the forward pass ran in a worker that has since crashed)")
        elif type(value) in (list, tuple):
            for v in value:
                self._check_handles(v)
        elif type(value) is dict:
            for v in value.values():
                self._check_handles(v)

    # ------------------------------------------------------------------ calls
    def call(self, module, function, *args, keep=None, select=None, report_mutation=False,
             watch_inputs=False, return_args=False, timeout=None, callbacks=None, **kwargs):
        """Call ``nnlab.<module>.<function>(*args, **kwargs)`` in the worker.

        report_mutation: set ``last_mutated`` to the arrays the call changed in place (see
        worker_main). watch_inputs: remember the arrays this call received with the handles
        it returns, so that a later call given such a handle (a backward given its cache)
        with report_mutation also reports "cache:args[i]" when it changed them.
        return_args: also fetch the positional arguments as the call left them (into
        ``last_args``): what a function wrote back into a dict it was given.
        callbacks: dict keyword -> a function of the grader's, passed to the student's function
        as that keyword argument and run HERE each time the student's code calls it.
        """
        self._check_handles(args)
        self._check_handles(kwargs)
        req = {"op": "call", "module": module, "function": function, "args": list(args),
               "kwargs": kwargs}
        if keep:
            req["keep"] = list(keep)
        if select is not None:
            req["select"] = select
        if report_mutation:
            req["report_mutation"] = True
        if watch_inputs:
            req["watch_inputs"] = True
        if return_args:
            req["return_args"] = True
        if callbacks:
            req["callbacks"] = list(callbacks)
        reply = self.request(req, function, timeout, callbacks)
        self.last_args = reply.get("args") if return_args else None
        return reply["ok"]

    def call_many(self, module, function, args_list, *, select=None, timeout=None, **kwargs):
        """Evaluate the function on many argument lists in one round trip."""
        self._check_handles(args_list)
        req = {"op": "call_many", "module": module, "function": function,
               "args_list": [list(a) for a in args_list], "kwargs": kwargs}
        if select is not None:
            req["select"] = select
        if timeout is None:
            timeout = max(self.call_timeout, 3 * self.call_timeout * len(args_list) / 1000)
        out = self.request(req, function, timeout)["ok"]
        return out

    def release(self, *handles):
        ids = [h.id for h in handles if type(h) is Handle and h.generation == self.generation]
        if ids and self.alive:
            self.request({"op": "release", "handles": ids}, "release")

    def _remember_exhausted(self, key):
        # one exhaustion per function is enough, as one hang is: the hidden checks' inputs are
        # small, so a function that fills the memory limit on one fills it on every other, and
        # each try costs seconds of grading (filling 2 GiB)
        if key[1] is None:        # not a student's function (a ping or release)
            return
        self._exhausted_functions[key] = (f"it ran out of memory (limit "
                                          f"{_fmt_bytes(self.limits['memory_bytes'])}) earlier")

    def hung_functions(self):
        """The (module, function) pairs that ran past their time limit in this submission."""
        return set(self._hung_functions)

    def import_module(self, module):
        """Import nnlab.<module> in the worker; raises StudentError(kind="import") on failure."""
        self.request({"op": "import", "module": module}, f"import nnlab.{module}")

    def ping(self):
        return self.request({"op": "ping"}, "ping")["ok"]

    def module(self, name):
        return StudentModule(self, name)


class StudentModule:
    """``sb.module("layers").affine_forward(x, w, b)`` calls the student's function in the worker."""

    def __init__(self, sandbox, name):
        self._sb = sandbox
        self._name = name

    def __getattr__(self, function):
        if function.startswith("_"):
            raise AttributeError(function)
        sb, module = self._sb, self._name

        def call(*args, **kwargs):
            return sb.call(module, function, *args, **kwargs)

        def many(args_list, **kwargs):
            return sb.call_many(module, function, args_list, **kwargs)

        call.many = many
        call.__name__ = function
        return call

    def __repr__(self):
        return f"<student module nnlab.{self._name}>"
