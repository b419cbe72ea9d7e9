"""Request signing for the TikTok Shop Open API (versioned API, 202309 and later).

The official algorithm: take every query parameter except ``sign`` and ``access_token``,
sort by key, concatenate ``{key}{value}`` (decoded values), put the request path in
front, append the request body exactly as sent (unless the body is multipart), wrap
the whole string in the app secret and return the lowercase hex HMAC-SHA256 of it,
keyed with the app secret.

Both the client and the sandbox use :func:`compute_sign`; the client always signs
the *prepared* request (see :func:`sign_for_url`) so that what is signed is exactly
what goes on the wire.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlsplit

EXCLUDED_KEYS = frozenset({"sign", "access_token"})


def string_to_sign(
    path: str,
    params: Mapping[str, str] | Iterable[tuple[str, str]],
    body: bytes | None,
    *,
    multipart: bool = False,
) -> bytes:
    """Return the bytes that are wrapped in the secret and signed (without the secret)."""
    items = params.items() if isinstance(params, Mapping) else params
    pairs = sorted((k, v) for k, v in items if k not in EXCLUDED_KEYS)
    text = path + "".join(f"{k}{v}" for k, v in pairs)
    data = text.encode("utf-8")
    if body and not multipart:
        data += body
    return data


def compute_sign(
    app_secret: str,
    path: str,
    params: Mapping[str, str] | Iterable[tuple[str, str]],
    body: bytes | None = None,
    *,
    multipart: bool = False,
) -> str:
    """Compute the ``sign`` query parameter (lowercase hex HMAC-SHA256)."""
    secret = app_secret.encode("utf-8")
    message = secret + string_to_sign(path, params, body, multipart=multipart) + secret
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def sign_for_url(
    app_secret: str, url: str, body: bytes | None, *, multipart: bool = False
) -> str:
    """Sign a fully prepared URL (path + encoded query) and the body bytes that will be sent.

    The query is decoded the way a server decodes it, so a ``page_token`` holding
    ``+``, ``/`` or ``=`` is signed in its raw form and sent percent-encoded.
    """
    parts = urlsplit(url)
    params = parse_qsl(parts.query, keep_blank_values=True)
    return compute_sign(app_secret, parts.path, params, body, multipart=multipart)


def signatures_match(expected: str, given: str) -> bool:
    """Constant-time comparison of two signatures.

    Exact match: clients that send uppercase hex are reported to be refused by
    the live API, so the sandbox refuses them too.
    """
    return hmac.compare_digest(expected.encode(), given.encode())
