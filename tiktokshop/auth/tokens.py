"""Access-token lifecycle: exchange an auth code, refresh ahead of expiry, persist rotations.

Token calls are unsigned GETs to the auth host with the app secret in the query, so
their URLs are never logged and transport errors are re-raised without the URL.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import requests

from tiktokshop import codes
from tiktokshop.auth.token_store import TokenSet, TokenStore, fingerprint
from tiktokshop.connection import ConnectionSettings
from tiktokshop.error_map import REAUTHORIZE
from tiktokshop.errors import AuthorizationError, RetryableAPIError
from tiktokshop.redact import REDACTOR
from tiktokshop.retry import with_retries

TOKEN_GET_PATH = "/api/v2/token/get"
TOKEN_REFRESH_PATH = "/api/v2/token/refresh"
REFRESH_MARGIN_SECONDS = 600  # refresh when the access token has less than this left...
REFRESH_MARGIN_FRACTION = 0.25  # ...or than this share of its lifetime, when that is shorter
#: An expiry below this (2001-09-09, 10**9 Unix seconds) is a duration, not a timestamp.
ABSOLUTE_EXPIRY_FLOOR = 10**9

logger = logging.getLogger("tiktokshop.auth.tokens")


class TokenManager:
    """Hands out a valid access token; thread-safe (product details are fetched in parallel)."""

    def __init__(
        self,
        settings: ConnectionSettings,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.session = session or requests.Session()
        self.clock = clock
        self._lock = threading.Lock()
        REDACTOR.add(*settings.secrets())
        self._store = (
            TokenStore(settings.token_store_path, settings.app_key)
            if settings.token_store_path else None
        )
        self._short_streak = 0  # consecutive tokens living less than the refresh margin
        self._tokens = self._initial_tokens()
        self._count_lifetime(self._tokens)

    # ----------------------------------------------------------------- selection
    def _initial_tokens(self) -> TokenSet:
        """Prefer stored (rotated) tokens unless the config carries a newer authorization."""
        cfg = self.settings
        seed = fingerprint(cfg.refresh_token) or fingerprint(cfg.auth_code)
        stored = self._store.load() if self._store else None
        if stored and stored.refresh_token:
            same_origin = seed is None or seed == stored.origin
            if same_origin or cfg.refresh_token == stored.refresh_token:
                logger.info("Using tokens from the token store (seller %s)", stored.seller_name)
                _absolute_expiries(stored)  # a store written before durations were caught
                REDACTOR.add(stored.access_token, stored.refresh_token)
                return stored
            logger.info("Configured refresh_token differs from the token store's origin; "
                        "using the configured authorization")
        return TokenSet(
            access_token=cfg.access_token,
            access_token_expire_in=None,
            refresh_token=cfg.refresh_token,
            origin=seed,
        )

    @property
    def tokens(self) -> TokenSet:
        """Current token set (do not log it)."""
        return self._tokens

    # ----------------------------------------------------------------- access
    def access_token(self) -> str:
        """A usable access token, refreshing or exchanging first when needed."""
        with self._lock:
            tokens = self._tokens
            if tokens.access_token and not self._expiring(tokens):
                return tokens.access_token
            if tokens.refresh_token:
                self._refresh_locked()
            elif self.settings.auth_code and not tokens.access_token:
                self._exchange_locked(self.settings.auth_code)
            elif not tokens.access_token:
                raise AuthorizationError(
                    "No usable token: set refresh_token, access_token or auth_code, or "
                    "token_store_path; " + REAUTHORIZE
                )
            assert self._tokens.access_token
            return self._tokens.access_token

    def token_expired(self, stale_token: str) -> str:
        """Called after a 105002 answer: refresh unless another thread already did."""
        with self._lock:
            if self._tokens.access_token != stale_token:
                return self._tokens.access_token or ""
            if not self._tokens.refresh_token:
                raise AuthorizationError(
                    "The access token expired and no refresh_token is configured; set "
                    "refresh_token (or token_store_path) so tokens can be renewed"
                )
            self._refresh_locked(stale_token)
            return self._tokens.access_token or ""

    def _expiring(self, tokens: TokenSet) -> bool:
        """True when the access token should be refreshed before its next use.

        The margin is 10 minutes. When the token host keeps issuing tokens that live
        less than that (two in a row: short-lived tokens, a sandbox), the margin becomes
        a quarter of their lifetime, so each token is used for most of its life instead
        of being refreshed before every call.
        """
        expiry = tokens.access_token_expire_in
        if expiry is None:
            return False
        margin = float(REFRESH_MARGIN_SECONDS)
        lifetime = _lifetime(tokens)
        if self._short_streak >= 2 and lifetime is not None:
            margin = min(margin, max(0.0, lifetime * REFRESH_MARGIN_FRACTION))
        return expiry - self.clock() < margin

    # ----------------------------------------------------------------- token host
    def exchange_auth_code(self, auth_code: str) -> TokenSet:
        """Exchange a one-time auth code for tokens (and persist them)."""
        with self._lock:
            self._exchange_locked(auth_code)
            return self._tokens

    def refresh(self) -> TokenSet:
        """Refresh now (and persist the rotated tokens)."""
        with self._lock:
            self._refresh_locked()
            return self._tokens

    def _exchange_locked(self, auth_code: str) -> None:
        data = self._call_token_host(
            TOKEN_GET_PATH,
            {"auth_code": auth_code, "grant_type": "authorized_code"},
            what="auth code exchange",
        )
        self._adopt(TokenSet.from_api(data, origin=fingerprint(auth_code),
                                      obtained_at=int(self.clock())), what="auth code exchange")
        logger.info("Exchanged the auth code for tokens (seller %s)", self._tokens.seller_name)

    def _refresh_locked(self, stale_token: str | None = None) -> None:
        """Refresh (thread lock held); with a token store, under its inter-process lock.

        Another process sharing the store may have refreshed meanwhile: TikTok then
        rotated the refresh token this process holds, so it is dead. Under the lock the
        store is read again; a usable access token another process wrote (of the same
        authorization) is taken instead of refreshing, and otherwise the newest stored
        refresh token is the one sent.
        """
        if self._store is None:
            self._refresh_with(self._tokens)
            return
        with self._store.locked():
            fresher = self._store.load()
            if fresher is not None and fresher.origin == self._tokens.origin \
                    and fresher.refresh_token:
                _absolute_expiries(fresher)
                usable = (fresher.access_token and not self._expiring(fresher)
                          and fresher.access_token != (stale_token or self._tokens.access_token))
                if usable:
                    REDACTOR.add(fresher.access_token, fresher.refresh_token)
                    self._tokens = fresher
                    logger.info("Using the access token another process just refreshed")
                    return
                self._refresh_with(fresher)
                return
            self._refresh_with(self._tokens)

    def _refresh_with(self, current: TokenSet) -> None:
        expiry = current.refresh_token_expire_in
        if expiry is not None and expiry <= self.clock():
            raise AuthorizationError(
                "The refresh token has expired (the seller authorization ended); " + REAUTHORIZE
            )
        data = self._call_token_host(
            TOKEN_REFRESH_PATH,
            {"refresh_token": current.refresh_token or "", "grant_type": "refresh_token"},
            what="token refresh",
        )
        self._adopt(TokenSet.from_api(data, origin=current.origin,
                                      obtained_at=int(self.clock())),
                    what="token refresh", current=current)
        logger.info("Refreshed the access token (valid until %s)",
                    time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                  time.gmtime(self._tokens.access_token_expire_in or 0)))

    def _adopt(self, new: TokenSet, what: str, current: TokenSet | None = None) -> None:
        """Take the token host's answer as the current tokens (and persist them).

        ``current`` is given for a refresh: an answer without a refresh token then keeps
        the one just sent (and its expiry, unless the answer gives a new one), since the
        contract does not say a refresh must rotate it. An auth code exchange has no
        token to fall back on, so there a missing refresh token is an error.
        """
        missing = [name for name, value in (("access_token", new.access_token),
                                            ("refresh_token", new.refresh_token)) if not value]
        if "refresh_token" in missing and current is not None and current.refresh_token:
            new.refresh_token = current.refresh_token
            if new.refresh_token_expire_in is None:
                new.refresh_token_expire_in = current.refresh_token_expire_in
            missing.remove("refresh_token")
            logger.info("The token refresh answer has no refresh_token; keeping the current one")
        if missing:
            raise AuthorizationError(f"The token host's {what} answer has no "
                                     f"{' and no '.join(missing)}; check auth_base_url, "
                                     f"then {REAUTHORIZE}")
        _absolute_expiries(new)
        REDACTOR.add(new.access_token, new.refresh_token)
        self._tokens = new
        self._count_lifetime(new)
        if self._store:
            self._store.save(new)
        else:
            logger.warning("Tokens were rotated but token_store_path is not set: the new refresh "
                           "token lives only in memory for this run")

    def _count_lifetime(self, tokens: TokenSet) -> None:
        lifetime = _lifetime(tokens)
        if lifetime is not None and lifetime < REFRESH_MARGIN_SECONDS:
            self._short_streak += 1
        else:
            self._short_streak = 0

    def _call_token_host(self, path: str, extra: dict[str, str], what: str) -> dict[str, Any]:
        cfg = self.settings
        params = {"app_key": cfg.app_key, "app_secret": cfg.app_secret, **extra}
        url = cfg.auth_base_url + path

        @with_retries(max_retries=cfg.max_retries, base_delay=cfg.retry_backoff_seconds,
                      logger=logger, what=lambda: what)
        def attempt() -> dict[str, Any]:
            try:
                resp = self.session.get(url, params=params, timeout=cfg.request_timeout_seconds)
            except requests.RequestException as exc:
                failure = type(exc).__name__
            else:
                return self._parse_token_answer(resp, path, what)
            # Raised outside the except block: requests puts the full URL (with the app
            # secret) into its exceptions, so the error must not even chain to it.
            raise RetryableAPIError(code=None, message=f"{failure} talking to the token host",
                                    endpoint=f"GET {path}")

        return attempt()

    def _parse_token_answer(self, resp: requests.Response, path: str, what: str) -> dict[str, Any]:
        if resp.status_code == 429 or resp.status_code >= 500:
            raise RetryableAPIError(code=None, message=f"{what} failed", endpoint=f"GET {path}",
                                    http_status=resp.status_code)
        try:
            body = resp.json()
        except ValueError:
            raise AuthorizationError(
                f"The token host answered HTTP {resp.status_code} without JSON during {what}; "
                "check auth_base_url"
            ) from None
        code = body.get("code")
        if code == 0 and isinstance(body.get("data"), dict):
            return body["data"]
        if code in (codes.RATE_LIMITED, codes.INTERNAL_ERROR):
            raise RetryableAPIError(code=code, message=str(body.get("message")),
                                    endpoint=f"GET {path}", request_id=body.get("request_id"))
        message = " ".join(str(body.get("message", "")).split())[:200]
        request_id = body.get("request_id")
        if code == codes.INVALID_AUTH_CODE:
            advice = ("auth codes are single-use and valid for 30 minutes; authorize again "
                      "(`tiktokshop-auth link`) and exchange the new code at once")
        elif code == codes.REFRESH_TOKEN_EXPIRED or "refresh" in message.lower():
            advice = "the refresh token is expired or revoked; " + REAUTHORIZE
        elif "app_secret" in message.lower() or "app_key" in message.lower():
            advice = "check app_key and app_secret (Partner Center > App & Service > your app)"
        else:
            advice = REAUTHORIZE
        raise AuthorizationError(
            f"TikTok refused the {what} (code {code}: '{message}', request_id {request_id}); "
            f"{advice}"
        )


def _absolute_expiries(tokens: TokenSet) -> None:
    """Turn expiries given as durations into the absolute Unix timestamps the contract has.

    TikTok's ``access_token_expire_in`` / ``refresh_token_expire_in`` are absolute Unix
    timestamps despite their names (API contract, section 2). A server returning seconds
    from now instead (604800 for 7 days) would look expired since 1970, so every call
    would refresh first. No real expiry is before 2001-09-09 (10**9), so a smaller value
    is read as a duration counted from when the answer arrived (``obtained_at``).
    """
    start = tokens.obtained_at
    if start is None:
        return
    for name in ("access_token_expire_in", "refresh_token_expire_in"):
        value = getattr(tokens, name)
        if value is not None and value < ABSOLUTE_EXPIRY_FLOOR:
            setattr(tokens, name, start + max(value, 0))


def _lifetime(tokens: TokenSet) -> int | None:
    """Seconds the access token was valid for when received (None when unknown)."""
    if tokens.obtained_at is None or tokens.access_token_expire_in is None:
        return None
    return tokens.access_token_expire_in - tokens.obtained_at
