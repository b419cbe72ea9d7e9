"""The dataset changes of the shipping endpoints (callers hold ``dataset.lock``).

Kept out of the handlers so that handlers only validate and answer; see
``shipping_state`` for how the changes show in orders and packages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .dataset import bump
from .gen_orders import package_id
from .gen_packages import sync_order_packages
from .shipping_state import Tracking

if TYPE_CHECKING:
    from .dataset import Dataset
    from .gen_shops import SeededShop


def _touch(dataset: Dataset, shop: SeededShop, idx: int) -> None:
    """Bump order ``idx``'s ``update_time`` (and its package mate's) and sync packages."""
    orders = dataset.orders[shop.id]
    mate = orders.extra["mate"][idx]
    for member in (idx,) if mate < 0 else (idx, mate):
        orders.update[member] = bump(orders.update[member])
    orders.version += 1
    sync_order_packages(dataset.seed, shop, orders, dataset.package_columns(shop), idx,
                        dataset.shipping.packages_of(shop.id))


def mark_shipped(dataset: Dataset, shop: SeededShop, idx: int, line_ids: list[str],
                 all_line_ids: list[str], tracking: Tracking) -> str:
    """Pack ``line_ids`` of order ``idx`` into a new shipped package; returns its id.

    ``all_line_ids``: the order's lines that can ship (not cancelled); the order becomes
    AWAITING_COLLECTION once every one of them is packed, PARTIALLY_SHIPPING before.
    """
    book = dataset.shipping
    orders = dataset.orders[shop.id]
    if idx not in book.layouts.get(shop.id, {}):
        book.layouts.setdefault(shop.id, {})[idx] = {}
    number = book.pack(shop.id, idx, line_ids)
    package = package_id(shop, orders.id_ints[idx], number)
    book.set_tracking(shop.id, package, tracking)
    packed = set(book.layouts[shop.id][idx])
    orders.status[idx] = ("AWAITING_COLLECTION" if packed >= set(all_line_ids)
                          else "PARTIALLY_SHIPPING")
    _touch(dataset, shop, idx)
    return package


def update_tracking(dataset: Dataset, shop: SeededShop, package_idx: int,
                    tracking: Tracking) -> None:
    """Set a shipped package's tracking number and provider."""
    packages = dataset.package_columns(shop)
    dataset.shipping.set_tracking(shop.id, packages.ids[package_idx], tracking)
    _touch(dataset, shop, packages.extra["order"][package_idx])
