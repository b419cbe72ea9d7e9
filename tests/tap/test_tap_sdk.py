"""The SDK's standard tap tests, run against a live sandbox on 127.0.0.1."""

from __future__ import annotations

import atexit

from singer_sdk.testing import SuiteConfig, get_tap_test_class

from tap_tiktokshop.tap import TapTikTokShop
from tiktokshop_sandbox import Sandbox, SandboxOptions

# The SDK builds the test class (and lists the streams) at import, so the sandbox must
# already be listening; it stops when the test process exits.
SANDBOX = Sandbox(SandboxOptions(seed=3, shops=2, products=12, orders=30)).start()
atexit.register(SANDBOX.stop)

TestTapTikTokShop = get_tap_test_class(
    TapTikTokShop,
    config={**SANDBOX.config(), "retry_backoff_seconds": 0.01},
    suite_config=SuiteConfig(max_records_limit=500),
)
