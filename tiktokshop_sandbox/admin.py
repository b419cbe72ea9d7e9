"""Admin routes under ``/sandbox/`` (unsigned, loopback peers only, plain JSON bodies).

=====  =========================  ==================================================
GET    /sandbox/dataset           whole dataset: shops, warehouses, products, orders,
                                  returns, cancellations, packages, statements,
                                  statement_transactions, payments, withdrawals,
                                  unsettled_transactions (API shapes + ``shop_id``);
                                  optional query ``kinds=orders,products`` / ``shop_id=``
GET    /sandbox/stats             request counts by endpoint and outcome, with totals,
                                  and ``faults_injected`` (by kind, with ``total``)
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
POST   /sandbox/ratelimit         ``{"rate_limit_qps": q}`` (0 disables)
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

from .context import Request, Response
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
    known |= set(FINANCE_KINDS)
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
    try:
        state.faults.configure(_number(body, "fault_rate"), kinds)
    except ValueError as exc:
        raise AdminError(400, str(exc)) from exc
    return {"fault_rate": state.faults.rate, "kinds": list(state.faults.kinds)}


def _ratelimit(state: SandboxState, req: Request) -> dict:
    qps = _number(_body(req), "rate_limit_qps")
    if qps < 0:
        raise AdminError(400, "rate_limit_qps must be >= 0")
    state.limiter.set_qps(qps)
    state.options.rate_limit_qps = qps
    return {"rate_limit_qps": qps}


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
