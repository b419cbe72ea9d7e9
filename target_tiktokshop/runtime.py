"""State shared by the sinks of one run: client, shops, catalogues, results, sequence."""

from __future__ import annotations

import logging
import threading
import uuid
from typing import Any

from target_tiktokshop.guardrails import BreakerTrip
from target_tiktokshop.held import HeldWrites
from target_tiktokshop.order_cache import ShopOrders
from target_tiktokshop.product_cache import ShopCatalog
from target_tiktokshop.results import ResultsWriter
from target_tiktokshop.settings import TargetOptions
from tiktokshop.connection import ConnectionSettings
from tiktokshop.errors import TikTokShopError
from tiktokshop.shops import Shop, load_shops
from tiktokshop.transport import TikTokShopClient

logger = logging.getLogger("target_tiktokshop")


class Run:
    """Everything one target run shares across streams and batches."""

    def __init__(self, settings: ConnectionSettings, options: TargetOptions) -> None:
        self.settings = settings
        self.options = options
        self.run_id = uuid.uuid4().hex
        self.results = ResultsWriter(options.results_path, run_id=self.run_id,
                                     dry_run=options.dry_run)
        #: An error that makes every further call pointless (authorization refused, shops
        #: unreadable). Records after it fail with "not attempted"; the run exits non-zero.
        self.fatal: TikTokShopError | None = None
        self._client: TikTokShopClient | None = None
        self._shops: dict[str, Shop] | None = None
        self._authorized: set[str] = set()
        self._warned: set[str] = set()
        self._catalogs: dict[str, ShopCatalog] = {}
        self._orders: dict[str, ShopOrders] = {}
        self._lock = threading.Lock()
        self._seq = 0
        #: Inventory/price changes waiting for the end of input (run-level breakers).
        self.held = HeldWrites()
        #: Breakers that tripped: the run exits non-zero and holds STATE back.
        self.trips: list[BreakerTrip] = []
        #: The latest sink of each stream (the SDK's active one), which writes what is
        #: held for its stream when the input ends.
        self.sinks: dict[str, Any] = {}

    def next_seq(self) -> int:
        """Sequence number of the next input record (1-based, across all streams)."""
        self._seq += 1
        return self._seq

    @property
    def client(self) -> TikTokShopClient:
        """The shared client (rate limiter, retries, token refresh), created on first use."""
        with self._lock:
            if self._client is None:
                pool = max(4, self.options.max_parallel_shops * 2)
                self._client = TikTokShopClient(self.settings, pool_size=pool)
            return self._client

    def shops(self) -> dict[str, Shop]:
        """Shops this run may write to: authorized for the token and, when ``shop_ids`` is
        set, listed there. Raises the API/authorization error when they cannot be read."""
        client = self.client
        with self._lock:
            if self._shops is None:
                authorized = load_shops(client, None)
                wanted = self.settings.shop_ids
                by_id = {shop.id: shop for shop in authorized}
                if wanted:
                    missing = [shop_id for shop_id in wanted if shop_id not in by_id]
                    if missing:
                        logger.warning("shop_ids lists shops the token is not authorized for: %s",
                                       ", ".join(missing))
                    by_id = {k: v for k, v in by_id.items() if k in wanted}
                self._authorized = {shop.id for shop in authorized}
                self._shops = by_id
            return self._shops

    def shop_problem(self, shop_id: str) -> str:
        """Why records for ``shop_id`` cannot be written (call after ``shops()``)."""
        if shop_id in self._authorized:
            return f"shop {shop_id} is not in the shop_ids setting"
        known = ", ".join(sorted(self._shops or {})) or "none"
        return f"shop {shop_id} is not authorized for this token (shops in this run: {known})"

    def catalog(self, shop: Shop) -> ShopCatalog:
        """The cached catalogue of a shop."""
        client = self.client
        with self._lock:
            if shop.id not in self._catalogs:
                self._catalogs[shop.id] = ShopCatalog(client, shop)
            return self._catalogs[shop.id]

    def orders(self, shop: Shop) -> ShopOrders:
        """The cached orders and shipping providers of a shop (``shipments``)."""
        client = self.client
        with self._lock:
            if shop.id not in self._orders:
                self._orders[shop.id] = ShopOrders(client, shop)
            return self._orders[shop.id]

    def warn_once(self, key: str) -> bool:
        """True the first time ``key`` is seen (for once-per-run warnings)."""
        with self._lock:
            if key in self._warned:
                return False
            self._warned.add(key)
            return True

    def close(self) -> None:
        """Close the results file and the HTTP connections."""
        self.results.close()
        if self._client is not None:
            self._client.close()
