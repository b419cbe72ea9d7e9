"""Response shapes: which fields of a stored record each endpoint version may return.

A shape is a nested dict: ``True`` keeps a scalar (or list of scalars) as is, a dict
keeps the listed keys of an object, and a one-element list applies its shape to
every element of an array. Field names follow the OpenAPI response schemas, so
projected responses never carry a field the schema does not know.
"""

from __future__ import annotations

from typing import Any

Shape = Any

IMAGE = {"uri": True, "urls": True, "thumb_urls": True, "width": True, "height": True}
PRICE = {"currency": True, "sale_price": True, "tax_exclusive_price": True}
AMOUNT = {"amount": True, "currency": True}
FEES = [{"type": True, "amount": True, "additional_attribute": True}]
EXTERNAL_LIST_PRICES = [{"source": True, "amount": True, "currency": True}]
STATUS_INFO = {"status": True, "deactivation_source": True}
PRE_SALE = {"type": True, "fulfillment_type": {"handling_duration_days": True,
                                               "release_date": True}}
SALES_ATTRIBUTE = {"id": True, "name": True, "value_id": True, "value_name": True,
                   "sku_img": IMAGE, "supplementary_sku_images": [IMAGE]}

PRODUCT_DETAIL_SKU = {
    "id": True, "seller_sku": True, "external_sku_id": True,
    "price": {**PRICE, "unit_price": True},
    "inventory": [{"warehouse_id": True, "quantity": True, "backorder_quantity": True,
                   "handling_time": True}],
    "sales_attributes": [SALES_ATTRIBUTE],
    "identifier_code": {"code": True, "type": True},
    "extra_identifier_codes": True, "external_urls": True, "sku_unit_count": True,
    "list_price": AMOUNT, "external_list_prices": EXTERNAL_LIST_PRICES,
    "fees": FEES, "pre_sale": PRE_SALE, "status_info": STATUS_INFO,
}
PRODUCT_DETAIL = {
    "id": True, "title": True, "description": True, "status": True, "product_status": True,
    "audit": {"status": True, "pre_approved_reasons": True},
    "audit_failed_reasons": [{"listing_platform": True, "position": True, "reasons": True,
                              "suggestions": True}],
    "category_chains": [{"id": True, "parent_id": True, "local_name": True, "is_leaf": True}],
    "brand": {"id": True, "name": True},
    "main_images": [IMAGE],
    "video": {"id": True, "url": True, "cover_url": True, "format": True, "width": True,
              "height": True, "size": True},
    "package_dimensions": {"length": True, "width": True, "height": True, "unit": True},
    "package_weight": {"value": True, "unit": True},
    "product_attributes": [{"id": True, "name": True, "values": [{"id": True, "name": True}]}],
    "certifications": [{"id": True, "title": True, "expiration_date": True,
                        "files": [{"id": True, "name": True, "format": True, "urls": True}],
                        "images": [IMAGE]}],
    "size_chart": {"image": IMAGE, "template": {"id": True}},
    "skus": [PRODUCT_DETAIL_SKU],
    "is_cod_allowed": True, "has_draft": True, "is_not_for_sale": True,
    "external_product_id": True, "manufacturer_ids": True, "responsible_person_ids": True,
    "integrated_platform_statuses": [{"platform": True, "status": True}],
    "recommended_categories": [{"id": True, "local_name": True}],
    "listing_quality_tier": True,
    "create_time": True, "update_time": True,
}

_SEARCH_SKU_202309 = {
    "id": True, "seller_sku": True, "price": PRICE,
    "inventory": [{"warehouse_id": True, "quantity": True}], "fees": FEES,
}
_SEARCH_SKU_202312 = {**_SEARCH_SKU_202309, "list_price": AMOUNT,
                      "external_list_prices": EXTERNAL_LIST_PRICES}
_SEARCH_SKU_202502 = {
    **_SEARCH_SKU_202312,
    "inventory": [{"warehouse_id": True, "quantity": True, "backorder_quantity": True,
                   "handling_time": True}],
    "status_info": STATUS_INFO, "pre_sale": PRE_SALE,
}
_SEARCH_BASE = {"id": True, "title": True, "status": True, "sales_regions": True,
                "create_time": True, "update_time": True,
                "recommended_categories": [{"id": True, "local_name": True}]}
PRODUCT_SEARCH = {
    "202309": {**_SEARCH_BASE, "skus": [_SEARCH_SKU_202309]},
    "202312": {**_SEARCH_BASE, "skus": [_SEARCH_SKU_202312], "audit": {"status": True},
               "is_not_for_sale": True, "listing_quality_tier": True,
               "integrated_platform_statuses": [{"platform": True, "status": True}]},
    "202502": {**_SEARCH_BASE, "skus": [_SEARCH_SKU_202502], "audit": {"status": True},
               "is_not_for_sale": True, "has_draft": True, "listing_quality_tier": True,
               "integrated_platform_statuses": [{"platform": True, "status": True}]},
}
PARTIAL_EDIT_SKU = {"id": True, "seller_sku": True, "external_sku_id": True,
                    "sales_attributes": [{"id": True, "value_id": True}]}


def project(value: Any, shape: Shape) -> Any:
    """Keep only what ``shape`` allows (see module docstring)."""
    if shape is True:
        return value
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return None
        out = {}
        for key, sub in shape.items():
            if key in value and value[key] is not None:
                projected = project(value[key], sub)
                if projected is not None:
                    out[key] = projected
        return out
    if isinstance(shape, list):
        if not isinstance(value, list):
            return None
        return [p for p in (project(v, shape[0]) for v in value) if p is not None]
    raise TypeError(f"bad shape {shape!r}")
