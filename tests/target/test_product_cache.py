"""Lookup strategy of the per-shop catalogue (stubbed client)."""

from __future__ import annotations

from target_tiktokshop.product_cache import LookupFailure, ShopCatalog
from tests.support.stub_client import SHOP, StubClient, make_product


def catalog_of(products: list[dict], **kwargs) -> tuple[ShopCatalog, StubClient]:
    client = StubClient(products)
    return ShopCatalog(client, SHOP, **kwargs), client  # type: ignore[arg-type]


def test_few_seller_skus_use_filtered_search_in_chunks_of_ten():
    products = [make_product(i) for i in range(1000)]
    catalog, client = catalog_of(products)
    wanted = {f"SSKU-{i}-0" for i in range(0, 250, 10)}  # 25 seller SKUs
    catalog.prefetch(seller_skus=wanted)
    assert client.names() == ["product_search"] * 3
    assert all(len(c.body["seller_skus"]) <= 10 for c in client.calls)
    assert catalog.lookup_calls == 3
    for seller_sku in wanted:
        found = catalog.seller_sku(seller_sku)
        assert not isinstance(found, LookupFailure)
        assert found[1].seller_sku == seller_sku


def test_many_lookups_in_a_small_catalogue_scan_it():
    products = [make_product(i) for i in range(150)]
    catalog, client = catalog_of(products)
    catalog.prefetch(seller_skus={f"SSKU-{i}-0" for i in range(0, 150, 2)} | {"NOPE"})
    # 8 filtered searches would be needed; two scan pages cover the whole catalogue.
    assert client.names() == ["product_search", "product_search"]
    assert all(c.body is None for c in client.calls)
    assert catalog.lookup_calls == 2
    missing = catalog.seller_sku("NOPE")
    assert isinstance(missing, LookupFailure)
    assert "unknown seller_sku 'NOPE'" in missing.reason


def test_scan_stops_when_targeted_lookups_are_cheaper():
    products = [make_product(i) for i in range(2000)]
    catalog, client = catalog_of(products)
    wanted = {f"P{i}" for i in range(1500, 1506)}  # 6 products, far from the first page
    catalog.prefetch(product_ids=wanted)
    names = client.names()
    assert names[0] == "product_search"  # one probe page to learn the catalogue size
    assert names[1:] == ["product_detail"] * 6
    assert catalog.lookup_calls == 7


def test_cache_is_reused_within_max_age():
    now = [0.0]
    catalog, client = catalog_of([make_product(1)], clock=lambda: now[0], max_age=300)
    catalog.prefetch(product_ids={"P1"})
    catalog.prefetch(product_ids={"P1"})
    assert client.names() == ["product_detail"]
    now[0] = 301
    catalog.prefetch(product_ids={"P1"})
    assert client.names() == ["product_detail", "product_detail"]


def test_unknown_product_is_remembered_with_tiktok_code():
    catalog, _ = catalog_of([make_product(1)])
    catalog.prefetch(product_ids={"P404"})
    failure = catalog.product("P404")
    assert isinstance(failure, LookupFailure)
    assert failure.code == 12052260
    assert failure.request_id == "REQ-missing"
    assert "unknown product_id P404" in failure.reason


def test_description_needs_get_product():
    catalog, client = catalog_of([make_product(i) for i in range(3)])
    catalog.prefetch(product_ids={"P1", "P2"}, detailed_ids={"P2"})
    assert sorted(c.path_params["product_id"] for c in client.calls) == ["P1", "P2"]
    assert catalog.products["P2"].description == "<p>About 2</p>"


def test_ambiguous_seller_sku_is_refused():
    one, two = make_product(1), make_product(2)
    two["skus"][0]["seller_sku"] = one["skus"][0]["seller_sku"]
    catalog, _ = catalog_of([one, two])
    catalog.prefetch(seller_skus={"SSKU-1-0"})
    failure = catalog.seller_sku("SSKU-1-0")
    assert isinstance(failure, LookupFailure)
    assert "matches 2 SKUs" in failure.reason
    product, sku = catalog.seller_sku("SSKU-1-0", "P2")  # type: ignore[misc]
    assert (product.id, sku.id) == ("P2", "S2-0")
