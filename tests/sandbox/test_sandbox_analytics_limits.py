"""The analytics family's own rate limit, the analytics and promotion scopes, and the
analytics command-line options."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from tiktokshop import codes
from tiktokshop_sandbox import Sandbox
from tiktokshop_sandbox.cli import build_parser, main, options_from_args

from .conftest import Api, error_of

SHOP = "/analytics/202509/shop/performance"
PRODUCTS = "/analytics/202509/shop_products/performance"
ORDERS = "/order/202309/orders/search"
DAYS = {"start_date_ge": "2026-01-01", "end_date_lt": "2026-01-02"}


def test_analytics_has_its_own_rate_per_shop_and_endpoint(
        make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(shops=2, products=5, orders=10, rate_limit_qps=50,
                      analytics_rate_limit_qps=1.0)  # the command line's default
    assert sb.config()["rate_limit_qps_analytics"] == 1.0  # handed to the tap
    api, other = Api(sb), Api(sb)
    other.cipher = sb.dataset.shops[1].cipher
    assert api.call("GET", SHOP, DAYS).status_code == 200
    limited = api.call("GET", SHOP, DAYS)
    status, code, _ = error_of(limited)
    assert (status, code) == (429, codes.RATE_LIMITED)
    assert limited.headers["Retry-After"] == "1"
    # Other shops, other analytics endpoints and other families are not slowed.
    assert other.call("GET", SHOP, DAYS).status_code == 200
    assert api.call("GET", PRODUCTS, DAYS).status_code == 200
    assert all(api.call("POST", ORDERS, {"page_size": "1"}, {}).status_code == 200
               for _ in range(5))
    time.sleep(1.05)  # one token a second
    assert api.call("GET", SHOP, DAYS).status_code == 200


def test_admin_route_sets_each_family_on_its_own(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(shops=1, products=5, orders=10)
    api = Api(sb)
    assert api.admin("POST", "ratelimit", {"analytics_rate_limit_qps": 0}) == {
        "analytics_rate_limit_qps": 0.0}
    assert all(api.call("GET", SHOP, DAYS).status_code == 200 for _ in range(5))
    assert api.admin("POST", "ratelimit", {"rate_limit_qps": 1}) == {"rate_limit_qps": 1.0}
    assert all(api.call("GET", SHOP, DAYS).status_code == 200 for _ in range(3))
    assert [api.call("POST", ORDERS, {"page_size": "1"}, {}).status_code
            for _ in range(2)] == [200, 429]
    assert api.admin("POST", "ratelimit", {"analytics_rate_limit_qps": 2.5,
                                           "rate_limit_qps": 0}) == {
        "analytics_rate_limit_qps": 2.5, "rate_limit_qps": 0.0}
    assert sb.options.analytics_rate_limit_qps == 2.5
    resp = api.session.post(f"{sb.base_url}/sandbox/ratelimit", json={}, timeout=10)
    assert resp.status_code == 400 and "analytics_rate_limit_qps" in resp.json()["error"]
    resp = api.session.post(f"{sb.base_url}/sandbox/ratelimit",
                            json={"analytics_rate_limit_qps": -1}, timeout=10)
    assert resp.status_code == 400


@pytest.mark.parametrize(("scope", "path", "method", "body"), [
    ("data.shop_analytics.public.read", SHOP, "GET", None),
    ("seller.promotion.info", "/promotion/202309/activities/search", "POST", {}),
    ("seller.promotion.info", "/promotion/202406/coupons/search", "POST", {}),
])
def test_a_scope_taken_from_one_shop(make_sandbox: Callable[..., Sandbox], scope: str,
                                     path: str, method: str, body: dict | None) -> None:
    sb = make_sandbox(shops=2, products=5, orders=10, analytics_rate_limit_qps=0)
    api, other = Api(sb), Api(sb)
    other.cipher = sb.dataset.shops[1].cipher
    query = DAYS if method == "GET" else None
    api.admin("POST", "scopes", {"remove": [scope], "shop_id": sb.dataset.shops[1].id})
    status, code, message = error_of(other.call(method, path, query, body))
    assert (status, code) == (403, codes.SCOPE_MISSING) and scope in message
    assert api.call(method, path, query, body).status_code == 200
    api.admin("POST", "scopes", {"reset": True})
    assert other.call(method, path, query, body).status_code == 200


def test_cli_options() -> None:
    args = build_parser().parse_args(["--analytics-rate-limit-qps", "0.5", "--analytics-days",
                                      "400", "--analytics-today", "2026-02-03"])
    options = options_from_args(args)
    assert (options.analytics_rate_limit_qps, options.analytics_days,
            options.analytics_today) == (0.5, 400, "2026-02-03")
    defaults = options_from_args(build_parser().parse_args([]))
    assert (defaults.analytics_rate_limit_qps, defaults.analytics_days,
            defaults.analytics_today) == (1.0, 60, None)


@pytest.mark.parametrize("argv", [["--analytics-today", "03/02/2026"],
                                  ["--analytics-today", "2026-02-31"],
                                  ["--analytics-days", "0"],
                                  ["--analytics-rate-limit-qps", "-1"]])
def test_cli_refuses_bad_analytics_options(argv: list[str],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "analytics" in capsys.readouterr().err
