"""What crosses between the grader and a worker: plain data only, JSON plus ``.npy`` blobs.

A message is a JSON object (the header) followed by zero or more binary blobs, each an array
saved by ``np.save(..., allow_pickle=False)``. On the wire::

    8 bytes   header length H (big-endian)
    H bytes   the header, UTF-8 JSON: {"kind": ..., ..., "blobs": [n1, n2, ...]}
    n1 + n2 + ... bytes   the blobs, in order

Values inside a header are tagged so that tuples, dicts with any hashable keys, arrays, NumPy
scalars and the checker's :class:`Raised` survive the trip; anything else a student's code returns
travels as an :class:`Opaque` carrying only its type's name. Decoding runs no code: it builds
lists, dicts, strings, numbers and ``np.load(..., allow_pickle=False)`` arrays, and refuses anything
else, so a hostile worker can send wrong data but never an object that acts.

Standard library and NumPy only: this module is copied into the sandboxed worker.
"""
from __future__ import annotations

import io
import json
import math
import os
import select
import struct
import time
from dataclasses import dataclass

import numpy as np

from ..runtime.sandbox import Raised

HEADER = struct.Struct(">Q")
MAX_HEADER_BYTES = 64 * 2**20      # a header is case inputs and outputs in JSON, never this big honestly
MAX_MESSAGE_BYTES = 256 * 2**20    # header and blobs together (a submission's files are at most 20 MB)
INLINE_ARRAY_SIZE = 256            # arrays up to this many elements travel as JSON numbers
INLINE_KINDS = "biuf"              # booleans, integers, floats (finite ones: JSON has no NaN)
MAX_DEPTH = 64                     # nesting of lists, tuples and dicts
MAX_TEXT = 100_000                 # characters kept of any string sent by a worker
ARRAY_KINDS = "biufcUS"            # dtype kinds that cross: numbers and text, never objects, records or dates


class ProtocolError(Exception):
    """A message that is not what the protocol allows: malformed, too big, or of a refused kind."""


class ChannelClosed(ProtocolError):
    """The other side closed the channel (a worker that exited or was killed)."""


class ChannelTimeout(ProtocolError):
    """No complete message arrived before the deadline."""


class Opaque:
    """A value of a type that does not cross: only its type's name does.

    Compares equal to nothing and converts to no array, so a check of it fails as a check of the
    original object of that type would, naming the type.
    """

    __slots__ = ()
    type_name = "object"

    def __repr__(self) -> str:
        return f"<{self.type_name}>"


_OPAQUE_TYPES: dict[str, type] = {}


def opaque(type_name: str) -> Opaque:
    """An :class:`Opaque` whose ``type(...).__name__`` is ``type_name`` (as the original's was)."""
    type_name = str(type_name)[:100]
    if type_name not in _OPAQUE_TYPES:
        if len(_OPAQUE_TYPES) > 1000:  # a worker inventing names must not grow this for ever
            type_name = "object"
        _OPAQUE_TYPES.setdefault(type_name, type(type_name, (Opaque,), {"__slots__": (), "type_name": type_name}))
    return _OPAQUE_TYPES[type_name]()


# encoding -------------------------------------------------------------------------------------------

def _save(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def encode_value(value, blobs: list[bytes], depth: int = 0):
    """``value`` as JSON-ready data, its arrays appended to ``blobs``.

    Types are read with ``type()``, which an object cannot fake (``isinstance`` follows a
    ``__class__`` property); whatever is not plain data becomes an opaque type name.
    """
    kind = type(value)
    if depth > MAX_DEPTH:
        return {"t": "object", "type": "nested too deeply"}
    if value is None or kind in (bool, str):
        return value
    if kind is int:
        return value if -2**63 <= value < 2**63 else {"t": "object", "type": "int (too large)"}
    if kind is float:
        return value if math.isfinite(value) else {"t": "float", "v": repr(value)}
    if issubclass(kind, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.kind not in ARRAY_KINDS or array.dtype.fields is not None:
            return {"t": "object", "type": f"ndarray of {array.dtype}" if issubclass(kind, np.ndarray) else kind.__name__}
        tag = "ndarray" if issubclass(kind, np.ndarray) else "scalar"
        if array.size <= INLINE_ARRAY_SIZE and array.dtype.kind in INLINE_KINDS \
                and (array.dtype.kind != "f" or np.isfinite(array).all()):
            # small arrays as JSON numbers: an .npy blob costs more to write and read than its data
            return {"t": tag, "dtype": array.dtype.str, "shape": list(array.shape), "data": array.ravel().tolist()}
        blobs.append(_save(np.ascontiguousarray(array) if array.ndim else array))
        return {"t": tag, "blob": len(blobs) - 1}
    if kind is Encoded:  # encoded before: placed as it is, its blobs after the ones already here
        offset = len(blobs)
        blobs.extend(value.blobs)
        return _blobs_moved(value.data, offset) if offset and value.blobs else value.data
    if kind in (list, tuple):
        return {"t": kind.__name__, "v": [encode_value(item, blobs, depth + 1) for item in value]}
    if kind is dict:
        return {"t": "dict", "k": [encode_value(key, blobs, depth + 1) for key in value],
                "v": [encode_value(item, blobs, depth + 1) for item in value.values()]}
    if kind is Raised:
        return {"t": "raised", "type": value.type_name, "message": value.message, "where": value.where,
                "messages": {str(k): str(v) for k, v in dict(value.messages).items()}}
    return {"t": "object", "type": kind.__name__}


@dataclass(frozen=True)
class Encoded:
    """A value encoded ahead of the message that carries it (:func:`encoded`).

    A value sent in many messages (a suite's case inputs, in every submission) is encoded once, and
    a reply that must be known to cross before it is sent is not encoded twice. In a message it
    stands for the value it encodes.
    """

    data: object
    blobs: tuple[bytes, ...]


def encoded(value) -> Encoded:
    """``value`` encoded now (:func:`encode_value`), to be placed in messages later."""
    blobs: list[bytes] = []
    data = encode_value(value, blobs)
    return Encoded(data, tuple(blobs))


def _blobs_moved(data, offset: int):
    """Encoded ``data`` whose blob numbers are ``offset`` higher (an :class:`Encoded` placed after
    other blobs). Only :func:`encode_value` makes the ``blob`` entries of array tags."""
    if type(data) is list:
        return [_blobs_moved(item, offset) for item in data]
    if type(data) is dict:
        if "blob" in data and data.get("t") in ("ndarray", "scalar"):
            return {**data, "blob": data["blob"] + offset}
        return {key: _blobs_moved(item, offset) for key, item in data.items()}
    return data


def _inline_array(tag: str, data: dict):
    """An array sent as JSON numbers (:func:`encode_value`): dtype, shape and flat data, checked."""
    try:
        dtype = np.dtype(_text(data.get("dtype"), "dtype")[:10])
    except TypeError:
        raise ProtocolError("not a dtype") from None
    shape, flat = data.get("shape"), data.get("data")
    if dtype.kind not in INLINE_KINDS or dtype.fields is not None or type(shape) is not list \
            or type(flat) is not list or not all(type(n) is int and 0 <= n <= INLINE_ARRAY_SIZE for n in shape) \
            or len(flat) > INLINE_ARRAY_SIZE or math.prod(shape) != len(flat) \
            or not all(type(x) in (bool, int, float) for x in flat) or (tag == "scalar" and shape):
        raise ProtocolError("malformed inline array")
    try:
        array = np.array(flat, dtype=dtype).reshape(shape)
    except (ValueError, OverflowError) as error:
        raise ProtocolError(f"malformed inline array: {error}") from None
    return array[()] if tag == "scalar" else array


def _text(value, what: str) -> str:
    if type(value) is not str:
        raise ProtocolError(f"{what}: expected a string")
    return value[:MAX_TEXT]


class _Skipped:
    """What a NumPy scalar decodes to with ``arrays=False``: hashable, as a dict key must be."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<skipped>"


SKIPPED_ARRAY = np.empty(0)      # what an array decodes to with ``arrays=False``
SKIPPED_SCALAR = _Skipped()      # and a NumPy scalar


def decode_value(data, blobs: list[bytes], depth: int = 0, arrays: bool = True):
    """The value :func:`encode_value` encoded; raises :class:`ProtocolError` on anything else.

    ``arrays=False``: every array and NumPy scalar decodes to :data:`SKIPPED_ARRAY` or
    :data:`SKIPPED_SCALAR`, unread and unchecked, for a reader that checks only the structure around them (the worker's relay; the
    grader, which decodes them all, refuses a malformed one).
    """
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    kind = type(data)
    if data is None or kind in (bool, int, float):
        return data
    if kind is str:
        return data[:MAX_TEXT]
    if kind is not dict or type(data.get("t")) is not str:
        raise ProtocolError(f"not an encoded value: {kind.__name__}")
    tag = data["t"]
    if tag in ("list", "tuple"):
        items = data.get("v")
        if type(items) is not list:
            raise ProtocolError(f"{tag} without items")
        decoded = [decode_value(item, blobs, depth + 1, arrays) for item in items]
        return decoded if tag == "list" else tuple(decoded)
    if tag == "dict":
        keys, values = data.get("k"), data.get("v")
        if type(keys) is not list or type(values) is not list or len(keys) != len(values):
            raise ProtocolError("dict with mismatched keys and values")
        result = {}
        for key, item in zip(keys, values):
            key = decode_value(key, blobs, depth + 1, arrays)
            try:
                hash(key)
            except TypeError:
                raise ProtocolError("dict key is not hashable") from None
            result[key] = decode_value(item, blobs, depth + 1, arrays)
        return result
    if tag in ("ndarray", "scalar") and not arrays:
        return SKIPPED_ARRAY if tag == "ndarray" else SKIPPED_SCALAR
    if tag in ("ndarray", "scalar") and "data" in data:
        return _inline_array(tag, data)
    if tag in ("ndarray", "scalar"):
        index = data.get("blob")
        if type(index) is not int or not 0 <= index < len(blobs):
            raise ProtocolError("array refers to a missing blob")
        try:
            array = np.load(io.BytesIO(blobs[index]), allow_pickle=False)
        except Exception as error:  # noqa: BLE001 - any malformed blob is a protocol error
            raise ProtocolError(f"not an .npy array: {error}") from None
        if type(array) is not np.ndarray:
            raise ProtocolError("an .npy blob must hold one array")
        if array.dtype.kind not in ARRAY_KINDS or array.dtype.fields is not None:
            raise ProtocolError(f"arrays of dtype {array.dtype} do not cross")
        if tag == "scalar" and array.ndim:
            raise ProtocolError("a scalar blob holds an array")
        return array[()] if tag == "scalar" else array
    if tag == "float":
        text = data.get("v")
        if text not in ("nan", "inf", "-inf"):
            raise ProtocolError("float tag holds a finite number")
        return float(text)
    if tag == "raised":
        messages = data.get("messages") or {}
        if type(messages) is not dict:
            raise ProtocolError("raised: messages must be a dict")
        return Raised(_text(data.get("type"), "raised type")[:200], _text(data.get("message", ""), "raised message"),
                      _text(data.get("where", ""), "raised where"),
                      {_text(k, "language")[:10]: _text(v, "message") for k, v in list(messages.items())[:10]})
    if tag == "object":
        return opaque(_text(data.get("type", "object"), "type name"))
    raise ProtocolError(f"unknown value tag {tag!r}")


# messages on a channel -------------------------------------------------------------------------------

def pack(kind: str, **fields) -> bytes:
    """One message: ``fields`` are encoded with :func:`encode_value` under ``"body"``."""
    blobs: list[bytes] = []
    header = {"kind": kind, "body": encode_value(fields, blobs)}
    header["blobs"] = [len(blob) for blob in blobs]
    # ASCII: a string that UTF-8 cannot hold (a lone surrogate) is escaped, so packing never fails
    # once the value is encoded.
    text = json.dumps(header, allow_nan=False).encode("ascii")
    return b"".join([HEADER.pack(len(text)), text, *blobs])


def unpack_header(text: bytes) -> tuple[str, dict, list[int]]:
    try:
        header = json.loads(text.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:  # "[[[[..." nested past the C stack
        raise ProtocolError(f"header is not JSON: {type(error).__name__}") from None
    if type(header) is not dict or type(header.get("kind")) is not str:
        raise ProtocolError("header without a kind")
    sizes = header.get("blobs", [])
    if type(sizes) is not list or not all(type(n) is int and n >= 0 for n in sizes):
        raise ProtocolError("bad blob sizes")
    if sum(sizes) + len(text) > MAX_MESSAGE_BYTES:
        raise ProtocolError("message too large")
    return header["kind"][:100], header.get("body"), sizes


def _refuse_constant(name):
    raise ValueError(f"{name} is not allowed in a header")


@dataclass
class Frame:
    """One whole message as it came: its kind, its still-encoded body, its blobs and its bytes."""

    kind: str
    body: object
    blobs: list[bytes]
    raw: bytes

    def fields(self, arrays: bool = True) -> dict:
        """The body decoded (:func:`decode_value`): a dict with string keys, or ProtocolError."""
        try:
            fields = decode_value(self.body, self.blobs, arrays=arrays) if self.body is not None else {}
        except RecursionError:
            raise ProtocolError("value nested too deeply") from None
        if type(fields) is not dict or not all(type(key) is str for key in fields):
            raise ProtocolError("message body must be a dict with string keys")
        return fields


class FrameReader:
    """Cuts a byte stream into :class:`Frame` s, whatever pieces the bytes arrive in.

    Sizes are checked as soon as they are known, so a sender claiming a huge message is refused
    before its bytes are buffered.
    """

    def __init__(self):
        self.buffer = bytearray()
        self._header: tuple[int, str, object, list[int]] | None = None   # of the frame being read

    def feed(self, data: bytes) -> None:
        self.buffer += data

    def next_frame(self) -> Frame | None:
        """The next complete frame, or None until more bytes arrive; ProtocolError if malformed."""
        if self._header is None:
            if len(self.buffer) < HEADER.size:
                return None
            (length,) = HEADER.unpack(self.buffer[:HEADER.size])
            if length > MAX_HEADER_BYTES:
                raise ProtocolError("header too large")
            if len(self.buffer) < HEADER.size + length:
                return None
            kind, body, sizes = unpack_header(bytes(self.buffer[HEADER.size:HEADER.size + length]))
            self._header = (HEADER.size + length, kind, body, sizes)
        start, kind, body, sizes = self._header
        if len(self.buffer) < start + sum(sizes):
            return None
        blobs, offset = [], start
        for size in sizes:
            blobs.append(bytes(self.buffer[offset:offset + size]))
            offset += size
        raw = bytes(self.buffer[:offset])
        del self.buffer[:offset]
        self._header = None
        return Frame(kind, body, blobs, raw)

    def wanted(self) -> int:
        """How many more bytes the frame being read needs at least (a read size hint)."""
        if self._header is None:
            return max(1, HEADER.size - len(self.buffer))
        start, _, _, sizes = self._header
        return max(1, start + sum(sizes) - len(self.buffer))


class Channel:
    """Length-prefixed messages over a pair of file descriptors, with deadlines on reads.

    A read that times out keeps what it has read, so the next one goes on from there.
    """

    def __init__(self, read_fd: int, write_fd: int):
        self.read_fd, self.write_fd = read_fd, write_fd
        self.reader = FrameReader()

    def send(self, kind: str, **fields) -> None:
        self.send_packed(pack(kind, **fields))

    def send_packed(self, message: bytes) -> None:
        data = memoryview(message)
        while data:
            try:
                written = os.write(self.write_fd, data)
            except (BrokenPipeError, OSError) as error:
                raise ChannelClosed(f"cannot write: {error}") from None
            data = data[written:]

    def read_available(self, timeout: float | None) -> bool:
        """Wait up to ``timeout`` seconds for bytes and feed them to the reader; False if none came.
        ChannelClosed when the other side has closed its end."""
        ready, _, _ = select.select([self.read_fd], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.read_fd, max(65536, min(self.reader.wanted(), 2**24)))
        except OSError as error:
            raise ChannelClosed(f"cannot read: {error}") from None
        if not chunk:
            raise ChannelClosed("the other side closed the channel")
        self.reader.feed(chunk)
        return True

    def receive_frame(self, timeout: float | None = None) -> Frame:
        """The next whole message, undecoded; ChannelTimeout after ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            frame = self.reader.next_frame()
            if frame is not None:
                return frame
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not self.read_available(wait) and deadline is not None and time.monotonic() >= deadline:
                raise ChannelTimeout("no reply before the deadline")

    def receive(self, timeout: float | None = None) -> tuple[str, dict]:
        """The next message as ``(kind, fields)``; raises ChannelTimeout after ``timeout`` seconds."""
        frame = self.receive_frame(timeout)
        return frame.kind, frame.fields()
