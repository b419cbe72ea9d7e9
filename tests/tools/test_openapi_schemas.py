"""Derived OpenAPI specs (tools/openapi) and the tap's Singer stream schemas."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from jsonschema import Draft7Validator

from tools import openapi
from tools.openapi import stream_schemas

REPO_ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = REPO_ROOT.parent / "shared" / "reference" / "openapi"
PROSE_KEYWORDS = frozenset({"description", "example", "examples", "summary", "title"})
needs_snapshot = pytest.mark.skipif(
    not SNAPSHOT.is_dir(),
    reason=f"OpenAPI snapshot folder {SNAPSHOT} is absent: cannot re-derive the schemas",
)


@pytest.fixture(scope="module")
def derive() -> ModuleType:
    from tools.openapi import derive as module

    return module


@pytest.fixture(scope="module")
def endpoints_document() -> dict[str, Any]:
    text = (files("tools.openapi") / "endpoints.json").read_text(encoding="utf-8")
    return json.loads(text)


def stream_schema_file(name: str) -> dict[str, Any]:
    text = (files("tap_tiktokshop.schemas") / f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)


def walk_schemas(schema: Any, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object with its location; property *names* are not keywords."""
    if not isinstance(schema, dict):
        return
    yield pointer, schema
    for name, sub in schema.get("properties", {}).items():
        yield from walk_schemas(sub, f"{pointer}/properties/{name}")
    if "items" in schema:
        yield from walk_schemas(schema["items"], f"{pointer}/items")


def all_endpoint_schemas(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for key, spec in document.items():
        if key.startswith("_"):
            continue
        for name, param in spec["query"].items():
            assert set(param) == {"required", "schema"}, (key, name)
            yield from walk_schemas(param["schema"], f"{key} query {name}")
        for part in ("request_body", "response"):
            yield from walk_schemas(spec[part], f"{key} {part}")


# -- generation ---------------------------------------------------------------------------


@needs_snapshot
def test_derived_files_are_up_to_date(derive: ModuleType) -> None:
    generated, missing = derive.generated_files(SNAPSHOT)
    assert missing == []
    stale = [
        str(path.relative_to(REPO_ROOT))
        for path, text in generated.items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    assert stale == [], "run: .venv/bin/python -m tools.openapi.derive"


@needs_snapshot
def test_derivation_is_deterministic(derive: ModuleType) -> None:
    first, _ = derive.generated_files(SNAPSHOT)
    second, _ = derive.generated_files(SNAPSHOT)
    assert first == second


def test_stream_schemas_match_packaged_endpoints(
    derive: ModuleType, endpoints_document: dict[str, Any]
) -> None:
    built = stream_schemas.build_stream_schemas(endpoints_document)
    assert set(built) == set(stream_schemas.STREAMS)
    for name, schema in built.items():
        on_disk = (files("tap_tiktokshop.schemas") / f"{name}.json").read_text(encoding="utf-8")
        assert on_disk == derive.render_json(schema), name


def test_strip_schema_keeps_structure_and_property_names(derive: ModuleType) -> None:
    raw = {
        "type": "object",
        "description": "prose",
        "title": "T",
        "x-vendor": 1,
        "properties": {
            "description": {"type": "string", "example": "x", "maxLength": 5},
            "tags": {"type": "array", "items": {"type": "string", "enum": ["A"]}},
        },
        "required": ["description"],
    }
    assert derive.strip_schema(raw) == {
        "type": "object",
        "properties": {
            "description": {"type": "string", "maxLength": 5},
            "tags": {"type": "array", "items": {"type": "string", "enum": ["A"]}},
        },
        "required": ["description"],
    }


# -- endpoints.json -------------------------------------------------------------------------


def test_every_listed_endpoint_is_present(derive: ModuleType) -> None:
    keys = set(openapi.endpoint_keys())
    must = set(derive.ENDPOINTS) - derive.OPTIONAL_ENDPOINTS
    assert must <= keys, sorted(must - keys)
    assert keys <= set(derive.ENDPOINTS)


def test_source_is_recorded() -> None:
    source = openapi.source_info()
    assert source["package"] == "@tts-open-toolkit/cli"
    assert source["version"]
    assert all(len(value) < 40 for value in source.values())


def test_endpoint_specs_have_the_expected_shape(endpoints_document: dict[str, Any]) -> None:
    for key in openapi.endpoint_keys():
        spec = endpoints_document[key]
        assert set(spec) == {"query", "path_params", "headers", "request_body", "response"}
        template = key.split(" ", 1)[1]
        placeholders = [s[1:-1] for s in template.split("/") if s.startswith("{")]
        assert spec["path_params"] == placeholders, key
        assert "x-tts-access-token" in spec["headers"], key
        assert spec["response"]["properties"]["data"]["type"] == "object", key
        assert (spec["request_body"] is None) == key.startswith("GET "), key


def test_no_prose_in_derived_endpoints(endpoints_document: dict[str, Any]) -> None:
    found = [
        (where, sorted(PROSE_KEYWORDS & set(schema)))
        for where, schema in all_endpoint_schemas(endpoints_document)
        if PROSE_KEYWORDS & set(schema)
    ]
    assert found == []
    get_product = openapi.response_schema("GET", "/product/202309/products/{product_id}")
    assert {"description", "title"} <= set(get_product["properties"]["data"]["properties"])


def test_query_parameters(endpoints_document: dict[str, Any]) -> None:
    search = endpoints_document["POST /order/202309/orders/search"]["query"]
    assert search["page_size"] == {
        "required": True,
        "schema": {"format": "int32", "type": "integer"},
    }
    detail = endpoints_document["GET /order/202309/orders"]["query"]
    assert detail["ids"]["schema"] == {"items": {"type": "string"}, "type": "array"}


def test_accessors_return_copies() -> None:
    schema = openapi.response_schema("GET", "/authorization/202309/shops")
    schema["properties"].clear()
    again = openapi.response_schema("get", "/authorization/202309/shops")
    assert "data" in again["properties"]
    assert openapi.request_body_schema("GET", "/authorization/202309/shops") is None
    body = openapi.request_body_schema(
        "POST", "/product/202309/products/{product_id}/inventory/update"
    )
    assert body is not None
    assert body["properties"]["skus"]["type"] == "array"
    with pytest.raises(KeyError):
        openapi.endpoint_spec("GET", "/nope/202309/things")


# -- strict / validation -----------------------------------------------------------------


def shops_body(**shop: Any) -> dict[str, Any]:
    item = {"id": "7000714532876273420", "name": "Shop", "region": "GB", "cipher": "GCP_x"}
    item.update(shop)
    return {
        "code": 0,
        "message": "Success",
        "request_id": "202203070749000101890810281E8C70B7",
        "data": {"shops": [item]},
    }


def test_strict_rejects_unknown_fields() -> None:
    schema = openapi.response_schema("GET", "/authorization/202309/shops")
    strict = openapi.strict(schema)
    assert "additionalProperties" not in schema
    assert strict["additionalProperties"] is False
    items = strict["properties"]["data"]["properties"]["shops"]["items"]
    assert items["additionalProperties"] is False
    body = shops_body(unexpected="x")
    assert list(Draft7Validator(openapi.to_json_schema(schema)).iter_errors(body)) == []
    errors = list(Draft7Validator(openapi.to_json_schema(strict)).iter_errors(body))
    assert len(errors) == 1
    assert "unexpected" in errors[0].message


def test_strict_leaves_objects_without_properties_open() -> None:
    schema = openapi.response_schema("POST", "/product/202309/products/{product_id}/prices/update")
    data = openapi.strict(schema)["properties"]["data"]
    assert data == {"type": "object"}


def test_to_json_schema_turns_nullable_into_null_type() -> None:
    converted = openapi.to_json_schema(
        {"type": "object", "properties": {"a": {"type": "string", "nullable": True}}}
    )
    assert converted["properties"]["a"] == {"type": ["string", "null"]}
    assert Draft7Validator(converted).is_valid({"a": None})


def test_validate_response_accepts_a_minimal_envelope() -> None:
    path = "/authorization/202309/shops"
    assert openapi.validate_response("GET", path, shops_body()) == []
    minimal = {"code": 0, "message": "Success", "request_id": "r", "data": {}}
    assert openapi.validate_response("POST", "/product/202309/products/search", minimal) == []
    failure = {"code": 36009004, "message": "Invalid credentials.", "request_id": "r", "data": None}
    assert openapi.validate_response("GET", path, failure) == []


def test_validate_response_rejects_wrong_types_and_unknown_fields() -> None:
    path = "/authorization/202309/shops"
    errors = openapi.validate_response("GET", path, shops_body(id=7000714532876273420))
    assert len(errors) == 1
    assert errors[0].startswith("/data/shops/0/id: ")
    assert "is not of type 'string'" in errors[0]
    unknown = shops_body(extra_field=True)
    assert openapi.validate_response("GET", path, unknown, forbid_unknown=False) == []
    assert any("extra_field" in e for e in openapi.validate_response("GET", path, unknown))


def test_validate_response_envelope_rules() -> None:
    path = "/order/202309/orders"
    null_on_success = {"code": 0, "message": "Success", "request_id": "r", "data": None}
    assert openapi.validate_response("GET", path, null_on_success)
    assert openapi.validate_response("GET", path, {"code": 0, "data": {}})
    order = {"id": "576461413038785752", "create_time": "1619611561", "line_items": [{}]}
    body = {"code": 0, "message": "Success", "request_id": "r", "data": {"orders": [order]}}
    errors = openapi.validate_response("GET", f"{path}?ids=576461413038785752", body)
    assert errors == ["/data/orders/0/create_time: '1619611561' is not of type 'integer'"]


def test_validate_response_unknown_endpoint() -> None:
    with pytest.raises(KeyError):
        openapi.validate_response("GET", "/product/202309/brands", {"code": 0})


# -- match_endpoint -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        (
            "GET",
            "/product/202309/products/1729382561353664372",
            "GET /product/202309/products/{product_id}",
        ),
        (
            "post",
            "/product/202309/products/1729382561353664372/inventory/update",
            "POST /product/202309/products/{product_id}/inventory/update",
        ),
        (
            "POST",
            "/product/202509/products/1729382561353664372/partial_edit",
            "POST /product/202509/products/{product_id}/partial_edit",
        ),
        ("POST", "/product/202309/products/search", "POST /product/202309/products/search"),
        ("POST", "/product/202312/products/search", "POST /product/202312/products/search"),
        ("POST", "/product/202502/products/search/", "POST /product/202502/products/search"),
        ("POST", "/product/202309/products/activate", "POST /product/202309/products/activate"),
        ("GET", "/order/202507/orders?ids=1,2&shop_cipher=x", "GET /order/202507/orders"),
        (
            "POST",
            "https://open-api.tiktokglobalshop.com/order/202309/orders/search?page_size=50",
            "POST /order/202309/orders/search",
        ),
        (
            "POST",
            "/return_refund/202309/cancellations/search",
            "POST /return_refund/202309/cancellations/search",
        ),
        ("GET", "/product/202309/products/search", None),
        ("GET", "/product/202309/products/12/inventory/update", None),
        ("POST", "/product/202401/products/search", None),
        ("DELETE", "/product/202309/products", None),
        ("GET", "/product/202309/products/1/extra", None),
        ("GET", "/", None),
        ("GET", "/api/orders/search", None),
    ],
)
def test_match_endpoint(method: str, path: str, expected: str | None) -> None:
    assert openapi.match_endpoint(method, path) == expected


# -- Singer stream schemas ----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(stream_schemas.STREAMS))
def test_stream_schema_is_valid_singer_schema(name: str) -> None:
    schema = stream_schema_file(name)
    Draft7Validator.check_schema(schema)
    properties = schema["properties"]
    keys = stream_schemas.PRIMARY_KEYS[name]
    assert keys[0] == "shop_id"
    assert properties["shop_id"] == {"type": "string"}
    assert schema["required"] == list(keys)
    for field, sub in properties.items():
        if field in keys:
            assert isinstance(sub["type"], str), (name, field)
        else:
            assert "null" in sub["type"], (name, field)
    replication_key = stream_schemas.REPLICATION_KEYS[name]
    if replication_key == "date":  # the analytics streams: by day
        assert properties["date"]["format"] == "date"
    elif replication_key is not None:
        assert "integer" in properties[replication_key]["type"]
        assert properties[f"{replication_key}_iso"]["format"] == "date-time"


@pytest.mark.parametrize("name", sorted(stream_schemas.STREAMS))
def test_stream_schema_has_no_prose_enums_or_nested_required(name: str) -> None:
    for where, sub in walk_schemas(stream_schema_file(name)):
        assert not PROSE_KEYWORDS & set(sub), (name, where)
        assert "enum" not in sub, (name, where)
        assert where == "" or "required" not in sub, (name, where)


@pytest.mark.parametrize("name", sorted(stream_schemas.STREAMS))
def test_unix_time_fields_have_iso_siblings(name: str) -> None:
    for where, sub in walk_schemas(stream_schema_file(name)):
        properties = sub.get("properties", {})
        for field, field_schema in properties.items():
            if not field.endswith("_time") or "integer" not in field_schema["type"]:
                continue
            sibling = properties.get(f"{field}_iso")
            if field == "handling_time":  # int32 days, not a timestamp
                assert sibling is None, (name, where)
            else:
                assert sibling == {"type": ["string", "null"], "format": "date-time"}, (
                    name,
                    where,
                    field,
                )


@pytest.mark.parametrize("name", ["products", "orders", "returns", "cancellations"])
def test_create_and_update_time_iso(name: str) -> None:
    properties = stream_schema_file(name)["properties"]
    for field in ("create_time", "update_time"):
        assert properties[field]["type"] == ["integer", "null"]
        assert properties[f"{field}_iso"] == {"type": ["string", "null"], "format": "date-time"}


def test_nested_iso_siblings_and_money_strings() -> None:
    orders = stream_schema_file("orders")["properties"]
    line_item = orders["line_items"]["items"]["properties"]
    assert line_item["rts_time_iso"]["format"] == "date-time"
    assert orders["payment"]["properties"]["total_amount"]["type"] == ["string", "null"]
    skus = stream_schema_file("products")["properties"]["skus"]["items"]["properties"]
    assert skus["price"]["properties"]["sale_price"]["type"] == ["string", "null"]
    assert "handling_time_iso" not in skus["inventory"]["items"]["properties"]


def test_shops_schema_has_no_cipher() -> None:
    properties = stream_schema_file("shops")["properties"]
    assert "cipher" not in properties
    assert {"id", "name", "region", "seller_type", "code", "shop_id"} <= set(properties)


def test_flat_streams_fields_and_records() -> None:
    skus = stream_schema_file("product_skus")
    assert set(skus["properties"]) == {
        "shop_id", "product_id", "sku_id", "seller_sku", "warehouse_id", "quantity", "price",
        "tax_exclusive_price", "currency", "product_status", "product_update_time",
        "product_update_time_iso", "price_value", "tax_exclusive_price_value",
    }  # fmt: skip
    record = {
        "shop_id": "1", "product_id": "2", "sku_id": "3", "warehouse_id": "4", "quantity": 0,
        "price": "9.99", "seller_sku": None, "product_update_time": 1700000000,
        "product_update_time_iso": "2023-11-14T22:13:20+00:00",
    }  # fmt: skip
    assert Draft7Validator(skus).is_valid(record)
    assert not Draft7Validator(skus).is_valid({**record, "quantity": "0"})
    assert not Draft7Validator(skus).is_valid({**record, "warehouse_id": None})
    lines = stream_schema_file("order_line_items")["properties"]
    assert lines["is_gift"]["type"] == ["boolean", "null"]
    assert lines["order_update_time_iso"]["format"] == "date-time"
    assert {"order_id", "id", "sale_price", "package_status", "display_status"} <= set(lines)


def test_products_schema_merges_search_only_fields() -> None:
    properties = stream_schema_file("products")["properties"]
    assert properties["sales_regions"]["type"] == ["array", "null"]
    assert "description" in properties


@needs_snapshot
def test_the_sandbox_path_literals_are_up_to_date() -> None:
    from tools.openapi import path_literals

    assert path_literals.main([str(SNAPSHOT), "--check"]) == 0, (
        "run: .venv/bin/python -m tools.openapi.path_literals")
    assert {"diagnoses", "search", "activate"} <= set(path_literals.literals(SNAPSHOT))
