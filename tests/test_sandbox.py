"""The sandbox: wire protocol (strict decoding) and a worker that survives hostile code."""
import json
import os
import signal
import struct
import time

import numpy as np
import pytest

from autograder.sandbox import Handle, Sandbox, StudentError
from autograder.sandbox import protocol
from autograder.sandbox.protocol import ProtocolError

# ------------------------------------------------------------------------------- protocol


def roundtrip(value):
    frame = protocol.pack(value)
    (n,) = struct.unpack(">Q", frame[:8])
    assert n == len(frame) - 8
    return protocol.unpack(frame[8:])


@pytest.mark.parametrize("dtype", sorted(protocol.ALLOWED_DTYPES))
def test_arrays_of_every_allowed_dtype_round_trip(dtype):
    a = (np.arange(24) % 7).astype(dtype).reshape(2, 3, 4)
    b = roundtrip(a)
    assert type(b) is np.ndarray and b.dtype == a.dtype and b.shape == a.shape
    assert np.array_equal(a, b)
    b[0, 0, 0] = 1  # a private, writable copy
    assert b.flags.writeable and b.flags.c_contiguous


def test_an_array_of_the_other_byte_order_travels_as_its_values():
    big = np.arange(6, dtype=">f8").reshape(2, 3)
    out = roundtrip({"a": big, "s": big[0, 1]})
    assert out["a"].dtype == np.float64 and np.array_equal(out["a"], big)
    assert out["s"] == 1.0


def test_nested_values_round_trip():
    value = {"none": None, "t": True, "i": -3, "f": 1.5, "nan": float("nan"),
             "inf": float("inf"), "ninf": float("-inf"), "s": "héllo",
             "list": [1, [2.0, "x"]], "tuple": (1, (np.zeros(0),), np.float32(2.5)),
             "h": Handle(7, "dict"), "d": {"t": 1, "a": 2}, "fortran": np.asfortranarray(np.eye(3)[:, :2]),
             "scalar0d": np.array(3.0), "big": np.int64(2 ** 40)}
    out = roundtrip(value)
    assert out["none"] is None and out["t"] is True and out["i"] == -3 and out["f"] == 1.5
    assert np.isnan(out["nan"]) and out["inf"] == float("inf") and out["ninf"] == float("-inf")
    assert out["s"] == "héllo" and out["list"] == [1, [2.0, "x"]]
    assert type(out["tuple"]) is tuple and len(out["tuple"]) == 3
    assert type(out["tuple"][1]) is tuple and out["tuple"][1][0].shape == (0,)
    assert isinstance(out["tuple"][2], np.float32) and out["tuple"][2] == 2.5
    assert isinstance(out["h"], Handle) and out["h"].id == 7 and out["h"].type_name == "dict"
    assert out["d"] == {"t": 1, "a": 2}       # dict keys never collide with the tags
    assert np.array_equal(out["fortran"], np.eye(3)[:, :2])
    assert out["scalar0d"].shape == () and out["big"] == 2 ** 40


def test_unencodable_values_raise_or_become_handles():
    for bad in (object(), np.array([1 + 2j]), np.array([object()]), {1: 2}, b"bytes", {1, 2}):
        with pytest.raises(protocol.Unencodable):
            protocol.pack(bad)
    seen = []
    frame = protocol.pack([object(), np.array([1j])],
                          on_unencodable=lambda o: seen.append(o) or Handle(len(seen), protocol.type_name(o)))
    out = protocol.unpack(frame[8:])
    assert [h.type_name for h in out] == ["object", "ndarray[complex128]"]


def _frame(header, blobs=b""):
    j = json.dumps(header).encode()
    return struct.pack(">I", len(j)) + j + blobs


@pytest.mark.parametrize("header,blobs,why", [
    ({"v": {"a": 0}, "a": [["object", [1], 8]]}, b"\0" * 8, "object dtype"),
    ({"v": {"a": 0}, "a": [["complex128", [1], 16]]}, b"\0" * 16, "complex dtype"),
    ({"v": {"a": 0}, "a": [["<f8", [1], 8]]}, b"\0" * 8, "dtype spelled another way"),
    ({"v": {"a": 0}, "a": [["V8", [1], 8]]}, b"\0" * 8, "void dtype"),
    ({"v": {"a": 0}, "a": [["float64", [3], 16]]}, b"\0" * 16, "bytes do not match the shape"),
    ({"v": {"a": 0}, "a": [["float64", [3], 24]]}, b"\0" * 16, "data shorter than announced"),
    ({"v": {"a": 0}, "a": [["float64", [2], 16]]}, b"\0" * 24, "trailing bytes"),
    ({"v": {"a": 0}, "a": [["float64", [-1], 8]]}, b"\0" * 8, "negative shape"),
    ({"v": {"a": 1}, "a": [["float64", [1], 8]]}, b"\0" * 8, "bad array reference"),
    ({"v": {"pickle": "gASV"}, "a": []}, b"", "unknown tag"),
    ({"v": {"x": 1, "y": 2}, "a": []}, b"", "untagged dict"),
    ({"v": 1, "a": [], "extra": 1}, b"", "unknown header key"),
    ({"v": {"h": "1", "type": "x"}, "a": []}, b"", "handle id not an int"),
    ({"v": {"s": 0}, "a": [["float64", [2], 16]]}, b"\0" * 16, "scalar with a shape"),
])
def test_strict_decoding_rejects(header, blobs, why):
    with pytest.raises(ProtocolError):
        protocol.unpack(_frame(header, blobs))


def test_strict_decoding_rejects_garbage_and_nonstandard_json():
    for body in (b"", b"\0\0", b"\0\0\0\x05abcde", b"\xff\xff\xff\xff", struct.pack(">I", 3) + b"NaN",
                 _frame({"v": 1, "a": []})[:-1]):
        with pytest.raises(ProtocolError):
            protocol.unpack(body)
    j = b'{"v": NaN, "a": []}'
    with pytest.raises(ProtocolError):
        protocol.unpack(struct.pack(">I", len(j)) + j)


def test_frame_size_cap(monkeypatch):
    monkeypatch.setattr(protocol, "MAX_FRAME", 1000)
    with pytest.raises(ProtocolError):
        protocol.pack(np.zeros(1000))


# ------------------------------------------------------------------------------- worker

HOSTILE = '''
import os, sys, time
import numpy as np

def add(x, w):
    return x @ w, {"x": x, "w": w}

def uses_cache(dout, cache):
    return dout @ cache["w"].T

def identity(x):
    return x

def returns(kind):
    if kind == "list":
        return [1.0, 2.0]
    if kind == "object":
        return object()
    if kind == "complex":
        return np.ones(2) * 1j
    if kind == "tuple3":
        return (np.ones(2), None, 3)
    if kind == "matrix":
        return np.asmatrix(np.eye(2))

def mutate(x, y):
    x += 1
    return 0.0

def keeps(x, copy):
    return x * 2, {"x": x.copy() if copy else x}

def writes_cache(dout, cache):
    cache["x"][cache["x"] < 0] = 0
    return dout * (cache["x"] > 0)

def loop():
    while True:
        pass

def sleepy():
    time.sleep(100)

def exit0():
    sys.exit(0)

def hard_exit():
    os._exit(0)

def bomb():
    return np.ones((1 << 33,))      # 64 GiB

def list_bomb():
    a = []
    while True:
        a.append(bytearray(1 << 24))

def boom():
    raise ValueError("student bug")

def not_yet():
    raise NotImplementedError("write me")

def flood():
    for _ in range(20000):
        print("spam " * 50)
        sys.stderr.write("more spam\\n")
    return 42

def overflow(x):
    return 1 / (1 + np.exp(-x))

def fork_child():
    pid = os.fork()
    if pid == 0:
        time.sleep(300)
        os._exit(0)
    return pid

def garbage():
    os.write(4, b"\\xff" * 64)
    time.sleep(1)
'''


@pytest.fixture
def pkg(tmp_path):
    d = tmp_path / "sub" / "nnlab"
    d.mkdir(parents=True)
    (d / "__init__.py").write_text("")
    (d / "m.py").write_text(HOSTILE)
    (d / "broken.py").write_text("def f(:\n    pass\n")
    (d / "exits_at_import.py").write_text("import os\nos._exit(3)\n")
    (d / "other_file.txt").write_text("kept")
    (tmp_path / "sub" / "secret.txt").write_text("must not be copied")
    return d


def test_calls_caches_handles_and_fresh_copies(pkg):
    with Sandbox(pkg) as sb:
        m = sb.module("m")
        x, w = np.ones((3, 4)), np.arange(8.0).reshape(4, 2)
        out, plain = m.add(x, w)
        assert type(plain) is dict and np.array_equal(plain["w"], w)   # encodable: sent back
        out, cache = m.add(x, w, keep=[1])                            # kept in the worker
        assert isinstance(cache, Handle) and cache.type_name == "dict"
        assert np.array_equal(out, x @ w)
        dx = m.uses_cache(np.ones((3, 2)), cache)
        assert np.array_equal(dx, np.ones((3, 2)) @ w.T)
        y = m.identity(x)
        assert y is not x and not np.shares_memory(x, y)
        assert m.mutate(x, np.zeros(2), report_mutation=True) == 0.0
        assert sb.last_mutated == ["args[0]"] and np.all(x == 1)     # our copy never changed
        out, kept = m.add(x, w, keep=[0, 1])
        assert isinstance(out, Handle) and isinstance(kept, Handle)
        assert np.array_equal(m.add(x, w, select=0), x @ w)
        many = m.add.many([[x * i, w] for i in range(5)], select=0)
        assert len(many) == 5 and np.array_equal(many[3], 3 * x @ w)
        sb.release(cache)
        with pytest.raises(StudentError):
            m.uses_cache(np.ones((3, 2)), cache)
        # the scratch dir holds only the package (and the worker's own two files)
        assert sorted(os.listdir(sb.scratch)) == ["nnlab", "protocol.py", "worker_main.py"]
        assert not os.path.exists(os.path.join(sb.scratch, "secret.txt"))


def test_a_backward_writing_into_its_cache_is_reported(pkg):
    """A forward called with watch_inputs remembers the arrays it received: a later call given
    its cache reports changing them ("cache:args[0]"); a cache holding a copy is the student's own."""
    with Sandbox(pkg) as sb:
        m = sb.module("m")
        x = np.array([[-1.0, 2.0], [3.0, -4.0]])
        _, cache = m.keeps(x, False, keep=[1], watch_inputs=True)
        m.writes_cache(np.ones((2, 2)), cache, report_mutation=True)
        assert sb.last_mutated == ["cache:args[0]"]
        assert np.all(x[x < 0] < 0)                                   # our copy never changed
        _, cache = m.keeps(x, True, keep=[1], watch_inputs=True)      # the student's own copy
        m.writes_cache(np.ones((2, 2)), cache, report_mutation=True)
        assert sb.last_mutated == []
        _, cache = m.keeps(x, False, keep=[1])                         # not watched: not reported
        m.writes_cache(np.ones((2, 2)), cache, report_mutation=True)
        assert sb.last_mutated == []
        sb.release(cache)


def test_odd_return_values(pkg):
    with Sandbox(pkg) as sb:
        m = sb.module("m")
        assert m.returns("list") == [1.0, 2.0]
        assert isinstance(m.returns("object"), Handle)
        assert m.returns("complex").type_name == "ndarray[complex128]"
        t = m.returns("tuple3")
        assert type(t) is tuple and len(t) == 3 and t[1] is None
        mat = m.returns("matrix")
        assert type(mat) is np.ndarray and mat.shape == (2, 2)


def test_warnings_are_recorded(pkg):
    with Sandbox(pkg) as sb:
        out = sb.module("m").overflow(np.array([-1000.0, 0.0]))
        assert out[1] == 0.5
        assert any("overflow encountered in exp" in w for w in sb.last_warnings)
        sb.module("m").overflow(np.array([1.0]))
        assert sb.last_warnings == []


def test_exception_and_not_implemented(pkg):
    with Sandbox(pkg) as sb:
        with pytest.raises(StudentError) as e:
            sb.module("m").boom()
        assert e.value.kind == "exception" and "ValueError: student bug" in str(e.value)
        assert 'nnlab/m.py' in e.value.traceback and "raise ValueError" in e.value.traceback
        with pytest.raises(StudentError) as e:
            sb.module("m").not_yet()
        assert e.value.kind == "not_implemented"
        assert sb.restarts == 0


def test_import_errors(pkg):
    with Sandbox(pkg) as sb:
        with pytest.raises(StudentError) as e:
            sb.module("broken").f()
        assert e.value.kind == "import" and "SyntaxError" in str(e.value) and "line 1" in str(e.value)
        with pytest.raises(StudentError) as e:
            sb.import_module("exits_at_import")
        assert e.value.kind == "crash" and "status 3" in str(e.value)
        assert np.array_equal(sb.module("m").identity(np.ones(2)), np.ones(2))


def test_an_import_that_kills_the_worker_is_given_up_after_two_tries(pkg):
    """Each check of a function in such a module would otherwise restart the worker."""
    (pkg / "dies.py").write_text("import os\nos._exit(1)\ndef f():\n    return 1\n")
    with Sandbox(pkg) as sb:
        messages = []
        for _ in range(6):
            with pytest.raises(StudentError) as e:
                sb.module("dies").f()
            assert e.value.kind == "crash" and "status 1" in str(e.value)
            messages.append(str(e.value))
        assert sb.restarts == 1          # two workers died, the second one restarted once
        assert "not imported again" not in messages[1]
        assert all("nnlab.dies was not imported again: importing it killed the worker 2 times"
                   in m for m in messages[2:])
        assert sb.module("m").identity(1) == 1     # the other modules are graded as usual


def test_infinite_loop_times_out_and_worker_restarts(pkg):
    with Sandbox(pkg, call_timeout=1.0) as sb:
        m = sb.module("m")
        m.identity(1.0)
        for fn in (m.loop, m.sleepy):
            t = time.monotonic()
            with pytest.raises(StudentError) as e:
                fn()
            assert e.value.kind == "timeout" and "infinite loop" in str(e.value)
            assert time.monotonic() - t < 5
            assert m.identity(2.0) == 2.0
        assert sb.restarts == 2


def test_exit_inside_a_function(pkg):
    with Sandbox(pkg) as sb:
        m = sb.module("m")
        out, cache = m.add(np.ones((1, 1)), np.ones((1, 1)), keep=[1])
        with pytest.raises(StudentError) as e:
            m.exit0()
        assert e.value.kind == "crash" and "sys.exit" in str(e.value)
        with pytest.raises(StudentError) as e:
            m.hard_exit()
        assert e.value.kind == "crash" and "exited with status 0 while running hard_exit" in str(e.value)
        # a cache from the dead worker is reported, not silently resolved to something else
        with pytest.raises(StudentError) as e:
            m.uses_cache(np.ones((1, 1)), cache)
        assert "restarted" in str(e.value)
        assert m.identity(3) == 3


def test_memory_bombs(pkg):
    with Sandbox(pkg, limits={"memory_bytes": 1 << 30}) as sb:
        m = sb.module("m")
        for fn in (m.bomb, m.list_bomb):
            with pytest.raises(StudentError) as e:
                fn()
            assert e.value.kind == "memory" and "out of memory (limit 1 GiB)" in str(e.value)
            assert m.identity(1) == 1


def test_a_function_that_ran_out_of_memory_once_is_not_run_again(pkg):
    """Like a hang: filling the memory limit costs seconds, and the hidden checks' inputs are
    small, so one exhaustion per function decides its later calls (other functions still run)."""
    with Sandbox(pkg, limits={"memory_bytes": 1 << 30}) as sb:
        m = sb.module("m")
        with pytest.raises(StudentError):
            m.bomb()
        assert m.identity(1) == 1
        generation = sb.generation
        with pytest.raises(StudentError) as e:
            m.bomb()
        assert e.value.kind == "memory" and "bomb was not run again" in str(e.value)
        assert "out of memory (limit 1 GiB) earlier" in str(e.value)
        assert sb.generation == generation          # no worker was asked, or started, for it
        with pytest.raises(StudentError) as e:
            m.list_bomb()                           # another function: run, and judged itself
        assert e.value.kind == "memory" and "not run again" not in str(e.value)


def test_print_flooding_costs_nothing(pkg):
    with Sandbox(pkg) as sb:
        assert sb.module("m").flood() == 42
        assert sb.module("m").identity("still in sync") == "still in sync"


def test_garbage_on_the_pipe_is_a_protocol_error(pkg):
    with Sandbox(pkg, call_timeout=3) as sb:
        with pytest.raises(StudentError) as e:
            sb.module("m").garbage()
        assert e.value.kind == "protocol"
        assert sb.module("m").identity(5) == 5


def test_close_removes_scratch_and_kills_children(pkg):
    sb = Sandbox(pkg)
    with sb:
        child = sb.module("m").fork_child()
        pgid = sb.pgid
        scratch = sb.scratch
        os.kill(child, 0)                      # the forked child is alive while we grade
    assert not os.path.exists(scratch)
    with pytest.raises(ProcessLookupError):
        os.killpg(pgid, 0)
    time.sleep(0.1)
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)


def test_worker_environment_is_minimal(pkg):
    (pkg / "env.py").write_text(
        "import os, sys\n"
        "def env():\n    return dict(os.environ)\n"
        "def path():\n    return list(sys.path)\n"
        "def can_import_grader():\n"
        "    try:\n        import autograder\n        return True\n"
        "    except ImportError:\n        return False\n"
        "def limits():\n    import resource\n"
        "    return [resource.getrlimit(r)[0] for r in (resource.RLIMIT_CPU, resource.RLIMIT_AS,"
        " resource.RLIMIT_FSIZE, resource.RLIMIT_CORE)]\n")
    with Sandbox(pkg) as sb:
        env = sb.module("env").env()
        assert env["HOME"] == sb.scratch and env["OMP_NUM_THREADS"] == "1"
        assert not any(k.startswith(("PYTEST", "NNLAB_GRAD", "VIRTUAL_ENV")) for k in env)
        assert sb.module("env").can_import_grader() is False
        cpu, mem, fsize, core = sb.module("env").limits()
        assert cpu == 60 and mem == 2 * 1024 ** 3 and fsize == 16 * 1024 ** 2 and core == 0


def test_call_overhead_is_small(pkg):
    """Not a timing assertion on the product (see benchmarks/); a loose sanity bound."""
    with Sandbox(pkg) as sb:
        f = sb.module("m").identity
        x = np.ones((8, 8))
        f(x)
        t = time.perf_counter()
        for _ in range(200):
            f(x)
        per_call = (time.perf_counter() - t) / 200
    assert per_call < 0.01


def test_a_function_that_hung_once_fails_fast_afterwards(pkg):
    with Sandbox(pkg, call_timeout=1.0) as sb:
        with pytest.raises(StudentError):
            sb.module("m").loop()
        t = time.monotonic()
        with pytest.raises(StudentError) as e:
            sb.module("m").loop()
        assert e.value.kind == "timeout" and "not run again" in str(e.value)
        assert time.monotonic() - t < 0.5
        assert sb.module("m").identity(1) == 1


def test_import_time_hang(pkg):
    (pkg / "hangs.py").write_text("while True:\n    pass\n")
    with Sandbox(pkg, import_timeout=1.0) as sb:
        for _ in range(2):
            with pytest.raises(StudentError) as e:
                sb.module("hangs").f()
            assert e.value.kind == "timeout" and "import" in str(e.value)
        assert sb.module("m").identity(1) == 1
