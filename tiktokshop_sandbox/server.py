"""HTTP plumbing (standard library only) and the :class:`Sandbox` start/stop API.

One ``ThreadingHTTPServer`` (HTTP/1.1 keep-alive, daemon threads) serves the
business API, the token host routes and the admin routes on one port. ``stop()``
shuts the listener down and closes open keep-alive connections, so it never
waits on idle clients.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import socket
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .admin import handle_admin
from .analytics_book import day_str
from .context import Request, Response
from .dataset import Dataset
from .gateway import handle_business
from .handlers_token import TOKEN_PATHS, handle_authorize, handle_token
from .options import SandboxOptions
from .state import SandboxState

MAX_BODY = 8 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "tiktokshop-sandbox"
    sys_version = ""
    timeout = 120  # idle keep-alive connections are closed after this many seconds
    disable_nagle_algorithm = True  # headers and body go out in two writes
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the sandbox never logs (requests may carry secrets)."""

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header, from the sandbox's clock (``clock_skew_seconds``)."""
        return super().date_time_string(
            self.server.sandbox.options.now() if timestamp is None else timestamp)

    def _read_body(self) -> bytes | None:
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            chunks, size = [], 0
            while True:
                line = self.rfile.readline(1024)
                length = int(line.split(b";")[0].strip() or b"0", 16)
                if length == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                size += length
                if size > MAX_BODY:
                    return None
                chunks.append(self.rfile.read(length))
                self.rfile.readline(1024)
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except ValueError:
            body = None
        if body is None:
            self.close_connection = True
            self._send(Response(413, {"error": "request body too large or malformed"}))
            return
        parts = urlsplit(self.path)
        req = Request(self.command, parts.path, parse_qsl(parts.query, keep_blank_values=True),
                      self.headers, body, self.client_address[0])
        resp = self.server.sandbox.dispatch(req)
        if resp.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._send(resp)

    def _send(self, resp: Response) -> None:
        payload = json.dumps(resp.payload, separators=(",", ":")).encode()
        self.send_response(resp.status)
        self.send_header("Content-Type", "application/json")
        if self.server.sandbox.options.gzip and _accepts_gzip(self.headers):
            payload = gzip.compress(payload, compresslevel=1)  # a gateway's usual level
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in resp.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)


def _accepts_gzip(headers: Any) -> bool:
    """True when ``Accept-Encoding`` lists gzip without ``q=0``."""
    for item in (headers.get("accept-encoding") or "").split(","):
        name, _, params = item.strip().partition(";")
        if name.strip().lower() == "gzip":
            return params.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # bursts of new connections from concurrent clients

    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conns_lock:
            self._conns.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (killed, timed out) is normal here: no traceback."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class Sandbox:
    """A running emulator: ``Sandbox(options).start()`` ... ``.stop()`` (or ``with``)."""

    def __init__(self, options: SandboxOptions | None = None, **overrides: Any) -> None:
        options = options or SandboxOptions()
        self.options = options.replace(**overrides) if overrides else options
        self.state: SandboxState | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._refresh_token = ""

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        if self.state is None:
            self.state = SandboxState.build(self.options)
            self._refresh_token = self.state.tokens.issue()["refresh_token"]
        self._server = _Server((self.options.host, self.options.port), self)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name="tiktokshop-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----------------------------------------------------------------- accessors
    def _require_state(self) -> SandboxState:
        if self.state is None:
            raise RuntimeError("sandbox not started")
        return self.state

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("sandbox not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        host = self.options.host
        if host in ("", "0.0.0.0"):  # noqa: S104 - mapping a wildcard bind to a client URL
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def dataset(self) -> Dataset:
        return self._require_state().dataset

    def config(self) -> dict:
        """The tap/target config (same as ``--config-out``); holds the app secret."""
        opts = self.options
        return {
            "app_key": opts.app_key,
            "app_secret": opts.app_secret,
            "service_id": opts.service_id,
            "service_region": "Non-US",
            "api_version": "202509",  # the plugins' default (tiktokshop.endpoints)
            "refresh_token": self._refresh_token,
            "api_base_url": self.base_url,
            "auth_base_url": self.base_url,
            "shop_ids": [s.id for s in self.dataset.shops],
            # the analytics limit this sandbox enforces (0: none), so the client spaces
            # its analytics calls to match
            "rate_limit_qps_analytics": opts.analytics_rate_limit_qps,
            # the first day of the analytics history generated (the tap would otherwise
            # ask for every day of the API's retention, empty here)
            "analytics_start_date": day_str(self.dataset.analytics.first_day),
        }

    def write_config(self, path: str | os.PathLike[str]) -> None:
        write_private_json(Path(path), self.config())

    # ----------------------------------------------------------------- helpers
    def mint_auth_code(self) -> str:
        return self._require_state().tokens.mint_auth_code()

    def issue_tokens(self) -> dict:
        """A fresh authorization, shaped like the ``data`` of ``/api/v2/token/get``."""
        return self._require_state().tokens.issue()

    def mutate(self, products: int = 0, orders: int = 0, seed: int | None = None) -> dict:
        return self.dataset.mutate(products, orders, seed)

    def dispatch(self, req: Request) -> Response:
        state = self._require_state()
        if req.path.startswith("/sandbox/"):
            return handle_admin(state, req, self.config)
        if req.path == "/open/authorize":
            return handle_authorize(state, req)
        if req.path in TOKEN_PATHS:
            resp, endpoint = handle_token(state, req)
        else:
            resp, endpoint = handle_business(state, req)
        if resp.drop:
            outcome = "dropped"
        else:
            code = resp.payload.get("code") if isinstance(resp.payload, dict) else None
            outcome = "ok" if code == 0 else str(code)
        state.stats.record(endpoint, outcome)
        return resp


def write_private_json(path: Path, data: dict) -> None:
    """Write JSON atomically with mode 0600 (temp file in the same folder + rename)."""
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
