"""Admin routes under ``/sandbox/`` (unsigned, loopback peers only, plain JSON bodies).

=====  =========================  ==================================================
GET    /sandbox/dataset           whole dataset: shops, warehouses, products, orders,
                                  returns, cancellations, packages, statements,
                                  statement_transactions, payments, withdrawals,
                                  unsettled_transactions, promotion_activities, coupons
                                  (API shapes + ``shop_id``), and shop_performance_daily,
                                  product_performance_daily, sku_performance_daily,
                                  video_performance_daily, live_performance (202509
                                  shapes, local currency, + ``shop_id`` and ``date``);
                                  optional query ``kinds=orders,products`` / ``shop_id=``
GET    /sandbox/stats             request counts by endpoint and outcome, with totals,
                                  ``peak_in_flight`` (most requests of each endpoint open
                                  at once) and ``faults_injected`` (by kind, with ``total``)
POST   /sandbox/stats/reset       clear the counters (fault counts too)
GET    /sandbox/config            the config written by ``--config-out``
POST   /sandbox/mutate            ``{"products": n, "orders": n, "packages"?: n,
                                  "seed"?: s}`` → changed ids
POST   /sandbox/auth_code         → ``{"auth_code": ...}`` (single use, 30 minutes)
POST   /sandbox/tokens/issue      → token data, as ``/api/v2/token/get`` would return
POST   /sandbox/tokens/revoke     forget every access/refresh token and auth code
POST   /sandbox/tokens/expire     expire every current access token now (and every
                                  refresh token with ``{"refresh": true}``)
POST   /sandbox/scopes            ``{"remove": [scope, ...]}`` (every shop), ``{"remove":
                                  [...], "shop_id": s}`` (that shop only) or
                                  ``{"reset": true}``
POST   /sandbox/finance/settle    ``{"statements": n, "shop_id"?: s}``: pay the n oldest
                                  unpaid statements of each shop (or of s) now →
                                  ``{"statements": [ids], "payments": [ids]}``
POST   /sandbox/faults            ``{"fault_rate": f, "kinds"?: ["429","500","503","drop"]}``
POST   /sandbox/ratelimit         ``{"rate_limit_qps": q}`` and/or
                                  ``{"analytics_rate_limit_qps": q}`` (0 disables)
GET    /sandbox/analytics         the analytics calendar: today, latest_available_date,
                                  oldest_available_date, first_day, retention_days,
                                  revisions (see ``analytics_book``)
POST   /sandbox/analytics/clock   ``{"advance_days": n}`` or ``{"today": "YYYY-MM-DD"}``:
                                  moves the analytics date only (not the request clock);
                                  moving on revises the last 3 days → the calendar
POST   /sandbox/analytics/revise  ``{"days": n, "shop_id"?: s}``: late sales on each of
                                  the last n served days → ``{"revised": {shop: [dates]}}``
POST   /sandbox/clock             ``{"skew_seconds": s}``: the sandbox's clock runs s
                                  seconds ahead of the machine's (behind when negative):
                                  ``Date`` headers, the timestamp window and token times
GET    /sandbox/chaos             the chaos seed and how many pages each behaviour hit
POST   /sandbox/chaos             ``{"seed": n}`` turns misbehaving searches on (see
                                  ``chaos``), ``{"seed": null}`` off
POST   /sandbox/skus/lock         ``{"sku_ids": [...], "locked"?: true}`` promotion lock:
                                  price updates → 12052038, inventory → 12052393
=====  =========================  ==================================================

Non-loopback peers get HTTP 403; bad bodies HTTP 400 ``{"error": ...}``.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable

from .analytics_lists import ANALYTICS_KINDS
from .context import Request, Response
from .dataset import PROMOTION_KINDS
from .gen_finance import FINANCE_KINDS
from .state import SandboxState


class AdminError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def is_loopback(peer: str) -> bool:
    try:
        ip = ipaddress.ip_address(peer.split("%")[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return bool(ip.is_loopback or (mapped is not None and mapped.is_loopback))


def _body(req: Request) -> dict:
    if not req.body.strip():
        return {}
    try:
        body = json.loads(req.body)
    except ValueError as exc:
        raise AdminError(400, "body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise AdminError(400, "body must be a JSON object")
    return body


def _count(body: dict, name: str) -> int:
    value = body.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise AdminError(400, f"{name} must be a non-negative integer")
    return value


def _number(body: dict, name: str) -> float:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AdminError(400, f"{name} must be a number")
    return float(value)


def _str_list(body: dict, name: str) -> list[str]:
    value = body.get(name)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AdminError(400, f"{name} must be a list of strings")
    return value


def handle_admin(state: SandboxState, req: Request, config: Callable[[], dict]) -> Response:
    if not is_loopback(req.peer):
        return Response(403, {"error": "admin routes are loopback-only"})
    routes: dict[tuple[str, str], Callable[[], object]] = {
        ("GET", "/sandbox/dataset"): lambda: _dump(state, req),
        ("GET", "/sandbox/stats"): lambda: {**state.stats.snapshot(),
                                            "faults_injected": state.faults.counts()},
        ("POST", "/sandbox/stats/reset"): lambda: (state.stats.reset(),
                                                   state.faults.reset_counts(),
                                                   {"reset": True})[2],
        ("GET", "/sandbox/config"): config,
        ("POST", "/sandbox/mutate"): lambda: _mutate(state, req),
        ("POST", "/sandbox/auth_code"): lambda: {"auth_code": state.tokens.mint_auth_code()},
        ("POST", "/sandbox/tokens/issue"): state.tokens.issue,
        ("POST", "/sandbox/tokens/revoke"): lambda: (state.tokens.revoke_all(),
                                                     {"revoked": True})[1],
        ("POST", "/sandbox/tokens/expire"): lambda: _expire(state, req),
        ("POST", "/sandbox/scopes"): lambda: _scopes(state, req),
        ("POST", "/sandbox/finance/settle"): lambda: _settle(state, req),
        ("POST", "/sandbox/faults"): lambda: _faults(state, req),
        ("POST", "/sandbox/ratelimit"): lambda: _ratelimit(state, req),
        ("POST", "/sandbox/clock"): lambda: _clock(state, req),
        ("GET", "/sandbox/analytics"): state.dataset.analytics.status,
        ("POST", "/sandbox/analytics/clock"): lambda: _analytics_clock(state, req),
        ("POST", "/sandbox/analytics/revise"): lambda: _analytics_revise(state, req),
        ("GET", "/sandbox/chaos"): state.chaos.status,
        ("POST", "/sandbox/chaos"): lambda: _chaos(state, req),
        ("POST", "/sandbox/skus/lock"): lambda: _lock(state, req),
    }
    action = routes.get((req.method, req.path))
    if action is None:
        known = any(path == req.path for _, path in routes)
        return Response(405 if known else 404,
                        {"error": "method not allowed" if known else "unknown admin route"})
    try:
        return Response(200, action())
    except AdminError as err:
        return Response(err.status, {"error": str(err)})


def _dump(state: SandboxState, req: Request) -> dict:
    query = dict(req.query)
    kinds = set(query["kinds"].split(",")) if query.get("kinds") else None
    known = {"shops", "warehouses", "products", "orders", "returns", "cancellations",
             "packages"}
    known |= set(FINANCE_KINDS) | set(ANALYTICS_KINDS) | set(PROMOTION_KINDS)
    if kinds is not None and not kinds <= known:
        raise AdminError(400, f"kinds must be among {sorted(known)}")
    shop_id = query.get("shop_id") or None
    if shop_id is not None and shop_id not in state.dataset.shop_by_id:
        raise AdminError(400, "unknown shop_id")
    return state.dataset.dump(kinds, shop_id)


def _mutate(state: SandboxState, req: Request) -> dict:
    body = _body(req)
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise AdminError(400, "seed must be an integer")
    return state.dataset.mutate(_count(body, "products"), _count(body, "orders"), seed,
                                packages=_count(body, "packages"))


def _expire(state: SandboxState, req: Request) -> dict:
    refresh = _body(req).get("refresh", False)
    if not isinstance(refresh, bool):
        raise AdminError(400, "refresh must be a boolean")
    return {"expired": state.tokens.expire_all(refresh=refresh), "refresh": refresh}


def _scopes(state: SandboxState, req: Request) -> dict:
    body = _body(req)
    if body.get("reset") is True:
        return {"granted_scopes": state.tokens.reset_scopes()}
    if "remove" in body:
        scopes = _str_list(body, "remove")
        if "shop_id" in body:
            shop_id = _shop_id(state, body)
            return {"shop_id": shop_id,
                    "removed_for_shop": state.tokens.remove_shop_scopes(shop_id, scopes),
                    "granted_scopes": sorted(state.tokens.granted)}
        return {"granted_scopes": state.tokens.remove_scopes(scopes)}
    raise AdminError(400, 'expected {"remove": [...], "shop_id"?: s} or {"reset": true}')


def _shop_id(state: SandboxState, body: dict) -> str:
    shop_id = body.get("shop_id")
    if not isinstance(shop_id, str) or shop_id not in state.dataset.shop_by_id:
        raise AdminError(400, "shop_id must be the id of a shop of the sandbox")
    return shop_id


def _settle(state: SandboxState, req: Request) -> dict:
    body = _body(req)
    if "statements" not in body:
        raise AdminError(400, 'expected {"statements": n, "shop_id"?: s}')
    shop_id = _shop_id(state, body) if "shop_id" in body else None
    return state.dataset.settle_statements(_count(body, "statements"), shop_id)


def _chaos(state: SandboxState, req: Request) -> dict:
    seed = _body(req).get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise AdminError(400, "seed must be a whole number or null")
    state.chaos.set(seed)
    return state.chaos.status()


def _faults(state: SandboxState, req: Request) -> dict:
    body = _body(req)
    kinds = _str_list(body, "kinds") if "kinds" in body else None
    lose = body.get("lose_answers")
    if lose is not None and not isinstance(lose, dict):
        raise AdminError(400, "lose_answers must be an object {endpoint: {count, kind}}")
    try:
        if "fault_rate" in body or lose is None:
            state.faults.configure(_number(body, "fault_rate"), kinds)
        if lose is not None:
            state.faults.lose_answers(lose)
    except ValueError as exc:
        raise AdminError(400, str(exc)) from exc
    return {"fault_rate": state.faults.rate, "kinds": list(state.faults.kinds)}


def _ratelimit(state: SandboxState, req: Request) -> dict:
    body = _body(req)
    names = [n for n in ("rate_limit_qps", "analytics_rate_limit_qps") if n in body]
    if not names:
        raise AdminError(400, 'expected {"rate_limit_qps": q} and/or '
                              '{"analytics_rate_limit_qps": q}')
    values = {name: _number(body, name) for name in names}
    for name, qps in values.items():
        if qps < 0:
            raise AdminError(400, f"{name} must be >= 0")
    for name, qps in values.items():
        limiter = state.analytics_limiter if name.startswith("analytics") else state.limiter
        limiter.set_qps(qps)
        setattr(state.options, name, qps)
    return values


def _analytics_clock(state: SandboxState, req: Request) -> dict:
    body = _body(req)
    book = state.dataset.analytics
    if "today" in body:
        today = body["today"]
        if not isinstance(today, str):
            raise AdminError(400, "today must be a date YYYY-MM-DD")
        try:
            book.set_today(today)
        except ValueError as exc:
            raise AdminError(400, str(exc)) from exc
    elif "advance_days" in body:
        days = body["advance_days"]
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 3_650:
            raise AdminError(400, "advance_days must be a whole number in 0..3650")
        book.advance(days)
    else:
        raise AdminError(400, 'expected {"advance_days": n} or {"today": "YYYY-MM-DD"}')
    return book.status()


def _analytics_revise(state: SandboxState, req: Request) -> dict:
    body = _body(req)
    days = body.get("days", 3)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
        raise AdminError(400, "days must be a whole number in 1..365")
    shop_id = _shop_id(state, body) if "shop_id" in body else None
    return {"revised": state.dataset.analytics.revise(days, shop_id)}


def _clock(state: SandboxState, req: Request) -> dict:
    skew = _number(_body(req), "skew_seconds")
    if abs(skew) > 10 * 365 * 86_400:
        raise AdminError(400, "skew_seconds must be within ten years")
    state.options.clock_skew_seconds = skew
    return {"skew_seconds": skew}


def _lock(state: SandboxState, req: Request) -> dict:
    body = _body(req)
    sku_ids = _str_list(body, "sku_ids")
    locked = body.get("locked", True)
    if not isinstance(locked, bool):
        raise AdminError(400, "locked must be a boolean")
    with state.dataset.lock:
        if locked:
            state.dataset.locked_skus.update(sku_ids)
        else:
            state.dataset.locked_skus.difference_update(sku_ids)
        return {"locked_sku_ids": sorted(state.dataset.locked_skus)}
