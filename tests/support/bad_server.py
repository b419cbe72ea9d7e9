"""A loopback HTTP server that answers the way broken proxies and overloaded APIs do.

Each behaviour is a function writing raw bytes to the client socket, so the tests get
exactly what a real misbehaving peer sends: an HTML 502 page, a cut-off JSON body, a
body that trickles in, a connection reset in the middle of a body. The server stops
with its context manager; every connection is served on its own thread.
"""

from __future__ import annotations

import gzip
import json
import socket
import socketserver
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Behaviour = Callable[[socket.socket], None]


def _head(status: str, content_type: str, length: int | None) -> bytes:
    lines = [f"HTTP/1.1 {status}", f"Content-Type: {content_type}", "Connection: close"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def answer(status: str, content_type: str, body: bytes) -> Behaviour:
    """A complete answer (any status, content type and body)."""
    def send(conn: socket.socket) -> None:
        conn.sendall(_head(status, content_type, len(body)) + body)
    return send


def envelope(payload: dict[str, Any]) -> Behaviour:
    """A complete JSON answer with HTTP 200."""
    return answer("200 OK", "application/json", json.dumps(payload).encode())


def chunked_compressed(payload: dict[str, Any], encoding: str, piece: int = 97) -> Behaviour:
    """A 200 sent as a proxy re-encoding it would: ``Transfer-Encoding: chunked`` with
    the JSON compressed (``gzip`` or ``deflate``) and cut into small chunks."""
    raw = json.dumps(payload).encode()
    body = gzip.compress(raw) if encoding == "gzip" else zlib.compress(raw)

    def send(conn: socket.socket) -> None:
        conn.sendall(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      f"Content-Encoding: {encoding}\r\nTransfer-Encoding: chunked\r\n"
                      "Connection: close\r\n\r\n").encode())
        for start in range(0, len(body), piece):
            part = body[start:start + piece]
            conn.sendall(b"%x\r\n%s\r\n" % (len(part), part))
        conn.sendall(b"0\r\n\r\n")
    return send


def cut_off_json() -> Behaviour:
    """A 200 whose JSON stops half way (the declared length matches what is sent)."""
    return answer("200 OK", "application/json", b'{"code":0,"data":{"orders":[{"id":"57')


def short_body() -> Behaviour:
    """Declares more bytes than it sends, then closes (a proxy dying mid-answer)."""
    def send(conn: socket.socket) -> None:
        conn.sendall(_head("200 OK", "application/json", 500) + b'{"code":0,"data":{')
    return send


def trickle(seconds: float, interval: float = 0.2) -> Behaviour:
    """Headers at once, then one byte of the body every ``interval`` for ``seconds``."""
    def send(conn: socket.socket) -> None:
        body = b'{"code":0,"message":"Success","request_id":"slow","data":{}}'
        conn.sendall(_head("200 OK", "application/json", len(body)))
        deadline = time.monotonic() + seconds
        for byte in body:
            if time.monotonic() > deadline:
                return
            try:
                conn.sendall(bytes([byte]))
            except OSError:  # the client gave up (what the test wants)
                return
            time.sleep(interval)
    return send


def reset_mid_body() -> Behaviour:
    """Part of the body, then a TCP reset (SO_LINGER 0)."""
    def send(conn: socket.socket) -> None:
        conn.sendall(_head("200 OK", "application/json", 400) + b'{"code":0,"data":{"ord')
        time.sleep(0.05)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    return send


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        conn: socket.socket = self.request
        conn.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            rest += chunk
        with self.server.lock:
            self.server.requests += 1
            behaviour = self.server.script.pop(0) if self.server.script else self.server.default
        behaviour(conn)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, script: list[Behaviour], default: Behaviour) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script, self.default = list(script), default
        self.lock = threading.Lock()
        self.requests = 0


@contextmanager
def bad_server(script: list[Behaviour], default: Behaviour | None = None) -> Iterator[_Server]:
    """Serve ``script`` (one behaviour per request, then ``default``) on 127.0.0.1."""
    server = _Server(script, default or envelope({"code": 0, "message": "Success",
                                                  "request_id": "ok", "data": {}}))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def base_url(server: _Server) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"
