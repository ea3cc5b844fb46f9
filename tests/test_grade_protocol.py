"""The grading protocol: plain data crosses, and the grader's decoder refuses everything else."""
from __future__ import annotations

import io
import json
import math
import os
import struct

import numpy as np
import pytest

from autograder.grading import protocol
from autograder.grading.protocol import (Channel, ChannelTimeout, FrameReader, Opaque, ProtocolError, decode_value,
                                         encode_value, pack)
from autograder.runtime.sandbox import Raised


def round_trip(value):
    kind, fields = _unpacked(pack("value", v=value))
    assert kind == "value"
    return fields["v"]


def _unpacked(message: bytes):
    reader = FrameReader()
    reader.feed(message)
    frame = reader.next_frame()
    assert frame is not None and reader.next_frame() is None
    return frame.kind, frame.fields()


def frame(header: dict, *blobs: bytes) -> bytes:
    text = json.dumps(header).encode()
    return struct.pack(">Q", len(text)) + text + b"".join(blobs)


def npy(array, allow_pickle=False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


@pytest.mark.parametrize("array", [
    np.arange(12.0).reshape(3, 4), np.arange(12.0).reshape(3, 4)[:, ::2], np.array([1, 2], dtype=np.int32),
    np.array([True, False]), np.zeros((0, 3)), np.array(2.5), np.array([1 + 2j]), np.array(["ab", "c"]),
    np.array([np.nan, np.inf, -np.inf]), np.arange(6, dtype=np.float32).reshape(2, 3).T,
])
def test_arrays_cross_with_their_dtype_shape_and_values(array):
    got = round_trip(array)
    assert type(got) is np.ndarray and got.dtype == array.dtype and got.shape == array.shape
    np.testing.assert_array_equal(got, array)


@pytest.mark.parametrize("value", [np.float64(1.5), np.float32(2.0), np.int64(-3), np.int8(4), np.bool_(True)])
def test_numpy_scalars_stay_scalars_of_their_type(value):
    got = round_trip(value)
    assert type(got) is type(value) and got == value


def test_plain_values_cross_as_they_are():
    value = {"a": (1, 2.5, "x", None, True), 3: [1, [2, (3,)]], (1, "k"): {"nested": ()}, "big": 2**62}
    got = round_trip(value)
    assert got == value
    assert type(got["a"]) is tuple and type(got[3]) is list and type(got[3][1][1]) is tuple


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_non_finite_floats_cross(number):
    got = round_trip(number)
    assert type(got) is float and (math.isnan(got) if math.isnan(number) else got == number)


def test_raised_crosses_with_its_words():
    raised = Raised("ValueError", "bad shape", "line 3 in f: return x", {"en": "bad", "ja": "形が違います"})
    got = round_trip(raised)
    assert type(got) is Raised and got == raised
    assert (got.message, got.where, got.messages) == (raised.message, raised.where, raised.messages)


class Lying:
    """Would lie if asked: every method the encoder might call records the call."""
    calls = []

    def __eq__(self, other):
        Lying.calls.append("eq")
        return True

    def __array__(self, *args, **kwargs):
        Lying.calls.append("array")
        return np.zeros(3)

    def __float__(self):
        Lying.calls.append("float")
        return 0.0

    def __array_ufunc__(self, *args, **kwargs):
        Lying.calls.append("ufunc")
        return True

    __class__ = property(lambda self: float)  # isinstance(Lying(), float) is True: type() is not fooled


def test_an_object_crosses_as_its_type_name_only_and_runs_nothing():
    Lying.calls.clear()
    got = round_trip([Lying(), object()])
    assert [type(item).__name__ for item in got] == ["Lying", "object"]
    assert all(isinstance(item, Opaque) for item in got)
    assert got[0] != 0.0 and not Lying.calls


def test_an_ndarray_subclass_crosses_as_its_plain_numbers():
    class Subclass(np.ndarray):
        def __eq__(self, other):
            return np.ones(np.shape(other), bool)
    got = round_trip(np.full(3, 7.0).view(Subclass))
    assert type(got) is np.ndarray and got.tolist() == [7.0, 7.0, 7.0]


@pytest.mark.parametrize("array", [np.array([object()]), np.zeros(2, dtype=[("a", "f8")]),
                                   np.array(["2020-01-01"], dtype="datetime64[D]")])
def test_object_record_and_date_arrays_do_not_cross(array):
    got = round_trip(array)
    assert isinstance(got, Opaque)


# what the grader refuses -----------------------------------------------------------------------------

def _decode(message: bytes):
    reader = FrameReader()
    reader.feed(message)
    found = reader.next_frame()
    assert found is not None
    return found.fields()


def test_a_pickle_in_a_blob_is_refused():
    blob = npy(np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ProtocolError):
        _decode(frame({"kind": "x", "body": {"t": "ndarray", "blob": 0}, "blobs": [len(blob)]}, blob))


@pytest.mark.parametrize("array", [np.zeros(2, dtype=[("a", "f8")]), np.array(["2020"], dtype="datetime64[Y]")])
def test_record_and_date_blobs_are_refused(array):
    blob = npy(array)
    with pytest.raises(ProtocolError):
        _decode(frame({"kind": "x", "body": {"t": "ndarray", "blob": 0}, "blobs": [len(blob)]}, blob))


@pytest.mark.parametrize("body", [
    {"t": "pickle", "v": "gASV"}, {"t": "code"}, {"x": 1}, {"t": "ndarray", "blob": 5},
    {"t": "float", "v": "1.5"}, {"t": "dict", "k": [{"t": "list", "v": []}], "v": [1]},
    {"t": "scalar", "blob": 0},
])
def test_unknown_tags_and_malformed_values_are_refused(body):
    blob = npy(np.arange(3.0))
    with pytest.raises(ProtocolError):
        _decode(frame({"kind": "x", "body": {"t": "dict", "k": ["v"], "v": [body]}, "blobs": [len(blob)]}, blob))


def test_oversize_headers_and_messages_are_refused_before_their_bytes_arrive():
    reader = FrameReader()
    reader.feed(struct.pack(">Q", protocol.MAX_HEADER_BYTES + 1))
    with pytest.raises(ProtocolError, match="header too large"):
        reader.next_frame()
    reader = FrameReader()
    reader.feed(frame({"kind": "x", "body": None, "blobs": [protocol.MAX_MESSAGE_BYTES]}))
    with pytest.raises(ProtocolError, match="too large"):
        reader.next_frame()


@pytest.mark.parametrize("text", [b"[" * 200_000, b"NaN", b'{"kind": 3}', b"\xff\xfe", b'{"kind": "x", "blobs": [-1]}'])
def test_headers_that_are_not_protocol_json_are_refused(text):
    reader = FrameReader()
    reader.feed(struct.pack(">Q", len(text)) + text)
    with pytest.raises(ProtocolError):
        reader.next_frame()


def test_values_nested_past_the_limit_are_refused():
    body = {"t": "list", "v": []}
    for _ in range(protocol.MAX_DEPTH + 2):
        body = {"t": "list", "v": [body]}
    with pytest.raises(ProtocolError):
        _decode(frame({"kind": "x", "body": {"t": "dict", "k": ["v"], "v": [body]}, "blobs": []}))


# the channel -----------------------------------------------------------------------------------------

def test_frames_arriving_in_any_pieces_come_out_whole_and_in_order():
    message = pack("a", x=np.arange(5.0)) + pack("b", y=(1, "z"))
    reader = FrameReader()
    frames = []
    for index in range(len(message)):  # one byte at a time
        reader.feed(message[index:index + 1])
        while (found := reader.next_frame()) is not None:
            frames.append(found)
    assert [f.kind for f in frames] == ["a", "b"]
    assert frames[0].fields()["x"].tolist() == [0, 1, 2, 3, 4] and frames[1].fields() == {"y": (1, "z")}


def test_a_read_that_times_out_keeps_what_it_read():
    read_fd, write_fd = os.pipe()
    try:
        channel = Channel(read_fd, write_fd)
        message = pack("late", value=41)
        os.write(write_fd, message[:5])
        with pytest.raises(ChannelTimeout):
            channel.receive(timeout=0.05)
        os.write(write_fd, message[5:])
        assert channel.receive(timeout=1) == ("late", {"value": 41})
    finally:
        os.close(read_fd)
        os.close(write_fd)


def test_encoding_a_value_never_calls_its_methods():
    """The worker encodes a student's return value: reading its type must be all it does."""
    Lying.calls.clear()
    blobs = []
    encoded = encode_value({"return": Lying(), "list": [Lying()]}, blobs)
    assert decode_value(encoded, blobs)["return"].__class__.__name__ == "Lying" and not Lying.calls


@pytest.mark.parametrize("array", [
    np.array([0.1, -0.0, 1e-308, 5e-324, 1.7976931348623157e308]),
    np.array([[1.5, 2.25]], dtype=np.float32), np.array([1, 2], dtype=np.float16),
    np.array([np.iinfo(np.int64).min, np.iinfo(np.int64).max]), np.array([2**64 - 1], dtype=np.uint64),
    np.array([True, False]), np.zeros((0, 3)), np.array([1.0, 2.0], dtype=">f8"),
], ids=lambda a: f"{a.dtype.str}{a.shape}")
def test_small_arrays_travel_as_json_and_come_back_bit_for_bit(array):
    blobs: list = []
    encoded = encode_value(array, blobs)
    assert not blobs and "data" in encoded  # inline, no .npy blob
    back = round_trip(array)
    assert back.dtype == array.dtype and back.shape == array.shape
    assert back.tobytes() == array.tobytes()


def test_arrays_with_nan_or_many_elements_still_travel_as_npy():
    for array in (np.array([1.0, np.nan]), np.arange(protocol.INLINE_ARRAY_SIZE + 1.0)):
        blobs: list = []
        assert "blob" in encode_value(array, blobs) and blobs
        assert np.array_equal(round_trip(array), array, equal_nan=True)


@pytest.mark.parametrize("bad", [
    {"t": "ndarray", "dtype": "|O", "shape": [1], "data": [1]},
    {"t": "ndarray", "dtype": "<f8", "shape": [3], "data": [1.0]},
    {"t": "ndarray", "dtype": "<f8", "shape": [1], "data": ["1"]},
    {"t": "ndarray", "dtype": "<f8", "shape": [1], "data": [[1.0]]},
    {"t": "ndarray", "dtype": "V8", "shape": [1], "data": [1]},
    {"t": "ndarray", "dtype": "<i1", "shape": [1], "data": [1000]},
    {"t": "scalar", "dtype": "<f8", "shape": [1], "data": [1.0]},
    {"t": "ndarray", "dtype": "nonsense", "shape": [1], "data": [1.0]},
])
def test_malformed_inline_arrays_are_refused(bad):
    with pytest.raises(ProtocolError):
        decode_value(bad, [])


def test_a_value_encoded_ahead_crosses_as_itself_wherever_it_is_placed():
    big = np.arange(protocol.INLINE_ARRAY_SIZE + 5.0)           # a blob of its own
    ahead = protocol.encoded([{"x": big, "n": 3}, np.arange(4)])
    before = np.linspace(0, 1, protocol.INLINE_ARRAY_SIZE + 1)  # blobs already in the message
    got = round_trip({"first": before, "ahead": ahead, "again": ahead, "last": big * 2})
    np.testing.assert_array_equal(got["first"], before)
    for each in (got["ahead"], got["again"]):
        np.testing.assert_array_equal(each[0]["x"], big)
        assert each[0]["n"] == 3 and each[1].tolist() == [0, 1, 2, 3]
    np.testing.assert_array_equal(got["last"], big * 2)


def test_a_string_utf8_cannot_hold_still_packs_and_crosses():
    assert round_trip(["日本語", "\ud800"]) == ["日本語", "\ud800"]


def test_the_relay_can_read_a_message_without_its_arrays():
    message = pack("at", outputs={"y": np.arange(1000.0), "s": np.float64(2.0), "k": {np.int64(1): 2}}, printed="p")
    reader = FrameReader()
    reader.feed(message)
    fields = reader.next_frame().fields(arrays=False)
    assert fields["outputs"]["y"] is protocol.SKIPPED_ARRAY and fields["outputs"]["s"] is protocol.SKIPPED_SCALAR
    assert fields["outputs"]["k"] == {protocol.SKIPPED_SCALAR: 2} and fields["printed"] == "p"
    broken = frame({"kind": "at", "body": {"t": "dict", "k": ["y"], "v": [{"t": "ndarray", "blob": 0}]}, "blobs": [3]},
                   b"bad")
    reader.feed(broken)
    skipped = reader.next_frame()
    assert skipped.fields(arrays=False) == {"y": protocol.SKIPPED_ARRAY}
    with pytest.raises(ProtocolError):  # the grader, reading the arrays, refuses the blob
        skipped.fields()


def test_a_worker_holds_only_the_inputs_of_the_submission_it_grades():
    """worker._with_inputs: a check's inputs come with the job or from the one before; whatever
    this job does not use is dropped, so no child holds another suite's inputs."""
    from autograder.grading.worker import _with_inputs

    def job(inputs, keep, *keys):
        return {"inputs": inputs, "keep": keep, "steps": [{"action": "test", "checks": [{"inputs": k} for k in keys]}]}

    first = job({"a/visible": [1], "b/hidden": [2]}, ["a/visible", "b/hidden"], "a/visible", "b/hidden")
    held = _with_inputs(first, {})
    assert [c["cases"] for c in first["steps"][0]["checks"]] == [[1], [2]] and set(held) == {"a/visible", "b/hidden"}
    second = job({}, ["a/visible"], "a/visible")
    held = _with_inputs(second, held)
    assert second["steps"][0]["checks"][0]["cases"] == [1] and set(held) == {"a/visible"}
    third = job({}, ["b/hidden"], "b/hidden")  # dropped before: not held any more
    held = _with_inputs(third, held)
    assert third["steps"][0]["checks"][0]["cases"] == [] and held == {}
