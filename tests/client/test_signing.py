"""The official signing algorithm: published vectors and an independent implementation."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote, urlencode

from hypothesis import given
from hypothesis import strategies as st

from tiktokshop.auth.signing import compute_sign, sign_for_url, signatures_match, string_to_sign


def test_official_doc_vector() -> None:
    sign = compute_sign("e59af819cc", "/authorization/202309/shops",
                        {"app_key": "29a39d", "timestamp": "1623812664"})
    assert sign == "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8"


def test_ecomphp_vector() -> None:
    assert compute_sign("app_secret", "/test-api", {"foo": "bar"}) == (
        "d3cb7fe11ecae942802ceeca67e7cf10120cc12f1517d45fbc1c8cfe5413c80f")


def test_sign_and_access_token_are_excluded_and_body_appended() -> None:
    base = string_to_sign("/p", {"b": "2", "a": "1", "sign": "x", "access_token": "t"}, b'{"k":1}')
    assert base == b'/pa1b2{"k":1}'
    assert string_to_sign("/p", {"a": "1"}, b"{}", multipart=True) == b"/pa1"


def test_prepared_url_is_signed_with_decoded_values() -> None:
    token = "ab+/cd=="
    query = urlencode([("app_key", "k"), ("page_token", token), ("timestamp", "1")],
                      quote_via=quote, safe="")
    assert "%2B" in query and "%2F" in query and "%3D" in query
    from_url = sign_for_url("s3cr3t", f"https://h/x/202309/y?{query}", b"{}")
    direct = compute_sign("s3cr3t", "/x/202309/y",
                          {"app_key": "k", "page_token": token, "timestamp": "1"}, b"{}")
    assert from_url == direct


def test_uppercase_signature_does_not_match() -> None:
    sign = compute_sign("s", "/p", {"a": "1"})
    assert signatures_match(sign, sign)
    assert not signatures_match(sign, sign.upper())


def independent_sign(secret: str, path: str, params: dict[str, str], body: bytes) -> str:
    """Written from the prose of the official algorithm, separately from the module."""
    keys = sorted(k for k in params if k not in ("sign", "access_token"))
    plain = path + "".join(k + params[k] for k in keys)
    wrapped = secret.encode() + plain.encode() + body + secret.encode()
    return hmac.new(secret.encode(), wrapped, hashlib.sha256).hexdigest()


@given(
    secret=st.text(min_size=1, max_size=20),
    params=st.dictionaries(st.text("abcdefghij_", min_size=1, max_size=8),
                           st.text(min_size=1, max_size=12), max_size=6),
    body=st.binary(max_size=40),
)
def test_matches_independent_implementation(secret: str, params: dict[str, str],
                                            body: bytes) -> None:
    assert compute_sign(secret, "/a/202309/b", params, body) == independent_sign(
        secret, "/a/202309/b", params, body)
