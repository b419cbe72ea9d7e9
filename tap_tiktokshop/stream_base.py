"""Base stream classes: one partition per shop, calls through the shared API client."""

from __future__ import annotations

import logging
import typing as t
from collections.abc import Iterable

import singer_sdk.singerlib as singer
from singer_sdk import SchemaDirectory, Stream, StreamSchema
from singer_sdk.helpers._util import utc_now
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_tiktokshop import schemas
from tap_tiktokshop.drift import DriftReporter
from tap_tiktokshop.enrichment import add_iso_times
from tiktokshop.endpoints import Endpoint
from tiktokshop.shops import Shop
from tiktokshop.transport import APIResponse, TikTokShopClient

if t.TYPE_CHECKING:
    from tap_tiktokshop.tap import TapTikTokShop

SCHEMAS = SchemaDirectory(schemas)
logger = logging.getLogger("tap_tiktokshop")


def exclusive_boolean_fields(schema: dict[str, t.Any]) -> tuple[str, ...]:
    """Top-level properties typed boolean (or boolean/null) only."""
    fields = []
    for name, sub in (schema.get("properties") or {}).items():
        kind = sub.get("type") if isinstance(sub, dict) else None
        if kind == "boolean" or kind == ["boolean"] or (
                isinstance(kind, list) and set(kind) == {"boolean", "null"}):
            fields.append(name)
    return tuple(fields)


class TikTokShopStream(Stream):
    """A stream read through the shared TikTok Shop client."""

    schema = StreamSchema(SCHEMAS)
    # The API's JSON types already match the schemas (derived from its OpenAPI spec) and
    # the timestamps are converted here. The SDK's root-level conformance (ROOT_ONLY) would
    # walk every top-level value of every record to change only one thing for JSON input:
    # a non-boolean value in a boolean-only property becomes ``value != 0``. ``conform``
    # does exactly that for the few such properties (NaN/Infinity, not valid JSON, are
    # written as null by the SDK's writer either way), at a fraction of the cost.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE
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
    _booleans: tuple[str, ...] | None = None

    def post_process(self, row: dict, context: t.Mapping[str, t.Any] | None = None) -> dict:
        """Report (once per field) and drop top-level fields the schema does not know."""
        if self._drift is None:
            self._drift = DriftReporter(self.name, self.schema, logger)
        return self.conform(self._drift.check(row))

    _prunes: bool = True
    _prunes_for: t.Any = None

    def _generate_record_messages(self, record: dict) -> t.Generator[singer.RecordMessage]:
        """The SDK's RECORD messages, without its pruning walk when nothing can be pruned.

        The SDK walks every record (nested objects included) to drop deselected
        properties, and then conforms types. With every property selected (the catalog's
        default) the walk drops nothing, and conformance is ``conform`` above; a catalog
        that deselects properties gets the SDK's own method.
        """
        mask = self.mask
        if mask is not self._prunes_for:  # (the SDK rebuilds the mask when a catalog is set)
            self._prunes, self._prunes_for = not all(mask.values()), mask
        if self._prunes or self.TYPE_CONFORMANCE_LEVEL != TypeConformanceLevel.NONE:
            yield from super()._generate_record_messages(record)
            return
        for stream_map in self.stream_maps:
            mapped = stream_map.transform(record)
            if mapped is not None:
                yield singer.RecordMessage(stream=stream_map.stream_alias, record=mapped,
                                           version=self._stream_version,
                                           time_extracted=utc_now())

    def conform(self, row: dict[str, t.Any]) -> dict[str, t.Any]:
        """The SDK's root-level type conformance, for what it changes in JSON records."""
        booleans = self._booleans
        if booleans is None:
            booleans = self._booleans = exclusive_boolean_fields(self.schema)
        for name in booleans:
            value = row.get(name)
            if value is not None and value.__class__ is not bool:
                row[name] = value != 0
        return row

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
            self._write_record_message(self.conform(row))
            count += 1
        self.emitted_rows += count
        return count

    emitted_rows = 0


def enrich(record: dict[str, t.Any], shop_id: str) -> dict[str, t.Any]:
    """Add ``shop_id`` and the ``*_iso`` timestamp siblings."""
    record["shop_id"] = shop_id
    return add_iso_times(record)
