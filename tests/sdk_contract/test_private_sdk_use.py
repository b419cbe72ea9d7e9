"""The Singer SDK behaviour behind each private SDK use (ARCHITECTURE.md).

One test per entry of the list, named after it. Each checks that the private method,
attribute or module still exists with the shape the plugins use, and that the SDK still
calls it (or fills it) at the point the plugins rely on; a new SDK version that changes
any of it fails here, next to the entry that explains what to do. The last tests guard
what replaced a removed private use, and the SDK behaviour the plugins rely on through
public but ``@final`` methods.

Everything runs in this process without the sandbox or the network: the tap's shops are
fixed, and the target only stages records (nothing is drained against the API).
"""

from __future__ import annotations

import gzip
import inspect
import io
import json
import logging
import signal
import sys
import typing as t
from pathlib import Path

import pytest
from singer_sdk import Stream, Tap, Target
from singer_sdk.exceptions import ConfigValidationError, RecordsWithoutSchemaException
from singer_sdk.io_base import GenericSingerReader
from singer_sdk.plugin_base import PluginBase
from singer_sdk.sinks import BatchSink

from tap_tiktokshop.incremental import IncrementalShopStream
from tap_tiktokshop.streams import OrderLineItemsStream, ShopsStream
from tap_tiktokshop.tap import TapTikTokShop
from target_tiktokshop.input_reader import InputError, InputReader
from target_tiktokshop.target import TargetTikTokShop
from tiktokshop.errors import ConfigError
from tiktokshop.shops import Shop
from tiktokshop_singer.cli import SDK_STREAM_FAILED
from tiktokshop_singer.config_errors import parse_env_config

CLOSED = "http://127.0.0.1:9"  # discard port: nothing listens, and nothing is called
SHOP = Shop(id="1001", cipher="cipher-1001", name="Contract shop", region="US",
            seller_type="LOCAL", code="CONTRACT")
INVENTORY_SCHEMA = {"properties": {"shop_id": {"type": ["string", "null"]},
                                   "seller_sku": {"type": ["string", "null"]},
                                   "quantity": {"type": ["integer", "null"]}}}


# ---------------------------------------------------------------------- helpers
@pytest.fixture(autouse=True)
def _restore_signal_handlers() -> t.Iterator[None]:
    """Every plugin built here installs its SIGINT/SIGTERM handlers: put pytest's back."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.fixture
def stdout(capsysbinary: pytest.CaptureFixture[bytes]) -> t.Callable[[], list[dict]]:
    """What the plugin wrote to stdout (as text or as bytes), as JSON lines."""

    def messages() -> list[dict[str, t.Any]]:
        sys.stdout.flush()
        text = capsysbinary.readouterr().out.decode("utf-8")
        return [json.loads(line) for line in text.split("\n") if line.strip()]

    return messages


def params(function: t.Callable) -> list[str]:
    return list(inspect.signature(function).parameters)


def connection_config() -> dict[str, t.Any]:
    return {"app_key": "contract-app-key", "app_secret": "contract-app-secret",
            "refresh_token": "contract-refresh-token", "api_base_url": CLOSED,
            "auth_base_url": CLOSED, "max_retries": 0}


def target_config(tmp_path: Path, **extra: t.Any) -> dict[str, t.Any]:
    return {**connection_config(), "results_path": str(tmp_path / "results.jsonl"), **extra}


class LineItemsStream(OrderLineItemsStream):
    """``order_line_items`` without its parent stream: the tests emit its rows."""

    parent_stream_type = None


def contract_tap(*stream_types: type[Stream], **extra: t.Any) -> TapTikTokShop:
    """The real tap with one fixed shop and only the given streams (no API call)."""
    types = stream_types or (ShopsStream, LineItemsStream)

    class ContractTap(TapTikTokShop):
        shops = [SHOP]  # instead of the API's authorized shops

        def discover_streams(self) -> list:
            return [stream_type(tap=self) for stream_type in types]

    return ContractTap(config={**connection_config(), **extra})


def singer_lines(*messages: dict[str, t.Any]) -> io.StringIO:
    return io.StringIO("".join(json.dumps(m) + "\n" for m in messages))


def schema_message(stream: str = "inventory", schema: t.Any = None) -> dict[str, t.Any]:
    return {"type": "SCHEMA", "stream": stream, "schema": schema or INVENTORY_SCHEMA,
            "key_properties": []}


def record_message(record: dict[str, t.Any], stream: str = "inventory") -> dict[str, t.Any]:
    return {"type": "RECORD", "stream": stream, "record": record}


def results(tmp_path: Path) -> list[dict[str, t.Any]]:
    text = (tmp_path / "results.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line]


def mini_target(events: list, **config: t.Any) -> Target:
    """A bare SDK target recording its batches and STATE writes (the drain contract)."""

    class RecordingSink(BatchSink):
        def process_batch(self, context: dict) -> None:
            events.append(("batch", len(context.get("records", []))))

    class MiniTarget(Target):
        name = "target-sdk-contract"
        config_jsonschema: t.ClassVar[dict] = {"type": "object", "properties": {}}
        default_sink_class = RecordingSink

        def _write_state_message(self, state: dict) -> None:
            events.append(("state", state))
            super()._write_state_message(state)

    return MiniTarget(config=config)


# ---------------------------------------------------------------------- entries
def test_stream_generate_record_messages(stdout: t.Callable) -> None:
    """``TikTokShopStream._generate_record_messages``: the SDK turns every record into
    RECORD messages through it, and with every property selected our shortcut yields
    exactly what the SDK's own method yields (stream maps included)."""
    assert params(Stream._generate_record_messages) == ["self", "record"]
    calls: list[dict] = []

    class SpyShops(ShopsStream):
        def _generate_record_messages(self, record: dict) -> t.Generator:
            calls.append(dict(record))
            yield from super()._generate_record_messages(record)

    tap = contract_tap(SpyShops, stream_maps={"shops_copy": {"__source__": "shops"}})
    tap.sync_all()
    records = [(m["stream"], m["record"]) for m in stdout() if m["type"] == "RECORD"]
    assert calls == [SHOP.record()]
    assert records == [("shops", SHOP.record()), ("shops_copy", SHOP.record())]

    stream = tap.streams["shops"]
    assert all(stream.mask.values())  # the case the shortcut handles
    ours = [m.to_dict() for m in stream._generate_record_messages(SHOP.record())]
    sdks = [m.to_dict() for m in Stream._generate_record_messages(stream, SHOP.record())]
    for message in ours + sdks:
        assert message.pop("time_extracted").tzinfo is not None
    assert ours == sdks


def test_stream_version(stdout: t.Callable) -> None:
    """``Stream._stream_version`` (read by the shortcut): None until the sync, then the
    version of the stream's ACTIVATE_VERSION message, which its RECORDs carry."""
    tap = contract_tap(ShopsStream, emit_activate_version_messages=True)
    stream = tap.streams["shops"]
    assert stream._stream_version is None
    tap.sync_all()
    messages = stdout()
    versions = [m["version"] for m in messages if m["type"] == "ACTIVATE_VERSION"]
    assert len(versions) == 1 and isinstance(versions[0], int)
    assert stream._stream_version == versions[0]
    assert [m.get("version") for m in messages if m["type"] == "RECORD"] == versions


def test_stream_write_schema_message(stdout: t.Callable) -> None:
    """``Stream._write_schema_message`` (``DerivedStream.begin``): one SCHEMA message per
    stream map, with the stream's schema and key properties, through the tap."""
    assert params(Stream._write_schema_message) == ["self"]
    tap = contract_tap(stream_maps={"items_copy": {"__source__": "order_line_items"}})
    items = tap.streams["order_line_items"]
    items.begin()
    items.begin()  # once per run
    schemas = [m for m in stdout() if m["type"] == "SCHEMA"]
    keys = ["shop_id", "order_id", "id"]
    assert [(m["stream"], m["key_properties"]) for m in schemas] == [
        ("order_line_items", keys), ("items_copy", keys)]
    assert schemas[0]["schema"]["properties"] == items.schema["properties"]


def test_stream_write_record_message(stdout: t.Callable) -> None:
    """``Stream._write_record_message`` (``DerivedStream.emit``): writes the RECORDs of
    one row through ``_generate_record_messages`` and the tap."""
    assert params(Stream._write_record_message) == ["self", "record"]
    calls: list[dict] = []

    class SpyItems(LineItemsStream):
        def _generate_record_messages(self, record: dict) -> t.Generator:
            calls.append(dict(record))
            yield from super()._generate_record_messages(record)

    tap = contract_tap(ShopsStream, SpyItems)
    items = tap.streams["order_line_items"]
    row = {"shop_id": SHOP.id, "order_id": "O-1", "id": "LI-1", "is_gift": 1}
    assert items.emit([dict(row)]) == 1
    messages = stdout()
    assert [m["type"] for m in messages] == ["SCHEMA", "RECORD"]
    assert messages[1]["stream"] == "order_line_items"
    assert messages[1]["record"] == {**row, "is_gift": True}
    assert calls == [{**row, "is_gift": True}]


def test_stream_write_batch_message(stdout: t.Callable, tmp_path: Path) -> None:
    """``Stream._write_batch_message`` (``DerivedStream.flush``): writes one BATCH message
    per stream map through the tap; and the SDK's batch sync calls ``get_batches`` and
    writes a STATE right after each of the stream's BATCH messages (which
    ``TikTokShopStream.get_batches`` relies on to flush derived rows first)."""
    assert params(Stream._write_batch_message) == ["self", "encoding", "manifest"]
    batch_config = {"encoding": {"format": "jsonl", "compression": "gzip"},
                    "storage": {"root": f"file://{tmp_path}"}, "batch_size": 10}
    tap = contract_tap(ShopsStream, LineItemsStream, batch_config=batch_config)
    items = tap.streams["order_line_items"]
    row = {"shop_id": SHOP.id, "order_id": "O-1", "id": "LI-1", "is_gift": 1}
    assert items.emit([dict(row)]) == 1
    items.flush()
    tap.streams["shops"].sync()
    messages = stdout()
    assert [(m["type"], m.get("stream")) for m in messages] == [
        ("SCHEMA", "order_line_items"), ("BATCH", "order_line_items"), ("SCHEMA", "shops"),
        ("BATCH", "shops"), ("STATE", None)]
    [url] = messages[1]["manifest"]
    with gzip.open(url.removeprefix("file://"), "rt", encoding="utf-8") as batch_file:
        assert [json.loads(line) for line in batch_file] == [{**row, "is_gift": True}]


def test_tap_handle_termination() -> None:
    """``TapTikTokShop._handle_termination``: the SDK installs it as the SIGINT and
    SIGTERM handler when the tap is built."""
    assert params(Tap._handle_termination) == ["self", "signum", "frame"]
    tap = contract_tap()
    for sig in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(sig)
        assert getattr(handler, "__self__", None) is tap
        assert getattr(handler, "__func__", None) is TapTikTokShop._handle_termination


def test_target_handle_termination(tmp_path: Path) -> None:
    """``TargetTikTokShop._handle_termination``: the SDK installs it as the SIGINT and
    SIGTERM handler when the target is built."""
    assert params(Target._handle_termination) == ["self", "signum", "frame"]
    target = TargetTikTokShop(config=target_config(tmp_path))
    for sig in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(sig)
        assert getattr(handler, "__self__", None) is target
        assert getattr(handler, "__func__", None) is TargetTikTokShop._handle_termination


def test_target_process_record_message(tmp_path: Path) -> None:
    """``TargetTikTokShop._process_record_message``: the SDK hands it every RECORD
    message; the SDK's own method stages the record in the stream's sink, and raises
    RecordsWithoutSchemaException for a stream without a sink."""
    assert params(Target._process_record_message) == ["self", "message_dict"]
    seen: list[dict] = []

    class SpyTarget(TargetTikTokShop):
        def _process_record_message(self, message_dict: dict) -> None:
            seen.append(message_dict["record"])
            super()._process_record_message(message_dict)

    target = SpyTarget(config=target_config(tmp_path))
    record = {"shop_id": SHOP.id, "seller_sku": "SKU-1", "quantity": 5}
    target.process_lines(singer_lines(schema_message(), record_message(record)))
    assert seen == [record]
    assert target.get_sink("inventory").current_size == 1
    with pytest.raises(RecordsWithoutSchemaException, match="'other'"):
        target.process_lines(singer_lines(record_message({}, stream="other")))
    target.run.close()


def test_target_sinks_to_clear_and_sinks_active(tmp_path: Path) -> None:
    """``Target._sinks_to_clear`` / ``Target._sinks_active`` (``_abandon_staged``): a
    schema change moves the stream's sink, with its staged records, to the
    ``_sinks_to_clear`` list; ``_sinks_active`` maps stream names to the current sinks.
    Abandoning reaches the records of both."""
    target = TargetTikTokShop(config=target_config(tmp_path))
    changed = {"properties": {**INVENTORY_SCHEMA["properties"],
                              "warehouse_id": {"type": ["string", "null"]}}}
    first = {"shop_id": SHOP.id, "seller_sku": "SKU-1", "quantity": 1}
    second = {"shop_id": SHOP.id, "seller_sku": "SKU-2", "quantity": 2}
    target.process_lines(singer_lines(schema_message(), record_message(first),
                                      schema_message(schema=changed), record_message(second)))
    retired, active = target._sinks_to_clear, target._sinks_active
    assert isinstance(retired, list) and isinstance(active, dict)
    assert list(active) == ["inventory"] and len(retired) == 1
    assert retired[0] is not active["inventory"]
    assert target.get_sink("inventory") is active["inventory"]  # all the public API reaches
    assert retired[0].current_size == 1 and active["inventory"].current_size == 1
    target._abandon_staged("not applied: contract")
    target.run.close()
    assert [(r["seq"], r["outcome"], r["reason"]) for r in results(tmp_path)] == [
        (1, "failed", "not applied: contract"), (2, "failed", "not applied: contract")]


def test_target_write_state_message(stdout: t.Callable) -> None:
    """``TargetTikTokShop._write_state_message``: the SDK calls it with the latest STATE
    only from ``drain_all``, after the staged records were written (a STATE message
    alone neither drains nor emits), and its own method writes the state unchanged."""
    assert params(Target._write_state_message) == ["self", "state"]
    events: list = []
    target = mini_target(events)
    target.process_lines(singer_lines(schema_message(), record_message({"quantity": 1}),
                                      {"type": "STATE", "value": {"bookmark": 1}}))
    assert events == []
    target.process_endofpipe()
    assert events == [("batch", 1), ("state", {"bookmark": 1})]
    assert stdout() == [{"bookmark": 1}]


def test_reader_process_unknown_message() -> None:
    """``InputReader._process_unknown_message``: the SDK's reader calls it for a message
    type that has no callback."""
    assert params(GenericSingerReader._process_unknown_message) == ["self", "message_dict"]
    seen: list[str] = []
    reader = InputReader()
    reader.on_unknown_type = seen.append
    counts = reader.process_lines(io.StringIO('{"type": "NEWKIND", "x": 1}\n'), callbacks={})
    assert seen == ["NEWKIND"]
    assert counts["NEWKIND"] == 1


def test_config_validate_config(tmp_path: Path) -> None:
    """``SharedConfigMixin._validate_config``: the SDK calls it from ``__init__`` with
    ``raise_errors=validate_config``; the SDK's own method raises ConfigValidationError
    carrying the schema (built-in settings included) it validated against."""
    signature = inspect.signature(PluginBase._validate_config)
    assert list(signature.parameters) == ["self", "raise_errors"]
    assert signature.parameters["raise_errors"].kind is inspect.Parameter.KEYWORD_ONLY
    assert signature.parameters["raise_errors"].default is True

    bad = target_config(tmp_path, service_region="EU")
    with pytest.raises(ConfigError) as info:
        TargetTikTokShop(config=bad)
    assert info.value.setting == "service_region"
    TargetTikTokShop(config=bad, validate_config=False)  # checked, not raised

    builtin = target_config(tmp_path, batch_size_rows="many")
    with pytest.raises(ConfigError) as info:
        TargetTikTokShop(config=builtin)
    assert info.value.setting == "batch_size_rows"
    target = TargetTikTokShop(config=builtin, validate_config=False)
    with pytest.raises(ConfigValidationError) as sdk_info:
        Target._validate_config(target, raise_errors=True)
    assert sdk_info.value.schema is not None
    assert "batch_size_rows" in sdk_info.value.schema["properties"]


def test_config_env_var_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """``SharedConfigMixin._env_var_config``: a property the SDK reads in ``__init__``
    when parsing the environment, named by ``_env_var_prefix``; ours returns what the
    SDK's returns, and a value of the wrong type becomes a ConfigError."""
    sdk = inspect.getattr_static(PluginBase, "_env_var_config")
    assert isinstance(sdk, property)
    assert TapTikTokShop._env_var_prefix == "TAP_TIKTOKSHOP_"
    monkeypatch.setenv("TAP_TIKTOKSHOP_MAX_RETRIES", "3")
    monkeypatch.setenv("TAP_TIKTOKSHOP_SHOP_IDS", '["1001"]')
    ours = TapTikTokShop._env_var_config
    assert ours == sdk.__get__(None, TapTikTokShop)
    assert ours["max_retries"] == 3 and ours["shop_ids"] == ["1001"]

    config = {k: v for k, v in connection_config().items() if k != "max_retries"}
    tap = TapTikTokShop(config=dict(config), parse_env_config=True)
    assert tap.config["max_retries"] == 3
    monkeypatch.setenv("TAP_TIKTOKSHOP_MAX_RETRIES", "three")
    with pytest.raises(ConfigError) as info:
        TapTikTokShop(config=dict(config), parse_env_config=True)
    assert info.value.setting == "max_retries"
    assert "TAP_TIKTOKSHOP_MAX_RETRIES" in info.value.problem


def test_config_errors_parse_environment_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """``singer_sdk.configuration._dict_config.parse_environment_config``
    (``config_errors.parse_env_config``): reads ``<PREFIX><NAME>`` variables by the
    schema's types and raises ValueError for a value its type cannot hold."""
    from singer_sdk.configuration._dict_config import parse_environment_config

    assert params(parse_environment_config)[:2] == ["config_schema", "prefix"]
    schema = {"properties": {
        "count": {"type": ["integer", "null"]}, "flag": {"type": ["boolean", "null"]},
        "ids": {"type": ["array", "null"], "items": {"type": "string"}},
        "extra": {"type": ["object", "null"]}, "name": {"type": ["string", "null"]}}}
    for name, value in {"COUNT": "7", "FLAG": "true", "IDS": '["a", "b"]',
                        "EXTRA": '{"k": 1}', "NAME": "x"}.items():
        monkeypatch.setenv(f"SDKCONTRACT_{name}", value)
    assert parse_environment_config(schema, "SDKCONTRACT_") == {
        "count": 7, "flag": True, "ids": ["a", "b"], "extra": {"k": 1}, "name": "x"}
    monkeypatch.setenv("SDKCONTRACT_COUNT", "seven")
    with pytest.raises(ValueError, match="seven"):
        parse_environment_config(schema, "SDKCONTRACT_")
    with pytest.raises(ConfigError, match="SDKCONTRACT_COUNT must be a whole number"):
        parse_env_config(schema, "SDKCONTRACT_")
    monkeypatch.setenv("SDKCONTRACT_COUNT", "7")
    monkeypatch.setenv("SDKCONTRACT_EXTRA", "{not json")
    with pytest.raises(ValueError):  # the JSON decoder's error
        parse_environment_config(schema, "SDKCONTRACT_")


# ---------------------------------------------------------------------- replacements
def test_removed_assert_line_requires(tmp_path: Path) -> None:
    """The target no longer overrides ``_assert_line_requires``: the SDK's checks of a
    message's keys go through ``message_reader.assert_line_requires`` (InputReader)."""
    assert "_assert_line_requires" not in vars(TargetTikTokShop)
    target = TargetTikTokShop(config=target_config(tmp_path))
    assert isinstance(target.message_reader, InputReader)
    bad_schema = {"type": "SCHEMA", "stream": "inventory", "schema": 5}
    with pytest.raises(InputError, match=r"^line 2 of the input is not a valid Singer "
                                         r"message: expected a JSON object, got int$"):
        target.process_lines(singer_lines({"type": "STATE", "value": {}}, bad_schema))
    target = TargetTikTokShop(config=target_config(tmp_path))
    with pytest.raises(InputError, match=r"^line 1 .*: missing 'value'$"):
        target.process_lines(singer_lines({"type": "STATE"}))


def test_removed_stream_tap() -> None:
    """Streams keep their own tap reference (``tiktok``) instead of the SDK's ``_tap``,
    and the SDK builds them with ``tap=`` (``discover_streams``) as before."""
    tap = contract_tap()
    for stream in tap.streams.values():
        assert stream.tiktok is tap


def test_final_write_message(stdout: t.Callable, monkeypatch: pytest.MonkeyPatch) -> None:
    """``TapTikTokShop.write_message`` (``@final`` in the SDK): every SCHEMA and RECORD
    message of a sync goes through it (it stops the tap between two whole messages);
    STATE goes straight to the message writer (``TapMessageWriter``)."""
    written: list[str] = []
    original = TapTikTokShop.write_message

    def spy(self: TapTikTokShop, message: t.Any) -> None:
        written.append(message.to_dict()["type"])
        original(self, message)

    monkeypatch.setattr(TapTikTokShop, "write_message", spy)
    contract_tap(ShopsStream).sync_all()
    assert written == [m["type"] for m in stdout() if m["type"] != "STATE"]
    assert written == ["SCHEMA", "RECORD"]


def test_final_drain_one_and_drain_all() -> None:
    """``TargetTikTokShop.drain_one`` / ``drain_all`` (``@final`` in the SDK): a full sink
    is drained through ``self.drain_one``, and the end of input through
    ``self.drain_all``, which drains each sink through ``self.drain_one`` (the target
    counts itself busy in both)."""
    for batch_size, during, at_end in ((1, ["one"], ["all", "one"]), (100, [], ["all", "one"])):
        events: list = []
        calls: list[str] = []
        target = mini_target(events, batch_size_rows=batch_size)
        drain_one, drain_all = target.drain_one, target.drain_all

        def spy_one(sink: t.Any, drain_one: t.Callable = drain_one,
                    calls: list[str] = calls) -> None:
            calls.append("one")
            drain_one(sink)

        def spy_all(*, is_endofpipe: bool = False, drain_all: t.Callable = drain_all,
                    calls: list[str] = calls) -> None:
            calls.append("all")
            drain_all(is_endofpipe=is_endofpipe)

        target.drain_one, target.drain_all = spy_one, spy_all  # type: ignore[method-assign]
        target.process_lines(singer_lines(schema_message(), record_message({"quantity": 1})))
        assert calls == during
        calls.clear()
        target.process_endofpipe()
        assert calls == at_end
        assert events == [("batch", 1)]


def test_sdk_stream_failed_log_text(caplog: pytest.LogCaptureFixture) -> None:
    """``cli.SDK_STREAM_FAILED``: the text the SDK logs at ERROR before re-raising a
    stream's exception (the CLI demotes it for the project's own errors)."""

    class FailingShops(ShopsStream):
        def get_records(self, context: t.Any) -> t.Iterable[dict]:
            raise RuntimeError("contract failure")

    tap = contract_tap(FailingShops)
    caplog.set_level(logging.INFO)
    with pytest.raises(RuntimeError, match="contract failure"):
        tap.sync_all()
    assert [(r.levelno, r.args) for r in caplog.records if r.msg == SDK_STREAM_FAILED] == [
        (logging.ERROR, ("shops",))]


def test_stream_increment_stream_state(stdout: t.Callable) -> None:
    """``IncrementalShopStream._increment_stream_state``: the SDK calls it for every record
    it writes, and on its own (a sorted stream without the sort check) it would set the
    bookmark back to a late record; with the override STATE never moves backwards."""
    assert params(Stream._increment_stream_state) == ["self", "latest_record", "context"]
    times = [10, 30, 20, 40]  # 20: a late record from a page that broke the sort

    class LateOrders(IncrementalShopStream):
        name = "orders"
        STATE_MSG_FREQUENCY = 1

        def get_records(self, context: t.Any) -> t.Iterable[dict]:
            for n, value in enumerate(times):
                yield {"shop_id": SHOP.id, "id": f"O-{n}", "update_time": value}

    tap = contract_tap(LateOrders)
    tap.sync_all()
    marks = [p.get("replication_key_value")
             for m in stdout() if m["type"] == "STATE"
             for p in m["value"]["bookmarks"].get("orders", {}).get("partitions", [])]
    marks = [mark for mark in marks if mark is not None]
    assert marks and marks == sorted(marks) and marks[-1] == 40

    sdk_only = contract_tap(LateOrders).streams["orders"]  # the SDK's own method
    context = {"shop_id": SHOP.id}
    for n, value in enumerate(times[:3]):
        Stream._increment_stream_state(sdk_only, {"update_time": value, "id": str(n)},
                                       context=context)
    assert sdk_only.get_context_state(context)["replication_key_value"] == 20


def test_final_sync_all(monkeypatch: pytest.MonkeyPatch) -> None:
    """``TapTikTokShop.sync_all`` overrides a ``@final`` method: the SDK's command line
    still syncs through ``sync_all``, and the override still runs the SDK's own."""
    assert "sync_all()" in inspect.getsource(Tap.invoke)
    calls: list[str] = []
    monkeypatch.setattr(Tap, "sync_all", lambda self: calls.append("sdk"))
    tap = contract_tap(ShopsStream)
    monkeypatch.setattr(type(tap), "check_api_version", lambda self: calls.append("version"))
    tap.sync_all()
    assert calls == ["version", "sdk"]


def test_config_validate_config_replaces_config(tmp_path: Path) -> None:
    """``SharedConfigMixin._validate_config`` replaces ``PluginBase._config``: the SDK
    still keeps the config in that dict, shows it through ``config``, and validates it
    after our override coerced a numeric string (Meltano's ``kind: string`` numbers)."""
    target = TargetTikTokShop(config=target_config(tmp_path), validate_config=False)
    assert isinstance(target._config, dict)
    assert dict(target.config) == target._config
    config = target_config(tmp_path, retry_backoff_seconds="0.5", batch_size_rows="7")
    target = TargetTikTokShop(config=config)
    assert target.config["retry_backoff_seconds"] == 0.5
    assert target.config["batch_size_rows"] == 7  # an SDK built-in setting too
    assert config["retry_backoff_seconds"] == "0.5"  # the caller's dict is left alone
    assert Target._validate_config(target, raise_errors=True) == []
