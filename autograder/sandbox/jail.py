"""Jail one command that runs student code: ``python -I -S jail.py SPEC.json -- CMD ...``.

STANDALONE, standard library only: this runs as root in the child, before ``execve`` of the
untrusted command, so it must import nothing from ``autograder`` (nor numpy). The trusted side
(:mod:`autograder.sandbox.isolation`) writes SPEC and builds the command line.

SPEC (JSON object; every key optional)::

    uid, gid          numeric ids to drop to (a per-slot uid, no passwd entry needed)
    workdir           chdir here after the mounts (default: the current directory, re-resolved;
                      fallback_workdir, else /, when it is not visible any more)
    hide              [[path, [[keep, "ro"|"rw"], ...]], ...]: a tmpfs (or /dev/null for a
                      file) is mounted over path; only the keep sub-paths are bound back into it
    chown             [dir, ...]: chowned to uid:gid (as root, before the drop)
    rlimits           {"CPU": s, "AS": bytes, "NPROC": n, "FSIZE": bytes, "NOFILE": n, "CORE": 0}
                      (CPU's hard limit is soft + 5: SIGXCPU first, SIGKILL later)
    net               false: a new, empty network namespace (no interface is up, not even lo)
    env               the complete environment of the command (default: inherited)
    env_inherit       [name or "PREFIX*", ...]: inherited variables added to ``env``
    copy_arg          {"flag": "-f", "dest": dir}: the file named after ``flag`` in CMD is read
                      (as root, before the mounts), written into dest (mode 0600, owned by
                      uid) and the argument rewritten (a kernel's connection file)
    report            path of a JSON file (mode 0600, opened before the drop) saying what was
                      applied: {"mount_ns", "hidden", "net", "uid", "rlimits", "no_new_privs",
                      "errors": [...]}
    strict            [mechanism, ...]: refuse to run (exit 126) when one of these failed

Each mechanism degrades on its own when the OS refuses it (no CAP_SYS_ADMIN, unshare EPERM,
not Linux): no mount namespace -> files are protected by the uid and permissions only (and the
uid is dropped only if the command is still reachable by it); no uid drop -> rlimits only.
"""
import json
import os
import resource
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
PR_SET_NO_NEW_PRIVS = 38

RLIMITS = {"CPU": "RLIMIT_CPU", "AS": "RLIMIT_AS", "NPROC": "RLIMIT_NPROC",
           "FSIZE": "RLIMIT_FSIZE", "NOFILE": "RLIMIT_NOFILE", "CORE": "RLIMIT_CORE"}

_libc = None


def _c():
    global _libc
    if _libc is None:
        import ctypes
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def _check(ret, what):
    if ret != 0:
        import ctypes
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def unshare(flags):
    _check(_c().unshare(flags), "unshare")


def mount(source, target, fstype, flags, data=None):
    enc = lambda s: None if s is None else os.fsencode(s)  # noqa: E731
    _check(_c().mount(enc(source), enc(target), enc(fstype), flags, enc(data)),
           f"mount {target}")


def _makedirs(path, mode=0o755):
    if not os.path.isdir(path):
        _makedirs(os.path.dirname(path), mode)
        os.mkdir(path, mode)


def hide(path, keeps):
    """Mount an empty tmpfs over ``path`` and bind the ``keeps`` (inside it) back in."""
    if os.path.islink(path) or not os.path.exists(path):
        return False
    if not os.path.isdir(path):          # a file: an empty read-only view
        mount("/dev/null", path, None, MS_BIND)
        mount(None, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
        return True
    held = []
    try:
        for keep, mode in keeps:
            if os.path.exists(keep):
                held.append((keep, mode, os.open(keep, os.O_PATH | os.O_CLOEXEC),
                             os.path.isdir(keep)))
        mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m,nr_inodes=4096")
        for keep, mode, fd, is_dir in held:
            if is_dir:
                _makedirs(keep)
            else:
                _makedirs(os.path.dirname(keep))
                os.close(os.open(keep, os.O_CREAT | os.O_WRONLY, 0o644))
            mount(f"/proc/self/fd/{fd}", keep, None, MS_BIND | MS_REC)
            if mode != "rw":
                mount(None, keep, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
        # nothing can be created in the tmpfs itself by the dropped uid (root-owned, 0755)
    finally:
        for _, _, fd, _ in held:
            os.close(fd)
    return True


def _reachable(path, uid, gid):
    """Whether ``uid`` (no supplementary groups) can reach and read ``path`` (by permissions)."""
    import stat
    path = os.path.realpath(path)
    parts = path.split("/")
    for i in range(1, len(parts) + 1):
        p = "/".join(parts[:i]) or "/"
        try:
            st = os.stat(p)
        except OSError:
            return False
        need = stat.S_IXOTH if stat.S_ISDIR(st.st_mode) else stat.S_IROTH
        if st.st_uid == uid:
            need <<= 6
        elif st.st_gid == gid:
            need <<= 3
        if not st.st_mode & need:
            return False
    return True


def _env(spec):
    env = dict(spec["env"]) if "env" in spec else dict(os.environ)
    for name in spec.get("env_inherit", ()):
        if name.endswith("*"):
            env.update({k: v for k, v in os.environ.items() if k.startswith(name[:-1])})
        elif name in os.environ:
            env.setdefault(name, os.environ[name])
    return env


def apply(spec, argv):
    """Apply SPEC in this process; return (argv, report). Never raises for a missing mechanism."""
    report = {"mount_ns": False, "hidden": [], "net": False, "uid": None, "rlimits": {},
              "no_new_privs": False, "errors": []}
    uid, gid = spec.get("uid"), spec.get("gid", spec.get("uid"))
    err = lambda what, e: report["errors"].append(f"{what}: {e}")  # noqa: E731
    workdir = spec.get("workdir") or os.getcwd()

    # 1. files to copy in (read now: the mounts may hide them)
    copy = spec.get("copy_arg")
    copied = None
    if copy and copy.get("flag") in argv[:-1]:
        i = argv.index(copy["flag"]) + 1
        with open(argv[i], "rb") as fh:
            copied = (i, os.path.join(copy["dest"], os.path.basename(argv[i])), fh.read())

    # 2. writable dirs belong to the uid
    for d in spec.get("chown", ()):
        try:
            os.chown(d, uid, gid)
            os.chmod(d, 0o700)
        except (OSError, TypeError) as e:
            err(f"chown {d}", e)

    # 3. namespaces and mounts
    want_net = spec.get("net", True) is False
    if sys.platform.startswith("linux"):
        try:
            unshare(CLONE_NEWNS | (CLONE_NEWNET if want_net else 0))
            report["mount_ns"] = True
            report["net"] = want_net
        except OSError as e:
            err("unshare", e)
            if want_net:        # maybe only the network one is refused, or only mounts
                try:
                    unshare(CLONE_NEWNET)
                    report["net"] = True
                except OSError as e2:
                    err("unshare(net)", e2)
                try:
                    unshare(CLONE_NEWNS)
                    report["mount_ns"] = True
                except OSError as e2:
                    err("unshare(mount)", e2)
        if report["mount_ns"]:
            try:
                mount(None, "/", None, MS_REC | MS_PRIVATE)
                for path, keeps in spec.get("hide", ()):
                    try:
                        if hide(path, [tuple(k) for k in keeps]):
                            report["hidden"].append(path)
                    except OSError as e:
                        err(f"hide {path}", e)
            except OSError as e:
                err("make mounts private", e)
    else:
        err("namespaces", f"not available on {sys.platform}")

    if copied:
        i, dest, data = copied
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if uid is not None:
            try:
                os.chown(dest, uid, gid)
            except OSError as e:
                err("chown connection file", e)
        argv = list(argv)
        argv[i] = dest

    # 4. resource limits (before the drop: the uid cannot raise them again)
    for name, value in (spec.get("rlimits") or {}).items():
        res = getattr(resource, RLIMITS.get(name, "-"), None)
        if res is None:
            err(f"rlimit {name}", "unknown on this OS")
            continue
        value = int(value)
        hard_want = value + 5 if name == "CPU" else value
        try:
            soft, hard = resource.getrlimit(res)
            if hard != resource.RLIM_INFINITY:
                value, hard_want = min(value, hard), min(hard_want, hard)
            resource.setrlimit(res, (value, hard_want))
            report["rlimits"][name] = value
        except (ValueError, OSError) as e:
            err(f"rlimit {name}", e)

    # 5. drop to the slot uid (drops every capability: the mounts cannot be undone)
    if uid is not None:
        reach = [argv[0], workdir]
        if not report["hidden"] and not all(_reachable(p, uid, gid) for p in reach):
            err("setuid", "skipped: without a mount namespace the command is not reachable "
                          "by the unprivileged uid")
        else:
            try:
                if hasattr(os, "setgroups"):
                    os.setgroups([])
                os.setresgid(gid, gid, gid)
                os.setresuid(uid, uid, uid)
                report["uid"] = os.getuid()
            except (OSError, AttributeError) as e:
                err("setuid", e)
    if sys.platform.startswith("linux"):
        try:
            _check(_c().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl")
            report["no_new_privs"] = True
        except OSError as e:
            err("no_new_privs", e)
    try:
        os.chdir(workdir)          # re-resolved in the new mount view
    except OSError as e:           # never stay in a directory the mounts were meant to hide
        err("chdir", e)
        os.chdir(spec.get("fallback_workdir") or "/")
    return argv, report


class Refused(Exception):
    """The jail could not be entered as SPEC demands (exit status 126: nothing was run)."""


def enter(spec_path, cmd):
    """Jail THIS process as the spec at ``spec_path`` says; return (cmd, environment).

    What :func:`main` does before ``execve``, and what the fork server's child does before it
    runs the worker (autograder/sandbox/forkserver_main.py). The report is written before the
    uid is dropped. Raises :class:`Refused` when a mechanism listed in ``strict`` failed."""
    with open(spec_path) as fh:
        spec = json.load(fh)
    report_fd = None
    if spec.get("report"):
        report_fd = os.open(spec["report"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC,
                            0o600)
    env = _env(spec)
    try:
        cmd, report = apply(spec, cmd)
    except Exception as e:  # a bug or an unreadable copy-in file: never run unjailed silently
        raise Refused(f"{type(e).__name__}: {e}") from None
    if report_fd is not None:
        os.write(report_fd, json.dumps(report).encode())
        os.close(report_fd)
    missing = [m for m in spec.get("strict", ()) if not report.get(m)]
    if missing:
        raise Refused(f"required isolation missing: {missing} {report['errors']}")
    return cmd, env


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) < 3 or argv[1] != "--":
        sys.stderr.write("usage: jail.py SPEC.json -- CMD ...\n")
        return 2
    try:
        cmd, env = enter(argv[0], argv[2:])
    except Refused as e:
        sys.stderr.write(f"jail: {e}\n")
        return 126
    try:
        os.execvpe(cmd[0], cmd, env)
    except OSError as e:
        sys.stderr.write(f"jail: cannot run {cmd[0]}: {e}\n")
        return 127


if __name__ == "__main__":
    sys.exit(main())
