"""The tap's side of the connection check (``tiktokshop.check``): which API scopes the
selected streams need, and the check run with the tap's own client.

The scopes come from the endpoints each stream calls (``Endpoint.scope``), found without
a list kept by hand:

* the endpoints a stream declares (``endpoint`` / ``endpoints``, see
  ``TikTokShopStream.required_endpoints``);
* the module-level ``Endpoint`` constants its methods name (``self.call(WAREHOUSES,
  shop)``): not every stream declares the endpoints it calls;
* its parent's, for a stream whose rows are cut from a parent's records (line items,
  SKUs): syncing it syncs the parent;
* Get Authorized Shops, which every run calls for the shop list.

So a stream added to ``STREAM_TYPES`` is covered as soon as it calls its endpoint.
"""

from __future__ import annotations

import types
import typing as t
from collections.abc import Callable, Iterator

from tap_tiktokshop.stream_base import TikTokShopStream
from tiktokshop.check import CheckResult, raise_if_failed, run_checks
from tiktokshop.endpoints import AUTHORIZED_SHOPS, Endpoint

if t.TYPE_CHECKING:
    from tap_tiktokshop.tap import TapTikTokShop

#: Who needs ``seller.authorization.info``: every run reads the shop list.
EVERY_RUN = "every run (the shop list)"


def _named_endpoints(code: types.CodeType, names: dict[str, t.Any]) -> Iterator[Endpoint]:
    """``Endpoint`` globals a function's code refers to (nested functions included)."""
    for name in code.co_names:
        value = names.get(name)
        if isinstance(value, Endpoint):
            yield value
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _named_endpoints(const, names)


def _functions(klass: type) -> Iterator[types.FunctionType]:
    """The plain functions a class body defines (methods, properties, static/class methods)."""
    for value in vars(klass).values():
        if isinstance(value, property):
            value = value.fget
        value = getattr(value, "__func__", value)
        if isinstance(value, types.FunctionType):
            yield value


def class_endpoints(stream_type: type[TikTokShopStream]) -> tuple[Endpoint, ...]:
    """Endpoints a stream class declares or names in its methods (its stream classes only,
    down to ``TikTokShopStream``), in first-seen order."""
    found: list[Endpoint] = []
    declared = [*getattr(stream_type, "endpoints", ())]
    single = getattr(stream_type, "endpoint", None)
    if isinstance(single, Endpoint):
        declared.append(single)
    for endpoint in declared:
        if endpoint not in found:
            found.append(endpoint)
    for klass in stream_type.__mro__:
        if not (isinstance(klass, type) and issubclass(klass, TikTokShopStream)):
            continue
        for function in _functions(klass):
            for endpoint in _named_endpoints(function.__code__, function.__globals__):
                if endpoint not in found:
                    found.append(endpoint)
    return tuple(found)


def stream_endpoints(stream_type: type[TikTokShopStream]) -> tuple[Endpoint, ...]:
    """What syncing a stream calls: its endpoints and its ancestors' (derived rows)."""
    found: list[Endpoint] = []
    current: type | None = stream_type
    while current is not None:
        for endpoint in class_endpoints(current):
            if endpoint not in found:
                found.append(endpoint)
        current = getattr(current, "parent_stream_type", None)
    return tuple(found)


def needed_scopes(tap: TapTikTokShop) -> dict[str, list[str]]:
    """``{scope: [stream, ...]}`` for the selected streams (the catalog's selection; every
    stream without a catalog), plus Get Authorized Shops' scope for every run."""
    needed: dict[str, list[str]] = {}
    selected = [stream for stream in tap.streams.values() if stream.selected]
    if selected:
        needed[AUTHORIZED_SHOPS.scope] = [EVERY_RUN]
    for stream in selected:
        for endpoint in stream_endpoints(type(stream)):
            users = needed.setdefault(endpoint.scope, [])
            if stream.name not in users:
                users.append(stream.name)
    return needed


def check_connection(tap: TapTikTokShop,
                     report: Callable[[CheckResult], None]) -> list[CheckResult]:
    """Run the connection check with the tap's client; ``report`` gets each result.

    Raises:
        ConnectionCheckFailed: when a check failed (after every line was reported).
    """
    results = run_checks(tap.client, needed_scopes(tap))
    for result in results:
        report(result)
    raise_if_failed(results)
    return results
