"""Reliability and security tests: faults, interruptions, tokens, bad input, secrets.

Everything runs against in-process sandboxes on 127.0.0.1 with fixed seeds and
distinctive secrets (``tests.support.secret_scan``); every loop and wait is bounded. Helpers are in
``kit``. The figures the tests measure are printed at the end of the run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.support.reliability_kit import FIGURES, record_figures


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of this folder ``reliability`` (select with ``-m reliability``)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.reliability)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the figures measured by this folder's tests."""
    if not FIGURES:
        return
    terminalreporter.write_sep("=", "reliability figures")
    for area in sorted(FIGURES):
        values = ", ".join(f"{k}={v}" for k, v in FIGURES[area].items())
        terminalreporter.write_line(f"{area}: {values}")
    target = os.environ.get("RELIABILITY_FIGURES")
    if target:
        Path(target).write_text(json.dumps(FIGURES, indent=1, sort_keys=True) + "\n",
                                encoding="utf-8")


@pytest.fixture
def figures() -> Any:
    """``figures(area, name=value, ...)`` records figures for the end-of-run report."""
    return record_figures
