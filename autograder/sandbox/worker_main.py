"""The untrusted worker: evaluates a student's nnlab functions on inputs it is sent.

STANDALONE script (standard library + numpy + the copied ``protocol.py``). The trusted grader
copies it into a fresh scratch directory that holds only the submission's ``nnlab/`` package,
and runs ``python -I -S worker_main.py SITE_DIR``; SITE_DIR is where numpy is installed (``-S``
skips site-packages processing, so no .pth file, editable install or the grader is importable).

Requests (one frame each) and replies:

    {"op": "call", "module": m, "function": f, "args": [...], "kwargs": {...},
     "keep": [i, ...]?, "select": i?, "report_mutation": bool?, "watch_inputs": bool?,
     "return_args": bool?}
        -> {"ok": value, "warnings": [...], "mutated": [...]?, "args": [...]?}
    {"op": "call_many", "module", "function", "args_list": [[...], ...], "kwargs"?, "select"?}
        -> {"ok": [value, ...], "warnings": [...]}
    {"op": "release", "handles": [id, ...]}  -> {"ok": None}
    {"op": "import", "module": m}            -> {"ok": None} (or the import error)
    {"op": "ping"}                           -> {"ok": "pong"}

A "call" may name ``callbacks``: keyword arguments that are functions of the GRADER's (a cheap
training objective for a hyperparameter search). The worker passes a stand-in for each; calling
it sends {"callback": name, "args": [...], "kwargs": {...}} back over the pipe and waits for
{"return": value} or {"raise": message}. The grader computes the value and keeps its own log of
the calls, so a search's budget and best trial are judged on what it really asked for.

Failures reply {"error": kind, "type": exception type, "message": str, "traceback": str}.
Results that cannot travel (caches, odd objects) are kept here and replaced by handles; handles
in arguments are resolved back to the stored objects. ``keep`` forces elements of a returned
tuple to stay here as handles (the grader never looks inside a cache); ``select`` returns one
element of a returned tuple only (finite differences need just the output).

``report_mutation`` lists the arrays the call changed in place: its own array arguments
("args[0]", "kwargs['x']") and, for a handle argument kept by a call made with
``watch_inputs`` (a forward pass whose cache is the handle), the arrays THAT call received
("cache:args[0]": a backward that writes into its cache changes the caller's x through it).
"""
import os
import sys


def _private_fds():
    # Keep private copies of the request/response pipes, then point 0, 1 and 2 at /dev/null so
    # that student prints cost nothing and can never corrupt the protocol.
    req = os.dup(0)
    resp = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    return req, resp


REQ_FD, RESP_FD = _private_fds()

HERE = os.path.dirname(os.path.abspath(__file__))
if len(sys.argv) > 1 and sys.argv[1]:
    sys.path.append(sys.argv[1])            # where numpy lives
sys.path.insert(0, HERE)                    # the scratch dir: nnlab/ and protocol.py
os.chdir(HERE)

import importlib  # noqa: E402
import traceback  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

import protocol  # noqa: E402

MAX_MESSAGE = 500
MAX_TRACEBACK = 1500
STUDENT_DIR = os.path.join(HERE, "nnlab")

_objects = {}
_inputs_of = {}        # handle id -> [(path, array)]: the arrays the call that made it received
_next_id = [1]
_modules = {}


def _store(obj):
    hid = _next_id[0]
    _next_id[0] += 1
    _objects[hid] = obj
    return protocol.Handle(hid, protocol.type_name(obj))


def _resolve(v):
    """Replace handles in decoded arguments by the objects they stand for."""
    if type(v) is protocol.Handle:
        if v.id not in _objects:
            raise LookupError(f"unknown handle {v.id}")
        return _objects[v.id]
    if type(v) is list:
        return [_resolve(x) for x in v]
    if type(v) is tuple:
        return tuple(_resolve(x) for x in v)
    if type(v) is dict:
        return {k: _resolve(x) for k, x in v.items()}
    return v


def _student_traceback(tb):
    frames = [f for f in traceback.extract_tb(tb)
              if os.path.abspath(f.filename).startswith(STUDENT_DIR + os.sep)]
    frames = frames[-4:]
    lines = []
    for f in frames:
        rel = os.path.relpath(f.filename, HERE)
        lines.append(f'  File "{rel}", line {f.lineno}, in {f.name}')
        if f.line:
            lines.append(f"    {f.line.strip()[:200]}")
    return "\n".join(lines)[-MAX_TRACEBACK:]


def _error(kind, exc):
    msg = str(exc)
    if len(msg) > MAX_MESSAGE:
        msg = msg[:MAX_MESSAGE] + " [...]"
    out = {"error": kind, "type": type(exc).__name__, "message": msg,
           "traceback": _student_traceback(exc.__traceback__)}
    if isinstance(exc, SyntaxError):
        out["message"] = (f"{exc.msg} ({os.path.relpath(exc.filename or '?', HERE)}, "
                          f"line {exc.lineno}): {(exc.text or '').strip()[:200]}")
    return out


def _classify(exc):
    if isinstance(exc, NotImplementedError):
        return "not_implemented"
    if isinstance(exc, MemoryError):
        return "memory"
    return "exception"


def _module(name):
    if name not in _modules:
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError("bad module name")
        _modules[name] = importlib.import_module("nnlab." + name)
    return _modules[name]


def _function(req):
    try:
        mod = _module(req["module"])
    except BaseException as e:  # SyntaxError, ImportError, anything raised at import
        if isinstance(e, (KeyboardInterrupt,)):
            raise
        err = _error("memory" if isinstance(e, MemoryError) else "import", e)
        return None, err
    fname = req["function"]
    fn = getattr(mod, fname, None) if isinstance(fname, str) else None
    if fn is None or not callable(fn):
        return None, {"error": "exception", "type": "AttributeError",
                      "message": f"nnlab.{req['module']} has no function {fname}", "traceback": ""}
    return fn, None


def _arrays_in(v, path, out):
    if isinstance(v, np.ndarray):
        out.append((path, v, v.copy()))
    elif type(v) in (list, tuple):
        for i, x in enumerate(v):
            _arrays_in(x, f"{path}[{i}]", out)
    elif type(v) is dict:
        for k, x in v.items():
            _arrays_in(x, f"{path}[{k!r}]", out)


def _handles_in(v, out):
    if type(v) is protocol.Handle:
        out.append(v.id)
    elif type(v) in (list, tuple):
        for x in v:
            _handles_in(x, out)
    elif type(v) is dict:
        for x in v.values():
            _handles_in(x, out)
    return out


def _callback(name):
    """A stand-in for the grader's function ``name``: each call is answered by the grader."""
    def remote(*args, **kwargs):
        try:
            frame = protocol.pack({"callback": name, "args": list(args), "kwargs": kwargs})
        except protocol.Unencodable as e:
            raise TypeError(f"{name} takes numbers, strings, lists, tuples, dicts and arrays, "
                            f"not {e}") from None
        protocol.write_frame(RESP_FD, frame)
        reply = protocol.unpack(protocol.read_frame(REQ_FD))
        if type(reply) is dict and "return" in reply:
            return reply["return"]
        message = reply.get("raise") if type(reply) is dict else None
        raise ValueError(str(message or f"the grader did not answer {name}"))
    remote.__name__ = remote.__qualname__ = name
    return remote


def _invoke(fn, args, kwargs, record):
    np.seterr(all="warn", under="ignore")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn(*args, **kwargs)
    for w in caught:
        record.append(f"{w.category.__name__}: {str(w.message)[:200]}")
    return result


def _shape_result(result, keep, select):
    if select is not None:
        if type(result) is tuple and -len(result) <= select < len(result):
            return result[select]
        return result
    if keep and type(result) is tuple:
        return tuple(_store(x) if i in keep else x for i, x in enumerate(result))
    return result


def handle(req):
    op = req.get("op") if type(req) is dict else None
    if op == "ping":
        return {"ok": "pong"}
    if op == "release":
        for hid in req.get("handles", []):
            _objects.pop(hid, None)
            _inputs_of.pop(hid, None)
        return {"ok": None}
    if op == "import":
        try:
            _module(req["module"])
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt):
                raise
            return _error("memory" if isinstance(e, MemoryError) else "import", e)
        return {"ok": None}
    if op not in ("call", "call_many"):
        return {"error": "protocol", "type": "ValueError", "message": f"unknown op {op!r}",
                "traceback": ""}
    fn, err = _function(req)
    if err:
        return err
    kwargs = _resolve(req.get("kwargs") or {})
    if op == "call":
        for name in req.get("callbacks") or ():
            if type(name) is str:
                kwargs[name] = _callback(name)
    keep = set(req.get("keep") or ())
    select = req.get("select")
    record = []
    try:
        if op == "call":
            raw_args = req.get("args") or []
            watched = []
            if req.get("report_mutation"):
                # arrays sent by the grader, and the arrays a forward pass received that its
                # cache (a handle argument) may hold; the rest of a cache is the student's own
                _arrays_in(raw_args, "args", watched)
                _arrays_in(req.get("kwargs") or {}, "kwargs", watched)
                for hid in _handles_in(raw_args, []):
                    for path, a in _inputs_of.get(hid, ()):
                        watched.append((f"cache:{path}", a, a.copy()))
            args = _resolve(raw_args)
            result = _shape_result(_invoke(fn, args, kwargs, record), keep, select)
            if req.get("watch_inputs") and type(result) is tuple:
                received = []
                _arrays_in(args, "args", received)
                _arrays_in(kwargs, "kwargs", received)
                for h in result:
                    if type(h) is protocol.Handle:
                        _inputs_of[h.id] = [(path, a) for path, a, _ in received]
            reply = {"ok": result, "warnings": record[:20]}
            if req.get("return_args"):
                # the arguments as the call left them: state a function writes back into a
                # dict it was given (batchnorm's running averages in bn_param)
                reply["args"] = args
            if req.get("report_mutation"):
                reply["mutated"] = [p for p, a, before in watched
                                    if a.shape != before.shape
                                    or not np.array_equal(a, before, equal_nan=True)]
            return reply
        results = []
        for args in req["args_list"]:
            args = _resolve(args)
            results.append(_shape_result(_invoke(fn, args, dict(kwargs), record), (), select))
        return {"ok": results, "warnings": record[:20]}
    except BaseException as e:
        if isinstance(e, KeyboardInterrupt):
            raise
        if isinstance(e, SystemExit):
            # sys.exit() in student code: report it instead of dying quietly
            return {"error": "crash", "type": "SystemExit",
                    "message": f"called sys.exit({e.code!r}) / exit()",
                    "traceback": _student_traceback(e.__traceback__)}
        out = _error(_classify(e), e)
        out["warnings"] = record[:20]
        return out


def main():
    while True:
        try:
            body = protocol.read_frame(REQ_FD)
        except EOFError:
            return
        req = protocol.unpack(body)
        try:
            reply = handle(req)
            data = protocol.pack(reply, on_unencodable=_store)
        except BaseException as e:  # an unencodable reply, a frame too large, ...
            if isinstance(e, KeyboardInterrupt):
                raise
            data = protocol.pack({"error": "protocol", "type": type(e).__name__,
                                  "message": f"could not send the result back: {str(e)[:200]}",
                                  "traceback": ""})
        protocol.write_frame(RESP_FD, data)


if __name__ == "__main__":
    main()
    os._exit(0)
