"""Analytics answers as warehouse rows: figures flattened into columns, ids named.

The same rule as the stream schemas (``tools/openapi/analytics_schemas.py``, which
documents it): nested objects become columns named by their path, the wrapper objects
(:data:`WRAPPERS`) add nothing to the names, arrays stay as they are. ``gmv: {amount,
currency}`` becomes ``gmv_amount`` and ``gmv_currency``; the stream base then adds the
exact ``gmv_amount_value`` (``money.py``).
"""

from __future__ import annotations

import typing as t

#: Keep equal to ``tools.openapi.analytics_schemas.WRAPPERS`` (a test checks).
WRAPPERS = frozenset({
    "sales", "traffic", "overall", "overall_performance", "sales_performance",
    "interaction_performance",
})


def flatten_figures(item: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """Nested objects of one answer item as top-level columns (arrays kept)."""
    out: dict[str, t.Any] = {}

    def walk(level: t.Mapping[str, t.Any], prefix: str) -> None:
        for name, value in level.items():
            if isinstance(value, dict):
                walk(value, prefix if name in WRAPPERS else f"{prefix}{name}_")
            else:
                out[prefix + name] = value

    walk(item, "")
    return out


def analytics_row(item: t.Mapping[str, t.Any], *, shop_id: str, day: str,
                  id_name: str | None) -> dict[str, t.Any]:
    """One row: the item's figures flattened, ``id`` renamed ``id_name``, ids as text,
    plus ``shop_id`` and ``date``."""
    row = flatten_figures(item)
    if id_name is not None and "id" in row:
        row[id_name] = row.pop("id")
    for name in ("product_id", "sku_id", "video_id", "live_id"):
        value = row.get(name)
        if value is not None and not isinstance(value, str):
            row[name] = str(value)
    row["shop_id"] = shop_id
    row["date"] = day
    return row
