"""The shops a sync covers: the token's authorized shops, narrowed by ``shop_ids``.

The shop cipher is what TikTok wants on every shop call. TikTok calls it an identifier,
not a credential, but it is still kept out of records, state, context and logs: streams
look it up here by ``shop_id`` when they call the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tiktokshop.endpoints import AUTHORIZED_SHOPS
from tiktokshop.errors import ConfigError
from tiktokshop.transport import TikTokShopClient

#: Get Authorized Shops ``seller_type`` values (authorization.json).
LOCAL, CROSS_BORDER = "LOCAL", "CROSS_BORDER"


@dataclass(frozen=True)
class Shop:
    """One authorized shop."""

    id: str
    cipher: str
    name: str | None = None
    region: str | None = None
    seller_type: str | None = None
    code: str | None = None

    def __repr__(self) -> str:
        return f"Shop(id={self.id!r}, name={self.name!r})"

    @property
    def cross_border(self) -> bool:
        """A global (cross-border) seller's shop: Get Authorized Shops ``seller_type``
        ``CROSS_BORDER``. Its Update Price ``amount`` is the pre-tax price; a shop whose
        seller type is ``LOCAL`` (or not given) prices with the display price."""
        return (self.seller_type or "").upper() == CROSS_BORDER

    def record(self) -> dict[str, Any]:
        """The ``shops`` stream record (no cipher)."""
        return {"shop_id": self.id, "id": self.id, "name": self.name, "region": self.region,
                "seller_type": self.seller_type, "code": self.code}


def load_shops(client: TikTokShopClient, wanted: tuple[str, ...] | None) -> list[Shop]:
    """Authorized shops, in ``shop_ids`` order when given.

    Raises:
        ConfigError: when a configured shop is not authorized for the token.
    """
    data = client.call(AUTHORIZED_SHOPS).data
    shops = [
        Shop(id=str(s.get("id")), cipher=str(s.get("cipher")), name=s.get("name"),
             region=s.get("region"), seller_type=s.get("seller_type"), code=s.get("code"))
        for s in data.get("shops") or []
        if s.get("id") and s.get("cipher")
    ]
    if not wanted:
        return shops
    by_id = {shop.id: shop for shop in shops}
    missing = [shop_id for shop_id in wanted if shop_id not in by_id]
    if missing:
        known = ", ".join(f"{s.id} ({s.name})" for s in shops) or "none"
        raise ConfigError(
            "shop_ids",
            f"shop {', '.join(missing)} is not authorized for this token; authorized shops: "
            f"{known}",
        )
    return [by_id[shop_id] for shop_id in wanted]
