"""The connection check's logic (``tiktokshop.check``) with scripted answers: each check's
pass and fail lines, what a failed call is attributed to, and the clock measurement."""

from __future__ import annotations

import datetime
import re
from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.stub_http import StubAdapter, err, ok, session_with
from tiktokshop import codes
from tiktokshop.auth.token_store import TokenSet
from tiktokshop.check import (
    MAX_AHEAD_SECONDS,
    MAX_BEHIND_SECONDS,
    CheckResult,
    ConnectionCheckFailed,
    ServerClock,
    clock_check,
    host_problems,
    is_confirmed_scope,
    raise_if_failed,
    region_check,
    run_checks,
    scopes_check,
    shops_check,
    token_check,
)
from tiktokshop.connection import load_settings
from tiktokshop.endpoints import ANALYTICS_SCOPE, PROMOTION_SCOPE
from tiktokshop.errors import APIError, AuthorizationError, FatalAPIError, TimestampRejectedError
from tiktokshop.redact import REDACTOR
from tiktokshop.shops import Shop
from tiktokshop.transport import TikTokShopClient

NOW = 1_800_000_000
API = "https://open-api.tiktokglobalshop.com"
BASE = {"app_key": "k", "app_secret": "CHECK-SECRET-zz1", "refresh_token": "CHECK-REFRESH-1",
        "max_retries": 0}
GB = Shop(id="111", cipher="C1", name="Shop GB", region="GB")
DE = Shop(id="222", cipher="C2", name="Shop DE", region="DE")
US = Shop(id="333", cipher="C3", name="Shop US", region="US")
NEEDED = {"seller.authorization.info": ["every run (the shop list)"],
          "seller.order.info": ["orders", "order_line_items"],
          "seller.finance.info": ["statements", "payments"]}


def settings(**config: Any):
    return load_settings({**BASE, **config})


def tokens(**values: Any) -> TokenSet:
    return TokenSet(**{"access_token": "A", "access_token_expire_in": NOW + 86_400,
                       "refresh_token": "R", "refresh_token_expire_in": NOW + 200 * 86_400,
                       "seller_name": "Seller", "seller_base_region": "GB",
                       "granted_scopes": list(NEEDED), **values})


def api_error(code: int, message: str = "refused", kind: type[APIError] = FatalAPIError,
              **extra: Any) -> APIError:
    return kind(code=code, message=message, endpoint="GET /authorization/202309/shops",
                **extra)


# ----------------------------------------------------------------------------- lines
def test_a_line_is_pass_or_fail_with_what_to_do_and_no_secret() -> None:
    REDACTOR.add("LINE-SECRET-1234")
    assert CheckResult("clock", True, "fine", "ignored").line() == "[pass] clock: fine"
    warned = CheckResult("scopes", True, "fine", warning="maybe not")
    assert warned.line() == "[pass] scopes: fine. Warning: maybe not"
    failed = CheckResult("token", False, "refused LINE-SECRET-1234", "fix it")
    assert failed.line() == "[FAIL] token: refused ***. What to do: fix it"


def test_raise_if_failed_names_every_failed_check() -> None:
    raise_if_failed([CheckResult("token", True, "ok")])
    with pytest.raises(ConnectionCheckFailed) as info:
        raise_if_failed([CheckResult("token", False, "x"), CheckResult("shops", True, "y"),
                         CheckResult("clock", False, "z")])
    assert info.value.exit_code == 1
    assert str(info.value) == ("connection check failed: token, clock (each line above says "
                               "what to do)")


# ----------------------------------------------------------------------------- token
def test_token_passes_with_expiry_and_authorization_end() -> None:
    result = token_check(tokens(), None, None, True, NOW)
    assert result.passed
    assert result.found.startswith("the API accepted the access token (refreshed now); it is "
                                   "valid until 2027-01-16 08:00 UTC")
    assert "seller authorization is valid until" in result.found


def test_token_names_an_authorization_that_ends_soon_or_cannot_be_renewed() -> None:
    soon = token_check(tokens(refresh_token_expire_in=NOW + 5 * 86_400), None, None, False, NOW)
    assert soon.passed and "ends in 5 days" in soon.found and "authorize" in soon.found
    none = token_check(tokens(refresh_token=None), None, None, False, NOW)
    assert none.passed and "no refresh token: it cannot be renewed" in none.found


def test_token_fails_on_a_token_host_refusal_or_a_refused_signature() -> None:
    refused = AuthorizationError("TikTok refused the token refresh (code 36009004: 'Invalid "
                                 "app_secret'); check app_key and app_secret")
    result = token_check(tokens(), refused, None, False, NOW)
    assert not result.passed and result.found == str(refused)
    sign = api_error(codes.INVALID_SIGN, "Invalid credentials. The `sign` is invalid.")
    result = token_check(tokens(), None, sign, False, NOW)
    assert not result.passed and "code 106001" in result.found


def test_token_is_not_verified_when_the_call_failed_for_another_reason() -> None:
    stamp = api_error(codes.INVALID_REQUEST, "timestamp too old", TimestampRejectedError)
    result = token_check(tokens(), None, stamp, False, NOW)
    assert not result.passed
    assert result.found == "not verified: the API call failed (see the clock line)"


# ----------------------------------------------------------------------------- shops
def test_shops_pass_with_or_without_shop_ids() -> None:
    every = shops_check(settings(), [GB, DE], None, None)
    assert every.passed and every.found.startswith("2 authorized shop(s), all synced")
    some = shops_check(settings(shop_ids=["222"]), [GB, DE], None, None)
    assert some.passed and some.found == ("shop_ids selects 1 of 2 authorized shop(s): 222 "
                                          "(Shop DE, DE)")


def test_shops_fail_on_an_unknown_shop_id_naming_it_and_the_authorized_ones() -> None:
    result = shops_check(settings(shop_ids=["111", "999"]), [GB, DE], None, None)
    assert not result.passed
    assert result.found.startswith("shop_ids lists 999, which this token is not authorized "
                                   "for; authorized: 111 (Shop GB, GB), 222 (Shop DE, DE)")
    assert "remove them from shop_ids" in result.todo


def test_shops_fail_with_no_shop_or_when_the_call_failed() -> None:
    assert not shops_check(settings(), [], None, None).passed
    quota = api_error(codes.IP_NOT_ALLOWED, "IP not allowed")
    result = shops_check(settings(), None, None, quota)
    assert not result.passed and result.found == str(quota)
    result = shops_check(settings(), None, AuthorizationError("no token"), None)
    assert result.found == "not checked: no usable token (see the token line)"


# ----------------------------------------------------------------------------- scopes
def test_scopes_pass_when_every_needed_scope_is_granted() -> None:
    result = scopes_check(tokens(), NEEDED, None, None)
    assert result.passed and result.found.startswith("the 3 scopes the selected streams need")


def test_a_missing_scope_names_the_streams_that_need_it() -> None:
    granted = ["seller.authorization.info", "seller.order.info"]
    result = scopes_check(tokens(granted_scopes=granted), NEEDED, None, None)
    assert not result.passed
    assert result.found == "not granted: seller.finance.info (needed by statements, payments)"
    assert "Partner Center" in result.todo and "deselect" in result.todo


def test_a_scope_refused_by_the_api_counts_as_missing() -> None:
    refused = api_error(codes.SCOPE_MISSING, "Access denied", scope="seller.authorization.info")
    granted = ["seller.order.info", "seller.finance.info"]
    result = scopes_check(tokens(granted_scopes=granted), NEEDED, None, refused)
    assert not result.passed
    assert result.found.startswith("not granted: seller.authorization.info (needed by every "
                                   "run (the shop list))")


WITH_UNCONFIRMED = {**NEEDED, ANALYTICS_SCOPE: ["shop_performance"],
                    PROMOTION_SCOPE: ["promotions"]}


def test_the_analytics_and_promotion_scope_names_are_not_confirmed() -> None:
    assert not is_confirmed_scope(ANALYTICS_SCOPE) and not is_confirmed_scope(PROMOTION_SCOPE)
    assert all(is_confirmed_scope(scope) for scope in NEEDED)
    assert is_confirmed_scope("seller.global_product.write")


def test_a_missing_unconfirmed_scope_passes_with_a_warning() -> None:
    result = scopes_check(tokens(), WITH_UNCONFIRMED, None, None)
    assert result.passed
    assert result.found == ("3 of the 5 scopes the selected streams need are granted "
                            "(seller.authorization.info, seller.finance.info, "
                            "seller.order.info)")
    assert result.warning.startswith(
        f"not in granted_scopes: {ANALYTICS_SCOPE} (needed by shop_performance); "
        f"{PROMOTION_SCOPE} (needed by promotions); those names are not confirmed by "
        "TikTok's documentation")
    assert "a 105005 answer during the sync would name the real scope" in result.warning
    line = result.line()
    assert line.startswith("[pass] scopes: 3 of the 5 scopes") and "\n" not in line
    assert ". Warning: not in granted_scopes: " in line and "What to do" not in line


def test_a_granted_unconfirmed_scope_passes_without_a_warning() -> None:
    result = scopes_check(tokens(granted_scopes=list(WITH_UNCONFIRMED)), WITH_UNCONFIRMED,
                          None, None)
    assert result.passed and result.warning == ""
    assert result.found.startswith("the 5 scopes the selected streams need are granted")


def test_a_missing_confirmed_scope_still_fails_and_names_the_unconfirmed_one_too() -> None:
    granted = ["seller.authorization.info", "seller.order.info"]
    result = scopes_check(tokens(granted_scopes=granted), WITH_UNCONFIRMED, None, None)
    assert not result.passed
    assert result.found == "not granted: seller.finance.info (needed by statements, payments)"
    assert "Partner Center" in result.todo
    assert f"{ANALYTICS_SCOPE} (needed by shop_performance)" in result.warning
    line = result.line()
    assert line.index(". Warning: ") < line.index(". What to do: ")


def test_an_unconfirmed_scope_the_api_refused_fails() -> None:
    refused = api_error(codes.SCOPE_MISSING, "Access denied", scope=ANALYTICS_SCOPE)
    result = scopes_check(tokens(), WITH_UNCONFIRMED, None, refused)
    assert not result.passed
    assert result.found == f"not granted: {ANALYTICS_SCOPE} (needed by shop_performance)"
    assert PROMOTION_SCOPE in result.warning and ANALYTICS_SCOPE not in result.warning


def test_scopes_unknown_without_a_token_answer_is_a_failure() -> None:
    result = scopes_check(tokens(granted_scopes=[]), NEEDED, None, None)
    assert not result.passed and result.found.startswith("unknown:")
    assert "token_store_path" in result.todo


# ----------------------------------------------------------------------------- clock
def measured(skew: float | None) -> ServerClock:
    server = ServerClock(API)
    server.skew = skew
    return server


@pytest.mark.parametrize(("skew", "passed", "text"), [
    (0.4, True, "within a second of"),
    (-MAX_BEHIND_SECONDS, True, "240 s behind"),
    (MAX_AHEAD_SECONDS, True, "20 s ahead of"),
    (-400, False, "400 s behind"),
    (60, False, "60 s ahead of"),
])
def test_clock_window(skew: float, passed: bool, text: str) -> None:
    result = clock_check(measured(skew), API)
    assert result.passed is passed
    assert text in result.found and "open-api.tiktokglobalshop.com" in result.found
    if not passed:
        assert "NTP" in result.todo and "300 s behind or 30 s ahead" in result.todo


def test_clock_fails_without_an_answer() -> None:
    server = measured(None)
    server.problem = "no answer from the API host (ConnectionError)"
    result = clock_check(server, API)
    assert not result.passed and "ConnectionError" in result.found


def response(url: str, date: str | None, elapsed: float = 0.2) -> requests.Response:
    resp = requests.Response()
    resp.url = url
    if date is not None:
        resp.headers["Date"] = date
    resp.elapsed = datetime.timedelta(seconds=elapsed)
    return resp


def test_server_clock_reads_the_first_api_answer_only() -> None:
    server = ServerClock(API, clock=lambda: NOW + 0.7)
    server.record(response("https://auth.tiktok-shops.com/api/v2/token/refresh",
                           formatdate(NOW - 999, usegmt=True)))
    assert server.skew is None  # the token host is another host
    server.record(response(API + "/authorization/202309/shops?x=1",
                           formatdate(NOW - 100, usegmt=True), elapsed=0.4))
    # sent at NOW + 0.3, received at NOW + 0.7; the server's second is [NOW - 100, NOW - 99)
    assert server.skew == pytest.approx(100.0)
    server.record(response(API + "/x", formatdate(NOW, usegmt=True)))
    assert server.skew == pytest.approx(100.0)


def test_server_clock_without_a_date_header() -> None:
    server = ServerClock(API)
    server.record(response(API + "/x", None))
    assert server.skew is None and server.problem == "the API host's answer has no Date header"


# ----------------------------------------------------------------------------- region
def test_region_matches_and_loopback_hosts_are_not_compared() -> None:
    result = region_check(settings(), [GB, DE], tokens())
    assert result.passed
    assert result.found == ("service_region Non-US matches: the shops are in DE, GB; "
                            "api_base_url is TikTok's API host (open-api.tiktokglobalshop.com)")
    local = region_check(settings(service_region="US", api_base_url="http://127.0.0.1:9"),
                         [US], tokens())
    assert local.passed and "a local sandbox, not TikTok's host" in local.found


def test_region_fails_when_the_shops_are_not_in_the_service_region() -> None:
    result = region_check(settings(service_region="US"), [GB, DE], tokens())
    assert not result.passed
    assert result.found == "service_region is US, but the shops are in DE, GB"
    assert result.todo.startswith("set service_region to match the shops")
    result = region_check(settings(), [US], tokens())
    assert not result.passed and result.found == "service_region is Non-US, but the shops are in US"


def test_region_only_compares_the_shops_of_the_sync() -> None:
    assert not region_check(settings(service_region="US", shop_ids=["111"]), [GB, US],
                            tokens()).passed
    assert region_check(settings(service_region="US", shop_ids=["333"]), [GB, US],
                        tokens()).passed
    mixed = region_check(settings(), [GB, US], tokens())
    assert mixed.passed and "US and elsewhere" in mixed.found


def test_region_falls_back_on_the_seller_region_without_shops() -> None:
    result = region_check(settings(service_region="US"), None, tokens(seller_base_region="GB"))
    assert not result.passed
    assert result.found == ("service_region is US, but the seller's base region is GB (shops "
                            "not read)")
    unknown = region_check(settings(), None, tokens(seller_base_region=None))
    assert not unknown.passed and unknown.found.startswith("not checked")


@pytest.mark.parametrize(("config", "fragment"), [
    ({"api_base_url": "https://open-api.us.tiktokglobalshop.com"},
     "api_base_url is https://open-api.us"),
    ({"api_base_url": "https://open-api-sandbox.tiktokglobalshop.com"},
     "every region, US included"),
    ({"api_base_url": "https://open-api.tiktokglobalshop.com/api"}, "no path"),
    ({"auth_base_url": "https://auth-sandbox.tiktok-shops.com"}, "token host for every region"),
    ({"service_region": "US", "authorize_base_url": "https://services.tiktokshop.com"},
     "sellers of service_region US authorize at https://services.us.tiktokshop.com or "
     "https://services.tiktokshops.us"),
    ({"authorize_base_url": "https://services.us.tiktokshop.com"},
     "sellers of service_region Non-US authorize at https://services.tiktokshop.com"),
])
def test_tiktok_hosts_must_be_the_documented_ones(config: dict, fragment: str) -> None:
    problems = host_problems(settings(**config))
    assert len(problems) == 1 and fragment in problems[0]
    result = region_check(settings(**config), [US] if config.get("service_region") else [GB],
                          tokens())
    assert not result.passed and "remove api_base_url" in result.todo


def test_documented_proxy_and_sandbox_hosts_are_fine() -> None:
    for config in ({}, {"service_region": "US",
                        "authorize_base_url": "https://services.tiktokshops.us"},
                   {"api_base_url": "https://tiktok-proxy.example.com/shop"}):
        assert host_problems(settings(**config)) == []


# ----------------------------------------------------------------------------- the run
def date_header(offset: float = 0) -> dict[str, str]:
    return {"Date": formatdate(NOW + offset, usegmt=True)}


def token_answer(scopes: list[str]) -> tuple[int, dict, dict[str, str]]:
    status, body = ok({"access_token": "CHECK-ACCESS-2", "access_token_expire_in": NOW + 7200,
                       "refresh_token": "CHECK-REFRESH-2",
                       "refresh_token_expire_in": NOW + 300 * 86_400,
                       "seller_name": "Seller", "seller_base_region": "GB",
                       "granted_scopes": scopes})
    return status, body, date_header(-999)  # the token host's clock is not compared


def shops_answer(*shops: Shop) -> tuple[int, dict, dict[str, str]]:
    status, body = ok({"shops": [{"id": s.id, "cipher": s.cipher, "name": s.name,
                                  "region": s.region} for s in shops]})
    return status, body, date_header()


def checks(replies: list, tmp: Path, **config: Any) -> tuple[list[CheckResult], StubAdapter]:
    adapter = StubAdapter(replies)
    conf = settings(token_store_path=str(tmp / "tokens.json"), **config)
    client = TikTokShopClient(conf, session=session_with(adapter))
    results = run_checks(client, NEEDED, clock=lambda: NOW)
    assert [r.name for r in results] == ["token", "shops", "scopes", "clock", "region"]
    assert client.session.hooks["response"] == []  # the Date hook is removed
    return results, adapter


def by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {result.name: result for result in results}


def test_every_check_passes(tmp_path: Path) -> None:
    results, adapter = checks([token_answer(list(NEEDED)), shops_answer(GB, DE)], tmp_path)
    assert all(r.passed for r in results), [r.line() for r in results]
    assert [r.path_url.split("?")[0] for r in adapter.sent] == [
        "/api/v2/token/refresh", "/authorization/202309/shops"]


def test_a_refused_refresh_fails_token_and_what_depends_on_it(tmp_path: Path) -> None:
    refused = err(codes.INVALID_REQUEST, "Invalid credentials. Invalid 'app_secret' query "
                  "parameter.", 400)
    results, adapter = checks([refused, (404, {"code": 36009009, "message": "Invalid path"},
                                         date_header())], tmp_path)
    lines = by_name(results)
    assert not lines["token"].passed and "check app_key and app_secret" in lines["token"].found
    assert lines["shops"].found == "not checked: no usable token (see the token line)"
    assert lines["scopes"].found == "not checked: no usable token (see the token line)"
    assert lines["clock"].passed  # measured with one plain GET of the API host
    assert adapter.sent[-1].url == API + "/"
    # no shop list and no token answer: the shops' regions are unknown
    assert lines["region"].found.startswith("not checked: the shops' regions are unknown")


def test_a_timestamp_refusal_is_the_clock_line(tmp_path: Path) -> None:
    stamp = err(codes.INVALID_REQUEST, "Invalid timestamp. The `timestamp` query parameter "
                "must not be earlier than 5 minutes before the current time.", 400,
                headers=date_header(400))
    results, _ = checks([token_answer(list(NEEDED)), stamp, stamp], tmp_path)
    lines = by_name(results)
    assert not lines["clock"].passed
    assert re.search(r"clock is 40[01] s behind the API server's", lines["clock"].found)
    assert lines["token"].found == "not verified: the API call failed (see the clock line)"
    assert lines["shops"].found == ("not checked: Get Authorized Shops failed (see the clock "
                                    "line)")
    assert lines["scopes"].passed  # granted scopes come from the token answer


def test_an_unknown_shop_id_and_a_missing_scope(tmp_path: Path) -> None:
    granted = ["seller.authorization.info", "seller.order.info"]
    results, _ = checks([token_answer(granted), shops_answer(GB)], tmp_path,
                        shop_ids=["111", "999"])
    lines = by_name(results)
    assert [r.name for r in results if not r.passed] == ["shops", "scopes"]
    assert "shop_ids lists 999" in lines["shops"].found
    assert "seller.finance.info (needed by statements, payments)" in lines["scopes"].found


def test_a_configured_access_token_is_refreshed_once_to_read_the_scopes(tmp_path: Path) -> None:
    results, adapter = checks([shops_answer(GB), token_answer(list(NEEDED))], tmp_path,
                              access_token="CHECK-ACCESS-1")
    assert all(r.passed for r in results), [r.line() for r in results]
    assert [r.path_url.split("?")[0] for r in adapter.sent] == [
        "/authorization/202309/shops", "/api/v2/token/refresh"]
    assert (tmp_path / "tokens.json").exists()  # the rotated tokens are kept


def test_without_a_token_store_a_configured_access_token_is_not_refreshed(
        tmp_path: Path) -> None:
    adapter = StubAdapter([shops_answer(GB)])
    client = TikTokShopClient(settings(access_token="CHECK-ACCESS-1"),
                              session=session_with(adapter))
    lines = by_name(run_checks(client, NEEDED, clock=lambda: NOW))
    assert len(adapter.sent) == 1
    assert not lines["scopes"].passed and lines["scopes"].found.startswith("unknown:")
