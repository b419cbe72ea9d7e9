"""Fixtures of the target tests (imported by their conftest and the target's end-to-end test):
a fresh sandbox per test and a config pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.target_kit import APP_SECRET, dataset
from tiktokshop_sandbox import Sandbox, SandboxOptions


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """Two shops (GBP and USD), 30 products each, no orders; seeded, so ids are stable."""
    with Sandbox(SandboxOptions(seed=1, shops=2, products=30, orders=0,
                                app_secret=APP_SECRET)) as sb:
        yield sb


@pytest.fixture
def config(sandbox: Sandbox, tmp_path: Path) -> dict[str, Any]:
    """Target config for the sandbox; fast retries so fault tests stay quick."""
    return {
        **sandbox.config(),
        "results_path": str(tmp_path / "out" / "results.jsonl"),
        "retry_backoff_seconds": 0.01,
        "max_retries": 2,
    }


@pytest.fixture
def data(sandbox: Sandbox) -> dict[str, Any]:
    """The dataset before the test changes anything."""
    return dataset(sandbox.base_url)
