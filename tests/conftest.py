"""Session-wide test settings.

The project's own tests run the sandbox strict (``--strict``): a GET without
``content-type``, or a body field or query parameter the OpenAPI snapshot does not
define, is refused, so the client is held to the reference. The sandbox's default,
lenient mode is tested on its own (tests/sandbox/test_sandbox_leniency.py).

The suite runs in parallel workers (pytest-xdist, ``scripts/test.sh``): the figures the
reliability tests measure are sent from each worker to the controller, which prints them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.support.reliability_kit import FIGURES
from tiktokshop_sandbox.options import GZIP_ENV, STRICT_ENV

os.environ[STRICT_ENV] = "1"
# Answers come gzip-compressed, as from a compressing gateway: the client must decode
# what it reads from the raw stream (tests/sandbox/test_gzip_answers.py runs both ways).
os.environ[GZIP_ENV] = "1"


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In an xdist worker: hand the figures measured here to the controller."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["reliability_figures"] = json.dumps(FIGURES)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """In the xdist controller: merge a finished worker's figures."""
    for area, values in json.loads(node.workeroutput.get("reliability_figures") or "{}").items():
        FIGURES.setdefault(area, {}).update(values)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the figures the reliability tests measured (``RELIABILITY_FIGURES=path``: also
    write them there as JSON)."""
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
