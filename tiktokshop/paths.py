"""Preflight of the files a run writes (token store, results file).

A folder that cannot be written must stop the run before its first API call, with one
line naming the setting and the path, not after records were read or written. The check
writes for real (creates the folder, then a temporary file in it): permission bits alone
would not tell, for example for root or on a read-only file system.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tiktokshop.errors import ConfigError


def ensure_writable_folder(setting: str, file_path: Path, *, private: bool = False) -> None:
    """Create ``file_path``'s folder if needed and prove a file can be written in it.

    ``private`` creates missing folders readable by this user only (for tokens).

    Raises:
        ConfigError: naming the setting and the folder.
    """
    folder = file_path.parent
    try:
        folder.mkdir(mode=0o700 if private else 0o777, parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder, prefix=".write-check-"):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(setting, f"cannot write in the folder {folder}: {reason}; choose a "
                                   "path in a folder this user can write") from None
