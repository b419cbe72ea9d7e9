"""Prove that no secret leaks: distinctive secret values and a scanner for everything written.

Use distinctive values (``APP_SECRET``, and a sandbox started with
``token_prefix=TOKEN_PREFIX`` so every access token, refresh token and auth code it
issues starts with it), then scan every text a run produced::

    assert_no_secrets({"stdout": out, "stderr": err, "state": state}, secrets_of(config),
                      prefixes=[TOKEN_PREFIX])

``prefixes`` catches tokens the test never saw (rotated inside the process). The token
store legitimately holds tokens: check it with :func:`assert_private_token_store` instead.
Failure messages never print a secret, only its first characters.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

# Distinctive values: nothing a run writes may contain them.
APP_SECRET = "RLB-APPSECRET-5f1e0c9d7b3a"
TOKEN_PREFIX = "RLBTOKSECRET"  # sandbox option token_prefix: every token/auth code starts so
SECRET_SETTINGS = ("app_secret", "access_token", "refresh_token", "auth_code")


def _hint(secret: str) -> str:
    return repr(secret[:6] + "…") if len(secret) > 6 else "a short secret"


def assert_no_secrets(
    texts: Mapping[str, str] | Iterable[str],
    secrets: Iterable[str | None],
    *,
    prefixes: Iterable[str] = (),
) -> int:
    """Fail if any text contains a secret value or a secret prefix; return bytes scanned.

    ``texts`` is ``{name: text}`` (names appear in the failure message) or an iterable
    of texts. Empty secrets are ignored.
    """
    named = dict(texts) if isinstance(texts, Mapping) else {
        f"text #{i}": text for i, text in enumerate(texts)}
    values = [s for s in secrets if s]
    marks = [p for p in prefixes if p]
    scanned = 0
    for name, text in named.items():
        text = text if isinstance(text, str) else json.dumps(text, default=str)
        scanned += len(text)
        for secret in values:
            assert secret not in text, f"secret {_hint(secret)} found in {name}"
        for prefix in marks:
            assert prefix not in text, f"secret prefix {prefix!r} found in {name}"
    return scanned


def secrets_of(*configs: Mapping[str, Any], token_stores: Iterable[Path] = ()) -> list[str]:
    """Every secret value in plugin configs and (rotated) token store files."""
    found: list[str] = []
    for config in configs:
        found += [str(config[k]) for k in SECRET_SETTINGS if config.get(k)]
    for store in token_stores:
        if store.exists():
            tokens = json.loads(store.read_text(encoding="utf-8")).get("tokens") or {}
            found += [tokens[k] for k in ("access_token", "refresh_token") if tokens.get(k)]
    return sorted(set(found))


def read_texts(*paths: Path, skip: Iterable[Path] = ()) -> dict[str, str]:
    """Every file under ``paths`` (files or folders) as ``{path: text}``, minus ``skip``."""
    skipped = {Path(p).resolve() for p in skip}
    out: dict[str, str] = {}
    for root in paths:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            if path.resolve() not in skipped:
                out[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    return out


def assert_private_token_store(path: Path, app_secret: str) -> None:
    """A token store is mode 0600, holds tokens, and never the app secret."""
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, f"{path} is not mode 0600"
    text = path.read_text(encoding="utf-8")
    assert app_secret not in text, f"the app secret is in the token store {path}"
    tokens = json.loads(text)["tokens"]
    assert tokens["access_token"] and tokens["refresh_token"]
