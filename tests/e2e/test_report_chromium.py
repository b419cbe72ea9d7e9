"""The demo's HTML report, written from the dbt marts of a real sync, opened in Debian's
headless Chromium: it renders with no console error, its charts are in the page."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT
from tests.support.dbt_warehouse import BuiltWarehouse

pytestmark = pytest.mark.e2e
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run")


@pytest.fixture(scope="module")
def report(dbt_duckdb: BuiltWarehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`scripts/report.py` on the DuckDB warehouse dbt built."""
    html = tmp_path_factory.mktemp("report") / "report.html"
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "report.py"),
                           str(dbt_duckdb.duckdb_path), "--html", str(html)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "Top SKUs by net revenue:" in done.stdout
    assert "Late shipments:" in done.stdout
    return html


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed: scripts/ensure-chromium.sh should have "
                        "installed it")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120, check=False)


def test_report_is_self_contained(report: Path) -> None:
    html = report.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert "<link" not in html and "@import" not in html
    assert html.count('<svg class="chart"') >= 4


def test_report_renders_in_chromium_without_errors(report: Path, tmp_path: Path) -> None:
    dom = chromium("--enable-logging=stderr", "--v=0", "--dump-dom", report.as_uri(),
                   profile=tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-3000:]
    console = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line
               or "Uncaught" in line]
    assert console == []
    # the page's script ran in the browser and counted the charts it found in the DOM
    charts = re.search(r'<html lang="en" data-charts="(\d+)"', dom.stdout)
    assert charts is not None, dom.stdout[:500]
    assert int(charts.group(1)) == dom.stdout.count('<svg class="chart"') >= 4
    for chart in ("daily-net-sales-0", "fees-by-type-0", "stock-cover"):
        assert f'id="{chart}"' in dom.stdout
    assert dom.stdout.count('class="series"') >= 1
    assert dom.stdout.count('class="bar"') >= 3


def test_report_paints_its_charts(report: Path, tmp_path: Path) -> None:
    """A screenshot of the page is not blank: the charts were painted."""
    shot = tmp_path / "report.png"
    done = chromium(f"--screenshot={shot}", "--window-size=800,1600", report.as_uri(),
                    profile=tmp_path / "profile")
    assert done.returncode == 0, done.stderr[-3000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000
