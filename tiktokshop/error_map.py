"""Map TikTok Shop error answers to retry / refresh / re-stamp / fail, with advice.

TikTok reports errors in the body ``code`` (HTTP 200 can carry an error) and reuses
36009004 for several unrelated problems, so that code is told apart by message
keywords, as TikTok's own error page recommends.
"""

from __future__ import annotations

from tiktokshop import codes
from tiktokshop.endpoints import DEFAULT_VERSION
from tiktokshop.errors import (
    APIError,
    FatalAPIError,
    RetryableAPIError,
    TimestampRejectedError,
    TokenExpiredError,
)

RETRYABLE_CODES = frozenset({
    codes.RATE_LIMITED,
    codes.INTERNAL_ERROR,
    codes.REQUEST_TIMEOUT,
    # Get Order Detail: "Failed to get orders" family, documented as temporary.
    10002014, 10002015, 10037002, 10037003, 10037004,
})

REAUTHORIZE = (
    "have the seller authorize the shop again (run `tiktokshop-auth link` for the link, then "
    "`tiktokshop-auth exchange --code ...`) and set the new refresh_token or token_store_path"
)

HINTS: dict[int, str] = {
    codes.INVALID_SIGN: (
        "the request signature was refused: check that app_secret belongs to app_key (Partner "
        "Center > App & Service > your app > Developing); a proxy that rewrites the query or "
        "body also breaks signatures"
    ),
    codes.CIPHER_MISMATCH: (
        "the access token is not authorized for this shop: check shop_ids against "
        "`tiktokshop-auth shops`, or " + REAUTHORIZE
    ),
    codes.CIPHER_MISSING: (
        "the shop cipher was not sent; this is a connector bug, please report it with the "
        "request_id"
    ),
    codes.INVALID_PATH: (
        "TikTok does not know this path: check api_base_url (the API host alone, e.g. "
        "https://open-api.tiktokglobalshop.com, with no path unless a proxy needs one) and "
        f"api_version (default {DEFAULT_VERSION})"
    ),
    codes.INVALID_METHOD: "connector bug (wrong HTTP method); please report it with the request_id",
    codes.INVALID_VERSION: (
        "TikTok does not accept this API version for this endpoint; set api_version to 202309 "
        "or a newer supported version"
    ),
    codes.IP_NOT_ALLOWED: (
        "this machine's IP address is not in the app's IP allow list; add it in Partner Center "
        "or run from an allowed address"
    ),
    codes.SANDBOX_HOURLY_QUOTA: (
        "the development shop's hourly API quota is used up; run again after the hour"
    ),
    codes.SHOP_DISABLED: "the shop is disabled in TikTok Shop; remove it from shop_ids",
    codes.SELLER_DISABLED: "the seller account is disabled in TikTok Shop",
    codes.TOKEN_EXPIRED: "the access token expired and could not be refreshed; " + REAUTHORIZE,
    codes.PRODUCT_SEARCH_TOO_MANY: (
        "product search matched more than 10,000 products; the connector splits the window, "
        "so this means a single second holds more than 10,000 updates"
    ),
}


def scope_hint(scope: str | None) -> str:
    """Advice for 105005 (scope missing), naming the scope when the endpoint is known."""
    needed = f" '{scope}'" if scope else ""
    return (
        f"the app lacks the API scope{needed} for this endpoint: enable it for the app in Partner "
        f"Center (App & Service > your app > API scopes), then {REAUTHORIZE}"
    )


def _classify_36009004(message: str) -> tuple[type[APIError], str]:
    text = message.lower()
    if "timestamp" in text:
        return TimestampRejectedError, (
            "the request timestamp is outside TikTok's window (5 minutes behind to 30 seconds "
            "ahead); synchronise this machine's clock (NTP)"
        )
    if "app_key" in text:
        return FatalAPIError, (
            "TikTok does not know this app_key; copy it from Partner Center > App & Service > "
            "your app > Developing"
        )
    if "access_token" in text or "x-tts-access-token" in text:
        return FatalAPIError, "the access token was refused; " + REAUTHORIZE
    if "shop_cipher" in text or "unexpected identifier" in text:
        return FatalAPIError, "connector bug (shop cipher sent where not allowed); please report it"
    if "version" in text:
        return FatalAPIError, HINTS[codes.INVALID_VERSION]
    if "sign" in text:
        return FatalAPIError, "connector bug (signature missing); please report it"
    return FatalAPIError, (
        "TikTok refused the request parameters; if you did not change the connector, please "
        "report it with the request_id"
    )


def classify(
    *,
    code: int | None,
    message: str,
    endpoint: str,
    request_id: str | None,
    http_status: int | None,
    scope: str | None = None,
    retry_after: float | None = None,
) -> APIError:
    """Build the exception that says what to do about one failed API answer."""
    kind: type[APIError] = FatalAPIError
    hint: str | None = HINTS.get(code) if code is not None else None
    if code in RETRYABLE_CODES or http_status == 429:
        kind = RetryableAPIError
    elif code == codes.TOKEN_EXPIRED:
        kind = TokenExpiredError
    elif code == codes.SCOPE_MISSING:
        hint = scope_hint(scope)
    elif code == codes.INVALID_REQUEST:
        kind, hint = _classify_36009004(message)
    elif http_status is not None and http_status >= 500:
        kind = RetryableAPIError
    elif hint is None:
        hint = "this is a business error from TikTok for this call; see the message"
    return kind(
        code=code,
        message=message,
        endpoint=endpoint,
        request_id=request_id,
        http_status=http_status,
        hint=hint,
        retry_after=retry_after,
        scope=scope if code == codes.SCOPE_MISSING else None,
    )
