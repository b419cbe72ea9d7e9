"""Send planned calls and map TikTok's answers back to the records they carry.

Batch writes answer ``code: 0`` even when some items failed; the failures are listed
in ``data.errors[] = {code, message, detail{sku_id | product_id | package_id,
extra_errors[]}}``.
Each error is mapped to the records of the SKU or product it names; the other records
of the call are applied. An error that names nothing the call carried cannot be
placed, so every record of that call is reported failed (retrying an absolute "set"
is harmless, reporting a failure as applied is not).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from target_tiktokshop.planner import Part, PlannedCall
from target_tiktokshop.product_cache import ShopCatalog
from target_tiktokshop.read_back import narrowed, read_back
from target_tiktokshop.results import APPLIED, FAILED, PLANNED
from tiktokshop import codes
from tiktokshop.errors import APIError, FatalAPIError, OutcomeUnknownError
from tiktokshop.shops import Shop
from tiktokshop.transport import TikTokShopClient

logger = logging.getLogger("target_tiktokshop.apply")
MAX_MESSAGE = 500
#: Update Price is all-or-nothing: one SKU locked by a promotion (or otherwise refused)
#: fails the whole call. On these codes a multi-SKU call is re-sent SKU by SKU, so only
#: the refused SKU fails (prices are absolute values: re-sending is harmless).
SPLIT_PRICE_CODES = frozenset({
    codes.PRICE_LOCKED, codes.PRICE_LOCKED_BY_PROMOTION, codes.PRICE_FORMAT,
    codes.PRODUCT_NOT_OWNED,
})


@dataclass(frozen=True)
class PartResult:
    """The outcome of one record's part of one call."""

    outcome: str
    endpoint: str
    code: int | None = None
    message: str | None = None
    request_id: str | None = None
    reason: str | None = None
    package_id: str | None = None  # Mark Package As Shipped: the package TikTok created


ITEM_REFUSED = "TikTok refused this item"


def _error_text(error: dict[str, Any]) -> str:
    return " ".join(str(error.get("message") or "").split())


def describe_errors(
    errors: list[dict[str, Any]], warehouse_id: str | None
) -> tuple[int | None, str]:
    """Code and message for a record from the errors naming its SKU or product.

    A warehouse-specific ``extra_errors`` entry matching the record's warehouse gives
    the code; the message keeps the top-level text and every extra detail.
    """
    first = errors[0]
    code = first.get("code") if isinstance(first.get("code"), int) else None
    texts = []
    for error in errors:
        texts.append(_error_text(error))
        for extra in (error.get("detail") or {}).get("extra_errors") or []:
            where = f"warehouse {extra['warehouse_id']}: " if extra.get("warehouse_id") else ""
            texts.append(f"{where}{extra.get('code')} {_error_text(extra)}".strip())
            if warehouse_id and str(extra.get("warehouse_id")) == warehouse_id \
                    and isinstance(extra.get("code"), int):
                code = extra["code"]
    message = "; ".join(t for t in texts if t) or "TikTok reported an error for this item"
    return code, message[:MAX_MESSAGE]


def map_item_errors(parts: list[Part], data: dict[str, Any]) -> dict[int, tuple[int | None, str]]:
    """Index of each failed part -> (code, message), from ``data.errors``."""
    errors = data.get("errors") or []
    if not isinstance(errors, list) or not errors:
        return {}
    ids = {part.item_id for part in parts}
    by_item: dict[str, list[dict[str, Any]]] = {}
    unplaced: list[dict[str, Any]] = []
    for error in errors:
        if not isinstance(error, dict):
            continue
        detail = error.get("detail") or {}
        item = detail.get("sku_id") or detail.get("product_id") or detail.get("package_id")
        if item is not None and str(item) in ids:
            by_item.setdefault(str(item), []).append(error)
        else:
            unplaced.append(error)
    failed = {}
    for index, part in enumerate(parts):
        if part.item_id in by_item:
            failed[index] = describe_errors(by_item[part.item_id], part.warehouse_id)
        elif unplaced:
            code, message = describe_errors(unplaced, None)
            failed[index] = (code, f"TikTok reported an error not tied to an item: {message}")
    return failed


@dataclass
class Executed:
    """Results of one planned call (one per part, in order) and the HTTP calls it took.

    ``accepted`` lists the calls TikTok answered (the planned call, or its SKU-by-SKU
    parts) with the items it refused in each: what :func:`remember` records.
    """

    results: list[PartResult]
    calls: int = 1
    accepted: list[tuple[PlannedCall, set[str]]] = field(default_factory=list)
    lookups: int = 0  # reads made to learn the outcome of a write (``read_back``)


def remember_accepted(done: Executed, catalog: ShopCatalog) -> None:
    """Update the cached catalogue with the values of ``done``'s accepted calls."""
    for planned, refused in done.accepted:
        remember(planned, catalog, refused)


def send(
    call: PlannedCall,
    *,
    client: TikTokShopClient,
    shop: Shop,
    dry_run: bool,
    resend: bool = True,
) -> Executed:
    """Send one call (or only log it in a dry run). Touches no catalogue, so calls for
    different products may be sent from several threads.

    A call unsafe to repeat that fails with an unknown outcome is read back
    (``read_back``): items TikTok shows changed are applied, items it shows untouched are
    sent once more (``resend``), the rest fail with the error.
    """
    endpoint = call.endpoint.label(client.settings.api_version)
    if dry_run:
        logger.info("Dry run: would call %s for shop %s%s with body %s", endpoint, shop.id,
                    f" product {call.product_id}" if call.product_id else "",
                    json.dumps(call.body, ensure_ascii=False))
        return Executed([PartResult(PLANNED, endpoint) for _ in call.parts])
    try:
        response = client.call(call.endpoint, shop_cipher=shop.cipher, body=call.body,
                               path_params=call.path_params)
    except OutcomeUnknownError as exc:
        return _after_unknown_outcome(call, exc, client=client, shop=shop, resend=resend)
    except APIError as exc:
        if _splittable(call, exc):
            logger.info("%s for shop %s product %s refused (%s); re-sending SKU by SKU",
                        endpoint, shop.id, call.product_id, exc.code)
            return _split(call, client=client, shop=shop)
        logger.warning("%s for shop %s failed: %s", endpoint, shop.id, exc)
        return Executed([_failed(exc, endpoint) for _ in call.parts])
    failed = map_item_errors(call.parts, response.data)
    results = []
    for index, _part in enumerate(call.parts):
        if index in failed:
            code, message = failed[index]
            results.append(PartResult(FAILED, endpoint, code, message, response.request_id,
                                      reason=ITEM_REFUSED))
        else:
            created = (response.data or {}).get("package_id") if call.kind == "mark_shipped" \
                else None
            results.append(PartResult(APPLIED, endpoint, 0, None, response.request_id,
                                      package_id=str(created) if created else None))
    refused = {p.item_id for i, p in enumerate(call.parts) if i in failed}
    return Executed(results, accepted=[(call, refused)])


def _failed(exc: APIError, endpoint: str) -> PartResult:
    """A part of ``call`` failed with ``exc``."""
    return PartResult(FAILED, endpoint, exc.code, exc.api_message or str(exc), exc.request_id,
                      reason=f"the call failed: {exc}")


def _after_unknown_outcome(call: PlannedCall, exc: OutcomeUnknownError, *,
                           client: TikTokShopClient, shop: Shop, resend: bool) -> Executed:
    """Sort the call's items by what TikTok shows now; send the untouched ones again."""
    endpoint = call.endpoint.label(client.settings.api_version)
    found = read_back(call, client, shop)
    again = {part.item_id for part in call.parts if part.item_id in found.not_applied}
    logger.warning("%s for shop %s failed with an unknown outcome (%s); read back: %d applied, "
                   "%d not applied%s, %d unknown", endpoint, shop.id, exc, len(found.applied),
                   len(again), " (sent again)" if again and resend else "",
                   len(call.parts) - len(found.applied) - len(again))
    by_item: dict[str, PartResult] = {}
    calls, lookups = 1, found.reads
    accepted: list[tuple[PlannedCall, set[str]]] = []
    if again and resend:
        resent = narrowed(call, again)
        done = send(resent, client=client, shop=shop, dry_run=False, resend=False)
        calls += done.calls
        lookups += done.lookups
        accepted.extend(done.accepted)
        by_item.update((part.item_id, result)
                       for part, result in zip(resent.parts, done.results, strict=True))
    if found.applied:
        applied = narrowed(call, set(found.applied))
        accepted.append((applied, set()))
        by_item.update((item, PartResult(APPLIED, endpoint, 0, None, None, package_id=package))
                       for item, package in found.applied.items())
    results = [by_item.get(part.item_id) or _failed(exc, endpoint) for part in call.parts]
    return Executed(results, calls, accepted, lookups)


def _splittable(call: PlannedCall, exc: APIError) -> bool:
    return (call.kind == "price" and len(call.body["skus"]) > 1
            and isinstance(exc, FatalAPIError) and exc.code in SPLIT_PRICE_CODES)


def _split(call: PlannedCall, *, client: TikTokShopClient, shop: Shop) -> Executed:
    by_sku: dict[str, PartResult] = {}
    calls = 1
    accepted: list[tuple[PlannedCall, set[str]]] = []
    for sku in call.body["skus"]:
        parts = [p for p in call.parts if p.item_id == sku["id"]]
        single = PlannedCall(call.kind, call.endpoint, {"skus": [sku]}, parts, call.product_id)
        done = send(single, client=client, shop=shop, dry_run=False)
        calls += done.calls
        accepted.extend(done.accepted)
        by_sku.update((part.item_id, result) for part, result in zip(parts, done.results,
                                                                    strict=True))
    return Executed([by_sku[part.item_id] for part in call.parts], calls, accepted)


def remember(call: PlannedCall, catalog: ShopCatalog, failed_items: set[str]) -> None:
    """Update the cached catalogue with what TikTok accepted."""
    if call.kind == "inventory":
        for sku in call.body["skus"]:
            if sku["id"] not in failed_items:
                catalog.set_inventory(call.product_id or "", sku["id"], {
                    entry["warehouse_id"]: entry["quantity"] for entry in sku["inventory"]})
    elif call.kind == "price":
        for sku in call.body["skus"]:
            if sku["id"] not in failed_items:
                list_price = (sku.get("list_price") or {}).get("amount")
                catalog.set_price(call.product_id or "", sku["id"], sku["price"], list_price)
    elif call.kind == "edit" and not failed_items:
        catalog.set_fields(call.product_id or "", dict(call.body))
    elif call.kind in ("activate", "deactivate"):
        status = "ACTIVATE" if call.kind == "activate" else "SELLER_DEACTIVATED"
        for product_id in call.body["product_ids"]:
            if product_id not in failed_items:
                catalog.set_fields(product_id, {"status": status})
