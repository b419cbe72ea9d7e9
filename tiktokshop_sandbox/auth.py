"""App credentials, auth codes, access/refresh tokens and granted scopes.

Behaviour (sandbox choices where the live API is UNCONFIRMED):

* Auth codes live 30 minutes and are single use; reuse or unknown → 36004004.
* ``access_token_expire_in`` / ``refresh_token_expire_in`` are ABSOLUTE Unix times.
  Access tokens live ``token_ttl`` seconds. The refresh token expires when the
  authorization does (grant time + 365 days); refreshing keeps that date.
* Refresh rotation ``lenient``: the old refresh token stays usable until it
  expires; ``strict``: it is invalidated on use. Unusable (unknown, expired,
  rotated, revoked) refresh tokens → 36004001. Old access tokens stay valid until
  their own expiry.
* Scopes are granted globally: every token (existing and new) has the current
  granted set, which the admin route can shrink or reset. The admin route can also
  take scopes away for one shop only (as if that shop's seller had authorized the app
  without them): calls for that shop then answer 105005.
* Expired access tokens are remembered, so they answer 105002 rather than the
  unknown-token 36009004; revoked tokens are forgotten (36009004).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from tiktokshop import codes

from .context import ApiError

ALL_SCOPES = (
    "seller.authorization.info", "seller.shop.info", "seller.product.basic",
    "seller.product.write", "seller.product.delete", "seller.order.info", "seller.logistics",
    "seller.fulfillment.basic", "seller.fulfillment.package.write", "seller.finance.info",
    "seller.return_refund.basic",
    # Analytics and promotions: names not in the reference (UNCONFIRMED).
    "data.shop_analytics.public.read", "seller.promotion.info",
)
AUTH_CODE_TTL = 30 * 60
AUTHORIZATION_TTL = 365 * 86_400


@dataclass
class AccessToken:
    value: str
    expires_at: int
    shop_ids: frozenset[str]


@dataclass
class RefreshToken:
    value: str
    expires_at: int
    usable: bool = True


class IssuedTokens:
    def __init__(
        self, *, token_ttl: int, rotation: str, shop_ids: list[str], open_id: str,
        seller_name: str, seller_region: str, clock: Callable[[], float] = time.time,
        prefix: str = "ROW_",
    ) -> None:
        self.token_ttl = token_ttl
        self.rotation = rotation
        self.shop_ids = frozenset(shop_ids)
        self.open_id = open_id
        self.seller_name = seller_name
        self.seller_region = seller_region
        self._clock = clock
        self.prefix = prefix
        self._lock = threading.Lock()
        self._codes: dict[str, int] = {}
        self._access: dict[str, AccessToken] = {}
        self._refresh: dict[str, RefreshToken] = {}
        self.granted: set[str] = set(ALL_SCOPES)
        self.removed_for_shop: dict[str, set[str]] = {}

    def now(self) -> int:
        return int(self._clock())

    # ------------------------------------------------------------------ grants
    def mint_auth_code(self) -> str:
        code = self.prefix + secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = self.now() + AUTH_CODE_TTL
        return code

    def exchange_code(self, code: str) -> dict:
        with self._lock:
            expires = self._codes.pop(code, None)
            if expires is None or self.now() >= expires:
                raise ApiError(codes.INVALID_AUTH_CODE, "Invalid auth code.")
            return self._issue(self.now() + AUTHORIZATION_TTL)

    def issue(self) -> dict:
        """A fresh authorization (what exchanging an auth code returns)."""
        with self._lock:
            return self._issue(self.now() + AUTHORIZATION_TTL)

    def refresh(self, value: str) -> dict:
        with self._lock:
            token = self._refresh.get(value)
            if token is None or not token.usable or self.now() >= token.expires_at:
                raise ApiError(codes.REFRESH_TOKEN_EXPIRED,
                               "The refresh token is invalid or has expired.")
            if self.rotation == "strict":
                token.usable = False
            return self._issue(token.expires_at)

    def _issue(self, refresh_expires_at: int) -> dict:
        now = self.now()
        access = AccessToken(self.prefix + secrets.token_urlsafe(36), now + self.token_ttl,
                             self.shop_ids)
        refresh = RefreshToken(self.prefix + secrets.token_urlsafe(36), refresh_expires_at)
        self._access[access.value] = access
        self._refresh[refresh.value] = refresh
        return {
            "access_token": access.value,
            "access_token_expire_in": access.expires_at,
            "refresh_token": refresh.value,
            "refresh_token_expire_in": refresh.expires_at,
            "open_id": self.open_id,
            "seller_name": self.seller_name,
            "seller_base_region": self.seller_region,
            "user_type": 0,
            "granted_scopes": sorted(self.granted),
        }

    # ------------------------------------------------------------------ checks
    def check_access(self, value: str | None) -> AccessToken:
        with self._lock:
            token = self._access.get(value or "")
            if token is None:
                raise ApiError(codes.INVALID_REQUEST,
                               "Invalid credentials. The `x-tts-access-token` header is invalid.",
                               401)
            if self.now() >= token.expires_at:
                raise ApiError(codes.TOKEN_EXPIRED,
                               "Expired credentials. The `access_token` or `x-tts-access-token` "
                               "header has expired.", 401)
            return token

    def check_scope(self, scope: str, shop_id: str | None = None) -> None:
        """105005 when ``scope`` is not granted (to every shop, or to ``shop_id``)."""
        if scope not in self.granted or (
                shop_id is not None and scope in self.removed_for_shop.get(shop_id, ())):
            raise ApiError(codes.SCOPE_MISSING,
                           "Access denied. The granted scopes of the access token do not "
                           f"contain the required access scope `{scope}`.", 403)

    # ------------------------------------------------------------------ admin
    def revoke_all(self) -> None:
        with self._lock:
            self._access.clear()
            self._refresh.clear()
            self._codes.clear()

    def expire_all(self, refresh: bool = False) -> int:
        """Expire every access token now (and every refresh token with ``refresh``)."""
        with self._lock:
            now = self.now()
            for token in self._access.values():
                token.expires_at = min(token.expires_at, now)
            if refresh:
                for rtoken in self._refresh.values():
                    rtoken.expires_at = min(rtoken.expires_at, now)
            return len(self._access)

    def remove_scopes(self, scopes: list[str]) -> list[str]:
        with self._lock:
            self.granted.difference_update(scopes)
            return sorted(self.granted)

    def remove_shop_scopes(self, shop_id: str, scopes: list[str]) -> list[str]:
        """Take ``scopes`` away for one shop; returns what that shop now lacks."""
        with self._lock:
            removed = self.removed_for_shop.setdefault(shop_id, set())
            removed.update(scopes)
            return sorted(removed)

    def reset_scopes(self) -> list[str]:
        with self._lock:
            self.granted = set(ALL_SCOPES)
            self.removed_for_shop.clear()
            return sorted(self.granted)
