"""Keyset paging over a list built per request (analytics and promotion answers).

Rows are sorted by ``(sort key, id)``; the page token carries the last row's key, bound to
the query (``pagination``), so the next page starts right after it even when rows were
added or changed between two pages.
"""

from __future__ import annotations

import bisect

from .context import Context, invalid
from .pagination import InvalidPageToken, binding_for


def page_rows(ctx: Context, rows: list[dict], keys: list[tuple[int, str]], filters: object,
              page_size: int, token: str | None) -> tuple[list[dict], str]:
    """The page of ``rows`` (ordered by ``keys``) after ``token``, and the next token."""
    order = sorted(range(len(rows)), key=keys.__getitem__)
    sorted_keys = [keys[i] for i in order]
    shop_id = ctx.shop.id if ctx.shop else ""
    binding = binding_for(ctx.template, shop_id, filters)
    first = 0
    if token is not None:
        try:
            last = ctx.codec.decode(token, binding)
            if len(last) != 2 or not isinstance(last[0], int) or not isinstance(last[1], str):
                raise InvalidPageToken("malformed")
        except InvalidPageToken as exc:
            raise invalid("Invalid param. The `page_token` is invalid.") from exc
        first = bisect.bisect_right(sorted_keys, (last[0], last[1]))
    end = first + page_size
    next_token = ctx.codec.encode(binding, list(sorted_keys[end - 1])) \
        if end < len(order) else ""
    return [rows[i] for i in order[first:end]], next_token
