"""The TikTok Shop Open API endpoints this project calls.

Each endpoint lists the API versions the project supports for it. The configured
``api_version`` is a ceiling: an endpoint is called at the newest supported version
that is not newer than ``api_version`` (TikTok versions each API separately and lets
clients mix versions across endpoints). An endpoint that has no version at or below the
ceiling cannot be called at all (:meth:`Endpoint.supports`): the plugins refuse a selected
stream that needs one, naming the version it needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

BASE_VERSION = "202309"
#: The default ``api_version``: the newest endpoint version this release calls and tests
#: (the analytics performance lists, 202509).
DEFAULT_VERSION = "202509"
#: The analytics scope (not in the reference; UNCONFIRMED, the name the sandbox uses).
ANALYTICS_SCOPE = "data.shop_analytics.public.read"
#: The promotion scope (not in the reference; UNCONFIRMED, the name the sandbox uses).
PROMOTION_SCOPE = "seller.promotion.info"
#: Scope names no TikTok document confirms: TikTok may name these scopes differently, so
#: their absence from ``granted_scopes`` proves nothing (the connection check only warns).
UNCONFIRMED_SCOPES = frozenset({ANALYTICS_SCOPE, PROMOTION_SCOPE})


@dataclass(frozen=True)
class Endpoint:
    """One API operation: method, path template (with ``{version}``), scope and versions."""

    name: str
    method: str
    template: str
    scope: str
    versions: tuple[str, ...] = (BASE_VERSION,)
    shop_scoped: bool = True
    #: False for calls that create or change something where a replay is not a no-op
    #: (shipping a package, activating a product): the reference retries internal errors
    #: "for reads; writes only if idempotent", so these are repeated only after failures
    #: that show the server did not process them (see ``tiktokshop.transport``).
    #: Inventory, price and shipping-info updates set absolute values: repeating them is
    #: safe in effect.
    idempotent: bool = True

    @property
    def min_version(self) -> str:
        """The oldest version this project calls the endpoint at."""
        return min(self.versions)

    def supports(self, api_version: str) -> bool:
        """True when the endpoint has a supported version <= ``api_version``."""
        return self.min_version <= api_version

    def version_for(self, api_version: str) -> str:
        """Newest supported version <= api_version (versions are YYYYMM strings); the
        oldest one when none is (check :meth:`supports` first)."""
        usable = [v for v in self.versions if v <= api_version]
        return max(usable) if usable else self.min_version

    @property
    def family(self) -> str:
        """The endpoint family: the path's first segment (``product``, ``analytics``...),
        which picks the client's rate limit (``rate_limit_qps_<family>``)."""
        return self.template.lstrip("/").split("/", 1)[0]

    def path(self, api_version: str, **path_params: str) -> str:
        """Concrete request path for the given API version and path parameters."""
        quoted = {name: quote(str(value), safe="") for name, value in path_params.items()}
        return self.template.format(version=self.version_for(api_version), **quoted)

    def label(self, api_version: str) -> str:
        """``METHOD /path/template`` with the version filled in and ids left as placeholders."""
        version = self.version_for(api_version)
        return f"{self.method} {self.template.replace('{version}', version)}"


AUTHORIZED_SHOPS = Endpoint(
    "authorized_shops", "GET", "/authorization/{version}/shops",
    scope="seller.authorization.info", shop_scoped=False,
)
WAREHOUSES = Endpoint(
    "warehouses", "GET", "/logistics/{version}/warehouses", scope="seller.logistics",
)
PRODUCT_SEARCH = Endpoint(
    "product_search", "POST", "/product/{version}/products/search",
    scope="seller.product.basic", versions=("202309", "202312", "202502"),
)
PRODUCT_DETAIL = Endpoint(
    "product_detail", "GET", "/product/{version}/products/{product_id}",
    scope="seller.product.basic",
)
INVENTORY_UPDATE = Endpoint(
    "inventory_update", "POST", "/product/{version}/products/{product_id}/inventory/update",
    scope="seller.product.write",
)
PRICE_UPDATE = Endpoint(
    "price_update", "POST", "/product/{version}/products/{product_id}/prices/update",
    scope="seller.product.write",
)
ACTIVATE = Endpoint(
    "activate", "POST", "/product/{version}/products/activate", scope="seller.product.basic",
    idempotent=False,
)
DEACTIVATE = Endpoint(
    "deactivate", "POST", "/product/{version}/products/deactivate", scope="seller.product.basic",
    idempotent=False,
)
PARTIAL_EDIT = Endpoint(
    "partial_edit", "POST", "/product/{version}/products/{product_id}/partial_edit",
    scope="seller.product.write", versions=("202309", "202509"),
)
ORDER_SEARCH = Endpoint(
    "order_search", "POST", "/order/{version}/orders/search",
    scope="seller.order.info",
)
RETURN_SEARCH = Endpoint(
    "return_search", "POST", "/return_refund/{version}/returns/search",
    scope="seller.return_refund.basic",
)
CANCELLATION_SEARCH = Endpoint(
    "cancellation_search", "POST", "/return_refund/{version}/cancellations/search",
    scope="seller.return_refund.basic",
)
PACKAGE_SEARCH = Endpoint(
    "package_search", "POST", "/fulfillment/{version}/packages/search",
    scope="seller.fulfillment.basic",
)
PACKAGE_DETAIL = Endpoint(
    "package_detail", "GET", "/fulfillment/{version}/packages/{package_id}",
    scope="seller.fulfillment.basic",
)
STATEMENTS = Endpoint(
    "statements", "GET", "/finance/{version}/statements", scope="seller.finance.info",
)
STATEMENT_TRANSACTIONS = Endpoint(
    "statement_transactions", "GET",
    "/finance/{version}/statements/{statement_id}/statement_transactions",
    scope="seller.finance.info", versions=("202309", "202501"),
)
PAYMENTS = Endpoint(
    "payments", "GET", "/finance/{version}/payments", scope="seller.finance.info",
)
WITHDRAWALS = Endpoint(
    "withdrawals", "GET", "/finance/{version}/withdrawals", scope="seller.finance.info",
)
UNSETTLED_TRANSACTIONS = Endpoint(
    "unsettled_transactions", "GET", "/finance/{version}/orders/unsettled",
    scope="seller.finance.info", versions=("202507",),
)
ORDER_DETAIL = Endpoint(
    "order_detail", "GET", "/order/{version}/orders", scope="seller.order.info",
)
SHIPPING_PROVIDERS = Endpoint(
    "shipping_providers", "GET",
    "/logistics/{version}/delivery_options/{delivery_option_id}/shipping_providers",
    scope="seller.logistics",
)
SHIP_PACKAGE = Endpoint(
    "ship_package", "POST", "/fulfillment/{version}/packages/{package_id}/ship",
    scope="seller.fulfillment.package.write", idempotent=False,
)
BATCH_SHIP_PACKAGES = Endpoint(
    "batch_ship_packages", "POST", "/fulfillment/{version}/packages/ship",
    scope="seller.fulfillment.package.write", idempotent=False,
)
MARK_PACKAGE_SHIPPED = Endpoint(
    "mark_package_shipped", "POST", "/fulfillment/{version}/orders/{order_id}/packages",
    scope="seller.fulfillment.package.write", idempotent=False,
)
UPDATE_PACKAGE_SHIPPING_INFO = Endpoint(
    "update_package_shipping_info", "POST",
    "/fulfillment/{version}/packages/{package_id}/shipping_info/update",
    scope="seller.fulfillment.package.write",
)

# Analytics (one day per request for the lists; the shop's figures by day in one call).
SHOP_PERFORMANCE = Endpoint(
    "shop_performance", "GET", "/analytics/{version}/shop/performance",
    scope=ANALYTICS_SCOPE, versions=("202405", "202509"),
)
PRODUCT_PERFORMANCE = Endpoint(
    "product_performance", "GET", "/analytics/{version}/shop_products/performance",
    scope=ANALYTICS_SCOPE, versions=("202405", "202509"),
)
SKU_PERFORMANCE = Endpoint(
    "sku_performance", "GET", "/analytics/{version}/shop_skus/performance",
    scope=ANALYTICS_SCOPE, versions=("202406", "202509"),
)
VIDEO_PERFORMANCE = Endpoint(
    "video_performance", "GET", "/analytics/{version}/shop_videos/performance",
    scope=ANALYTICS_SCOPE, versions=("202409", "202509"),
)
LIVE_PERFORMANCE = Endpoint(
    "live_performance", "GET", "/analytics/{version}/shop_lives/performance",
    scope=ANALYTICS_SCOPE, versions=("202508", "202509"),
)

# Promotions: product discount and flash sale activities, and coupons (search + detail).
ACTIVITY_SEARCH = Endpoint(
    "activity_search", "POST", "/promotion/{version}/activities/search",
    scope=PROMOTION_SCOPE,
)
ACTIVITY_DETAIL = Endpoint(
    "activity_detail", "GET", "/promotion/{version}/activities/{activity_id}",
    scope=PROMOTION_SCOPE,
)
COUPON_SEARCH = Endpoint(
    "coupon_search", "POST", "/promotion/{version}/coupons/search",
    scope=PROMOTION_SCOPE, versions=("202406",),
)
COUPON_DETAIL = Endpoint(
    "coupon_detail", "GET", "/promotion/{version}/coupons/{coupon_id}",
    scope=PROMOTION_SCOPE, versions=("202406",),
)
