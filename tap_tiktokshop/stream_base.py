"""Base stream classes: one partition per shop, calls through the shared API client."""

from __future__ import annotations

import logging
import threading
import typing as t
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone

import singer_sdk.singerlib as singer
from singer_sdk import SchemaDirectory, Stream, StreamSchema
from singer_sdk.batch import Batcher
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_tiktokshop import schemas
from tap_tiktokshop.drift import DriftReporter
from tap_tiktokshop.enrichment import add_iso_times
from tap_tiktokshop.money import Plan, add_money_values, money_plan
from tap_tiktokshop.progress import Progress
from tiktokshop import codes
from tiktokshop.endpoints import Endpoint
from tiktokshop.errors import APIError
from tiktokshop.shops import Shop
from tiktokshop.transport import APIResponse, TikTokShopClient

if t.TYPE_CHECKING:
    from singer_sdk.helpers._batch import BaseBatchFileEncoding, BatchConfig

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

    def __init__(self, tap: TapTikTokShop, schema: t.Any = None,
                 name: str | None = None) -> None:
        #: The tap, typed (shops, client, sync window); kept here rather than read from
        #: the SDK's private ``Stream._tap``.
        self.tiktok = tap
        super().__init__(tap, schema=schema, name=name)
        # The SDK reads each partition through ``get_records``: wrapped once per stream
        # object (whatever class defines it), so a shop missing an API scope skips this
        # stream for that shop instead of ending the run (see ``_skip_missing_scope``).
        self._read_partition = self.get_records
        self.get_records = self._skip_missing_scope  # type: ignore[method-assign]

    #: Endpoints the stream calls besides ``endpoint`` (checked against ``api_version``
    #: before a sync: see ``required_endpoints``).
    endpoints: t.ClassVar[tuple[Endpoint, ...]] = ()

    def required_endpoints(self) -> tuple[Endpoint, ...]:
        """The endpoints this stream calls: ``endpoints`` plus ``endpoint`` if it has one."""
        single = getattr(self, "endpoint", None)
        if isinstance(single, Endpoint) and single not in self.endpoints:
            return (*self.endpoints, single)
        return self.endpoints

    def _skip_missing_scope(self, context: t.Mapping[str, t.Any] | None) -> Iterator[dict]:
        """The partition's records; on TikTok's 105005 (missing API scope) for a shop,
        log one line, note it for the run's exit status, and stop this shop only.

        Records (and derived rows) emitted before the refusal stay emitted, and the state
        only ever covers them; nothing after the refusal is read for this shop.
        """
        try:
            yield from self._read_partition(context)
        except APIError as exc:
            if exc.code != codes.SCOPE_MISSING or not context or "shop_id" not in context:
                raise
            children = tuple(child.name for child in self.child_streams)
            logger.warning(self.tiktok.missing_scopes.skip(
                self.name, str(context["shop_id"]), exc, children))

    @property
    def client(self) -> TikTokShopClient:
        """The shared signed, rate-limited, retrying client."""
        return self.tiktok.client

    _version_note_logged = False

    @property
    def emit_activate_version_messages(self) -> bool:
        """Whether the SDK sends ACTIVATE_VERSION before this full-table stream's records:
        ``wants_activate_version``, except in a run that ``shop_ids`` limits to some shops.

        A target applies ACTIVATE_VERSION to the whole table: it deletes (or marks deleted)
        every row of an earlier version, whatever its shop. Jobs that each read a group of
        shops into the same tables (README, "Scaling out") would delete each other's rows,
        so a run with ``shop_ids`` sends no table version (logged once per stream); its
        rows are upserted by key.
        """
        if not self.wants_activate_version():
            return False
        shop_ids = self.tiktok.connection.shop_ids
        if shop_ids is None:
            return True
        if not self._version_note_logged:
            self._version_note_logged = True
            logger.warning(
                "Stream '%s': no ACTIVATE_VERSION because shop_ids limits this run to %d "
                "shop(s): a new table version would delete the rows of every other shop in "
                "the table (README, 'Scaling out'); rows are upserted by key", self.name,
                len(shop_ids))
        return False

    def wants_activate_version(self) -> bool:
        """The ``emit_activate_version_messages`` setting (a stream may always want it)."""
        return bool(self.config.get("emit_activate_version_messages", False))

    _drift: DriftReporter | None = None
    _booleans: tuple[str, ...] | None = None
    _money: Plan | None = None

    def post_process(self, row: dict, context: t.Mapping[str, t.Any] | None = None) -> dict:
        """Report (once per field) and drop top-level fields the schema does not know."""
        if self._drift is None:
            self._drift = DriftReporter(self.name, self.schema, logger)
        return self.add_money(self.conform(self._drift.check(row)))

    _prunes: bool = True
    _prunes_for: t.Any = None

    # Private SDK API: see ARCHITECTURE.md, "Private Singer SDK use".
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
                                           time_extracted=datetime.now(timezone.utc))

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

    def add_money(self, row: dict[str, t.Any]) -> dict[str, t.Any]:
        """The exact ``<amount>_value`` number of every amount of money in the record
        (``money``; which fields, the stream's schema says, read once per stream)."""
        plan = self._money
        if plan is None:
            plan = self._money = money_plan(self.schema)
        if plan:
            add_money_values(row, plan)
        return row

    def call(self, endpoint: Endpoint, shop: Shop | None = None, **kwargs: t.Any) -> APIResponse:
        """Call an endpoint for a shop (or for the app when ``shop`` is None)."""
        return self.client.call(endpoint, shop_cipher=shop.cipher if shop else None, **kwargs)

    def get_batches(self, batch_config: BatchConfig, context: t.Mapping[str, t.Any] | None = None
                    ) -> Iterator[tuple[BaseBatchFileEncoding, list[str]]]:
        """The SDK's batches of this stream (``batch_config``); before each one, the rows
        derived streams were given meanwhile (the SKUs, line items, ... of the records in
        it) go to batch files of their own (``DerivedStream.flush``).

        The SDK writes a STATE message after each of this stream's BATCH messages, so the
        state never covers a record whose derived rows are not in a BATCH already.
        """
        derived = [stream for stream in self.tiktok.streams.values()
                   if isinstance(stream, DerivedStream)]
        for encoding, manifest in super().get_batches(batch_config, context):
            for stream in derived:
                stream.flush()
            yield encoding, manifest
        for stream in derived:  # rows of records the SDK did not batch (none expected)
            stream.flush()


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

    _progress_lock = threading.Lock()
    _progress: dict[str, Progress] | None = None

    def progress(self, shop: Shop) -> Progress:
        """The shop's progress tracker for this stream (``progress.py``): made by whoever
        asks first, the read-ahead thread (which gives it the search's ``total_count``)
        or the stream's thread (which ticks it); dropped by ``end_progress``."""
        with self._progress_lock:
            if self._progress is None:
                self._progress = {}
            tracker = self._progress.get(shop.id)
            if tracker is None:
                tracker = self._progress[shop.id] = Progress(
                    self.name, shop.id, self.tiktok.options.progress_interval_seconds, logger)
            return tracker

    def end_progress(self, shop: Shop) -> Progress:
        """The shop's tracker, forgotten (its stream is done with the shop)."""
        tracker = self.progress(shop)
        with self._progress_lock:
            if self._progress is not None:
                self._progress.pop(shop.id, None)
        return tracker


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
            self._write_schema_message()  # private SDK API (ARCHITECTURE.md)
            self._schema_sent = True

    def emit(self, rows: Iterable[dict[str, t.Any]]) -> int:
        """Write RECORD messages (stream maps and property selection applied), or, with
        ``batch_config``, keep the rows for this stream's next batch file (``flush``)."""
        if not self.selected:
            return 0
        self.begin()
        count = 0
        pending = self.pending_batch()
        if pending is None:
            for row in rows:
                self._write_record_message(  # private SDK API (ARCHITECTURE.md)
                    self.add_money(self.conform(row)))
                count += 1
        else:
            for row in rows:
                pending.append(self.add_money(self.conform(row)))
                count += 1
            if len(pending) >= self._batch_size:
                self.flush()
        self.emitted_rows += count
        return count

    emitted_rows = 0
    _batch_config: BatchConfig | None = None
    _batch_size = 0
    _pending: list[dict[str, t.Any]] | None = None
    _batch_checked = False

    def pending_batch(self) -> list[dict[str, t.Any]] | None:
        """Rows waiting for this stream's next batch file; None without ``batch_config``
        (rows are then written as RECORD messages)."""
        if not self._batch_checked:
            self._batch_config = self.get_batch_config(self.config)
            if self._batch_config is not None:
                self._batch_size = self._batch_config.batch_size
                self._pending = []
            self._batch_checked = True
        return self._pending

    def flush(self) -> None:
        """Write the waiting rows to batch files and a BATCH message for each, as the SDK
        does for a stream it syncs: the records as they would be given to RECORD
        messages, before stream maps and property selection (which the SDK does not
        apply to batch files either), and one BATCH message per stream map."""
        rows, config = self._pending, self._batch_config
        if not rows or config is None:
            return
        self._pending = []
        batcher = Batcher(tap_name=self.tap_name, stream_name=self.name, batch_config=config)
        for manifest in batcher.get_batches(records=iter(rows)):
            self._write_batch_message(  # private SDK API (ARCHITECTURE.md)
                encoding=config.encoding, manifest=manifest)


def enrich(record: dict[str, t.Any], shop_id: str) -> dict[str, t.Any]:
    """Add ``shop_id`` and the ``*_iso`` timestamp siblings."""
    record["shop_id"] = shop_id
    return add_iso_times(record)
