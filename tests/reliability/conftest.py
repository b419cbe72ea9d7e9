"""Reliability and security tests: faults, interruptions, tokens, bad input, secrets.

Everything runs against in-process sandboxes on 127.0.0.1 with fixed seeds and
distinctive secrets (``tests.support.secret_scan``); every loop and wait is bounded. Helpers are in
``kit``. The figures the tests measure are printed at the end of the run (tests/conftest.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.reliability_kit import record_figures


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of this folder ``reliability`` (select with ``-m reliability``)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.reliability)


@pytest.fixture
def figures() -> Any:
    """``figures(area, name=value, ...)`` records figures for the end-of-run report."""
    return record_figures
