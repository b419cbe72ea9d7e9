"""Fixtures of the target tests (defined in tests/support/target_fixtures.py)."""

from tests.support.target_fixtures import config, data, sandbox

__all__ = ["config", "data", "sandbox"]
