"""The connection check: is this connection ready to sync? One line per check.

``tiktokshop-auth check`` and ``tap-tiktokshop --test`` run the same five checks:

* ``token``: a usable access token (refreshed first when it is missing or expiring, as a
  sync would) that the API accepts;
* ``shops``: the token's authorized shops against ``shop_ids``;
* ``scopes``: the API scopes the seller granted (``granted_scopes`` of TikTok's token
  answer) against the scopes the selected streams need. The caller says which those are
  (the tap knows its streams; this package never imports the Singer SDK);
* ``clock``: this machine's clock against the ``Date`` header of an answer of the API
  host (TikTok refuses a request stamped more than 5 minutes behind or 30 seconds ahead
  of its own clock);
* ``region``: ``service_region`` against the regions of the shops, and the configured
  hosts against TikTok's.

Every check ends as pass or fail; one that could not run because another failed fails
too, naming the line to look at first. A passed check may carry a warning in its line
(``scopes``: a needed scope whose name TikTok's documentation does not confirm is not
granted). The calls are the ones a sync starts with (a token refresh only when a sync
would refresh, then Get Authorized Shops), so a check never rotates tokens a sync would
not.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from tiktokshop import codes
from tiktokshop.auth.token_store import TokenSet
from tiktokshop.connection import ConnectionSettings, is_loopback_host
from tiktokshop.endpoints import UNCONFIRMED_SCOPES
from tiktokshop.error_map import REAUTHORIZE
from tiktokshop.errors import (
    APIError,
    AuthorizationError,
    TikTokShopError,
    TimestampRejectedError,
    TokenExpiredError,
)
from tiktokshop.redact import REDACTOR
from tiktokshop.shops import Shop, load_shops
from tiktokshop.transport import TikTokShopClient

#: TikTok's window for a request's ``timestamp`` (API contract, section 3.1).
TIKTOK_MAX_BEHIND, TIKTOK_MAX_AHEAD = 300, 30
#: What the clock check accepts: TikTok's window less a margin for drift between runs.
MAX_BEHIND_SECONDS, MAX_AHEAD_SECONDS = 240.0, 20.0
#: A seller authorization ending this soon is named in the token line (TikTok's
#: UPCOMING_AUTHORIZATION_EXPIRATION webhook fires 30 days before).
AUTHORIZATION_WARNING_DAYS = 30

#: TikTok's hosts (API contract, section 1): one API host for every market, US included.
API_HOST = "open-api.tiktokglobalshop.com"
TOKEN_HOST = "auth.tiktok-shops.com"
AUTHORIZE_HOSTS = {"US": ("services.us.tiktokshop.com", "services.tiktokshops.us"),
                   "Non-US": ("services.tiktokshop.com",)}
#: A host under one of these domains is TikTok's own and must be the documented one.
TIKTOK_DOMAINS = ("tiktokglobalshop.com", "tiktok-shops.com", "tiktokshop.com",
                  "tiktokshops.us", "tiktok.com")
#: The region Get Authorized Shops gives United States shops.
US_REGION = "US"

SCOPES_TODO = ("enable them for the app in Partner Center (App & Service > your app > API "
               f"scopes), then {REAUTHORIZE}; or deselect the streams that need them")


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: what was found and, when it failed, what to do."""

    name: str
    passed: bool
    found: str
    todo: str = ""
    warning: str = ""

    def line(self) -> str:
        """``[pass] name: found`` or ``[FAIL] name: found. What to do: todo`` (secrets masked);
        a warning goes after ``found`` as ``. Warning: warning``."""
        text = f"[{'pass' if self.passed else 'FAIL'}] {self.name}: {self.found}"
        if self.warning:
            text += f". Warning: {self.warning}"
        if not self.passed and self.todo:
            text += f". What to do: {self.todo}"
        return REDACTOR.scrub(text)


class ConnectionCheckFailed(TikTokShopError):
    """At least one check failed (each of their lines says what to do)."""

    exit_code = 1

    def __init__(self, failed: Sequence[CheckResult]) -> None:
        self.failed = list(failed)
        names = ", ".join(result.name for result in self.failed)
        super().__init__(f"connection check failed: {names} (each line above says what to do)")


def raise_if_failed(results: Sequence[CheckResult]) -> None:
    """Raise :class:`ConnectionCheckFailed` unless every check passed."""
    failed = [result for result in results if not result.passed]
    if failed:
        raise ConnectionCheckFailed(failed)


# ---------------------------------------------------------------------------- clock
class ServerClock:
    """This machine's clock minus the API server's, from the ``Date`` header of the first
    answer of the API host (a ``requests`` response hook).

    ``Date`` has a resolution of one second and is written while the request is served,
    somewhere between sending and receiving: the estimate compares the middle of the two
    with the middle of the server's second.
    """

    def __init__(self, api_base_url: str, clock: Callable[[], float] = time.time) -> None:
        self.prefix = api_base_url.rstrip("/")
        self.clock = clock
        self.skew: float | None = None
        self.problem: str | None = None

    def record(self, resp: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        """Response hook: read the first API answer's ``Date`` header."""
        url = resp.url or ""
        if self.skew is not None or not (url == self.prefix or url.startswith(
                (self.prefix + "/", self.prefix + "?"))):
            return resp
        received = self.clock()
        header = resp.headers.get("Date")
        try:
            server = parsedate_to_datetime(header).timestamp() if header else None
        except (TypeError, ValueError):
            server = None
        if server is None:
            self.problem = (f"the API host's answer has no readable Date header "
                            f"({header!r})" if header else "the API host's answer has no "
                            "Date header")
            return resp
        sent = received - resp.elapsed.total_seconds()
        self.skew = (sent + received) / 2 - (server + 0.5)
        self.problem = None
        return resp

    def probe(self, session: requests.Session, timeout: float) -> None:
        """One plain GET to the API host, for its ``Date`` (when no signed call answered)."""
        try:
            session.get(self.prefix + "/", timeout=timeout).close()
        except requests.RequestException as exc:
            self.problem = f"no answer from the API host ({type(exc).__name__})"


@contextlib.contextmanager
def _listening(session: requests.Session, hook: Callable[..., Any]) -> Iterator[None]:
    """Add a response hook to a session for the duration of the block."""
    hooks = session.hooks.setdefault("response", [])
    hooks.append(hook)
    try:
        yield
    finally:
        hooks.remove(hook)


def clock_check(server: ServerClock, api_base_url: str) -> CheckResult:
    """``clock``: the measured skew against the accepted window."""
    host = urlsplit(api_base_url).netloc or api_base_url
    skew = server.skew
    if skew is None:
        return CheckResult("clock", False, f"not checked: {server.problem or 'no answer'} "
                           f"({api_base_url})", "check api_base_url and the network")
    if abs(skew) < 1.5:
        where = "within a second of"
    else:
        where = f"{abs(skew):.0f} s {'ahead of' if skew > 0 else 'behind'}"
    found = f"this machine's clock is {where} the API server's (Date header of {host})"
    if -MAX_BEHIND_SECONDS <= skew <= MAX_AHEAD_SECONDS:
        return CheckResult("clock", True, found)
    return CheckResult(
        "clock", False, found,
        f"synchronise this machine's clock (NTP, e.g. `timedatectl set-ntp true`): TikTok "
        f"refuses requests stamped more than {TIKTOK_MAX_BEHIND} s behind or "
        f"{TIKTOK_MAX_AHEAD} s ahead of its clock (this check wants at most "
        f"{MAX_BEHIND_SECONDS:.0f} s behind, {MAX_AHEAD_SECONDS:.0f} s ahead)")


# ---------------------------------------------------------------------------- errors
def _line_of(error: TikTokShopError) -> str:
    """Which check a failed call belongs to."""
    if isinstance(error, TimestampRejectedError):
        return "clock"
    if isinstance(error, APIError) and error.code == codes.SCOPE_MISSING:
        return "scopes"
    if isinstance(error, AuthorizationError | TokenExpiredError):
        return "token"
    if isinstance(error, APIError) and error.code in (codes.INVALID_SIGN, codes.INVALID_REQUEST,
                                                      codes.CIPHER_MISMATCH):
        return "token"  # app_key, app secret (signature) or access token refused
    return "shops"


def _when(seconds: int | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(seconds or 0))


# ---------------------------------------------------------------------------- checks
def token_check(tokens: TokenSet, token_error: TikTokShopError | None,
                call_error: TikTokShopError | None, refreshed: bool, now: float) -> CheckResult:
    """``token``: obtained (``token_error`` otherwise) and accepted by the API
    (``call_error``: the Get Authorized Shops failure, if any)."""
    if token_error is not None:
        return CheckResult("token", False, str(token_error))
    if call_error is not None:
        if _line_of(call_error) == "token":
            return CheckResult("token", False, str(call_error))
        return CheckResult("token", False, "not verified: the API call failed (see the "
                                           f"{_line_of(call_error)} line)")
    parts = ["the API accepted the access token" + (" (refreshed now)" if refreshed else "")]
    if tokens.access_token_expire_in:
        parts.append(f"it is valid until {_when(tokens.access_token_expire_in)}")
    if not tokens.refresh_token:
        parts.append("no refresh token: it cannot be renewed when it expires (set "
                     "refresh_token or token_store_path)")
    elif tokens.refresh_token_expire_in:
        end = tokens.refresh_token_expire_in
        days = (end - now) / 86_400
        if days <= 0:
            parts.append(f"the seller authorization ended {_when(end)}, so it cannot be "
                         f"renewed: {REAUTHORIZE}")
        elif days <= AUTHORIZATION_WARNING_DAYS:
            parts.append(f"the seller authorization ends in {days:.0f} days ({_when(end)}): "
                         f"{REAUTHORIZE} before then")
        else:
            parts.append(f"the seller authorization is valid until {_when(end)}")
    if tokens.seller_name:
        parts.append(f"seller {tokens.seller_name!r}")
    return CheckResult("token", True, "; ".join(parts))


def _shop_list(shops: Sequence[Shop]) -> str:
    return ", ".join(f"{shop.id} ({shop.name}, {shop.region})" for shop in shops) or "none"


def shops_check(settings: ConnectionSettings, shops: Sequence[Shop] | None,
                token_error: TikTokShopError | None,
                call_error: TikTokShopError | None) -> CheckResult:
    """``shops``: the authorized shops against ``shop_ids``."""
    if shops is None:
        if token_error is not None:
            return CheckResult("shops", False, "not checked: no usable token (see the token "
                                               "line)")
        if call_error is not None and _line_of(call_error) == "shops":
            return CheckResult("shops", False, str(call_error))
        where = _line_of(call_error) if call_error is not None else "token"
        return CheckResult("shops", False, "not checked: Get Authorized Shops failed (see the "
                                           f"{where} line)")
    if not shops:
        return CheckResult("shops", False, "the token is authorized for no shop",
                           "have the seller authorize the app for their shops "
                           "(`tiktokshop-auth link`, then `tiktokshop-auth exchange`)")
    wanted = settings.shop_ids
    if not wanted:
        return CheckResult("shops", True, f"{len(shops)} authorized shop(s), all synced "
                                          f"(shop_ids is not set): {_shop_list(shops)}")
    known = {shop.id for shop in shops}
    unknown = [shop_id for shop_id in wanted if shop_id not in known]
    if unknown:
        return CheckResult(
            "shops", False,
            f"shop_ids lists {', '.join(unknown)}, which this token is not authorized for; "
            f"authorized: {_shop_list(shops)}",
            "remove them from shop_ids (`tiktokshop-auth shops` lists the authorized "
            "shops), or have their seller authorize the app and use that authorization")
    return CheckResult("shops", True, f"shop_ids selects {len(wanted)} of {len(shops)} "
                                      f"authorized shop(s): "
                                      f"{_shop_list([s for s in shops if s.id in wanted])}")


def scopes_check(tokens: TokenSet, needed: Mapping[str, Sequence[str]],
                 token_error: TikTokShopError | None,
                 call_error: TikTokShopError | None) -> CheckResult:
    """``scopes``: granted (TikTok's token answer) against needed (``scope -> users``)."""
    refused = (call_error.scope if isinstance(call_error, APIError)
               and _line_of(call_error) == "scopes" else None)
    granted = set(tokens.granted_scopes)
    if token_error is not None or (call_error is not None and _line_of(call_error) == "token"):
        return CheckResult("scopes", False, "not checked: no usable token (see the token line)")
    if not granted and not refused:
        return CheckResult(
            "scopes", False,
            "unknown: there is no token answer from TikTok to read the granted scopes from "
            "(the configured access_token is used as it is)",
            "set token_store_path and authorize with `tiktokshop-auth exchange`, or set "
            "token_store_path and refresh_token (the check then refreshes once and keeps "
            "the rotated tokens)")
    missing = {scope: users for scope, users in needed.items() if scope not in granted}
    # A scope name TikTok's documentation does not confirm may just be named differently
    # by TikTok: not granted under our name only warns (a scope the API refused fails).
    unconfirmed = {scope: users for scope, users in missing.items()
                   if not is_confirmed_scope(scope) and scope != refused}
    for scope in unconfirmed:
        del missing[scope]
    warning = ""
    if unconfirmed:
        warning = (f"not in granted_scopes: {_scope_list(unconfirmed)}; "
                   f"{'that scope name is' if len(unconfirmed) == 1 else 'those names are'} "
                   "not confirmed by TikTok's documentation (TikTok may name the scope "
                   "differently), so the sync still calls them; a 105005 answer during the "
                   "sync would name the real scope")
    if refused:
        missing.setdefault(refused, needed.get(refused, ("every run (the shop list)",)))
    if missing:
        return CheckResult("scopes", False, f"not granted: {_scope_list(missing)}", SCOPES_TODO,
                           warning)
    if not needed:
        return CheckResult("scopes", True, "no stream is selected, so no scope is needed")
    if unconfirmed:
        granted_needed = sorted(set(needed) - set(unconfirmed))
        found = (f"{len(granted_needed)} of the {len(needed)} scopes the selected streams "
                 f"need are granted" + (f" ({', '.join(granted_needed)})" if granted_needed
                                        else ""))
        return CheckResult("scopes", True, found, warning=warning)
    return CheckResult("scopes", True, f"the {len(needed)} scopes the selected streams need "
                                       f"are granted ({', '.join(sorted(needed))})")


def is_confirmed_scope(scope: str) -> bool:
    """False for the scope names no TikTok document confirms
    (:data:`tiktokshop.endpoints.UNCONFIRMED_SCOPES`)."""
    return scope not in UNCONFIRMED_SCOPES


def _scope_list(scopes: Mapping[str, Sequence[str]]) -> str:
    return "; ".join(f"{scope} (needed by {', '.join(users)})"
                     for scope, users in sorted(scopes.items()))


def _host(url: str | None) -> str:
    return (urlsplit(url).hostname or "").lower() if url else ""


def _tiktok_host(host: str) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in TIKTOK_DOMAINS)


def host_problems(settings: ConnectionSettings) -> list[str]:
    """Configured hosts that are TikTok's but not the ones the API contract documents."""
    problems = []
    api = urlsplit(settings.api_base_url)
    api_host = (api.hostname or "").lower()
    if _tiktok_host(api_host) and (api_host != API_HOST or api.path.strip("/")):
        problems.append(f"api_base_url is {settings.api_base_url}, but TikTok serves the API "
                        f"of every region, US included, at https://{API_HOST} (no path; the "
                        "US and sandbox hosts of the legacy API are retired)")
    token_host = _host(settings.auth_base_url)
    if _tiktok_host(token_host) and token_host != TOKEN_HOST:
        problems.append(f"auth_base_url is {settings.auth_base_url}, but TikTok's token host "
                        f"for every region is https://{TOKEN_HOST}")
    authorize_host = _host(settings.authorize_base_url)
    expected = AUTHORIZE_HOSTS[settings.service_region]
    if _tiktok_host(authorize_host) and authorize_host not in expected:
        problems.append(f"authorize_base_url is {settings.authorize_base_url}, but sellers of "
                        f"service_region {settings.service_region} authorize at "
                        f"{' or '.join('https://' + h for h in expected)}")
    return problems


def region_check(settings: ConnectionSettings, shops: Sequence[Shop] | None,
                 tokens: TokenSet) -> CheckResult:
    """``region``: ``service_region`` against the shops' regions; hosts against TikTok's."""
    region = settings.service_region
    problems = host_problems(settings)
    notes = []
    synced = [s for s in shops or () if not settings.shop_ids or s.id in settings.shop_ids]
    regions = sorted({(s.region or "?").upper() for s in synced})
    if synced:
        source = f"the shops are in {', '.join(regions)}"
    elif tokens.seller_base_region:
        regions = [tokens.seller_base_region.upper()]
        source = f"the seller's base region is {regions[0]} (shops not read)"
    else:
        regions, source = [], ""
    if regions:
        us = [r == US_REGION for r in regions]
        if region == "US" and not any(us):
            problems.append(f"service_region is US, but {source}")
        elif region == "Non-US" and all(us):
            problems.append(f"service_region is Non-US, but {source}")
        elif any(us) and not all(us):
            notes.append(f"{source} (US and elsewhere: service_region {region} picks the "
                         "authorization page)")
        else:
            notes.append(f"service_region {region} matches: {source}")
    elif not problems:
        return CheckResult("region", False, "not checked: the shops' regions are unknown "
                                            "(see the shops line)")
    api_host = _host(settings.api_base_url)
    if api_host == API_HOST:
        notes.append(f"api_base_url is TikTok's API host ({API_HOST})")
    elif not _tiktok_host(api_host):
        kind = "a local sandbox" if is_loopback_host(api_host) else "a proxy or sandbox"
        notes.append(f"api_base_url {settings.api_base_url} is {kind}, not TikTok's host: "
                     "hosts not compared")
    if problems:
        wrong_region = any(p.startswith("service_region") for p in problems)
        todo = ("set service_region to match the shops (US for United States shops, Non-US "
                "for every other market)" if wrong_region else "")
        if len(problems) > int(wrong_region):
            todo += ("; " if todo else "") + ("remove api_base_url, auth_base_url and "
                                              "authorize_base_url to use TikTok's hosts")
        return CheckResult("region", False, "; ".join(problems), todo)
    return CheckResult("region", True, "; ".join(notes))


# ---------------------------------------------------------------------------- the run
def run_checks(client: TikTokShopClient, needed: Mapping[str, Sequence[str]], *,
               clock: Callable[[], float] = time.time) -> list[CheckResult]:
    """Run the five checks with ``client`` (its settings, tokens and session).

    ``needed`` maps each API scope the selected streams need to the streams (or other
    users) that need it. Configuration errors (a bad token file, say) are raised as
    :class:`~tiktokshop.errors.ConfigError`; everything the API or the token host answers
    becomes a check line.
    """
    settings = client.settings
    server = ServerClock(settings.api_base_url, clock)
    token_error: TikTokShopError | None = None
    call_error: TikTokShopError | None = None
    shops: list[Shop] | None = None
    with _listening(client.session, server.record):
        before = client.tokens.tokens
        try:
            client.tokens.access_token()
        except (APIError, AuthorizationError) as exc:
            token_error = exc
        if token_error is None:
            try:
                shops = load_shops(client, None)
            except (APIError, AuthorizationError) as exc:
                call_error = exc
        tokens = client.tokens.tokens
        if token_error is None and call_error is None and not tokens.granted_scopes \
                and tokens.refresh_token and settings.token_store_path is not None:
            # A configured access token comes without TikTok's token answer: refresh once
            # (kept in the token store) to read the granted scopes.
            try:
                client.tokens.refresh()
            except (APIError, AuthorizationError) as exc:
                token_error = exc
            tokens = client.tokens.tokens
        if server.skew is None:
            server.probe(client.session, settings.request_timeout_seconds)
    refreshed = tokens is not before
    return [
        token_check(tokens, token_error, call_error, refreshed, clock()),
        shops_check(settings, shops, token_error, call_error),
        scopes_check(tokens, needed, token_error, call_error),
        clock_check(server, settings.api_base_url),
        region_check(settings, shops, tokens),
    ]
