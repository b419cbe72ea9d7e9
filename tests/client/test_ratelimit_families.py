"""Rate limits per endpoint family: each family its own spacing (fake clock), the settings
that set them, and the client picking the family's limiter from the request path."""

from __future__ import annotations

import pytest

from tests.support.stub_http import StubAdapter, ok, session_with
from tiktokshop.connection import RATE_LIMIT_FAMILIES, SETTING_SPECS, load_settings
from tiktokshop.endpoints import ORDER_SEARCH, PRODUCT_PERFORMANCE, SHOP_PERFORMANCE
from tiktokshop.errors import ConfigError
from tiktokshop.ratelimit import FamilyRateLimits, path_family
from tiktokshop.transport import TikTokShopClient

BASE = {"app_key": "appk", "app_secret": "unit-secret", "access_token": "TOKEN-1"}


class FakeTime:
    """A clock that only moves when something sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def send_times(limits: FamilyRateLimits, fake: FakeTime, calls: list[tuple[str, str]]
               ) -> dict[tuple[str, str], list[float]]:
    """When each (family, key) call went out, in the order given."""
    out: dict[tuple[str, str], list[float]] = {}
    for family, key in calls:
        limits.acquire(family, key)
        out.setdefault((family, key), []).append(round(fake.now, 6))
    return out


def test_each_family_is_spaced_at_its_own_rate() -> None:
    fake = FakeTime()
    limits = FamilyRateLimits(50, {"analytics": 1.0}, clock=fake.clock, sleep=fake.sleep)
    times = send_times(limits, fake, [("analytics", "shop-a")] * 4)
    assert times[("analytics", "shop-a")] == [0.0, 1.0, 2.0, 3.0]
    fake.now = 0.0
    limits = FamilyRateLimits(50, {"analytics": 1.0}, clock=fake.clock, sleep=fake.sleep)
    times = send_times(limits, fake, [("order", "shop-a")] * 4)
    assert times[("order", "shop-a")] == [0.0, 0.02, 0.04, 0.06]


def test_a_slow_family_never_delays_another_family_or_shop() -> None:
    """An analytics backfill's waits are its own: orders of the same shop and analytics
    of another shop go out without waiting on it."""
    fake = FakeTime()
    limits = FamilyRateLimits(50, {"analytics": 1.0}, clock=fake.clock, sleep=fake.sleep)
    limits.acquire("analytics", "shop-a")
    assert limits.acquire("order", "shop-a") == 0.0
    assert limits.acquire("analytics", "shop-b") == 0.0
    assert limits.acquire("analytics", "shop-a") == pytest.approx(1.0)  # its own spacing
    assert limits.acquire("product", "shop-a") == 0.0


def test_a_429_holds_back_only_its_family() -> None:
    fake = FakeTime()
    limits = FamilyRateLimits(50, {"analytics": 1.0}, clock=fake.clock, sleep=fake.sleep)
    limits.defer("analytics", "shop-a", 5.0)
    assert limits.acquire("order", "shop-a") == 0.0
    assert limits.acquire("analytics", "shop-a") == pytest.approx(5.0)


def test_family_settings_default_and_override() -> None:
    names = {spec.name: spec for spec in SETTING_SPECS}
    assert {f"rate_limit_qps_{family}" for family in RATE_LIMIT_FAMILIES} <= set(names)
    assert names["rate_limit_qps_analytics"].default == 1.0
    assert names["rate_limit_qps_order"].default is None  # follows rate_limit_qps
    settings = load_settings({**BASE, "rate_limit_qps": 20})
    assert settings.family_qps("analytics") == 1.0
    assert settings.family_qps("order") == settings.family_qps("promotion") == 20
    settings = load_settings({**BASE, "rate_limit_qps_analytics": "0.2",
                              "rate_limit_qps_product": 5})
    assert (settings.family_qps("analytics"), settings.family_qps("product")) == (0.2, 5)
    assert settings.family_qps("order") == 50


@pytest.mark.parametrize("value", ["fast", -1, 20_000, True])
def test_a_bad_family_rate_names_its_setting(value: object) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({**BASE, "rate_limit_qps_analytics": value})
    assert "rate_limit_qps_analytics" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_client_picks_the_limiter_of_the_request_family() -> None:
    settings = load_settings({**BASE, "rate_limit_qps": 0, "rate_limit_qps_analytics": 4})
    adapter = StubAdapter([ok(), ok(), ok(), ok()])
    client = TikTokShopClient(settings, session=session_with(adapter))
    fake = FakeTime()
    client.limits = FamilyRateLimits(0, dict(settings.family_rate_limits),
                                     clock=fake.clock, sleep=fake.sleep)
    client.call(SHOP_PERFORMANCE, shop_cipher="c")
    client.call(ORDER_SEARCH, shop_cipher="c")  # its family is not limited: no wait
    assert fake.sleeps == []
    client.call(SHOP_PERFORMANCE, shop_cipher="c")  # same endpoint: 0.25 s later
    client.call(PRODUCT_PERFORMANCE, shop_cipher="c")  # another endpoint: its own key
    assert fake.sleeps == [pytest.approx(0.25)]
    assert [path_family(r.path_url) for r in adapter.sent] == [
        "analytics", "order", "analytics", "analytics"]
    assert SHOP_PERFORMANCE.family == "analytics" and ORDER_SEARCH.family == "order"
