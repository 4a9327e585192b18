"""Wire format between the trusted grader and the untrusted worker.

STANDALONE: standard library + numpy only. This file is copied next to ``worker_main.py`` into
the worker's scratch directory, so it must not import anything from ``autograder``.

A frame on the wire is::

    8 bytes   big-endian unsigned total length L of what follows (capped, see MAX_FRAME)
    4 bytes   big-endian unsigned length J of the JSON header
    J bytes   UTF-8 JSON header: {"v": <encoded value>, "a": [[dtype, shape, nbytes], ...]}
    L-4-J     the raw C-order bytes of the arrays, concatenated in the order of "a"

Encoded values are JSON with a few tagged objects (every dict on the wire is tagged, so a
student's dict can never be mistaken for a tag):

    None, bool, int, str      as JSON
    float                     as JSON number, or {"f": "nan" | "inf" | "-inf"}
    list                      as JSON list
    tuple                     {"t": [...]}
    dict (str keys)           {"d": [[key, value], ...]}
    numpy array               {"a": index into the array table}
    numpy scalar              {"s": index}  (a 0-d array on the wire, a numpy scalar again)
    handle                    {"h": id, "type": "<type name>"}

Decoding is strict: only these forms; array dtypes from ALLOWED_DTYPES only, rebuilt with
``np.frombuffer(...).reshape(...).copy()`` after checking the byte count; nothing is unpickled.
"""
import json
import math
import os
import struct

import numpy as np

MAX_FRAME = 256 * 1024 * 1024          # bytes in one frame
MAX_DEPTH = 64                         # nesting of lists/dicts
MAX_ITEMS = 1_000_000                  # values in one frame
MAX_NDIM = 32

ALLOWED_DTYPES = frozenset({
    "float64", "float32", "float16",
    "int8", "int16", "int32", "int64",
    "uint8", "uint16", "uint32", "uint64",
    "bool",
})
#: The allowed dtypes in this machine's byte order, by dtype: a dict lookup, where reading
#: ``dtype.name`` (a Python-level property in numpy) cost 7% of the grader's encoding time.
_NATIVE_DTYPES = {np.dtype(name): name for name in ALLOWED_DTYPES}


def _allowed_dtype(a):
    """(name, array in native byte order) when ``a``'s dtype may travel, else (None, a).
    An array of another byte order travels converted (its values, not its raw bytes)."""
    name = _NATIVE_DTYPES.get(a.dtype)
    if name is None and a.dtype.byteorder not in "=|":
        native = a.dtype.newbyteorder("=")
        name = _NATIVE_DTYPES.get(native)
        if name is not None:
            a = a.astype(native)
    return name, a

_LEN = struct.Struct(">Q")
_JLEN = struct.Struct(">I")


class ProtocolError(Exception):
    """A frame that does not follow the format (garbage, wrong sizes, forbidden types)."""


class Handle:
    """An object that stays in the worker (a cache, anything not encodable); only its id travels."""
    __slots__ = ("id", "type_name", "generation")

    def __init__(self, id, type_name="object", generation=None):
        self.id = int(id)
        self.type_name = str(type_name)
        self.generation = generation

    def __repr__(self):
        return f"<Handle {self.id} of a {self.type_name}>"

    def __eq__(self, other):
        return isinstance(other, Handle) and (self.id, self.generation) == (other.id, other.generation)

    def __hash__(self):
        return hash((self.id, self.generation))


class Unencodable(Exception):
    def __init__(self, obj):
        super().__init__(type(obj).__name__)
        self.obj = obj


def type_name(obj):
    """A readable name for what a value is: 'list', 'ndarray[complex128]', 'float', ..."""
    if isinstance(obj, np.ndarray):
        return f"ndarray[{obj.dtype}]"
    return type(obj).__name__


# ----------------------------------------------------------------------------------- encoding

def encode(value, on_unencodable=None):
    """Encode ``value`` into (header_obj, list_of_byte_buffers).

    ``on_unencodable(obj) -> Handle`` is called for anything that cannot travel (the worker uses
    it to keep caches on its side); without it such values raise ``Unencodable``.
    """
    arrays = []
    table = []

    def add_array(name, a):
        if not a.flags.c_contiguous:      # (np.ascontiguousarray would turn 0-d into 1-d)
            a = a.copy(order="C")
        table.append([name, list(a.shape), a.nbytes])
        arrays.append(a)
        return len(arrays) - 1

    def enc(v, depth):
        if depth > MAX_DEPTH:
            raise Unencodable(v)
        if v is None or v is True or v is False:
            return v
        t = type(v)
        if t is int:
            return v
        if t is float:
            if math.isfinite(v):
                return v
            return {"f": "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")}
        if t is str:
            return v
        if t is list:
            return [enc(x, depth + 1) for x in v]
        if t is tuple:
            return {"t": [enc(x, depth + 1) for x in v]}
        if t is dict:
            if not all(type(k) is str for k in v):
                return unenc(v)
            return {"d": [[k, enc(x, depth + 1)] for k, x in v.items()]}
        if t is Handle:
            return {"h": v.id, "type": v.type_name}
        if isinstance(v, np.ndarray):
            # subclasses (np.matrix, masked arrays) travel as their plain ndarray data
            name, a = _allowed_dtype(np.asarray(v).view(np.ndarray))
            if name is not None and v.ndim <= MAX_NDIM:
                return {"a": add_array(name, a)}
            return unenc(v)
        if isinstance(v, np.generic):
            name, a = _allowed_dtype(np.asarray(v))
            if name is not None:
                return {"s": add_array(name, a)}
            return unenc(v)
        # bool/int/float subclasses (not numpy): plain values of the base type
        if isinstance(v, bool):
            return bool(v)
        if isinstance(v, int):
            return int(v)
        if isinstance(v, float):
            return enc(float(v), depth)
        return unenc(v)

    def unenc(v):
        if on_unencodable is None:
            raise Unencodable(v)
        return enc(on_unencodable(v), 0)

    header = {"v": enc(value, 0), "a": table}
    return header, arrays


def pack(value, on_unencodable=None):
    """Encode ``value`` into one frame (bytes, including the length prefix)."""
    header, arrays = encode(value, on_unencodable)
    j = json.dumps(header, separators=(",", ":"), allow_nan=False).encode("utf-8")
    body_len = _JLEN.size + len(j) + sum(a.nbytes for a in arrays)
    if body_len > MAX_FRAME:
        raise ProtocolError(f"frame of {body_len} bytes exceeds the {MAX_FRAME}-byte cap")
    parts = [_LEN.pack(body_len), _JLEN.pack(len(j)), j]
    parts.extend(memoryview(a).cast("B") if a.nbytes else b"" for a in arrays)
    return b"".join(parts)


# ----------------------------------------------------------------------------------- decoding

def _reject_constant(name):
    raise ProtocolError(f"non-standard JSON constant {name}")


def unpack(body, handle_factory=Handle):
    """Decode a frame body (everything after the 8-byte length). Strict; raises ProtocolError."""
    mv = memoryview(body)
    if len(mv) < _JLEN.size:
        raise ProtocolError("frame too short")
    (jlen,) = _JLEN.unpack_from(mv, 0)
    if jlen > len(mv) - _JLEN.size:
        raise ProtocolError("JSON header longer than the frame")
    try:
        header = json.loads(bytes(mv[_JLEN.size:_JLEN.size + jlen]).decode("utf-8"),
                            parse_constant=_reject_constant)
    except ProtocolError:
        raise
    except Exception as e:  # malformed JSON, bad UTF-8
        raise ProtocolError(f"bad JSON header: {type(e).__name__}") from None
    if type(header) is not dict or set(header) != {"v", "a"} or type(header["a"]) is not list:
        raise ProtocolError("bad frame header")

    # array table: validate every entry against the bytes received
    offset = _JLEN.size + jlen
    arrays = []
    for entry in header["a"]:
        if type(entry) is not list or len(entry) != 3:
            raise ProtocolError("bad array entry")
        dtype, shape, nbytes = entry
        if type(dtype) is not str or dtype not in ALLOWED_DTYPES:
            raise ProtocolError(f"array dtype {str(dtype)[:40]!r} is not allowed")
        if (type(shape) is not list or len(shape) > MAX_NDIM
                or not all(type(s) is int and 0 <= s for s in shape)):
            raise ProtocolError("bad array shape")
        dt = np.dtype(dtype)
        count = 1
        for s in shape:
            count *= s
        if type(nbytes) is not int or nbytes != count * dt.itemsize:
            raise ProtocolError("array byte count does not match its shape and dtype")
        if offset + nbytes > len(mv):
            raise ProtocolError("array data runs past the end of the frame")
        a = np.frombuffer(mv[offset:offset + nbytes], dtype=dt, count=count).reshape(shape).copy()
        arrays.append(a)
        offset += nbytes
    if offset != len(mv):
        raise ProtocolError("trailing bytes after the arrays")

    n_items = [0]

    def dec(v, depth):
        n_items[0] += 1
        if depth > MAX_DEPTH or n_items[0] > MAX_ITEMS:
            raise ProtocolError("value nested too deeply or too large")
        if v is None or v is True or v is False:
            return v
        t = type(v)
        if t is int or t is str:
            return v
        if t is float:
            if not math.isfinite(v):
                raise ProtocolError("bare non-finite float")
            return v
        if t is list:
            return [dec(x, depth + 1) for x in v]
        if t is dict and len(v) >= 1:
            if len(v) == 1 and "f" in v:
                if v["f"] == "nan":
                    return float("nan")
                if v["f"] == "inf":
                    return float("inf")
                if v["f"] == "-inf":
                    return float("-inf")
            elif len(v) == 1 and "t" in v and type(v["t"]) is list:
                return tuple(dec(x, depth + 1) for x in v["t"])
            elif len(v) == 1 and "d" in v and type(v["d"]) is list:
                out = {}
                for kv in v["d"]:
                    if type(kv) is not list or len(kv) != 2 or type(kv[0]) is not str:
                        raise ProtocolError("bad dict entry")
                    out[kv[0]] = dec(kv[1], depth + 1)
                return out
            elif len(v) == 1 and ("a" in v or "s" in v):
                idx = v.get("a", v.get("s"))
                if type(idx) is not int or not 0 <= idx < len(arrays):
                    raise ProtocolError("bad array reference")
                a = arrays[idx]
                if "s" in v:
                    if a.ndim != 0:
                        raise ProtocolError("scalar with a shape")
                    return a[()]
                return a
            elif set(v) == {"h", "type"} and type(v["h"]) is int and type(v["type"]) is str:
                return handle_factory(v["h"], v["type"][:200])
        raise ProtocolError(f"value of a form that is not allowed ({t.__name__})")

    return dec(header["v"], 0)


# ----------------------------------------------------------------------------------- fd I/O

def write_frame(fd, data):
    """Write a whole packed frame to a file descriptor (blocking)."""
    mv = memoryview(data)
    while mv:
        n = os.write(fd, mv)
        mv = mv[n:]


def read_exact(fd, n):
    """Read exactly n bytes (blocking); raises EOFError on a closed pipe."""
    buf = bytearray(n)
    mv = memoryview(buf)
    got = 0
    while got < n:
        k = os.readv(fd, [mv[got:]])
        if k == 0:
            raise EOFError("pipe closed")
        got += k
    return buf


def read_frame(fd):
    """Blocking read of one frame body (used by the worker)."""
    (n,) = _LEN.unpack(read_exact(fd, _LEN.size))
    if n > MAX_FRAME:
        raise ProtocolError(f"frame of {n} bytes exceeds the cap")
    return read_exact(fd, n)
