"""The signed, authenticated, rate-limited and retrying HTTP client for business endpoints.

Every attempt builds the final request from scratch: fresh timestamp, current access
token, the exact body bytes, and a signature computed over the prepared URL and body
that go on the wire. Errors are mapped from the body ``code`` (HTTP 200 can carry one).

What proxies and overloaded servers send is handled too: the whole answer must arrive
within ``request_timeout_seconds`` (a body that trickles in slower than that is cut off
and retried; the socket timeout alone would wait forever), a connection reset in the
middle of a body and a cut-off JSON body are retried, and an answer that is not JSON
fails naming its HTTP status, content type and first characters (secrets masked).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.utils import resolve_proxies

from tiktokshop import __version__, codes
from tiktokshop.auth.signing import sign_for_url
from tiktokshop.auth.tokens import TokenManager
from tiktokshop.connection import ConnectionSettings
from tiktokshop.endpoints import Endpoint
from tiktokshop.error_map import classify
from tiktokshop.errors import (
    APIError,
    FatalAPIError,
    InvalidRequestError,
    NotSentError,
    OutcomeUnknownError,
    RetryableAPIError,
    TimestampRejectedError,
    TokenExpiredError,
)
from tiktokshop.ratelimit import FamilyRateLimits, RateLimiter, path_family
from tiktokshop.redact import REDACTOR
from tiktokshop.request_events import RequestEvent, RequestObserver, notify
from tiktokshop.retry import with_retries

logger = logging.getLogger("tiktokshop.transport")
USER_AGENT = f"tiktokshop-singer/{__version__}"
READ_CHUNK = 65_536
PREVIEW_CHARS = 80  # of a non-JSON answer, in error messages


@dataclass(frozen=True)
class APIResponse:
    """The useful parts of a successful answer."""

    data: dict[str, Any]
    request_id: str | None
    http_status: int


def encode_params(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Query values as strings; None and empty values are dropped (TikTok refuses them).

    Lists are comma-joined (as TikTok's docs send ``ids``); booleans are lowercase.
    """
    out: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, list | tuple):
            text = ",".join(str(v) for v in value)
        else:
            text = str(value)
        if text != "":
            out.append((key, text))
    return out


def encode_body(body: Mapping[str, Any] | None, label: str = "request") -> bytes | None:
    """Compact JSON bytes, or None for no body (an empty object is not sent at all).

    Raises:
        InvalidRequestError: a text holds a lone surrogate (valid in a Python string and
            in escaped JSON input, but not UTF-8); the message names the field.
    """
    if not body:
        return None
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        where = _first_bad_text(body) or "a value"
        raise InvalidRequestError(
            f"{label}: the body's {where} is not valid Unicode text (it holds a lone "
            "surrogate code point), so it cannot be sent; fix that value at its source"
        ) from None


def _first_bad_text(value: Any, path: str = "") -> str | None:
    """Where (``field 'a.b[2]'``) the first text UTF-8 cannot encode is, or None."""
    if isinstance(value, str):
        return None if _encodable(value) else f"field '{path}'"
    children: Iterable[tuple[str, Any]] = ()
    if isinstance(value, Mapping):
        for key in value:
            if not _encodable(str(key)):
                return f"field name under '{path or '(top)'}'"
        children = ((f"{path}.{key}" if path else str(key), item) for key, item in value.items())
    elif isinstance(value, list | tuple):
        children = ((f"{path}[{n}]", item) for n, item in enumerate(value))
    for child_path, item in children:
        found = _first_bad_text(item, child_path)
        if found:
            return found
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class TikTokShopClient:
    """Calls business endpoints of the TikTok Shop Open API."""

    def __init__(
        self,
        settings: ConnectionSettings,
        *,
        tokens: TokenManager | None = None,
        session: requests.Session | None = None,
        limiter: RateLimiter | None = None,
        limits: FamilyRateLimits | None = None,
        pool_size: int = 16,
    ) -> None:
        self.settings = settings
        self._own_session = session is None
        self._pool_size = pool_size
        self._pool_lock = threading.Lock()
        #: The proxies of each scheme and host (``_proxies``).
        self._proxy_choice: dict[tuple[str, str], dict[str, str]] = {}
        self.session = session or self._new_session(pool_size)
        self.tokens = tokens or TokenManager(settings, session=self.session)
        #: The rate limiter of each endpoint family (``rate_limit_qps_<family>``); a
        #: ``limiter`` passed in paces every family alike.
        self.limits = limits or FamilyRateLimits(
            settings.rate_limit_qps, settings.family_rate_limits)
        self._one_limiter = limiter
        #: Called after every HTTP attempt (``request_events``): metrics hooks.
        self.observers: list[RequestObserver] = []

    def add_observer(self, observer: RequestObserver) -> None:
        """Call ``observer`` with a ``RequestEvent`` after every HTTP attempt."""
        self.observers.append(observer)

    @staticmethod
    def _mount(session: requests.Session, pool_size: int) -> None:
        # Keep-alive connections, one per thread calling at the same time (a full pool
        # would open a new connection per call and drop it afterwards).
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)

    @classmethod
    def _new_session(cls, pool_size: int) -> requests.Session:
        session = requests.Session()
        cls._mount(session, pool_size)
        session.headers["User-Agent"] = USER_AGENT
        # Requests are signed; with no session auth, requests would look for a ~/.netrc
        # entry for the host on every call (file system lookups per request).
        session.auth = _no_auth
        return session

    def reserve_connections(self, count: int) -> None:
        """Let the pool keep at least ``count`` connections per host (for ``count``
        threads calling in parallel). Does nothing for a session passed in."""
        with self._pool_lock:
            if not self._own_session or count <= self._pool_size:
                return
            self._pool_size = count
            self._mount(self.session, count)

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()

    # ------------------------------------------------------------------ public
    def call(
        self,
        endpoint: Endpoint,
        *,
        shop_cipher: str | None = None,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        path_params: Mapping[str, str] | None = None,
        limiter_key: str | None = None,
    ) -> APIResponse:
        """Call an endpoint at the version chosen by ``api_version``; returns ``data``.

        Raises:
            FatalAPIError: with the code, message, request_id, endpoint and advice.
            RetryableAPIError: when retries are exhausted.
            AuthorizationError: when tokens cannot be obtained.
        """
        api_version = self.settings.api_version
        path = endpoint.path(api_version, **dict(path_params or {}))
        label = endpoint.label(api_version)
        if endpoint.shop_scoped and not shop_cipher:
            raise FatalAPIError(code=None, message="shop cipher missing", endpoint=label,
                                hint="connector bug: a shop endpoint was called without a shop")
        return self.request(
            endpoint.method, path, label=label,
            shop_cipher=shop_cipher if endpoint.shop_scoped else None,
            params=params, body=body, scope=endpoint.scope,
            limiter_key=limiter_key or shop_cipher or "", idempotent=endpoint.idempotent,
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        label: str | None = None,
        shop_cipher: str | None = None,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        scope: str | None = None,
        limiter_key: str = "",
        idempotent: bool = True,
    ) -> APIResponse:
        """Send one logical request (with retries, token refresh and re-stamping).

        A request that is not ``idempotent`` is repeated only after failures that show the
        server did not process it (rate limited, overloaded, never connected, expired token,
        refused timestamp); any other failure raises :class:`OutcomeUnknownError`.
        """
        label = label or f"{method} {path}"
        body_bytes = encode_body(body, label)
        query = encode_params({**(params or {}), "shop_cipher": shop_cipher})

        attempts = 0  # HTTP attempts of this request, for observers

        @with_retries(max_retries=self.settings.max_retries,
                      base_delay=self.settings.retry_backoff_seconds,
                      logger=logger, what=lambda: label)
        def with_backoff() -> APIResponse:
            nonlocal attempts
            refreshed = restamped = False
            while True:
                token = self.tokens.access_token()
                attempts += 1
                try:
                    return self._attempt(method, path, label, query, body_bytes, token, scope,
                                         limiter_key, attempt=attempts)
                except RetryableAPIError as exc:
                    if idempotent or _not_processed(exc):
                        raise
                    raise _outcome_unknown(exc) from None
                except TokenExpiredError:
                    if refreshed:
                        raise
                    refreshed = True
                    logger.info("%s: access token expired; refreshing and retrying once", label)
                    self.tokens.token_expired(token)
                except TimestampRejectedError:
                    if restamped:
                        raise
                    restamped = True
                    logger.warning("%s: timestamp refused; re-stamping and retrying once", label)

        return with_backoff()

    # ------------------------------------------------------------------ one attempt
    def _attempt(
        self,
        method: str,
        path: str,
        label: str,
        query: list[tuple[str, str]],
        body: bytes | None,
        token: str,
        scope: str | None,
        limiter_key: str,
        attempt: int = 1,
    ) -> APIResponse:
        key = (limiter_key, label)
        limiter = self._one_limiter or self.limits.for_family(path_family(path))
        limiter.acquire(key)
        prepared = self._prepare(method, path, query, body, token)
        timeout = self.settings.request_timeout_seconds
        started = time.monotonic()
        deadline = started + timeout
        status: int | None = None
        try:
            try:
                resp = self.session.send(prepared, timeout=timeout, stream=True,
                                         proxies=self._proxies(prepared))
            except requests.RequestException as exc:
                kind = NotSentError if _never_connected(exc) else RetryableAPIError
                raise kind(code=None, message=type(exc).__name__, endpoint=label) from None
            status = resp.status_code
            content = _read_within(resp, deadline, timeout, label)
            answer = self._parse(resp, content, label, scope)
        except APIError as exc:
            if isinstance(exc, RetryableAPIError) and (
                    exc.http_status == 429 or exc.code == codes.RATE_LIMITED):
                limiter.defer(key, exc.retry_after or 1.0)
            if self.observers:
                notify(self.observers, RequestEvent.failure(
                    label, exc, status, time.monotonic() - started, attempt))
            raise
        if self.observers:
            notify(self.observers, RequestEvent(
                endpoint=label, http_status=answer.http_status, code=0,
                duration_seconds=time.monotonic() - started, attempt=attempt, succeeded=True))
        return answer

    def _proxies(self, prepared: requests.PreparedRequest) -> dict[str, str]:
        """The proxies ``session.send`` would pick for the request (the session's, then
        HTTP(S)_PROXY/NO_PROXY from the environment), worked out once per scheme and host:
        requests reads the whole environment again for every call otherwise (about 0.2 ms
        of CPU a call). The environment is read when a host is first called."""
        parts = urlsplit(prepared.url or "")
        key = (parts.scheme, parts.netloc)
        found = self._proxy_choice.get(key)
        if found is None:
            found = resolve_proxies(prepared, self.session.proxies, self.session.trust_env)
            self._proxy_choice[key] = found
        return dict(found)

    def _prepare(
        self, method: str, path: str, query: list[tuple[str, str]], body: bytes | None, token: str
    ) -> requests.PreparedRequest:
        common = [("app_key", self.settings.app_key), ("timestamp", str(int(time.time())))]
        encoded = urlencode(common + query, quote_via=quote, safe="")
        url = f"{self.settings.api_base_url}{path}?{encoded}"
        headers = {"content-type": "application/json", "x-tts-access-token": token}
        prepared = self.session.prepare_request(
            requests.Request(method, url, data=body, headers=headers)
        )
        # Sign what will actually be sent: the prepared URL and body bytes.
        sent_body = prepared.body if isinstance(prepared.body, bytes) else None
        sign = sign_for_url(self.settings.app_secret, prepared.url or url, sent_body)
        prepared.url = f"{prepared.url}&sign={sign}"
        return prepared

    def _parse(self, resp: requests.Response, content: bytes, label: str,
               scope: str | None) -> APIResponse:
        retry_after = _retry_after(resp.headers.get("Retry-After"))
        try:
            payload = json.loads(content) if content else None
        except ValueError:  # also UnicodeDecodeError
            payload = None
        if not isinstance(payload, dict):
            raise _not_json(resp, content, label, retry_after)
        code = payload.get("code")
        if code == 0 and resp.status_code < 400:
            data = payload.get("data")
            return APIResponse(data if isinstance(data, dict) else {},
                               payload.get("request_id"), resp.status_code)
        raise classify(
            code=code if isinstance(code, int) else None,
            message=str(payload.get("message") or "") or "(the answer carries no message)",
            endpoint=label,
            request_id=payload.get("request_id"),
            http_status=resp.status_code,
            scope=scope,
            retry_after=retry_after,
        )


def _never_connected(exc: requests.RequestException) -> bool:
    """True when the request cannot have reached the server: the connection was refused,
    timed out while connecting, or failed its TLS handshake (nothing was sent yet)."""
    if isinstance(exc, (requests.ConnectTimeout, requests.exceptions.SSLError)):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def _not_processed(exc: RetryableAPIError) -> bool:
    """True for the retryable failures that mean the server refused the request before
    processing it: rate limiting (429 / 36009002), overload protection (503 without an
    internal-error or timeout code), or no connection at all."""
    if isinstance(exc, NotSentError) or exc.http_status == 429 or exc.code == codes.RATE_LIMITED:
        return True
    return exc.http_status == 503 and exc.code not in (codes.INTERNAL_ERROR,
                                                       codes.REQUEST_TIMEOUT)


def _outcome_unknown(exc: RetryableAPIError) -> OutcomeUnknownError:
    """The error for a call unsafe to repeat that failed after it may have been applied."""
    return OutcomeUnknownError(
        code=exc.code, message=exc.api_message, endpoint=exc.endpoint,
        request_id=exc.request_id, http_status=exc.http_status)


def _read_within(resp: requests.Response, deadline: float, timeout: float, label: str) -> bytes:
    """The whole body, or a retryable error once ``deadline`` passes or the body breaks off.

    ``read1`` returns what each network read brings, so a body that trickles in is
    noticed between reads (a blocking ``read`` would wait for all of it). It decodes a
    compressed answer (``Content-Encoding: gzip`` or ``deflate``, which requests asks
    for); requests leaves the raw stream undecoded.
    """
    raw = resp.raw
    parts = []
    try:
        while True:
            chunk = raw.read1(READ_CHUNK, decode_content=True)
            if not chunk:
                break
            parts.append(chunk)
            if time.monotonic() > deadline:
                resp.close()
                raise RetryableAPIError(
                    code=None, endpoint=label, http_status=resp.status_code,
                    message=f"the answer did not arrive within request_timeout_seconds "
                            f"({timeout:g} s; {sum(map(len, parts))} bytes so far)")
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        resp.close()
        raise RetryableAPIError(code=None, endpoint=label, http_status=resp.status_code,
                                message=f"the connection broke while reading the answer "
                                        f"({type(exc).__name__})") from None
    return b"".join(parts)


def _not_json(resp: requests.Response, content: bytes, label: str,
              retry_after: float | None) -> APIError:
    """The error for an answer that is not a JSON object (a proxy's page, a cut-off body).

    Server errors, 429 and JSON that breaks off are retried; anything else is fatal.
    """
    text = content.decode("utf-8", errors="replace")
    preview = REDACTOR.scrub(" ".join(text.split()))[:PREVIEW_CHARS]
    content_type = resp.headers.get("Content-Type") or "no content type"
    what = (f"the answer is not a JSON object ({content_type}, {len(content)} bytes"
            + (f", starting {preview!r})" if preview else ", empty)"))
    truncated = text.lstrip().startswith("{")
    if resp.status_code >= 500 or resp.status_code == 429 or truncated:
        if truncated:
            what = what.replace("is not a JSON object", "is JSON that breaks off")
        return RetryableAPIError(code=None, message=what, endpoint=label,
                                 http_status=resp.status_code, retry_after=retry_after)
    return FatalAPIError(code=None, message=what, endpoint=label, http_status=resp.status_code,
                         retry_after=retry_after,
                         hint="check api_base_url points at the TikTok Shop Open API (a proxy "
                              "or captive portal may answer in its place)")


def _no_auth(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """Session auth that adds nothing (the signature and token header are the auth)."""
    return request


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
