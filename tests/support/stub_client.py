"""A stub of TikTokShopClient for unit tests of the catalogue, planner and writer."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from tiktokshop import codes
from tiktokshop.endpoints import Endpoint
from tiktokshop.errors import FatalAPIError
from tiktokshop.shops import Shop
from tiktokshop.transport import APIResponse

SHOP = Shop(id="111", cipher="CIPHER-111", name="Stub shop")


def make_product(pid: int, skus: int = 1, warehouses: int = 1, *, status: str = "ACTIVATE",
                 currency: str = "GBP", price: str = "10.00", quantity: int = 5) -> dict:
    """A product in the Get Product shape: ids derive from ``pid``."""
    return {
        "id": f"P{pid}",
        "title": f"Product {pid}",
        "description": f"<p>About {pid}</p>",
        "status": status,
        "skus": [{
            "id": f"S{pid}-{k}",
            "seller_sku": f"SSKU-{pid}-{k}",
            "price": {"currency": currency, "sale_price": price},
            "inventory": [{"warehouse_id": f"W{w}", "quantity": quantity}
                          for w in range(warehouses)],
        } for k in range(skus)],
    }


@dataclass
class Call:
    endpoint: str
    body: dict | None
    path_params: dict | None
    params: dict | None


@dataclass
class StubClient:
    """Answers product search/detail from ``products``; writes succeed unless a handler
    for the endpoint name is set in ``handlers``."""

    products: list[dict]
    page_size: int = 100
    calls: list[Call] = field(default_factory=list)
    handlers: dict[str, Callable[[Call], APIResponse]] = field(default_factory=dict)
    settings: Any = field(default_factory=lambda: SimpleNamespace(api_version="202309"))

    def call(self, endpoint: Endpoint, *, shop_cipher: str | None = None,
             params: dict | None = None, body: dict | None = None,
             path_params: dict | None = None) -> APIResponse:
        assert shop_cipher == SHOP.cipher
        call = Call(endpoint.name, copy.deepcopy(body), path_params, params)
        self.calls.append(call)
        if endpoint.name in self.handlers:
            return self.handlers[endpoint.name](call)
        if endpoint.name == "product_search":
            return self._search(call)
        if endpoint.name == "product_detail":
            return self._detail(call)
        return APIResponse({}, f"REQ-{len(self.calls)}", 200)

    def _search(self, call: Call) -> APIResponse:
        wanted = (call.body or {}).get("seller_skus")
        if wanted is not None:
            assert len(wanted) <= 10, "TikTok allows at most 10 seller_skus"
        matches = [p for p in self.products
                   if wanted is None or any(s["seller_sku"] in wanted for s in p["skus"])]
        start = int((call.params or {}).get("page_token") or 0)
        page = matches[start:start + self.page_size]
        more = start + self.page_size < len(matches)
        data = {"products": [{k: v for k, v in p.items() if k != "description"} for p in page],
                "next_page_token": str(start + self.page_size) if more else "",
                "total_count": len(matches)}
        return APIResponse(copy.deepcopy(data), "REQ-search", 200)

    def _detail(self, call: Call) -> APIResponse:
        product_id = (call.path_params or {})["product_id"]
        for product in self.products:
            if product["id"] == product_id:
                return APIResponse(copy.deepcopy(product), "REQ-detail", 200)
        raise FatalAPIError(code=codes.PRODUCT_NOT_FOUND, message="The product ID does not exist.",
                            endpoint="GET /product/202309/products/{product_id}",
                            request_id="REQ-missing")

    def names(self) -> list[str]:
        return [c.endpoint for c in self.calls]
