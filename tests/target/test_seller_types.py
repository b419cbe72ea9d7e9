"""Prices for local and cross-border (global) sellers.

Update Price's ``price.amount`` is the display price for a local seller and the pre-tax
price for a global seller, whose display price is ``price.sale_price``; "unchanged" and
the guardrails compare with the matching field of the current price (``sale_price`` or
``tax_exclusive_price``). The sandbox's third shop (DE) is a CROSS_BORDER seller.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from target_tiktokshop.changes import PriceChange, parse_record
from target_tiktokshop.planner import plan_changes
from target_tiktokshop.product_cache import ShopCatalog
from tests.support.stub_client import StubClient, make_product
from tests.support.target_kit import (
    APP_SECRET,
    calls_to,
    dataset,
    products_by_id,
    record,
    run_inprocess,
    schema,
)
from tiktokshop import codes
from tiktokshop.connection import load_settings
from tiktokshop.endpoints import PRICE_UPDATE
from tiktokshop.errors import FatalAPIError
from tiktokshop.shops import Shop, load_shops
from tiktokshop.transport import TikTokShopClient
from tiktokshop_sandbox import Sandbox, SandboxOptions


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """GB (LOCAL), US (LOCAL) and DE (CROSS_BORDER, EUR, 19% VAT), seeded."""
    with Sandbox(SandboxOptions(seed=7, shops=3, products=12, orders=0,
                                app_secret=APP_SECRET)) as sb:
        yield sb


@pytest.fixture
def config(sandbox: Sandbox, tmp_path: Path) -> dict[str, Any]:
    return {**sandbox.config(), "results_path": str(tmp_path / "results.jsonl"),
            "retry_backoff_seconds": 0.01, "max_retries": 2}


@pytest.fixture
def data(sandbox: Sandbox) -> dict[str, Any]:
    return dataset(sandbox.base_url)


def sku_of(data: dict[str, Any], seller_type: str, skip: int = 0) -> dict[str, Any]:
    shops = {s["id"] for s in data["shops"] if s["seller_type"] == seller_type}
    products = [p for p in data["products"] if p["shop_id"] in shops
                and p["status"] == "ACTIVATE"]
    product = products[skip]
    sku = product["skus"][0]
    return {"shop_id": product["shop_id"], "product_id": product["id"], "sku_id": sku["id"],
            "currency": sku["price"]["currency"], "display": sku["price"]["sale_price"],
            "pre_tax": sku["price"]["tax_exclusive_price"]}


def price_record(item: dict[str, Any], amount: str, **extra: str) -> dict:
    return record("prices", shop_id=item["shop_id"], product_id=item["product_id"],
                  sku_id=item["sku_id"], amount=amount, currency=item["currency"], **extra)


def price_now(base_url: str, item: dict[str, Any]) -> dict[str, str]:
    product = products_by_id(dataset(base_url))[item["product_id"]]
    return next(s for s in product["skus"] if s["id"] == item["sku_id"])["price"]


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """The bodies of the Update Price calls the target makes."""
    bodies: list[dict] = []
    real = TikTokShopClient.call

    def spy(self: TikTokShopClient, endpoint: Any, **kwargs: Any) -> Any:
        if endpoint.name == "price_update":
            bodies.append(kwargs["body"])
        return real(self, endpoint, **kwargs)

    monkeypatch.setattr(TikTokShopClient, "call", spy)
    return bodies


def sandbox_money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


# ---------------------------------------------------------------------- cross-border
def test_cross_border_amount_is_the_pre_tax_price(sandbox, config, data, sent):
    item = sku_of(data, "CROSS_BORDER")
    assert item["display"] != item["pre_tax"]
    run = run_inprocess(config, [schema("prices"), price_record(item, item["pre_tax"])])
    assert run.error is None, run.stderr
    assert run.outcomes() == ["unchanged"]  # the pre-tax price already is this amount
    assert run.results[0]["previous"] == {"amount": item["pre_tax"], "currency": "EUR"}
    assert sent == []

    new = sandbox_money(Decimal(item["pre_tax"]) * Decimal("1.1"))
    run = run_inprocess(config, [schema("prices"), price_record(item, new)])
    assert run.outcomes() == ["applied"]
    assert sent == [{"skus": [{"id": item["sku_id"],
                               "price": {"amount": new, "currency": "EUR"}}]}]
    now = price_now(sandbox.base_url, item)
    assert now["tax_exclusive_price"] == new  # the amount went to the pre-tax price
    assert now["sale_price"] == sandbox_money(Decimal(new) * Decimal("1.19"))


def test_cross_border_display_price_is_sent_as_sale_price(sandbox, config, data, sent):
    item = sku_of(data, "CROSS_BORDER", skip=1)
    display = sandbox_money(Decimal(item["display"]) * Decimal("1.05"))
    feed = [schema("prices"), price_record(item, item["pre_tax"], sale_price=display)]
    run = run_inprocess(config, feed)
    assert run.outcomes() == ["applied"]  # the pre-tax price is the same, the display not
    assert sent[0]["skus"][0]["price"] == {"amount": item["pre_tax"], "currency": "EUR",
                                           "sale_price": display}
    line = run.results[0]
    assert line["value"]["sale_price"] == display
    assert line["previous"]["sale_price"] == item["display"]
    now = price_now(sandbox.base_url, item)
    assert (now["tax_exclusive_price"], now["sale_price"]) == (item["pre_tax"], display)
    again = run_inprocess(config, feed)
    assert again.outcomes() == ["unchanged"]
    assert len(sent) == 1


def test_cross_border_guardrail_compares_the_pre_tax_price(sandbox, config, data):
    """+85% on the pre-tax price is refused (the limit is 80%), although it is only
    about +55% on the display price."""
    item = sku_of(data, "CROSS_BORDER", skip=2)
    amount = sandbox_money(Decimal(item["pre_tax"]) * Decimal("1.85"))
    assert Decimal(amount) < Decimal(item["display"]) * Decimal("1.8")
    run = run_inprocess({**config, "max_failures": 1},
                        [schema("prices"), price_record(item, amount)])
    line = run.results[0]
    assert line["outcome"] == "refused"
    assert line["guardrail"] == {"limit": "max_price_change_percent", "limit_value": "80",
                                 "current": item["pre_tax"], "requested": amount}
    assert calls_to(sandbox.base_url, "prices/update") == 0


# ---------------------------------------------------------------------- local
def test_local_amount_is_the_display_price(sandbox, config, data, sent):
    item = sku_of(data, "LOCAL")
    assert item["display"] != item["pre_tax"]  # GB: 20% VAT
    run = run_inprocess(config, [schema("prices"), price_record(item, item["display"])])
    assert run.outcomes() == ["unchanged"]
    run = run_inprocess(config, [schema("prices"), price_record(item, item["pre_tax"])])
    assert run.outcomes() == ["applied"]
    assert run.results[0]["previous"]["amount"] == item["display"]
    assert sent[0]["skus"][0]["price"] == {"amount": item["pre_tax"],
                                           "currency": item["currency"]}
    assert price_now(sandbox.base_url, item)["sale_price"] == item["pre_tax"]


def test_local_shop_takes_no_sale_price(sandbox, config, data, sent):
    item = sku_of(data, "LOCAL", skip=1)
    run = run_inprocess(config, [schema("prices"),
                                 price_record(item, item["display"], sale_price="9.99")])
    assert run.outcomes() == ["failed"]
    assert "sale_price is for cross-border (global) sellers only" in run.results[0]["reason"]
    assert sent == []


def test_sandbox_refuses_sale_price_for_a_local_shop(config, data):
    item = sku_of(data, "LOCAL", skip=2)
    client = TikTokShopClient(load_settings(config))
    try:
        shop = next(s for s in load_shops(client, None) if s.id == item["shop_id"])
        assert not shop.cross_border
        with pytest.raises(FatalAPIError) as info:
            client.call(PRICE_UPDATE, shop_cipher=shop.cipher,
                        path_params={"product_id": item["product_id"]},
                        body={"skus": [{"id": item["sku_id"], "price": {
                            "amount": item["display"], "currency": item["currency"],
                            "sale_price": item["display"]}}]})
    finally:
        client.close()
    assert info.value.code == codes.PRICE_FORMAT


def test_shops_carry_their_seller_type(config, data):
    client = TikTokShopClient(load_settings(config))
    try:
        shops = {s.id: s for s in load_shops(client, None)}
    finally:
        client.close()
    assert {s.id: s.cross_border for s in shops.values()} == {
        s["id"]: s["seller_type"] == "CROSS_BORDER" for s in data["shops"]}
    assert sum(s.cross_border for s in shops.values()) == 1


# ---------------------------------------------------------------------- planner (stub)
@pytest.mark.parametrize(("seller_type", "current", "field"), [
    ("CROSS_BORDER", "10.00", "tax_exclusive_price"),
    ("LOCAL", "11.90", "sale_price"),
    (None, "11.90", "sale_price"),  # no seller type: a local seller
])
def test_planner_compares_the_field_the_amount_sets(seller_type, current, field):
    shop = Shop(id="111", cipher="CIPHER-111", seller_type=seller_type)
    product = make_product(1, skus=2, currency="EUR", price="11.90")
    for sku in product["skus"]:
        sku["price"]["tax_exclusive_price"] = "10.00"
    catalog = ShopCatalog(StubClient([product]), shop)  # type: ignore[arg-type]
    changes = [parse_record("prices", seq, {"shop_id": "111", "product_id": "P1",
                                            "sku_id": f"S1-{seq - 1}", "amount": current,
                                            "currency": "EUR"}) for seq in (1, 2)]
    assert all(isinstance(c, PriceChange) for c in changes)
    catalog.prefetch(product_ids={"P1"})
    plan = plan_changes("prices", changes, catalog, skip_unchanged=True)
    assert [o.outcome for o in plan.outcomes] == ["unchanged", "unchanged"]
    assert plan.outcomes[0].previous == {"amount": current, "currency": "EUR"}
    other = "11.90" if field == "tax_exclusive_price" else "10.00"
    moved = [parse_record("prices", 1, {"shop_id": "111", "product_id": "P1",
                                        "sku_id": "S1-0", "amount": other, "currency": "EUR"})]
    plan = plan_changes("prices", moved, catalog, skip_unchanged=True)  # type: ignore[arg-type]
    assert plan.outcomes == [] and len(plan.calls) == 1
