"""The tap's Singer message writer: same JSON as the SDK's, RECORDs buffered until a STATE."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from singer_sdk.singerlib import RecordMessage, SchemaMessage, StateMessage

from tap_tiktokshop.message_writer import TapMessageWriter, write_all
from tap_tiktokshop.tap import TapTikTokShop
from tests.support.singer_io import bounded


class CountingBuffer(io.BytesIO):
    """A byte stream that counts how often its content was pushed out."""

    def __init__(self) -> None:
        super().__init__()
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1
        super().flush()


@contextmanager
def counting_stdout() -> Iterator[CountingBuffer]:
    """sys.stdout over a counting buffer, inside the test body (pytest swaps stdout)."""
    raw = CountingBuffer()
    saved, sys.stdout = sys.stdout, io.TextIOWrapper(raw, encoding="utf-8")
    try:
        yield raw
    finally:
        sys.stdout.detach()  # flushes, and leaves the buffer open for the checks
        sys.stdout = saved


def lines(raw: CountingBuffer) -> list[dict]:
    # Split on "\n" only, as Singer readers do: U+2028 inside a string is not a line break.
    return [json.loads(line) for line in raw.getvalue().decode("utf-8").split("\n") if line]


def test_tap_uses_this_writer() -> None:
    assert TapTikTokShop.message_writer_class is TapMessageWriter


def test_records_wait_for_the_next_state_which_is_flushed() -> None:
    writer = TapMessageWriter()
    with counting_stdout() as stdout:
        writer.write_message(SchemaMessage("orders", {"type": "object"}, ["id"]))
        after_schema = stdout.flushes
        assert after_schema >= 1
        for n in range(50):
            writer.write_message(RecordMessage("orders", {"id": str(n)}))
        assert stdout.flushes == after_schema
        writer.write_message(StateMessage({"bookmarks": {"orders": {"n": 49}}}))
        assert stdout.flushes > after_schema
        written = stdout.getvalue().decode("utf-8").split("\n")[:-1]
    assert len(written) == 52, "the STATE flush pushed out every record before it"
    assert json.loads(written[-1]) == {"type": "STATE",
                                       "value": {"bookmarks": {"orders": {"n": 49}}}}


def test_json_matches_the_sdk_writer_for_api_values() -> None:
    record = {"id": "5770", "name": "Café ☕ 台灣 \u2028 \"q\" \\", "n": 2**70, "x": 1.5,
              "nan": float("nan"), "flag": True, "none": None, "list": [{"a": [1, "b"]}]}
    extracted = datetime(2026, 11, 25, 23, 0, tzinfo=timezone.utc)
    with counting_stdout() as stdout:
        TapMessageWriter().write_message(RecordMessage("orders", record,
                                                       time_extracted=extracted))
    [line] = lines(stdout)
    assert line["record"] == {**record, "nan": None}
    assert datetime.fromisoformat(line["time_extracted"].replace("Z", "+00:00")) == extracted
    assert "Café ☕ 台灣".encode() in stdout.getvalue(), "non-ASCII is written as UTF-8"


def test_a_lone_surrogate_is_escaped_not_fatal() -> None:
    # JSON may escape half a surrogate pair; json.loads accepts it, UTF-8 cannot hold it.
    record = json.loads('{"id": "1", "title": "bad \\ud800 half", "ok": "é"}')
    writer = TapMessageWriter()
    with counting_stdout() as stdout:
        writer.write_message(RecordMessage("products", record))
        writer.write_message(RecordMessage("products", {"id": "2"}))
    first, second = lines(stdout)
    assert first["record"] == record
    assert second["record"] == {"id": "2"}
    assert b"\\ud800" in stdout.getvalue()


class ShortWrites(io.RawIOBase):
    """A raw file that takes at most 7 bytes a call, like a pipe write cut by a signal."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.calls = 0

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[no-untyped-def, override]
        self.calls += 1
        chunk = bytes(b[:7])
        self.data += chunk
        return len(chunk)


def test_every_byte_is_written_to_an_unbuffered_stdout() -> None:
    # PYTHONUNBUFFERED=1 makes sys.stdout.buffer the raw file, whose write may be partial.
    raw = ShortWrites()
    line = b'{"type":"RECORD","stream":"orders","record":{"id":"1"}}\n'
    write_all(raw, bytearray(line))
    assert bytes(raw.data) == line
    assert raw.calls == -(-len(line) // 7)


WRITER_CHILD = """
import signal, sys
from singer_sdk.singerlib import RecordMessage
from tests.support.singer_io import bounded
from tap_tiktokshop.message_writer import TapMessageWriter

stop = []
signal.signal(signal.SIGTERM, lambda *_: stop.append(1))  # like the tap: finish the line
writer = TapMessageWriter()
for n in range(2000):
    writer.write_message(RecordMessage("orders", {"id": str(n), "blob": "x" * 200_000}))
    if stop:
        sys.exit(143)
"""


def test_a_signal_during_a_blocked_write_leaves_no_torn_line() -> None:
    """Real pipe, real signal, PYTHONUNBUFFERED=1: a line longer than the pipe blocks half
    written; SIGTERM then makes the raw write return early. The line must still end."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-c", WRITER_CHILD], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, bufsize=0)
    with bounded(proc, 60):
        assert proc.stdout is not None
        # Unbuffered reads: exactly 250,000 bytes leave the child waiting on a full pipe in
        # the middle of its second 200,066-byte line, part of which the kernel has taken.
        head = b""
        while len(head) < 250_000:
            head += os.read(proc.stdout.fileno(), 250_000 - len(head))
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        rest = proc.stdout.read()
        proc.wait(30)
    output = head + rest
    assert proc.returncode == 143, proc.stderr.read() if proc.stderr else ""
    assert output.endswith(b"\n")
    records = [json.loads(line) for line in output.split(b"\n")[:-1]]
    assert [r["record"]["id"] for r in records] == [str(n) for n in range(len(records))]
    assert all(len(r["record"]["blob"]) == 200_000 for r in records)
