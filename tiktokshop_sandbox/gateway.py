"""The business API pipeline: every check a request passes before its handler runs.

Order of checks (first failure answers):

1. path → 36009009 (404) / 36009014 (404) / 36009010 (405), see ``routes``;
2. latency sleep, then fault injection (``faults``);
0. a query parameter given twice (``ids=A&ids=B``) → 36009004 HTTP 400 naming it (the
   live API's handling is UNCONFIRMED; a silent choice of one value would hide a bug);
3. header ``content-type: application/json`` (any parameters such as charset
   allowed) → else 36009004, HTTP 400. The reference lists it as required even for
   GET; how the live API reacts when it is missing is UNCONFIRMED: without ``--strict``
   a GET without the header is accepted (a bodyless request has nothing to type);
4. ``app_key`` missing/unknown → 36009004 HTTP 400 "Invalid credentials. Invalid
   'app_key' query parameter.";
5. ``sign`` missing → 36009004 HTTP 401 "Missing credentials...";
6. ``timestamp`` missing/not 10 digits/negative/older than 300 s/more than 30 s
   ahead of the sandbox's clock (``clock_skew_seconds``) → 36009004 HTTP 400 (the
   reference's three messages);
7. ``sign`` recomputed from the decoded query minus sign/access_token, the path and
   the raw body bytes (nothing appended for an empty body); mismatch (including
   uppercase hex) → 106001 HTTP 401;
8. query parameters: empty values → 36009004 HTTP 400; names the endpoint does not
   define → 36009004 with ``--strict``, else ignored (a query ``access_token`` is
   tolerated but ignored for auth);
9. header ``x-tts-access-token``: missing/unknown → 36009004 HTTP 401; expired →
   105002 HTTP 401; missing scope → 105005 HTTP 403 (statuses UNCONFIRMED);
10. ``shop_cipher``: sent to the shops endpoint → 36009004 HTTP 400; missing where
    required → 106013 HTTP 400; unknown or not authorized for the token → 101000
    HTTP 403 (statuses UNCONFIRMED); then a scope taken away for that shop only → 105005
    HTTP 403;
11. rate limit per (app, shop, endpoint) → 429 / 36009002 with ``Retry-After: 1`` (the
    analytics family has its own rate, ``analytics_rate_limit_qps``);
12. JSON body (empty body = ``{}``; otherwise must be a JSON object) → 36009004; body
    fields the snapshot does not define → 36009004 with ``--strict``, else ignored;
13. handler: business errors come back with HTTP 200 and their own code.
"""

from __future__ import annotations

import json
import re
import time

from tiktokshop import codes
from tiktokshop.auth.signing import compute_sign, signatures_match

from . import routes
from .context import STRICT, ApiError, Context, Request, Response, envelope, invalid
from .state import SandboxState

_TEN_DIGITS = re.compile(r"^\d{10}$")
_SIGNED_INT = re.compile(r"^-?\d+$")


def error_response(err: ApiError) -> Response:
    return Response(err.status, envelope(err.code, err.message, None), dict(err.headers))


def fault_response(kind: str) -> Response:
    if kind == "drop":
        return Response(0, drop=True)
    if kind == "429":
        return error_response(ApiError(codes.RATE_LIMITED, "Too many requests. Please retry "
                                       "later.", 429, {"Retry-After": "1"}))
    return error_response(ApiError(codes.INTERNAL_ERROR,
                                   "Internal error. Please try again later.", int(kind)))


def handle_business(state: SandboxState, req: Request) -> tuple[Response, str]:
    """Answer one business request; also return the endpoint key used for statistics."""
    try:
        route, version, params = routes.match(req.method, req.path)
    except ApiError as err:
        return error_response(err), f"{req.method} <unmatched>"
    endpoint = f"{req.method} {route.template(version)}"
    with state.stats.in_flight(endpoint):
        answer = _answer(state, req, route, version, params)
    if answer.status == 200 and isinstance(answer.payload, dict) \
            and answer.payload.get("code") == codes.SUCCESS:
        lost = state.faults.lost_answer(endpoint)
        if lost is not None:  # processed (a write is applied), then the answer is lost
            return fault_response(lost), endpoint
    return answer, endpoint


def _answer(state: SandboxState, req: Request, route: routes.Route, version: str,
            params: dict) -> Response:
    """The answer to one matched business request (after the configured latency)."""
    if state.options.latency_ms:
        time.sleep(state.options.latency_ms / 1000)
    fault = state.faults.pick()
    if fault is not None:
        return fault_response(fault)
    strict = STRICT.set(state.options.strict)
    try:
        ctx = _authenticate(state, req, route, version, params)
        ctx.body = _parse_body(req.body)
        data = route.handler(ctx)
    except ApiError as err:
        return error_response(err)
    finally:
        STRICT.reset(strict)
    return Response(200, envelope(codes.SUCCESS, "Success", data))


def _authenticate(
    state: SandboxState, req: Request, route: routes.Route, version: str, params: dict
) -> Context:
    opts = state.options
    names = [name for name, _ in req.query]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise invalid(f"Invalid param. The `{repeated[0]}` query parameter is given more than "
                      "once; send it once (lists are comma-separated).")
    header = req.header("content-type")
    content_type = (header or "").split(";")[0].strip().lower()
    lenient_get = header is None and req.method == "GET" and not opts.strict
    if content_type != "application/json" and not lenient_get:
        raise invalid("Invalid request. The `content-type` header must be `application/json`.")
    query = dict(req.query)
    if query.get("app_key") != opts.app_key:
        raise invalid("Invalid credentials. Invalid 'app_key' query parameter.")
    if not query.get("sign"):
        raise invalid("Missing credentials. The `sign` query parameter is required.", 401)
    _check_timestamp(query.get("timestamp"), opts.now())
    expected = compute_sign(opts.app_secret, req.path, req.query, req.body or None)
    if not signatures_match(expected, query["sign"]):
        raise ApiError(codes.INVALID_SIGN,
                       "Invalid credentials. The `sign` query parameter is invalid.", 401)
    allowed = route.allowed_query()
    for name, value in req.query:
        if name == "shop_cipher" and not route.cipher:
            raise invalid("Unexpected identifier. The `shop_cipher` query parameter is not "
                          "required for this request.")
        if name not in allowed and opts.strict:
            raise invalid(f"Invalid param. Unknown query parameter `{name}`.")
        if value == "":
            raise invalid(f"Invalid param. The `{name}` query parameter must not be empty.")
    token = state.tokens.check_access(req.header("x-tts-access-token"))
    state.tokens.check_scope(route.scope)
    shop = None
    if route.cipher:
        cipher = query.get("shop_cipher")
        if not cipher:
            raise ApiError(codes.CIPHER_MISSING, "Missing identifier. The `shop_cipher` query "
                                                 "parameter is required for this request.", 400)
        shop = state.dataset.shop_by_cipher.get(cipher)
        if shop is None or shop.id not in token.shop_ids:
            raise ApiError(codes.CIPHER_MISMATCH, "Invalid identifier. The `shop_cipher` is "
                           "invalid or not authorized for this access token.", 403)
        state.tokens.check_scope(route.scope, shop.id)
    endpoint = f"{req.method} {route.template(version)}"
    limiter = state.limiter_for(route.category)
    if not limiter.allow((opts.app_key, shop.id if shop else "", endpoint)):
        raise ApiError(codes.RATE_LIMITED, "Too many requests. The request rate limit has been "
                       "exceeded.", 429, {"Retry-After": "1"})
    return Context(
        dataset=state.dataset, options=opts, codec=state.codec, cache=state.cache, route=route,
        version=version, params=params, query=query, body={}, shop=shop,
        extra={"token_shop_ids": token.shop_ids, "chaos": state.chaos},
    )


def _check_timestamp(raw: str | None, now: float) -> None:
    if raw is None or not _SIGNED_INT.match(raw):
        raise invalid("Invalid timestamp. The `timestamp` query parameter must be a 10-digit "
                      "Unix timestamp in seconds.")
    value = int(raw)
    if value < 0:
        raise invalid("Invalid timestamp. The `timestamp` query parameter must not be lesser "
                      "than 0.")
    if not _TEN_DIGITS.match(raw):
        raise invalid("Invalid timestamp. The `timestamp` query parameter must be a 10-digit "
                      "Unix timestamp in seconds.")
    if value < now - 300:
        raise invalid("Invalid timestamp. The `timestamp` query parameter must not be earlier "
                      "than 5 minutes before the current time.")
    if value > now + 30:
        raise invalid("Invalid timestamp. The `timestamp` query parameter must not exceed the "
                      "current time by more than 30 seconds.")


def _parse_body(raw: bytes) -> dict:
    if not raw or not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid("Invalid request. The request body is not valid JSON.") from exc
    if not isinstance(body, dict):
        raise invalid("Invalid request. The request body must be a JSON object.")
    return body
