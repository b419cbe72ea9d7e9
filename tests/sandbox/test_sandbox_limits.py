"""Rate limiting, fault injection, latency, statistics and admin access rules."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest
import requests

from tiktokshop import codes
from tiktokshop_sandbox import Sandbox
from tiktokshop_sandbox.admin import is_loopback

from .conftest import Api, error_of

WAREHOUSES = "/logistics/202309/warehouses"


def test_rate_limit_per_app_shop_endpoint(make_sandbox: Callable[..., Sandbox]) -> None:
    api = Api(make_sandbox(products=5, orders=5, rate_limit_qps=5))
    results = [api.call("GET", WAREHOUSES) for _ in range(12)]
    limited = [r for r in results if r.status_code == 429]
    assert 1 <= len(limited) <= 12 - 5
    status, code, _message = error_of(limited[0])
    assert (status, code) == (429, codes.RATE_LIMITED)
    assert limited[0].headers["Retry-After"] == "1"
    # another endpoint and another shop have their own buckets
    api.ok("GET", "/authorization/202309/shops", cipher=None)
    api.ok("GET", WAREHOUSES, cipher=api.sandbox.dataset.shops[1].cipher)
    # product detail for any id is one endpoint
    ids = [p["id"] for p in api.admin("GET", "dataset")["products"]
           if p["shop_id"] == api.shop.id and p["status"] == "ACTIVATE"]
    detail = [api.call("GET", f"/product/202309/products/{ids[n % len(ids)]}")
              for n in range(12)]
    assert any(r.status_code == 429 for r in detail)
    time.sleep(1.1)
    api.ok("GET", WAREHOUSES)
    stats = api.admin("GET", "stats")
    assert stats["endpoints"][f"GET {WAREHOUSES}"]["36009002"] == len(limited)
    assert stats["totals"]["requests"] >= 26


def test_rate_limit_zero_disables(make_sandbox: Callable[..., Sandbox]) -> None:
    api = Api(make_sandbox(products=5, orders=5, rate_limit_qps=0))
    assert all(api.call("GET", WAREHOUSES).status_code == 200 for _ in range(60))


def test_fault_injection_kinds_and_rate(make_sandbox: Callable[..., Sandbox]) -> None:
    api = Api(make_sandbox(products=5, orders=5, fault_rate=0.5, rate_limit_qps=0, seed=3))
    outcomes: Counter[str] = Counter()
    for _ in range(300):
        try:
            resp = api.call("GET", WAREHOUSES)
        except requests.ConnectionError:
            outcomes["dropped"] += 1
            api.session = requests.Session()
            continue
        code = resp.json()["code"]
        outcomes[f"{resp.status_code}/{code}"] += 1
        if resp.status_code == 429:
            assert resp.headers["Retry-After"] == "1"
    faults = 300 - outcomes["200/0"]
    assert 0.35 * 300 <= faults <= 0.65 * 300, outcomes
    for kind in ("dropped", "429/36009002", "500/36009003", "503/36009003"):
        assert outcomes[kind] > 0, outcomes
    stats = api.admin("GET", "stats")["endpoints"][f"GET {WAREHOUSES}"]
    assert stats["dropped"] == outcomes["dropped"]
    assert stats["36009003"] == outcomes["500/36009003"] + outcomes["503/36009003"]
    api.admin("POST", "faults", {"fault_rate": 0})
    assert all(api.call("GET", WAREHOUSES).status_code == 200 for _ in range(20))
    api.admin("POST", "faults", {"fault_rate": 1, "kinds": ["503"]})
    assert api.call("GET", WAREHOUSES).status_code == 503
    api.admin("POST", "stats/reset")
    assert api.admin("GET", "stats")["totals"] == {"requests": 0}


def test_latency(make_sandbox: Callable[..., Sandbox]) -> None:
    api = Api(make_sandbox(products=5, orders=5, latency_ms=150))
    started = time.monotonic()
    api.ok("GET", WAREHOUSES)
    assert time.monotonic() - started >= 0.15


def test_admin_rules(sandbox: Sandbox) -> None:
    assert is_loopback("127.0.0.1")
    assert is_loopback("::1")
    assert is_loopback("::ffff:127.0.0.1")
    assert not is_loopback("10.0.0.2")
    assert not is_loopback("192.168.1.9")
    base = sandbox.base_url
    assert requests.get(f"{base}/sandbox/nothing", timeout=10).status_code == 404
    assert requests.get(f"{base}/sandbox/mutate", timeout=10).status_code == 405
    bad = requests.post(f"{base}/sandbox/scopes", json={"nope": 1}, timeout=10)
    assert bad.status_code == 400
    assert "error" in bad.json()
    config = requests.get(f"{base}/sandbox/config", timeout=10).json()
    assert config == sandbox.config()


@pytest.mark.parametrize("body", [{"fault_rate": 2}, {"fault_rate": 0.1, "kinds": ["x"]}])
def test_fault_route_validation(sandbox: Sandbox, body: dict) -> None:
    resp = requests.post(f"{sandbox.base_url}/sandbox/faults", json=body, timeout=10)
    assert resp.status_code == 400


def test_concurrent_reads_and_writes(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(seed=8, shops=1, products=40, orders=200, rate_limit_qps=0)
    products = [p for p in sb.dataset.dump()["products"] if p["status"] == "ACTIVATE"]
    failures: list[object] = []

    def worker(n: int) -> None:
        api = Api(sb)
        product = products[n % len(products)]
        sku = product["skus"][0]
        for i in range(12):
            try:
                if i % 3 == 0:
                    api.ok("POST", f"/product/202309/products/{product['id']}/inventory/update",
                           body={"skus": [{"id": sku["id"], "inventory": [
                               {"warehouse_id": inv["warehouse_id"], "quantity": n * 100 + i}
                               for inv in sku["inventory"]]}]})
                elif i % 3 == 1:
                    api.ok("POST", "/order/202309/orders/search", {"page_size": "50"}, {})
                else:
                    api.ok("POST", "/product/202309/products/search", {"page_size": "20"}, {})
                if i == 6:
                    sb.mutate(products=1, orders=2)
            except Exception as exc:  # collected and reported below
                failures.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures[:3]
    assert not any(t.is_alive() for t in threads)


def test_dataset_route_filters(sandbox: Sandbox) -> None:
    shop = sandbox.dataset.shops[1]
    resp = requests.get(f"{sandbox.base_url}/sandbox/dataset",
                        params={"kinds": "orders,shops", "shop_id": shop.id}, timeout=30).json()
    assert set(resp) == {"shops", "warehouses", "products", "orders", "returns",
                         "cancellations", "packages", "statements", "statement_transactions",
                         "payments", "withdrawals", "unsettled_transactions",
                         "shop_performance_daily", "product_performance_daily",
                         "sku_performance_daily", "video_performance_daily", "live_performance",
                         "promotion_activities", "coupons"}
    assert resp["packages"] == []
    assert resp["shop_performance_daily"] == resp["coupons"] == []
    assert resp["statements"] == resp["unsettled_transactions"] == []
    assert resp["products"] == []
    assert resp["orders"]
    assert {o["shop_id"] for o in resp["orders"]} == {shop.id}
    assert [s["id"] for s in resp["shops"]] == [shop.id]
    bad = requests.get(f"{sandbox.base_url}/sandbox/dataset", params={"kinds": "x"}, timeout=10)
    assert bad.status_code == 400
