"""The TikTok Shop Open API endpoints this project calls.

Each endpoint lists the API versions the project supports for it. The configured
``api_version`` is a ceiling: an endpoint is called at the newest supported version
that is not newer than ``api_version`` (TikTok versions each API separately and lets
clients mix versions across endpoints).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

BASE_VERSION = "202309"


@dataclass(frozen=True)
class Endpoint:
    """One API operation: method, path template (with ``{version}``), scope and versions."""

    name: str
    method: str
    template: str
    scope: str
    versions: tuple[str, ...] = (BASE_VERSION,)
    shop_scoped: bool = True

    def version_for(self, api_version: str) -> str:
        """Newest supported version <= api_version (versions are YYYYMM strings)."""
        usable = [v for v in self.versions if v <= api_version]
        return max(usable) if usable else min(self.versions)

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
)
DEACTIVATE = Endpoint(
    "deactivate", "POST", "/product/{version}/products/deactivate", scope="seller.product.basic",
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
