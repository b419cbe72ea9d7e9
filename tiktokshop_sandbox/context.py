"""Error type, envelope and per-request context shared by the endpoint handlers."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tiktokshop import codes

if TYPE_CHECKING:
    from .dataset import Dataset
    from .gen_shops import SeededShop
    from .options import SandboxOptions
    from .pagination import PageTokenCodec
    from .query import SearchCache
    from .routes import Route


class ApiError(Exception):
    """An error answered inside the standard envelope (``data`` null)."""

    def __init__(
        self, code: int, message: str, status: int = 200, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.headers = headers or {}


@dataclass
class Request:
    """A parsed HTTP request, independent of the server plumbing."""

    method: str
    path: str
    query: list[tuple[str, str]]  # decoded, in wire order, blanks kept
    headers: Mapping[str, str]  # case-insensitive lookups (email.message.Message)
    body: bytes
    peer: str

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


@dataclass
class Response:
    status: int
    payload: Any = None  # JSON-serialisable
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering


def request_id() -> str:
    """Like the live ids: UTC timestamp (14 digits) + 20 uppercase hex characters."""
    return time.strftime("%Y%m%d%H%M%S", time.gmtime()) + secrets.token_hex(10).upper()


def envelope(code: int, message: str, data: Any) -> dict:
    return {"code": code, "message": message, "request_id": request_id(), "data": data}


def invalid(message: str, status: int = 400) -> ApiError:
    """36009004, the overloaded "invalid request" code."""
    return ApiError(codes.INVALID_REQUEST, message, status)


@dataclass
class Context:
    """What a business handler sees: validated query, parsed body and the resolved shop."""

    dataset: Dataset
    options: SandboxOptions
    codec: PageTokenCodec
    cache: SearchCache
    route: Route
    version: str
    params: dict[str, str]
    query: dict[str, str]
    body: dict[str, Any]
    shop: SeededShop | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def template(self) -> str:
        return self.route.template(self.version)

    def require_shop(self) -> SeededShop:
        assert self.shop is not None
        return self.shop


# ------------------------------------------------------------------ validation helpers
#: Whether the request being handled is checked strictly (set by the gateway per request).
STRICT: ContextVar[bool] = ContextVar("sandbox_strict", default=True)


def check_body_fields(body: dict, allowed: set[str] | frozenset[str]) -> None:
    """Refuse body fields the endpoint's request schema does not define, in strict mode.

    Otherwise they are ignored, as the live API most likely does with fields newer than
    this sandbox's snapshot.
    """
    unknown = sorted(set(body) - set(allowed))
    if unknown and STRICT.get():
        raise invalid(f"Invalid param. Unknown request body field `{unknown[0]}`.")


def body_int(body: dict, name: str, code: int = codes.INVALID_REQUEST) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        status = 400 if code == codes.INVALID_REQUEST else 200
        raise ApiError(code, f"Invalid param. `{name}` must be a Unix timestamp in seconds.",
                       status)
    return value


def body_str_list(
    body: dict, name: str, *, allowed: tuple[str, ...] | None = None,
    max_items: int | None = None, too_many_code: int = codes.INVALID_REQUEST,
) -> list[str] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise invalid(f"Invalid param. `{name}` must be an array of non-empty strings.")
    if max_items is not None and len(value) > max_items:
        status = 400 if too_many_code == codes.INVALID_REQUEST else 200
        raise ApiError(too_many_code, f"Invalid param. `{name}` accepts at most {max_items} "
                                      "values.", status)
    if allowed is not None:
        for v in value:
            if v not in allowed:
                raise invalid(f"Invalid param. Unsupported value `{v}` in `{name}`.")
    return value


def body_enum(body: dict, name: str, allowed: tuple[str, ...]) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if value not in allowed:
        raise invalid(f"Invalid param. Unsupported value for `{name}`.")
    return value


def query_page_size(
    query: dict[str, str], low: int, high: int, default: int | None,
    code: int = codes.INVALID_REQUEST,
) -> int:
    raw = query.get("page_size")
    status = 400 if code == codes.INVALID_REQUEST else 200
    if raw is None:
        if default is None:
            raise ApiError(code, "Invalid param. The `page_size` query parameter is required.",
                           status)
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ApiError(code, f"Invalid param. `page_size` must be an integer in [{low}, {high}].",
                       status)
    return int(raw)


def query_enum(query: dict[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = query.get(name, default)
    if value not in allowed:
        raise invalid(f"Invalid param. Unsupported value for `{name}`.")
    return value
