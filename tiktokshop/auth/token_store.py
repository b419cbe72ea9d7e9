"""A small JSON file that keeps rotated tokens between runs (mode 0600, atomic writes).

Under Meltano the config file handed to a plugin is generated per run, so writing a
rotated refresh token back into it would persist nothing; this file does.

Several processes may share one file (two Meltano jobs for the same seller, a job and
``tiktokshop-auth``). TikTok rotates refresh tokens, so two processes refreshing with the
same refresh token could leave one of them holding a dead token. :meth:`TokenStore.locked`
serialises refreshes between processes: an exclusive ``flock`` on a sibling ``.lock``
file, which the kernel releases when a process dies (no stale lock to clean up). The
standard library's ``fcntl`` is enough here: the store already relies on POSIX file modes.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tiktokshop.errors import ConfigError

FORMAT_VERSION = 1


def fingerprint(secret: str | None) -> str | None:
    """Short one-way fingerprint of a secret, to recognise it without storing it twice."""
    if not secret:
        return None
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:16]


@dataclass
class TokenSet:
    """Tokens of one seller authorization. Expiries are absolute Unix seconds."""

    access_token: str | None = None
    access_token_expire_in: int | None = None
    refresh_token: str | None = None
    refresh_token_expire_in: int | None = None
    open_id: str | None = None
    seller_name: str | None = None
    seller_base_region: str | None = None
    granted_scopes: list[str] = field(default_factory=list)
    # fingerprint of the configured refresh token / auth code these tokens descend from
    origin: str | None = None
    # when the access token was received (Unix seconds, this machine's clock)
    obtained_at: int | None = None

    def __repr__(self) -> str:
        return (f"TokenSet(seller_name={self.seller_name!r}, "
                f"access_token_expire_in={self.access_token_expire_in}, ...)")

    @classmethod
    def from_api(
        cls, data: dict[str, Any], origin: str | None, obtained_at: int | None = None
    ) -> TokenSet:
        """Build from the ``data`` of a token get/refresh answer."""
        return cls(
            access_token=data.get("access_token"),
            access_token_expire_in=_int_or_none(data.get("access_token_expire_in")),
            refresh_token=data.get("refresh_token"),
            refresh_token_expire_in=_int_or_none(data.get("refresh_token_expire_in")),
            open_id=data.get("open_id"),
            seller_name=data.get("seller_name"),
            seller_base_region=data.get("seller_base_region"),
            granted_scopes=list(data.get("granted_scopes") or []),
            origin=origin,
            obtained_at=obtained_at,
        )


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


class TokenStore:
    """Reads and writes one token file for one app key."""

    def __init__(self, path: Path, app_key: str) -> None:
        self.path = path
        self.app_key = app_key

    @property
    def lock_path(self) -> Path:
        """The file whose ``flock`` serialises refreshes between processes."""
        return self.path.with_name(self.path.name + ".lock")

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's inter-process lock (blocking until other holders are done)."""
        self._ensure_directory()
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise ConfigError("token_store_path",
                              f"cannot open the token lock file: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def _ensure_directory(self) -> None:
        """Create the store's folder readable by this user only (tokens are secrets)."""
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError("token_store_path",
                              f"cannot create the token folder: {exc.strerror}") from None

    def load(self) -> TokenSet | None:
        """Tokens stored for this app key, or None when the file is absent or for another app."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ConfigError("token_store_path",
                              f"cannot read the token file: {exc.strerror}") from None
        try:
            doc = json.loads(raw)
        except json.JSONDecodeError:
            raise ConfigError("token_store_path", "the token file is not valid JSON; delete it "
                              "and authorize again") from None
        if isinstance(doc, dict) and isinstance(doc.get("format"), int) \
                and doc["format"] > FORMAT_VERSION:
            raise ConfigError(
                "token_store_path", f"the token file was written by a newer release (format "
                f"{doc['format']}; this release reads format {FORMAT_VERSION}): upgrade, or "
                "point token_store_path at a new file and authorize again")
        if not isinstance(doc, dict) or doc.get("app_key") != self.app_key:
            return None
        known = set(TokenSet.__dataclass_fields__)
        return TokenSet(**{k: v for k, v in (doc.get("tokens") or {}).items() if k in known})

    def save(self, tokens: TokenSet) -> None:
        """Write atomically with mode 0600 (never readable by other users, even briefly)."""
        doc = {"format": FORMAT_VERSION, "app_key": self.app_key, "tokens": asdict(tokens)}
        directory = self.path.parent
        self._ensure_directory()
        try:
            fd, tmp = tempfile.mkstemp(prefix=".tokens-", dir=directory)
        except OSError as exc:
            raise ConfigError("token_store_path",
                              f"cannot write the token file: {exc.strerror}") from None
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(doc, handle, indent=1, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
