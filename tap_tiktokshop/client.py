"""Base stream classes: one partition per shop, calls through the shared API client."""

from __future__ import annotations

import logging
import typing as t
from collections.abc import Iterable

from singer_sdk import SchemaDirectory, Stream, StreamSchema
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_tiktokshop import schemas
from tap_tiktokshop.drift import DriftReporter
from tap_tiktokshop.records import add_iso_times
from tiktokshop.endpoints import Endpoint
from tiktokshop.shops import Shop
from tiktokshop.transport import APIResponse, TikTokShopClient

if t.TYPE_CHECKING:
    from tap_tiktokshop.tap import TapTikTokShop

SCHEMAS = SchemaDirectory(schemas)
logger = logging.getLogger("tap_tiktokshop")


class TikTokShopStream(Stream):
    """A stream read through the shared TikTok Shop client."""

    schema = StreamSchema(SCHEMAS)
    # The API's JSON types already match the schemas (derived from its OpenAPI spec) and
    # the timestamps are converted here; conforming nested objects would only cost CPU.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.ROOT_ONLY
    # A STATE message every 1,000 records: a killed run replays at most that many.
    STATE_MSG_FREQUENCY = 1000

    @property
    def tiktok(self) -> TapTikTokShop:
        """The tap, typed (shops, client, sync window)."""
        return t.cast("TapTikTokShop", self._tap)

    @property
    def client(self) -> TikTokShopClient:
        """The shared signed, rate-limited, retrying client."""
        return self.tiktok.client

    _drift: DriftReporter | None = None

    def post_process(self, row: dict, context: t.Mapping[str, t.Any] | None = None) -> dict:
        """Report (once per field) and drop top-level fields the schema does not know."""
        if self._drift is None:
            self._drift = DriftReporter(self.name, self.schema, logger)
        return self._drift.check(row)

    def call(self, endpoint: Endpoint, shop: Shop | None = None, **kwargs: t.Any) -> APIResponse:
        """Call an endpoint for a shop (or for the app when ``shop`` is None)."""
        return self.client.call(endpoint, shop_cipher=shop.cipher if shop else None, **kwargs)


class ShopStream(TikTokShopStream):
    """A stream with one partition (and one state entry) per shop."""

    @property
    def partitions(self) -> list[dict[str, t.Any]]:
        """``[{"shop_id": ...}]`` for every shop in the sync (never the cipher)."""
        return [{"shop_id": shop.id} for shop in self.tiktok.shops]

    def shop(self, context: t.Mapping[str, t.Any] | None) -> Shop:
        """The shop of a partition context."""
        assert context is not None, "shop streams are always partitioned"
        return self.tiktok.shop_by_id(str(context["shop_id"]))


class DerivedStream(TikTokShopStream):
    """Rows cut out of a parent stream's records (SKUs of products, line items of orders).

    The parent emits them right next to each of its records, so they cost no API call and
    are always written before the parent's state moves past their record. The SDK never
    syncs these streams on its own (they have a parent and the parent yields no child
    contexts).
    """

    state_partitioning_keys: t.ClassVar[list[str]] = []
    _schema_sent = False

    def get_records(self, context: t.Mapping[str, t.Any] | None) -> Iterable[dict]:
        """Never called by the SDK for derived streams; rows come from the parent."""
        return iter(())

    def begin(self) -> None:
        """Write the SCHEMA message once per run (tables exist even with no rows)."""
        if self.selected and not self._schema_sent:
            self._write_schema_message()
            self._schema_sent = True

    def emit(self, rows: Iterable[dict[str, t.Any]]) -> int:
        """Write RECORD messages (stream maps and property selection applied)."""
        if not self.selected:
            return 0
        self.begin()
        count = 0
        for row in rows:
            self._write_record_message(row)
            count += 1
        self.emitted_rows += count
        return count

    emitted_rows = 0


def enrich(record: dict[str, t.Any], shop_id: str) -> dict[str, t.Any]:
    """Add ``shop_id`` and the ``*_iso`` timestamp siblings."""
    record["shop_id"] = shop_id
    return add_iso_times(record)
