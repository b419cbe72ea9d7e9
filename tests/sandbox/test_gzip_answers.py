"""Compressed answers: the sandbox gzips like a compressing gateway, the client decodes.

requests asks for ``gzip, deflate`` on every call, so any server or proxy in front of
the API may compress; the client reads the raw stream (to bound slow bodies) and must
decode it itself.
"""

from __future__ import annotations

import gzip
import http.client
import json
from pathlib import Path

import pytest

from tiktokshop.connection import load_settings
from tiktokshop.endpoints import AUTHORIZED_SHOPS, ORDER_SEARCH
from tiktokshop.transport import TikTokShopClient
from tiktokshop_sandbox import Sandbox, SandboxOptions


@pytest.fixture(params=[True, False], ids=["gzip", "plain"])
def sandbox(request: pytest.FixtureRequest):
    with Sandbox(SandboxOptions(seed=3, shops=1, products=5, orders=30,
                                gzip=request.param)) as running:
        yield running


def _raw_answer(sandbox: Sandbox, accept: str) -> tuple[str | None, bytes]:
    """Content-Encoding and body bytes of an (unsigned) answer, as sent on the wire."""
    connection = http.client.HTTPConnection("127.0.0.1", int(sandbox.base_url.rsplit(":", 1)[1]))
    connection.request("GET", "/authorization/202309/shops", headers={"Accept-Encoding": accept})
    answer = connection.getresponse()
    body = answer.read()
    connection.close()
    return answer.getheader("Content-Encoding"), body


def test_the_sandbox_compresses_only_for_clients_that_accept_gzip(sandbox: Sandbox) -> None:
    encoding, body = _raw_answer(sandbox, "gzip, deflate")
    if sandbox.options.gzip:
        assert encoding == "gzip"
        body = gzip.decompress(body)
    else:
        assert encoding is None
    assert "code" in json.loads(body)
    for refused in ("identity", "gzip;q=0", ""):
        encoding, body = _raw_answer(sandbox, refused)
        assert encoding is None and "code" in json.loads(body)


def test_the_client_reads_compressed_and_plain_answers(sandbox: Sandbox, tmp_path: Path) -> None:
    config = {**sandbox.config(), "token_store_path": str(tmp_path / "tokens.json")}
    client = TikTokShopClient(load_settings(config))
    shops = client.call(AUTHORIZED_SHOPS).data["shops"]
    assert [shop["id"] for shop in shops] == config["shop_ids"]
    orders = client.call(ORDER_SEARCH, shop_cipher=shops[0]["cipher"],
                         params={"page_size": 20}, body={}).data
    assert len(orders["orders"]) == 20 and orders["total_count"] == 30
