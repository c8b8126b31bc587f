"""Reading the kernel websocket's v1 frames: what jupyter_server writes is read back, and
any other bytes are refused at once, whatever their offset count claims."""

from __future__ import annotations

import json
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

from workbench.glossary.rules import MAX_FILE_BYTES as GLOSSARY_MAX_FILE_BYTES
from workbench.server.kernel_socket import (
    MAX_MESSAGE_BYTES,
    MAX_OFFSETS,
    Frame,
    MalformedFrame,
    read_frame,
)
from workbench.ui.translate import MAX_UPLOAD_BYTES


def frame(msg_type: str, buffers: list[bytes], channel: str = "shell") -> bytes:
    parts = [json.dumps(part).encode() for part in ({"msg_type": msg_type}, {}, {}, {})]
    written: bytes = serialize_msg_to_ws_v1([*parts, *buffers], channel)
    return written


@given(
    st.sampled_from(["shell", "control", "iopub", "stdin"]),
    st.sampled_from(["comm_msg", "execute_input", "status"]),
    st.lists(st.binary(max_size=64), max_size=5),
)
def test_what_jupyter_server_writes_is_read_back(
    channel: str, msg_type: str, buffers: list[bytes]
) -> None:
    read = read_frame(frame(msg_type, buffers, channel))
    assert read.channel == channel
    assert read.header == {"msg_type": msg_type}


def read_or_refuse(data: bytes) -> Frame | None:
    """A frame read, None when refused; any other error, or a loop past Hypothesis's
    deadline per example, fails the test."""
    try:
        read = read_frame(data)
    except MalformedFrame:
        return None
    assert isinstance(read.channel, str)
    assert isinstance(read.header["msg_type"], str)
    return read


@given(st.binary(max_size=512))
def test_any_bytes_are_read_or_refused(data: bytes) -> None:
    read_or_refuse(data)


@given(st.integers(min_value=0, max_value=2**64 - 1), st.binary(max_size=256))
def test_any_offset_count_is_read_or_refused(count: int, rest: bytes) -> None:
    assert read_or_refuse(count.to_bytes(8, "little") + rest) is None or 6 <= count <= MAX_OFFSETS


def test_a_count_past_the_frame_or_the_most_a_message_has_is_refused() -> None:
    huge = (2**62).to_bytes(8, "little") + bytes(64)
    with pytest.raises(MalformedFrame, match="does not fit"):
        read_frame(huge)
    many = MAX_OFFSETS + 1
    padded = struct.pack(f"<Q{many}Q", many, *[8 * (many + 1)] * many)
    with pytest.raises(MalformedFrame, match="does not fit"):
        read_frame(padded)


def test_the_socket_takes_any_file_the_pages_accept_and_more() -> None:
    """A file somewhat over a page's limit still reaches the page, which says so."""
    assert 2 * max(MAX_UPLOAD_BYTES, GLOSSARY_MAX_FILE_BYTES) <= MAX_MESSAGE_BYTES
