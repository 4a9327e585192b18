"""Trusted side of the sandbox's fork server (see forkserver_main.py for the server itself).

    server = fork_server(python, site_dir, env)   # one per grading process, started on first use
    worker = server.spawn(argv, env, cwd, spec)   # like subprocess.Popen(jail + argv, ...)

:class:`ForkedWorker` has the part of ``subprocess.Popen``'s interface the sandbox uses
(``pid``, ``stdin``, ``stdout``, ``poll``, ``wait``, ``returncode``), so a worker forked from the
server and one started with ``Popen`` are driven by the same code in proxy.py. Exit statuses come
from the server, which is the workers' parent.

A server that died (killed, out of memory) is replaced on the next spawn; the workers it left
report no status (``returncode`` stays None once their pipes are closed, which the sandbox
reports as a worker that stopped answering).
"""
from __future__ import annotations

import atexit
import json
import os
import select
import socket
import subprocess
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "forkserver_main.py")
START_TIMEOUT = 30.0     # seconds for the server to start and answer its first spawn
MAX_MESSAGE = 1 << 16


class ForkServerError(RuntimeError):
    """The fork server could not start a worker (the caller falls back to ``Popen``)."""


class ForkedWorker:
    """A worker forked by the server: the subset of ``subprocess.Popen`` the sandbox uses."""

    def __init__(self, server: "ForkServer", pid: int, stdin, stdout):
        self._server = server
        self.pid = pid
        self.stdin = stdin
        self.stdout = stdout
        self.returncode = None

    def poll(self):
        if self.returncode is None:
            self._server.collect(0.0)
            self.returncode = self._server.exit_code(self.pid)
        return self.returncode

    def wait(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if not self._server.alive:
                raise subprocess.TimeoutExpired(SERVER, timeout or 0)
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise subprocess.TimeoutExpired(SERVER, timeout)
            # briefly at a time: other threads' workers share the server's socket
            self._server.collect(min(remaining, 0.1) if remaining is not None else 0.1)
        return self.returncode


class ForkServer:
    """One running fork server and the exit statuses it has reported."""

    def __init__(self, python: str, site_dir: str, env: dict):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._sock = ours
        self._lock = threading.RLock()
        self._exits = {}            # pid -> wait status, until its worker asks
        self.alive = True
        try:
            self.proc = subprocess.Popen(
                [python, "-I", "-S", "-B", SERVER, site_dir, str(theirs.fileno())],
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd="/",
                start_new_session=True)   # Ctrl-C at the terminal is the grader's, not its
        finally:
            theirs.close()

    def _receive(self, timeout):
        """Read one message (None when none came within ``timeout``); record exits."""
        r, _, _ = select.select([self._sock], [], [], max(0.0, timeout))
        if not r:
            return None
        try:
            data = self._sock.recv(MAX_MESSAGE)
        except OSError:
            data = b""
        if not data:
            self.alive = False
            return None
        message = json.loads(data)
        if "exited" in message:
            self._exits[int(message["exited"])] = int(message["status"])
        return message

    def collect(self, timeout: float) -> None:
        """Take in the exit statuses the server sent, waiting up to ``timeout`` for the first."""
        with self._lock:
            while self.alive and self._receive(timeout) is not None:
                timeout = 0.0

    def exit_code(self, pid: int):
        """Popen's ``returncode`` of a worker that ended (negative: killed by that signal)."""
        status = self._exits.pop(pid, None)
        return None if status is None else os.waitstatus_to_exitcode(status)

    def spawn(self, argv: list, env: dict, cwd: str, spec: str | None) -> ForkedWorker:
        """Fork a worker that runs ``argv`` (``python worker_main.py SITE``), jailed by ``spec``."""
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        request = {"spawn": {"argv": list(argv), "env": dict(env), "cwd": cwd, "spec": spec}}
        with self._lock:
            try:
                pid = self._spawn(request, [to_child_r, from_child_w])
            except ForkServerError:
                os.close(to_child_w)
                os.close(from_child_r)
                raise
            finally:
                os.close(to_child_r)       # the child's ends: the server holds copies now
                os.close(from_child_w)
        return ForkedWorker(self, pid, os.fdopen(to_child_w, "wb", buffering=0),
                            os.fdopen(from_child_r, "rb", buffering=0))

    def _spawn(self, request: dict, child_fds: list) -> int:
        """Send one spawn request with the child's pipe ends; the worker's pid."""
        try:
            socket.send_fds(self._sock, [json.dumps(request).encode()], child_fds)
        except OSError as e:
            self.alive = False
            raise ForkServerError(f"the fork server is gone: {e}") from None
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            message = self._receive(deadline - time.monotonic())
            if message is None:          # gone, or hung: the next spawn starts another
                self.alive = False
                raise ForkServerError("the fork server did not answer")
            if "spawned" in message:
                return int(message["spawned"])
            if "failed" in message:
                raise ForkServerError(f"the fork server could not fork: {message['failed']}")

    def close(self) -> None:
        self.alive = False
        try:
            self._sock.close()       # the server exits when it reads the end of its socket
        finally:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


_SERVERS = {}      # (pid of this process, python, site dir) -> ForkServer
_SERVERS_LOCK = threading.Lock()


def fork_server(python: str, site_dir: str, env: dict) -> ForkServer:
    """This process's server for ``python`` (started, or restarted after it died, here)."""
    key = (os.getpid(), python, site_dir)
    with _SERVERS_LOCK:
        server = _SERVERS.get(key)
        if server is None or not server.alive or server.proc.poll() is not None:
            if server is not None:
                server.close()
            server = _SERVERS[key] = ForkServer(python, site_dir, env)
        return server


def close_servers() -> None:
    """Stop this process's fork servers (at exit, or in a test)."""
    with _SERVERS_LOCK:
        for key in [k for k in _SERVERS if k[0] == os.getpid()]:
            _SERVERS.pop(key).close()


atexit.register(close_servers)
