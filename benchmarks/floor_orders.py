"""The CPU floor of an orders backfill: the same HTTP calls as the tap, nothing else.

``python -m benchmarks.floor_orders [--urllib] CONFIG [START]`` refreshes the access token, reads
the authorized shops, then walks Get Order List of every shop exactly as the tap does
(sorted by ``update_time`` ascending, a new query from the last second seen after each
page, page tokens only while a page makes no progress), with the same signing. Per page
it does ``json.loads``; per order ``json.dumps`` to stdout. No Singer, no validation, no
retries, no rate limiting: what any client of these answers must at least spend.
``--urllib`` makes the calls with the standard library's ``urllib.request`` instead of
``requests`` (no connection pool: the barest client there is).
"""

from __future__ import annotations

import json
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

import requests

from tiktokshop.auth.signing import sign_for_url

ORDER_SEARCH_PATH = "/order/202309/orders/search"
DEFAULT_START = 1_577_836_800  # the tap's default start_date, 2020-01-01T00:00:00Z
MAX_PAGES = 1_000_000


def _urllib_request(method: str, url: str, data: bytes | None, headers: dict[str, str]) -> bytes:
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        return answer.read()


def main(argv: list[str]) -> int:
    bare = argv[:1] == ["--urllib"]
    argv = argv[1:] if bare else argv
    config = json.loads(Path(argv[0]).read_text())
    start = int(argv[1]) if len(argv) > 1 else DEFAULT_START
    base, key, secret = config["api_base_url"], config["app_key"], config["app_secret"]
    session = requests.Session()
    answer = session.get(f"{config['auth_base_url']}/api/v2/token/refresh", params={
        "app_key": key, "app_secret": secret, "refresh_token": config["refresh_token"],
        "grant_type": "refresh_token"}, timeout=30).json()
    token = answer["data"]["access_token"]

    def call(method: str, path: str, query: list[tuple[str, str]],
             body: dict | None = None) -> dict:
        common = [("app_key", key), ("timestamp", str(int(time.time())))]
        url = f"{base}{path}?{urlencode(common + query, quote_via=quote, safe='')}"
        data = json.dumps(body, separators=(",", ":")).encode() if body else None
        url += "&sign=" + sign_for_url(secret, url, data)
        headers = {"content-type": "application/json", "x-tts-access-token": token}
        if bare:
            content = _urllib_request(method, url, data, headers)
        else:
            content = session.request(method, url, data=data, timeout=30,
                                      headers=headers).content
        payload = json.loads(content)
        if payload.get("code") != 0:
            raise SystemExit(f"floor: {path} answered {payload.get('code')}")
        return payload["data"]

    shops = call("GET", "/authorization/202309/shops", [])["shops"]
    wanted = config.get("shop_ids")
    end = int(time.time())
    out = sys.stdout
    for shop in shops:
        if wanted and shop["id"] not in wanted:
            continue
        cursor, at_cursor, page_token = start, set(), None
        for _ in range(MAX_PAGES):
            query = [("page_size", "100")]
            if page_token:
                query.append(("page_token", page_token))
            query += [("sort_field", "update_time"), ("sort_order", "ASC"),
                      ("shop_cipher", shop["cipher"])]
            data = call("POST", ORDER_SEARCH_PATH, query,
                        {"update_time_ge": cursor, "update_time_lt": end})
            progressed = False
            for order in data.get("orders") or []:
                updated = order["update_time"]
                if updated >= end or (updated == cursor and order["id"] in at_cursor):
                    continue
                if updated > cursor:
                    cursor, at_cursor, progressed = updated, set(), True
                at_cursor.add(order["id"])
                out.write(json.dumps(order, separators=(",", ":")))
                out.write("\n")
            page_token = data.get("next_page_token") or None
            if not page_token:
                break
            if progressed:
                page_token = None
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
