"""The generated dataset: determinism, references, time range, ties and startup cost."""

from __future__ import annotations

import json
import re
import time
from collections import Counter, defaultdict

import pytest

from tiktokshop_sandbox import Sandbox, SandboxOptions
from tiktokshop_sandbox.dataset import Dataset
from tiktokshop_sandbox.gen_aftersales import CANCEL_STATUSES, RETURN_STATUSES
from tiktokshop_sandbox.gen_common import END_EPOCH, START_EPOCH
from tiktokshop_sandbox.gen_orders import ORDER_STATUSES
from tiktokshop_sandbox.gen_products import PRODUCT_STATUSES

ID = re.compile(r"^[1-9]\d{18}$")
MONEY = re.compile(r"^\d+\.\d{2}$")


@pytest.fixture(scope="module")
def dump() -> dict:
    return Dataset(SandboxOptions(seed=7, shops=3, products=80, orders=300)).dump()


def test_same_seed_same_dataset_other_seed_differs() -> None:
    options = SandboxOptions(seed=21, shops=2, products=30, orders=60)
    with Sandbox(options) as one, Sandbox(options) as two:
        assert json.dumps(one.dataset.dump()) == json.dumps(two.dataset.dump())
        assert one.config()["shop_ids"] == two.config()["shop_ids"]
    other = Dataset(options.replace(seed=22)).dump()
    assert json.dumps(other) != json.dumps(Dataset(options).dump())


def test_sizes_and_shops(dump: dict) -> None:
    shops = dump["shops"]
    assert len(shops) == 3
    assert len({s["currency"] for s in shops}) >= 2
    for shop in shops:
        assert ID.match(shop["id"])
        assert shop["cipher"].startswith("ROW_")
        assert shop["seller_type"] in ("LOCAL", "CROSS_BORDER")
        assert shop["name"]
        assert shop["code"]
    per_shop = Counter(p["shop_id"] for p in dump["products"])
    assert set(per_shop.values()) == {80}
    assert set(Counter(o["shop_id"] for o in dump["orders"]).values()) == {300}
    assert set(Counter(r["shop_id"] for r in dump["returns"]).values()) == {30}
    assert set(Counter(c["shop_id"] for c in dump["cancellations"]).values()) == {30}
    assert set(Counter(w["shop_id"] for w in dump["warehouses"]).values()) == {2}


def test_products(dump: dict) -> None:
    warehouses = defaultdict(set)
    for w in dump["warehouses"]:
        warehouses[w["shop_id"]].add(w["id"])
    seller_skus = Counter()
    statuses = Counter()
    for product in dump["products"]:
        statuses[product["status"]] += 1
        assert ID.match(product["id"])
        assert product["status"] in PRODUCT_STATUSES
        assert START_EPOCH <= product["create_time"] <= product["update_time"] < END_EPOCH
        assert 1 <= len(product["skus"]) <= 3
        used = {i["warehouse_id"] for s in product["skus"] for i in s["inventory"]}
        assert 1 <= len(used) <= 2
        assert used <= warehouses[product["shop_id"]]
        for sku in product["skus"]:
            assert ID.match(sku["id"])
            assert MONEY.match(sku["price"]["sale_price"])
            seller_skus[(product["shop_id"], sku["seller_sku"])] += 1
    assert max(seller_skus.values()) == 1
    assert statuses["ACTIVATE"] > len(dump["products"]) / 2
    assert len(statuses) >= 4


def test_orders_reference_real_products(dump: dict) -> None:
    skus = {(p["shop_id"], p["id"], s["id"], s["seller_sku"])
            for p in dump["products"] for s in p["skus"]}
    currency = {s["id"]: s["currency"] for s in dump["shops"]}
    ties = Counter()
    for order in dump["orders"]:
        assert ID.match(order["id"])
        assert order["status"] in ORDER_STATUSES
        assert START_EPOCH <= order["create_time"] <= order["update_time"] < END_EPOCH
        assert 1 <= len(order["line_items"]) <= 4
        assert order["payment"]["currency"] == currency[order["shop_id"]]
        assert MONEY.match(order["payment"]["total_amount"])
        for line in order["line_items"]:
            assert (order["shop_id"], line["product_id"], line["sku_id"],
                    line["seller_sku"]) in skus
        if order["status"] not in ("UNPAID", "ON_HOLD"):
            assert order["recipient_address"]["full_address"]
        ties[(order["shop_id"], order["update_time"])] += 1
    assert sum(1 for n in ties.values() if n > 1) >= 5  # same-second update_time ties


def test_returns_and_cancellations_reference_orders(dump: dict) -> None:
    orders = {(o["shop_id"], o["id"]): o for o in dump["orders"]}
    for kind, statuses, id_key, items_key in (
            ("returns", RETURN_STATUSES, "return_id", "return_line_items"),
            ("cancellations", CANCEL_STATUSES, "cancel_id", "cancel_line_items")):
        for record in dump[kind]:
            order = orders[(record["shop_id"], record["order_id"])]
            status = record["return_status" if kind == "returns" else "cancel_status"]
            assert ID.match(record[id_key])
            assert status in statuses
            assert order["create_time"] <= record["create_time"] <= record["update_time"]
            assert record["update_time"] < END_EPOCH
            lines = {li["id"] for li in order["line_items"]}
            assert {i["order_line_item_id"] for i in record[items_key]} <= lines


def test_startup_of_a_large_sandbox_is_fast() -> None:
    started = time.monotonic()
    big_products = Dataset(SandboxOptions(seed=1, shops=3, products=2_000, orders=100))
    with Sandbox(SandboxOptions(seed=1, shops=1, products=200, orders=100_000)) as sb:
        elapsed = time.monotonic() - started
        assert elapsed < 8, elapsed
        assert len(sb.dataset.orders[sb.dataset.shops[0].id]) == 100_000
    assert sum(len(c) for c in big_products.products.values()) == 6_000
