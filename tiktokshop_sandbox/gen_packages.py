"""Shipping packages, derived from the orders (columns per shop, records built on demand).

A package exists once the seller arranged shipment: every order in a shipped status
(``gen_orders.SHIPPED``) has one, and its ``package_status`` follows the order's
(``PACKAGE_STATUS``: AWAITING_COLLECTION and PARTIALLY_SHIPPING -> PROCESSING, IN_TRANSIT ->
FULFILLING, DELIVERED and COMPLETED -> COMPLETED). Some orders with two lines or more ship
in two packages (``split_and_combine_tag`` SPLIT); some pairs of adjacent orders of one
buyer share one package (COMBINE; ``gen_orders`` pairs them and moves them together). The
orders' line items name their package (``package_id``) and a package lists exactly the
line items that name it.

Times: ``create_time`` is when the orders were ready to ship (their ``rts`` stage, clamped
into the order's life), ``update_time`` the newest ``update_time`` of its orders, so it
moves whenever one of them does; ``order_pay_time`` (a sort field of Search Package) is
the first payment. The columns are built from the orders' current columns, so building
them after an order changed gives the same rows as updating them when it changed.
"""

from __future__ import annotations

from collections.abc import Callable

from .gen_common import Columns, make_id, rng_for
from .gen_orders import (
    LINE_COUNTS,
    PACKAGE_STATUS,
    SHIPPED,
    first_package_lines,
    mix,
    package_owner,
    split_candidate,
    stage_times,
)
from .gen_shops import SeededShop

PACKAGE_STATUSES = ("PROCESSING", "FULFILLING", "COMPLETED", "CANCELLED")
ADDRESS_FIELDS = ("name", "phone_number", "full_address", "address_detail", "address_line1",
                  "address_line2", "address_line3", "address_line4", "postal_code",
                  "region_code")
PICKUP_SLOT_SECONDS = 4 * 3600

#: A package row: (id, create, update, status, first order, second order or -1, part, paid)
Row = tuple[int, int, int, str, int, int, int, int]
PackagesOf = Callable[[int], "int | None"]


def _line_count(seed: int, shop: SeededShop, idx: int) -> int:
    """The order's number of lines (its builder's first random draw)."""
    return rng_for(seed, "order", shop.idx, idx).choice(LINE_COUNTS)


def order_package_rows(seed: int, shop: SeededShop, orders: Columns, idx: int,
                       packages_of: PackagesOf | None = None) -> list[Row]:
    """The package rows of order ``idx`` as it is now: none before it ships; the package(s)
    named after it; none for the second order of a combined pair (its mate's row holds it).
    ``packages_of(idx)``: how many packages shipments written through the API gave the
    order (``shipping_state``), None for the generator's."""
    status = orders.status[idx]
    if status not in SHIPPED or package_owner(orders, idx) != idx:
        return []
    mate = orders.extra["mate"][idx]
    members = [idx] if mate < 0 else [idx, mate]
    creates, paids = [], []
    for member in members:
        create, update = orders.create[member], orders.update[member]
        stages = stage_times(seed, shop.idx, member, create)
        creates.append(max(create, min(stages["rts"], update)))
        paids.append(max(create, min(stages["paid"], update)))
    create = max(creates)
    update = max(orders.update[m] for m in members)
    order_id = orders.id_ints[idx]
    parts = [0]
    written = packages_of(idx) if packages_of is not None else None
    if written is not None:
        parts = [0] if written == 1 else list(range(1, written + 1))
    elif mate < 0 and split_candidate(seed, order_id):
        lines = _line_count(seed, shop, idx)
        if first_package_lines(seed, order_id, lines, mate) < lines:
            parts = [1, 2]
    package_status = PACKAGE_STATUS[status]
    base = make_id("package", shop.idx, order_id % 10**13)
    return [(base + max(part - 1, 0), create, update, package_status, idx, mate, part,
             min(paids)) for part in parts]


def build_package_columns(seed: int, shop: SeededShop, orders: Columns,
                          packages_of: PackagesOf | None = None) -> Columns:
    """Every package of the shop's orders as they are now."""
    cols = Columns(extra={"order": [], "mate": [], "part": [], "paid": []})
    for idx, status in enumerate(orders.status):
        if status in SHIPPED:
            for row in order_package_rows(seed, shop, orders, idx, packages_of):
                _append(cols, row)
    return cols


def sync_order_packages(seed: int, shop: SeededShop, orders: Columns,
                        packages: Columns | None, idx: int,
                        packages_of: PackagesOf | None = None) -> list[str]:
    """Bring the package rows of order ``idx`` (and its mate) up to date after it changed
    (``packages`` None: not built yet, nothing to update); returns the package ids."""
    changed = []
    for row in order_package_rows(seed, shop, orders, package_owner(orders, idx), packages_of):
        key = str(row[0])
        changed.append(key)
        if packages is None:
            continue
        pos = packages.pos.get(key)
        if pos is None:
            _append(packages, row)
        else:
            packages.update[pos], packages.status[pos] = row[2], row[3]
        packages.version += 1
    return changed


def _append(cols: Columns, row: Row) -> None:
    package, create, update, status, order, mate, part, paid = row
    cols.append(package, create, update, status, order=order, mate=mate, part=part, paid=paid)


def build_package(seed: int, shop: SeededShop, cols: Columns, idx: int,
                  order: Callable[[int], dict]) -> dict:
    """Get Package Detail of package ``idx`` (``order(i)`` builds order ``i``)."""
    package_id = cols.ids[idx]
    members = [cols.extra["order"][idx]]
    if cols.extra["mate"][idx] >= 0:
        members.append(cols.extra["mate"][idx])
    orders = [order(i) for i in members]
    held, line_ids, skus_seen = [], [], set()
    for record in orders:
        skus: dict[str, dict] = {}
        for line in record["line_items"]:
            if line.get("package_id") != package_id:
                continue
            line_ids.append(line["id"])
            skus_seen.add(line["sku_id"])
            sku = skus.get(line["sku_id"])
            if sku is None:
                sku = skus[line["sku_id"]] = {"id": line["sku_id"], "name": line["sku_name"],
                                              "image_url": line["sku_image"], "quantity": 0}
            sku["quantity"] += 1
        held.append({"id": record["id"], "skus": list(skus.values())})
    first = orders[0]
    line = next(li for li in first["line_items"] if li.get("package_id") == package_id)
    warehouse = next((w for w in shop.warehouses if w["id"] == first["warehouse_id"]),
                     shop.warehouses[0])
    create, part = cols.create[idx], cols.extra["part"][idx]
    pickup = mix(seed, int(package_id), 3) % 3 != 0
    record = {
        "package_id": package_id,
        "package_status": cols.status[idx],
        "create_time": create,
        "update_time": cols.update[idx],
        "orders": held,
        "order_line_item_ids": line_ids,
        "shipping_type": first["shipping_type"],
        "shipping_provider_id": line["shipping_provider_id"],
        "shipping_provider_name": line["shipping_provider_name"],
        "tracking_number": line["tracking_number"],
        "delivery_option_id": first["delivery_option_id"],
        "delivery_option_name": first["delivery_option_name"],
        "handover_method": "PICKUP" if pickup else "DROP_OFF",
        "has_multi_skus": len(skus_seen) > 1,
        "split_and_combine_tag": "COMBINE" if len(orders) > 1 else (
            "SPLIT" if part else "DEFAULT"),
        "note_tag": "BUYER_NOTED" if any(o["buyer_message"] for o in orders) else (
            "BUYER_UNNOTED"),
        "recipient_address": _address(first.get("recipient_address") or {}),
        "sender_address": _address({**warehouse["address"],
                                    "name": warehouse["address"]["contact_person"],
                                    "address_detail": warehouse["address"]["address_line1"]}),
        "dimension": {"length": "30", "width": "20", "height": str(4 + 3 * len(line_ids)),
                      "unit": "CM"},
        "weight": {"value": str(150 + 250 * len(line_ids)), "unit": "GRAM"},
    }
    if pickup:
        record["pickup_slot"] = {"start_time": create, "end_time": create + PICKUP_SLOT_SECONDS}
    if shop.seller_type == "CROSS_BORDER":
        record["last_mile_tracking_number"] = f"LM{int(package_id) % 10**12:012d}"
    return record


def _address(source: dict) -> dict:
    return {name: source[name] for name in ADDRESS_FIELDS if name in source}


#: Search Package item: (its field, the detail field it is taken from)
SEARCH_FIELDS = (("id", "package_id"), ("status", "package_status"),
                 ("create_time", "create_time"), ("update_time", "update_time"),
                 ("orders", "orders"), ("order_line_item_ids", "order_line_item_ids"),
                 ("shipping_provider_id", "shipping_provider_id"),
                 ("shipping_provider_name", "shipping_provider_name"),
                 ("tracking_number", "tracking_number"))


def search_item(detail: dict) -> dict:
    """The Search Package list item of a package."""
    return {name: detail[source] for name, source in SEARCH_FIELDS if source in detail}
