"""The sandbox's fork server: jailed workers forked from an interpreter that imported numpy once.

STANDALONE (standard library + numpy + ``jail.py`` beside this file). The trusted side
(:mod:`autograder.sandbox.forkserver`) starts it once per grading process::

    python -I -S -B forkserver_main.py SITE_DIR FD

a fresh interpreter (nothing of the grader's memory is in it, so nothing of it can reach a
worker), with SITE_DIR (where numpy is installed) and FD, its end of a socket pair with the
grader. Starting a worker used to cost a jail interpreter, a worker interpreter and numpy's
import (0.13 s of CPU); a fork of this server costs a few milliseconds.

Each ``spawn`` message brings the two ends of the worker's pipes (SCM_RIGHTS) and what the
worker's command line, environment, directory and jail spec would have been. The server forks;
the child does what ``jail.py SPEC -- python worker_main.py SITE_DIR`` did, in the same order:

1. a session of its own (the grader kills its process group; the server answers only once the
   child leads it, so the group always exists when the grader hears the pid), default signal
   handlers, the
   pipes as file descriptors 0 and 1, every other descriptor of the server closed;
2. the jail entered (``jail.enter``: mount and network namespaces, the slot uid, rlimits,
   no_new_privs, the report written) -- nothing of the student's has run yet;
3. the environment replaced, ``sys.path`` and ``sys.modules`` back to a bare interpreter's
   plus numpy, then ``worker_main.py`` run as ``__main__``. The child never returns here.

Messages are JSON objects, one per SOCK_SEQPACKET datagram:

    grader -> server  {"spawn": {"argv": [...], "env": {...}, "cwd": DIR, "spec": PATH}} + 2 fds
    server -> grader  {"spawned": PID} or {"failed": MESSAGE}
    server -> grader  {"exited": PID, "status": WAIT_STATUS}   (whenever a worker ends)

The server exits when the grader's end of the socket closes.
"""
import json
import os
import select
import signal
import socket
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_MESSAGE = 1 << 16
REFUSED = 126          # jail.py's status when the jail could not be entered as required


def _bare_interpreter():
    """What ``sys.path`` / ``sys.modules`` hold before this server imports anything of its own."""
    return list(sys.path), set(sys.modules)


BARE_PATH, BARE_MODULES = _bare_interpreter()


def _load(site):
    sys.path.append(site)
    import numpy  # noqa: F401 -- the point of this server: imported once, inherited by each fork
    sys.path.insert(0, HERE)
    import jail
    sys.path.remove(HERE)
    return jail


def _child(request, fds, started, jail):
    """In the forked child: become the worker (never returns)."""
    status = 1
    try:
        os.setsid()           # first: the grader may kill the group as soon as it hears the pid
        os.close(started)     # tells the server so
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        req_fd, resp_fd = fds
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(req_fd, 0)
        os.dup2(resp_fd, 1)
        os.dup2(devnull, 2)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))   # the server's socket and wake-up pipe too
        os.chdir(request["cwd"])
        argv = list(request["argv"])
        env = dict(request["env"])
        if request.get("spec"):
            try:
                argv, _ = jail.enter(request["spec"], argv)
            except jail.Refused:
                status = REFUSED
                raise
        os.environ.clear()
        os.environ.update(env)
        # a bare interpreter with numpy loaded: none of this server's own modules stay visible
        sys.path[:] = BARE_PATH
        for name in [m for m in sys.modules if m not in BARE_MODULES
                     and m != "numpy" and not m.startswith("numpy.")]:
            sys.modules.pop(name, None)
        script = argv[1]
        sys.argv = argv[1:]
        import runpy
        runpy.run_path(script, run_name="__main__")
        status = 0
    finally:
        os._exit(status)


def _send(sock, message):
    try:
        sock.send(json.dumps(message).encode())
    except OSError:
        pass    # the grader is gone; the loop ends on its next read


def _reap(sock):
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _send(sock, {"exited": pid, "status": status})


def serve(sock, jail):
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    while True:
        readable, _, _ = select.select([sock, wake_r], [], [])
        if wake_r in readable:
            os.read(wake_r, 4096)
        _reap(sock)
        if sock not in readable:
            continue
        try:
            data, fds, _, _ = socket.recv_fds(sock, MAX_MESSAGE, 2)
        except OSError:
            return
        if not data:
            return                     # the grader closed its end
        try:
            request = json.loads(data)["spawn"]
            if len(fds) != 2:
                raise ValueError(f"expected 2 file descriptors, got {len(fds)}")
            started_r, started_w = os.pipe()
            pid = os.fork()
        except Exception as e:  # noqa: BLE001 -- say why, keep serving
            for fd in fds:
                os.close(fd)
            _send(sock, {"failed": f"{type(e).__name__}: {e}"})
            continue
        if pid == 0:
            os.close(started_r)
            _child(request, fds, started_w, jail)
        for fd in (*fds, started_w):
            os.close(fd)
        os.read(started_r, 1)          # end of file once the child leads its own session
        os.close(started_r)
        _send(sock, {"spawned": pid})


def main():
    site, fd = sys.argv[1], int(sys.argv[2])
    jail = _load(site)
    serve(socket.socket(fileno=fd), jail)


if __name__ == "__main__":
    main()
