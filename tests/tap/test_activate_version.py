"""ACTIVATE_VERSION only in runs of every shop: a run limited by ``shop_ids`` sends none for
its full-table streams (it would delete other shop groups' rows), and logs why once."""

from __future__ import annotations

import json
import logging
import signal
import sys
import typing as t

import pytest

from tap_tiktokshop.finance_streams import UnsettledTransactionsStream
from tap_tiktokshop.streams import ShopsStream
from tests.sdk_contract.test_private_sdk_use import SHOP, contract_tap


@pytest.fixture(autouse=True)
def _restore_signal_handlers() -> t.Iterator[None]:
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def messages(capsysbinary: pytest.CaptureFixture[bytes]) -> list[dict[str, t.Any]]:
    sys.stdout.flush()
    text = capsysbinary.readouterr().out.decode("utf-8")
    return [json.loads(line) for line in text.split("\n") if line.strip()]


@pytest.mark.parametrize("extra", [{"emit_activate_version_messages": True}, {}])
def test_every_shop_gets_a_table_version(extra: dict, capsysbinary) -> None:
    tap = contract_tap(ShopsStream, **extra)
    tap.streams["shops"].sync()
    versions = [m for m in messages(capsysbinary) if m["type"] == "ACTIVATE_VERSION"]
    assert len(versions) == (1 if extra else 0)
    unsettled = contract_tap(UnsettledTransactionsStream).streams["unsettled_transactions"]
    assert unsettled.emit_activate_version_messages  # always, for every shop


def test_a_group_of_shops_gets_none(capsysbinary, caplog: pytest.LogCaptureFixture) -> None:
    tap = contract_tap(ShopsStream, UnsettledTransactionsStream, shop_ids=[SHOP.id],
                       emit_activate_version_messages=True)
    with caplog.at_level(logging.WARNING, logger="tap_tiktokshop"):
        tap.streams["shops"].sync()
        tap.streams["shops"].sync()
        assert not tap.streams["unsettled_transactions"].emit_activate_version_messages
    out = messages(capsysbinary)
    assert [m for m in out if m["type"] == "ACTIVATE_VERSION"] == []
    assert all("version" not in m for m in out if m["type"] == "RECORD")
    lines = [r.getMessage() for r in caplog.records if "no ACTIVATE_VERSION" in r.getMessage()]
    assert lines == [
        "Stream 'shops': no ACTIVATE_VERSION because shop_ids limits this run to 1 shop(s): a "
        "new table version would delete the rows of every other shop in the table (README, "
        "'Scaling out'); rows are upserted by key",
        "Stream 'unsettled_transactions': no ACTIVATE_VERSION because shop_ids limits this run "
        "to 1 shop(s): a new table version would delete the rows of every other shop in the "
        "table (README, 'Scaling out'); rows are upserted by key"]
