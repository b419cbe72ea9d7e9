"""Route table of the business API and path matching.

Matching order for ``/{category}/{version}/{resource}``: no route with that
category and resource → HTTP 404 / 36009009 (an id placeholder never takes a segment
that is a literal anywhere in TikTok's API, ``path_literals``: so
``/product/202405/products/diagnoses`` is another endpoint, not a product);
resource known but not in that version → HTTP 404 / 36009014 (the sandbox's choice; the
live status is UNCONFIRMED); version known but another method → HTTP 405 / 36009010.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tiktokshop import codes

from . import (
    handlers_aftersales,
    handlers_analytics,
    handlers_finance,
    handlers_orders,
    handlers_packages,
    handlers_partial_edit,
    handlers_product_writes,
    handlers_products,
    handlers_promotions,
    handlers_shipping,
    handlers_shop,
)
from .context import ApiError, Context
from .path_literals import PATH_LITERALS

COMMON_QUERY = frozenset({"app_key", "timestamp", "sign", "access_token"})


@dataclass(frozen=True)
class Route:
    method: str
    category: str
    resource: str
    versions: tuple[str, ...]
    handler: Callable[[Context], dict]
    scope: str
    cipher: bool = True
    query: frozenset[str] = frozenset()
    regex: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.resource)
        object.__setattr__(self, "regex", re.compile(pattern))

    @property
    def parametric(self) -> bool:
        return "{" in self.resource

    def template(self, version: str) -> str:
        return f"/{self.category}/{version}/{self.resource}"

    def allowed_query(self) -> frozenset[str]:
        return COMMON_QUERY | self.query | ({"shop_cipher"} if self.cipher else frozenset())


PAGED = frozenset({"page_size", "page_token"})
SORTED = PAGED | {"sort_field", "sort_order"}
BASIC, WRITE = "seller.product.basic", "seller.product.write"
FINANCE = "seller.finance.info"
SHIP_WRITE = "seller.fulfillment.package.write"
#: Analytics and promotion scopes: not in the reference; these names are UNCONFIRMED.
ANALYTICS = "data.shop_analytics.public.read"
PROMOTION = "seller.promotion.info"
DAYS = frozenset({"start_date_ge", "end_date_lt", "currency"})
PRODUCT_FILTERS = frozenset({"category_filter", "product_status_filter"})

ROUTES: tuple[Route, ...] = (
    Route("GET", "authorization", "shops", ("202309",), handlers_shop.get_authorized_shops,
          "seller.authorization.info", cipher=False),
    Route("GET", "logistics", "warehouses", ("202309",), handlers_shop.get_warehouses,
          "seller.logistics"),
    Route("POST", "product", "products/search", ("202309",), handlers_products.search_products,
          BASIC, query=PAGED | {"category_version"}),
    Route("POST", "product", "products/search", ("202312", "202502"),
          handlers_products.search_products, BASIC, query=PAGED),
    Route("GET", "product", "products/{product_id}", ("202309",), handlers_products.get_product,
          BASIC, query=frozenset({"return_under_review_version", "return_draft_version",
                                  "locale"})),
    Route("POST", "product", "products/{product_id}/inventory/update", ("202309",),
          handlers_product_writes.update_inventory, WRITE),
    Route("POST", "product", "products/{product_id}/prices/update", ("202309",),
          handlers_product_writes.update_price, WRITE),
    Route("POST", "product", "products/activate", ("202309",),
          handlers_product_writes.activate_products, BASIC),
    Route("POST", "product", "products/deactivate", ("202309",),
          handlers_product_writes.deactivate_products, BASIC),
    Route("POST", "product", "products/{product_id}/partial_edit", ("202309", "202509"),
          handlers_partial_edit.partial_edit, WRITE),
    Route("POST", "product", "inventory/search", ("202309",), handlers_products.search_inventory,
          BASIC),
    Route("POST", "order", "orders/search", ("202309",), handlers_orders.search_orders,
          "seller.order.info", query=SORTED),
    Route("GET", "order", "orders", ("202309", "202507"), handlers_orders.get_orders,
          "seller.order.info", query=frozenset({"ids"})),
    Route("POST", "return_refund", "returns/search", ("202309",),
          handlers_aftersales.search_returns, "seller.return_refund.basic", query=SORTED),
    Route("POST", "return_refund", "cancellations/search", ("202309",),
          handlers_aftersales.search_cancellations, "seller.return_refund.basic", query=SORTED),
    Route("GET", "finance", "statements", ("202309",), handlers_finance.get_statements,
          FINANCE, query=SORTED | {"statement_time_ge", "statement_time_lt", "payment_status"}),
    Route("GET", "finance", "statements/{statement_id}/statement_transactions",
          ("202309", "202501"), handlers_finance.get_statement_transactions, FINANCE,
          query=SORTED),
    Route("GET", "finance", "payments", ("202309",), handlers_finance.get_payments, FINANCE,
          query=SORTED | {"create_time_ge", "create_time_lt"}),
    Route("GET", "finance", "withdrawals", ("202309",), handlers_finance.get_withdrawals,
          FINANCE, query=PAGED | {"types", "create_time_ge", "create_time_lt"}),
    Route("GET", "finance", "orders/unsettled", ("202507",),
          handlers_finance.get_unsettled_transactions, FINANCE,
          query=SORTED | {"search_time_ge", "search_time_lt"}),
    Route("POST", "fulfillment", "packages/search", ("202309",),
          handlers_packages.search_packages, "seller.fulfillment.basic", query=SORTED),
    Route("GET", "fulfillment", "packages/{package_id}", ("202309",),
          handlers_packages.get_package, "seller.fulfillment.basic"),
    Route("GET", "logistics", "delivery_options/{delivery_option_id}/shipping_providers",
          ("202309",), handlers_shipping.get_shipping_providers, "seller.logistics"),
    Route("POST", "fulfillment", "orders/{order_id}/packages", ("202309",),
          handlers_shipping.mark_package_as_shipped, SHIP_WRITE),
    Route("POST", "fulfillment", "packages/{package_id}/ship", ("202309",),
          handlers_shipping.ship_package, SHIP_WRITE),
    Route("POST", "fulfillment", "packages/ship", ("202309",),
          handlers_shipping.batch_ship_packages, SHIP_WRITE),
    Route("POST", "fulfillment", "packages/{package_id}/shipping_info/update", ("202309",),
          handlers_shipping.update_package_shipping_info, SHIP_WRITE),
    Route("GET", "analytics", "shop/performance", ("202405",),
          handlers_analytics.get_shop_performance, ANALYTICS,
          query=DAYS | {"granularity", "with_comparison"}),
    Route("GET", "analytics", "shop/performance", ("202509",),
          handlers_analytics.get_shop_performance, ANALYTICS, query=DAYS | {"granularity"}),
    Route("GET", "analytics", "shop_products/performance", ("202405",),
          handlers_analytics.get_product_performance, ANALYTICS, query=DAYS | SORTED),
    Route("GET", "analytics", "shop_products/performance", ("202509",),
          handlers_analytics.get_product_performance, ANALYTICS,
          query=DAYS | SORTED | PRODUCT_FILTERS),
    Route("GET", "analytics", "shop_skus/performance", ("202406",),
          handlers_analytics.get_sku_performance, ANALYTICS,
          query=DAYS | SORTED | {"product_id"}),
    Route("GET", "analytics", "shop_skus/performance", ("202509",),
          handlers_analytics.get_sku_performance, ANALYTICS,
          query=DAYS | SORTED | PRODUCT_FILTERS | {"product_ids"}),
    Route("GET", "analytics", "shop_videos/performance", ("202409", "202509"),
          handlers_analytics.get_video_performance, ANALYTICS,
          query=DAYS | SORTED | {"account_type"}),
    Route("GET", "analytics", "shop_lives/performance", ("202508", "202509"),
          handlers_analytics.get_live_performance, ANALYTICS,
          query=DAYS | SORTED | {"account_type"}),
    Route("POST", "promotion", "activities/search", ("202309",),
          handlers_promotions.search_activities, PROMOTION),
    Route("GET", "promotion", "activities/{activity_id}", ("202309",),
          handlers_promotions.get_activity, PROMOTION),
    Route("POST", "promotion", "coupons/search", ("202406",),
          handlers_promotions.search_coupons, PROMOTION, query=PAGED),
    Route("GET", "promotion", "coupons/{coupon_id}", ("202406",),
          handlers_promotions.get_coupon, PROMOTION),
)


def match(method: str, path: str) -> tuple[Route, str, dict[str, str]]:
    """Resolve a request path or raise the matching 36009009/36009014/36009010 error."""
    parts = path.split("/", 3)
    if len(parts) < 4 or parts[0] != "" or not parts[3]:
        raise ApiError(codes.INVALID_PATH, "Invalid path.", 404)
    _, category, version, resource = parts
    found = [(r, m) for r in ROUTES if r.category == category
             for m in [r.regex.fullmatch(resource)]
             if m and not PATH_LITERALS.intersection(m.groupdict().values())]
    if not found:
        raise ApiError(codes.INVALID_PATH, "Invalid path.", 404)
    found = [(r, m) for r, m in found if version in r.versions]
    if not found:
        raise ApiError(codes.INVALID_VERSION,
                       "The version name is invalid, please check and retry.", 404)
    found = [(r, m) for r, m in found if r.method == method]
    if not found:
        raise ApiError(codes.INVALID_METHOD, "Invalid method.", 405)
    route, m = min(found, key=lambda rm: rm[0].parametric)
    return route, version, m.groupdict()
