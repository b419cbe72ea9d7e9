"""Token host routes (served on the same port as the API).

``GET /api/v2/token/get`` and ``GET /api/v2/token/refresh`` are unsigned, with the
app secret in the query; success message is ``"success"``. Wrong/missing
``app_key`` or ``app_secret`` or ``grant_type`` → 36009004 with HTTP 400; invalid
auth code (36004004) and unusable refresh token (36004001) → HTTP 200 with the
error envelope (the live statuses are UNCONFIRMED). With the ``token_faults`` option the
token routes get the same random faults as business requests (``fault_rate``).

``GET /open/authorize?service_id=...&state=...`` is a sandbox convenience standing
in for the seller consent page: instead of redirecting, it answers JSON
``{"auth_code", "code", "state", "redirect_query"}`` with a fresh single-use code
(``code`` mirrors the redirect's query parameter name).
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from tiktokshop import codes

from .context import ApiError, Request, Response, envelope, invalid
from .gateway import fault_response
from .state import SandboxState

TOKEN_PATHS = ("/api/v2/token/get", "/api/v2/token/refresh")


def _credentials(state: SandboxState, query: dict[str, str]) -> None:
    if query.get("app_key") != state.options.app_key:
        raise invalid("Invalid credentials. Invalid 'app_key' query parameter.")
    if query.get("app_secret") != state.options.app_secret:
        raise invalid("Invalid credentials. Invalid 'app_secret' query parameter.")


def handle_token(state: SandboxState, req: Request) -> tuple[Response, str]:
    endpoint = f"{req.method} {req.path}"
    if state.options.latency_ms:
        time.sleep(state.options.latency_ms / 1000)
    if state.options.token_faults:
        fault = state.faults.pick()
        if fault is not None:
            return fault_response(fault), endpoint
    query = dict(req.query)
    try:
        if req.method != "GET":
            raise ApiError(codes.INVALID_METHOD, "Invalid method.", 405)
        _credentials(state, query)
        if req.path == "/api/v2/token/get":
            if query.get("grant_type") != "authorized_code":
                raise invalid("Invalid param. `grant_type` must be `authorized_code`.")
            data = state.tokens.exchange_code(query.get("auth_code", ""))
        else:
            if query.get("grant_type") != "refresh_token":
                raise invalid("Invalid param. `grant_type` must be `refresh_token`.")
            data = state.tokens.refresh(query.get("refresh_token", ""))
    except ApiError as err:
        return Response(err.status, envelope(err.code, err.message, None)), endpoint
    return Response(200, envelope(codes.SUCCESS, "success", data)), endpoint


def handle_authorize(state: SandboxState, req: Request) -> Response:
    query = dict(req.query)
    if query.get("service_id") != state.options.service_id:
        return Response(400, {"error": "unknown service_id"})
    code = state.tokens.mint_auth_code()
    st = query.get("state", "")
    return Response(200, {"auth_code": code, "code": code, "state": st,
                          "redirect_query": urlencode({"code": code, "state": st})})
