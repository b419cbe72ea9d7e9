"""Opaque, tamper-proof, query-bound keyset page tokens.

A token is standard base64 (with padding) of: a fixed 3-byte prefix whose base64
is ``+/+/`` + a 12-byte HMAC + a compact JSON payload ``{"b": binding, "k": key}``,
padded so the length is never a multiple of 3. Every token therefore contains
``+``, ``/`` and ``=`` - clients must percent-encode it in the query, exactly as
with the live API, whose tokens hold these characters too.

``binding`` is a digest of the endpoint, shop, filters and sort; a token presented
with another query, or altered in any way, is refused (36009004 invalid page_token).
``key`` is the last row's normalised sort key, so paging is keyset-based and stable.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from typing import Any

_PREFIX = b"\xfb\xff\xbf"  # base64 "+/+/"
_MAC_LEN = 12


class InvalidPageToken(ValueError):
    pass


def binding_for(*parts: Any) -> str:
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


class PageTokenCodec:
    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret or secrets.token_bytes(32)

    def encode(self, binding: str, key: list[Any], nonce: int | None = None) -> str:
        """A token resuming after ``key``; a ``nonce`` makes it differ from others (chaos)."""
        doc: dict[str, Any] = {"b": binding, "k": key}
        if nonce is not None:
            doc["n"] = nonce
        payload = json.dumps(doc, separators=(",", ":")).encode()
        if (len(_PREFIX) + _MAC_LEN + len(payload)) % 3 == 0:
            payload += b" "  # JSON tolerates trailing whitespace; forces "=" padding
        mac = hmac.new(self._secret, payload, hashlib.sha256).digest()[:_MAC_LEN]
        raw = _PREFIX + mac + payload
        token = base64.b64encode(raw).decode("ascii")
        assert "+" in token
        assert "/" in token
        assert "=" in token
        return token

    def decode(self, token: str, binding: str) -> list[Any]:
        try:
            raw = base64.b64decode(token.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
            raise InvalidPageToken("malformed") from exc
        if not raw.startswith(_PREFIX) or len(raw) <= len(_PREFIX) + _MAC_LEN:
            raise InvalidPageToken("malformed")
        mac = raw[len(_PREFIX):len(_PREFIX) + _MAC_LEN]
        payload = raw[len(_PREFIX) + _MAC_LEN:]
        expected = hmac.new(self._secret, payload, hashlib.sha256).digest()[:_MAC_LEN]
        if not hmac.compare_digest(mac, expected):
            raise InvalidPageToken("tampered")
        try:
            data = json.loads(payload)
        except ValueError as exc:
            raise InvalidPageToken("malformed") from exc
        if not isinstance(data, dict) or data.get("b") != binding:
            raise InvalidPageToken("bound to another query")
        key = data.get("k")
        if not isinstance(key, list):
            raise InvalidPageToken("malformed")
        return key
