"""The version of the tap's state, so a later release can tell what it resumes from.

Format 1 is release 0.1.0's state (Singer bookmarks only, no marker); from format 2 on,
the state carries ``STATE_FORMAT_KEY`` next to ``bookmarks``. A release reads every
format up to its own; a state of a newer format fails with one clear line instead of
being misread.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tiktokshop.errors import ConfigError

STATE_FORMAT = 2
STATE_FORMAT_KEY = "tap_tiktokshop_state_format"
FIRST_FORMAT = 1  # release 0.1.0, before the marker existed


def state_format(state: Mapping[str, Any]) -> int:
    """The format of a state the tap was given.

    Raises:
        ConfigError: naming ``--state`` when the format is unknown or newer than this
            release's.
    """
    found = state.get(STATE_FORMAT_KEY, FIRST_FORMAT)
    if isinstance(found, bool) or not isinstance(found, int) or found < FIRST_FORMAT:
        raise ConfigError("--state", f"'{STATE_FORMAT_KEY}' must be a whole number from "
                                     f"{FIRST_FORMAT}, got {found!r}")
    if found > STATE_FORMAT:
        raise ConfigError(
            "--state", f"was written by a newer tap-tiktokshop (state format {found}); this "
            f"release reads formats {FIRST_FORMAT} to {STATE_FORMAT}: upgrade tap-tiktokshop, "
            "or start without this state (a full sync)")
    return found
