"""The analytics streams' day logic, in-process against a stubbed client: which days are
asked, that the bookmark only covers days whose rows were all emitted (a killed run loses
no day), that nothing past ``latest_available_date`` is asked once it is known, and a
shop missing the analytics scope."""

from __future__ import annotations

import signal
import typing as t
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from tap_tiktokshop.analytics_streams import DailyAnalyticsStream
from tap_tiktokshop.scopes import MissingScopeError
from tap_tiktokshop.tap import TapTikTokShop
from tests.support.singer_io import parse_singer
from tiktokshop import codes
from tiktokshop.endpoints import ANALYTICS_SCOPE, Endpoint
from tiktokshop.errors import APIError, FatalAPIError
from tiktokshop.shops import Shop
from tiktokshop.transport import APIResponse
from tiktokshop_singer.interrupted import Interrupted

LATEST = date.today() - timedelta(days=1)
SHOPS = [Shop(id="701", cipher="C701"), Shop(id="702", cipher="C702")]
CONFIG = {"app_key": "k", "app_secret": "unit-secret", "access_token": "TOKEN-1",
          "progress_interval_seconds": 0}


def products_of(shop: str, day: date) -> list[dict[str, t.Any]]:
    """A day's product rows: 3 to 7 products, figures that depend on the day."""
    count = 3 + day.toordinal() % 5
    return [{"id": f"{shop}-{n}", "overall_performance": {
        "gmv": {"amount": f"{day.day}.{n:02d}", "currency": "GBP"},
        "items_sold": n + day.day, "orders": n}} for n in range(count)]


@dataclass
class FakeAnalytics:
    """Answers the analytics lists like the API: pages of ``page_size``, nothing after
    ``latest``; records every call; ``fail`` raises on a given call."""

    latest: date = LATEST
    calls: list[tuple[str, str, dict[str, t.Any]]] = field(default_factory=list)
    fail: t.Callable[[str, dict[str, t.Any]], APIError | None] | None = None
    settings: t.Any = None

    def call(self, endpoint: Endpoint, *, shop_cipher: str | None = None,
             params: dict[str, t.Any] | None = None, **_: t.Any) -> APIResponse:
        params = dict(params or {})
        shop = str(shop_cipher).removeprefix("C")
        self.calls.append((endpoint.name, shop, params))
        error = self.fail(shop, params) if self.fail else None
        if error is not None:
            raise error
        start = date.fromisoformat(params["start_date_ge"])
        end = date.fromisoformat(params["end_date_lt"])
        latest = self.latest.isoformat()
        if endpoint.name == "shop_performance":
            intervals = [{"start_date": d.isoformat(),
                          "end_date": (d + timedelta(days=1)).isoformat(),
                          "sales": {"gmv": {"overall": {"amount": "1.00", "currency": "GBP"}}}}
                         for d in (start + timedelta(days=n) for n in range((end - start).days))
                         if d <= self.latest]
            return APIResponse({"latest_available_date": latest,
                                "performance": {"intervals": intervals}}, "r", 200)
        assert endpoint.name == "product_performance" and end == start + timedelta(days=1)
        rows = products_of(shop, start) if start <= self.latest else []
        size = int(params["page_size"])
        offset = int(params.get("page_token") or 0)
        page = rows[offset:offset + size]
        token = str(offset + size) if offset + size < len(rows) else ""
        return APIResponse({"latest_available_date": latest, "products": page,
                            "next_page_token": token, "total_count": len(rows)}, "r", 200)


def run(fake: FakeAnalytics, streams: tuple[str, ...], capsys: pytest.CaptureFixture[str],
        *, state: dict | None = None, **config: t.Any) -> list[dict[str, t.Any]]:
    """One in-process sync of ``streams``; its Singer messages."""
    tap = TapTikTokShop(config={**CONFIG, **config}, state=state, parse_env_config=False)
    fake.settings = tap.connection
    tap.__dict__["client"] = fake
    wanted = config.get("shop_ids")
    tap.__dict__["shops"] = [shop for shop in SHOPS if not wanted or shop.id in wanted]
    for name, stream in tap.streams.items():
        stream.selected = name in streams
    try:
        tap.sync_all()
    finally:
        fake.out = capsys.readouterr().out  # type: ignore[attr-defined]
    return parse_singer(fake.out)  # type: ignore[attr-defined]


def bookmarks(messages: list[dict[str, t.Any]], stream: str) -> dict[str, str | None]:
    last = [m["value"] for m in messages if m["type"] == "STATE"][-1]
    return {p["context"]["shop_id"]: p.get("replication_key_value")
            for p in last["bookmarks"][stream]["partitions"]}


def asked_days(fake: FakeAnalytics, shop: str) -> list[str]:
    return sorted({params["start_date_ge"] for _, s, params in fake.calls if s == shop})


def day(n: int) -> str:
    """``LATEST`` minus ``n`` days."""
    return (LATEST - timedelta(days=n)).isoformat()


def test_first_run_reads_from_start_date_to_latest_available(
        capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeAnalytics()
    messages = run(fake, ("product_performance_daily",), capsys,
                   start_date=f"{day(4)}T00:00:00Z")
    records = [m["record"] for m in messages if m["type"] == "RECORD"]
    expected = {(shop.id, row["id"], d) for shop in SHOPS for n in range(5)
                for d in [day(n)] for row in products_of(shop.id, date.fromisoformat(d))}
    assert {(r["shop_id"], r["product_id"], r["date"]) for r in records} == expected
    assert len(records) == len(expected)
    row = records[0]
    assert row["gmv_amount_value"] == float(row["gmv_amount"]) and row["gmv_currency"] == "GBP"
    assert bookmarks(messages, "product_performance_daily") == {"701": day(0), "702": day(0)}
    for shop in SHOPS:
        assert asked_days(fake, shop.id) == [day(n) for n in range(4, -1, -1)]
    # one call per day and page, currency as configured (the API's default: LOCAL)
    assert len(fake.calls) == sum(
        -(-len(products_of(s.id, date.fromisoformat(day(n)))) // 100) for s in SHOPS
        for n in range(5))
    assert {params["currency"] for _, _, params in fake.calls} == {"LOCAL"}


def test_next_run_rereads_the_lookback_days_and_never_asks_past_latest(
        capsys: pytest.CaptureFixture[str]) -> None:
    state = {"bookmarks": {"product_performance_daily": {"partitions": [
        {"context": {"shop_id": "701"}, "replication_key": "date",
         "replication_key_value": day(3)},
        {"context": {"shop_id": "702"}, "replication_key": "date",
         "replication_key_value": day(0)}]}}}
    fake = FakeAnalytics()
    messages = run(fake, ("product_performance_daily",), capsys, state=state,
                   analytics_lookback_days=2, analytics_currency="USD")
    assert asked_days(fake, "701") == [day(n) for n in range(4, -1, -1)]  # 2 re-read + 3 new
    assert asked_days(fake, "702") == [day(1), day(0)]  # only the re-read days
    assert max(params["start_date_ge"] for _, _, params in fake.calls) == day(0)
    assert {params["currency"] for _, _, params in fake.calls} == {"USD"}
    assert bookmarks(messages, "product_performance_daily") == {"701": day(0), "702": day(0)}


def test_a_bookmark_at_latest_with_no_lookback_asks_one_day_and_emits_nothing(
        capsys: pytest.CaptureFixture[str]) -> None:
    state = {"bookmarks": {"product_performance_daily": {"partitions": [
        {"context": {"shop_id": s.id}, "replication_key": "date",
         "replication_key_value": day(0)} for s in SHOPS]}}}
    fake = FakeAnalytics()
    messages = run(fake, ("product_performance_daily",), capsys, state=state,
                   analytics_lookback_days=0)
    # the first answer says latest_available_date: the tap stops there
    assert len(fake.calls) == 2 and not [m for m in messages if m["type"] == "RECORD"]
    assert bookmarks(messages, "product_performance_daily") == {"701": day(0), "702": day(0)}


def test_the_bookmark_only_covers_days_whose_rows_were_all_emitted(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A STATE after every record: each names a day whose rows all came before it. The
    run is stopped (SIGTERM) right after the first row of a day; the next run (no
    lookback) resumes at that day and the two runs together hold every row."""
    monkeypatch.setattr(DailyAnalyticsStream, "STATE_MSG_FREQUENCY", 1)
    start = f"{day(5)}T00:00:00Z"
    broken = day(2)
    write = TapTikTokShop.write_message

    def write_then_stop(tap: TapTikTokShop, message: t.Any) -> None:
        record = getattr(message, "record", None) or {}
        if record.get("date") == broken:
            tap._stop_signal = signal.SIGTERM  # what the tap's signal handler sets
        write(tap, message)

    monkeypatch.setattr(TapTikTokShop, "write_message", write_then_stop)
    fake = FakeAnalytics()
    with pytest.raises(Interrupted):
        run(fake, ("product_performance_daily",), capsys, start_date=start,
            shop_ids=["701"], analytics_lookback_days=0)
    monkeypatch.setattr(TapTikTokShop, "write_message", write)
    first = parse_singer(fake.out)  # type: ignore[attr-defined]
    emitted: dict[str, int] = {}
    last_state: str | None = None
    for message in first:
        if message["type"] == "RECORD":
            emitted[message["record"]["date"]] = emitted.get(message["record"]["date"], 0) + 1
        elif message["type"] == "STATE":
            parts = message["value"]["bookmarks"].get("product_performance_daily", {})
            for part in parts.get("partitions", []):
                mark = part.get("replication_key_value")
                if mark is None:  # before the first day was complete
                    continue
                assert all(emitted.get(d, 0) == len(products_of("701", date.fromisoformat(d)))
                           for d in [day(n) for n in range(5, -1, -1)] if d <= mark), mark
                last_state = mark
    assert last_state == day(3)  # the broken day had a row out, but is not complete
    assert emitted[broken] == 1 < len(products_of("701", date.fromisoformat(broken)))
    state = [m["value"] for m in first if m["type"] == "STATE"][-1]
    resumed = FakeAnalytics()
    second = run(resumed, ("product_performance_daily",), capsys, state=state,
                 start_date=start, shop_ids=["701"], analytics_lookback_days=0)
    assert asked_days(resumed, "701")[0] == broken
    keys = {(m["record"]["product_id"], m["record"]["date"]) for m in first + second
            if m["type"] == "RECORD"}
    assert keys == {(row["id"], d) for n in range(6) for d in [day(n)]
                    for row in products_of("701", date.fromisoformat(d))}


def test_shop_performance_comes_by_day_a_month_per_call(
        capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeAnalytics()
    messages = run(fake, ("shop_performance_daily",), capsys,
                   start_date=f"{day(69)}T00:00:00Z", shop_ids=["701"])
    records = [m["record"] for m in messages if m["type"] == "RECORD"]
    assert [r["date"] for r in records] == [day(n) for n in range(69, -1, -1)]
    assert {r["gmv_amount"] for r in records} == {"1.00"}
    spans = [(params["start_date_ge"], params["end_date_lt"]) for _, _, params in fake.calls]
    assert spans[0] == (day(69), day(68))  # one day first: learns latest_available_date
    assert len(spans) == 1 + 3 and all(params["granularity"] == "1D"
                                       for _, _, params in fake.calls)
    assert max(end for _, end in spans) == (LATEST + timedelta(days=1)).isoformat()


def test_a_shop_missing_the_analytics_scope_skips_the_stream_for_that_shop(
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    def fail(shop: str, params: dict[str, t.Any]) -> APIError | None:
        if shop == "702":
            return FatalAPIError(code=codes.SCOPE_MISSING, message="no scope",
                                 scope=ANALYTICS_SCOPE,
                                 endpoint="GET /analytics/202509/shop_products/performance")
        return None

    fake = FakeAnalytics(fail=fail)
    with pytest.raises(MissingScopeError) as caught:
        run(fake, ("product_performance_daily",), capsys, start_date=f"{day(1)}T00:00:00Z")
    assert caught.value.exit_code == 1
    messages = parse_singer(fake.out)  # type: ignore[attr-defined]
    assert {m["record"]["shop_id"] for m in messages if m["type"] == "RECORD"} == {"701"}
    lines = [r.getMessage() for r in caplog.records if "skipped for shop 702" in r.getMessage()]
    assert len(lines) == 1 and "product_performance_daily" in lines[0]
    assert ANALYTICS_SCOPE in lines[0] and "\n" not in lines[0]
    assert bookmarks(messages, "product_performance_daily") == {"701": day(0), "702": None}


def test_a_dry_run_reads_only_the_latest_days(capsys: pytest.CaptureFixture[str]) -> None:
    """``--test`` (the SDK's dry run, one record per stream) must not walk a year of days."""
    fake = FakeAnalytics()
    tap = TapTikTokShop(config=CONFIG, parse_env_config=False)
    fake.settings = tap.connection
    tap.__dict__["client"] = fake
    tap.__dict__["shops"] = SHOPS[:1]
    stream = tap.streams["product_performance_daily"]
    tap.run_sync_dry_run(dry_run_record_limit=1, streams=[stream])
    capsys.readouterr()
    assert asked_days(fake, "701")[0] >= (LATEST - timedelta(days=2)).isoformat()
    assert len(fake.calls) <= 3


def test_analytics_start_date_sets_the_first_day_apart_from_start_date(
        capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeAnalytics()
    run(fake, ("product_performance_daily",), capsys, start_date="2020-01-01T00:00:00Z",
        analytics_start_date=f"{day(2)}T00:00:00Z", shop_ids=["701"])
    assert asked_days(fake, "701") == [day(2), day(1), day(0)]


def test_the_window_follows_the_apis_own_latest_date_asking_no_day_twice(
        capsys: pytest.CaptureFixture[str]) -> None:
    """TikTok's calendar 200 days behind the tap's clock: the first call (the oldest day
    by the tap's clock) tells the real latest_available_date; the tap then reads the 365
    days up to it, that first day included once."""
    fake = FakeAnalytics(latest=LATEST - timedelta(days=200))
    run(fake, ("product_performance_daily",), capsys, shop_ids=["701"])
    asked = [params["start_date_ge"] for _, _, params in fake.calls
             if not params.get("page_token")]
    assert len(asked) == len(set(asked)) == 365
    assert max(asked) == fake.latest.isoformat()
    assert min(asked) == (fake.latest - timedelta(days=364)).isoformat()
