"""A missing API scope skips one stream for one shop, never the whole run.

TikTok answers 105005 when the seller's authorization lacks the API scope an endpoint
needs (finance needs ``seller.finance.info``, packages ``seller.fulfillment.basic``...).
Aborting would throw away what the other streams read, and dropping the stream quietly
would look like a shop with no data. So the stream base (``stream_base``) stops that
stream for that shop only, and :class:`MissingScopes` keeps the list:

* one WARNING line per stream and shop, naming the stream, the shop, the scope and what
  to do (re-authorize with the scope, or deselect the stream);
* the stream's bookmark for that shop is left as it was (nothing of it was emitted after
  the refusal), every other stream and shop goes on;
* at the end of the run the tap exits with status 1 and one summary line
  (:class:`MissingScopeError`), so a scheduler notices.
"""

from __future__ import annotations

from dataclasses import dataclass

from tiktokshop.error_map import REAUTHORIZE
from tiktokshop.errors import APIError, TikTokShopError

WHAT_TO_DO = (
    "enable the scope for the app in Partner Center (App & Service > your app > API scopes) "
    f"and {REAUTHORIZE}; or deselect the stream"
)


@dataclass(frozen=True)
class SkippedShop:
    """One stream of one shop that TikTok refused for a missing scope."""

    stream: str
    shop_id: str
    error: APIError

    @property
    def scope(self) -> str:
        return self.error.scope or "unknown"

    def describe(self) -> str:
        return f"{self.stream} for shop {self.shop_id} ('{self.scope}')"


class MissingScopeError(TikTokShopError):
    """The run finished, but streams were skipped for shops missing an API scope."""

    exit_code = 1

    def __init__(self, skipped: list[SkippedShop]) -> None:
        self.skipped = list(skipped)
        listed = "; ".join(s.describe() for s in self.skipped)
        super().__init__(
            f"{len(self.skipped)} stream(s) skipped for a missing API scope: {listed}. Every "
            "other stream was synced and its state written; the skipped ones keep their "
            f"bookmarks. First refusal: {self.skipped[0].error}")


class MissingScopes:
    """The streams and shops skipped in this run (read by the tap at the end)."""

    def __init__(self) -> None:
        self.skipped: list[SkippedShop] = []

    def skip(self, stream: str, shop_id: str, error: APIError,
             children: tuple[str, ...] = ()) -> str:
        """Record one skipped stream and shop; return its log line."""
        entry = SkippedShop(stream, shop_id, error)
        self.skipped.append(entry)
        also = f" (and {', '.join(children)})" if children else ""
        return (f"Stream '{stream}'{also} skipped for shop {shop_id}: the app lacks the API "
                f"scope '{entry.scope}' (TikTok code 105005 on {error.endpoint}). Its "
                "bookmark for this shop is unchanged and the other streams and shops go on; "
                f"the run will exit with status 1. What to do: {WHAT_TO_DO}")

    def raise_if_any(self) -> None:
        """Raise :class:`MissingScopeError` when anything was skipped."""
        if self.skipped:
            raise MissingScopeError(self.skipped)
