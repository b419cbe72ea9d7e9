"""Secrets: nothing any program writes contains the app secret, a token or an auth code.

One end-to-end flow with distinctive secrets and DEBUG logging: ``tiktokshop-auth
exchange`` (auth codes from ``POST /sandbox/auth_code``, one on the command line and one on
stdin), ``tiktokshop-auth shops`` and ``link``, ``tap-tiktokshop --discover``, a tap sync
that outlives its 2-second access tokens (rotations happen mid-run), the target, and the
error paths of a revoked authorization. Every stdout, stderr, catalog, state and results
file is scanned for every secret value seen (including each rotated token read from the
token store after each step) and for the sandbox's token prefix, which every token and
auth code starts with. The token store must hold tokens: it is checked to be mode 0600 and
free of the app secret instead. Then the redaction layer itself: log records from loggers
and handlers created after it was installed, tracebacks, and exception texts.
"""

from __future__ import annotations

import io
import json
import logging
import threading
from pathlib import Path
from typing import Any

from tests.support.reliability_kit import (
    admin,
    lines,
    record_figures,
    run,
    sandbox,
    target_input,
    write_json,
)
from tests.support.secret_scan import (
    APP_SECRET,
    TOKEN_PREFIX,
    assert_no_secrets,
    assert_private_token_store,
    read_texts,
)
from tiktokshop.auth.tokens import TokenManager
from tiktokshop.connection import load_settings
from tiktokshop.errors import RetryableAPIError
from tiktokshop.redact import Redactor, install_log_redaction

DEBUG = {"LOGLEVEL": "DEBUG"}


def test_no_secret_in_anything_the_programs_write(tmp_path: Path) -> None:
    outputs: dict[str, str] = {}
    secrets: set[str] = {APP_SECRET}

    def keep(name: str, done: Any) -> Any:
        outputs[f"{name} stdout"] = done.stdout
        outputs[f"{name} stderr"] = done.stderr
        return done

    with sandbox(seed=59, shops=2, products=10, orders=40, token_ttl=2, latency_ms=20,
                 refresh_rotation="strict") as sb:
        store = tmp_path / "tokens" / "store.json"

        def remember_store() -> None:
            tokens = json.loads(store.read_text())["tokens"]
            secrets.update({tokens["access_token"], tokens["refresh_token"]})

        base = {k: v for k, v in sb.config().items() if k != "refresh_token"}
        secrets.add(sb.config()["refresh_token"])
        config = {**base, "token_store_path": str(store), "retry_backoff_seconds": 0.02}
        config_path = write_json(tmp_path / "config.json", config)

        code = admin(sb, "/sandbox/auth_code", {})["auth_code"]
        assert code.startswith(TOKEN_PREFIX)
        secrets.add(code)
        done = keep("auth exchange", run(["tiktokshop-auth", "exchange", "--config",
                                          str(config_path), "--code", code], env=DEBUG))
        assert done.returncode == 0, done.stderr
        assert "Authorized seller" in done.stdout
        assert_private_token_store(store, APP_SECRET)
        remember_store()
        second = admin(sb, "/sandbox/auth_code", {})["auth_code"]
        secrets.add(second)
        done = keep("auth exchange stdin", run(["tiktokshop-auth", "exchange", "--config",
                                                str(config_path), "--code", "-"],
                                               stdin=second + "\n", env=DEBUG))
        assert done.returncode == 0, done.stderr
        remember_store()
        reused = keep("auth exchange reused code", run(
            ["tiktokshop-auth", "exchange", "--config", str(config_path), "--code", code]))
        assert reused.returncode == 1 and "auth codes are single-use" in reused.stderr
        assert keep("auth shops", run(["tiktokshop-auth", "shops", "--config",
                                       str(config_path)])).returncode == 0
        remember_store()
        link = keep("auth link", run(["tiktokshop-auth", "link", "--config", str(config_path),
                                      "--state", "xyz"]))
        assert link.returncode == 0 and "/open/authorize?service_id=" in link.stdout

        discover = keep("tap discover", run(["tap-tiktokshop", "--config", str(config_path),
                                             "--discover"], env=DEBUG))
        assert discover.returncode == 0, discover.stderr[-2000:]
        catalog = write_json(tmp_path / "catalog.json", json.loads(discover.stdout))
        sync = keep("tap sync", run(["tap-tiktokshop", "--config", str(config_path),
                                     "--catalog", str(catalog)], env=DEBUG))
        assert sync.returncode == 0, sync.stderr[-2000:]
        assert sync.stderr.count("Refreshed the access token") >= 1  # rotated in this run
        states = [json.loads(line)["value"] for line in sync.stdout.split("\n")
                  if line.startswith('{"type":"STATE"')]
        state = write_json(tmp_path / "state.json", states[-1])
        remember_store()

        messages, _ = target_input(sb.dataset.dump(), inventory=6, prices=3, products=2)
        results = tmp_path / "out" / "results.jsonl"
        target_config = write_json(tmp_path / "target.json", {
            **config, "results_path": str(results), "max_failures": 10})
        target = keep("target", run(["target-tiktokshop", "--config", str(target_config)],
                                    stdin=lines(messages), env=DEBUG))
        assert target.returncode == 0, target.stderr[-2000:]
        changes, _ = target_input(sb.dataset.dump(), inventory=0, prices=3, products=0)
        dry = keep("target dry run", run(["target-tiktokshop", "--config", str(write_json(
            tmp_path / "dry.json", {**config, "results_path": str(tmp_path / "out" / "dry.jsonl"),
                                    "dry_run": True, "max_failures": 10}))],
            stdin=lines(changes), env=DEBUG))
        assert dry.returncode == 0 and "Dry run: would call" in dry.stderr
        remember_store()

        admin(sb, "/sandbox/tokens/revoke", {})
        keep("tap revoked", run(["tap-tiktokshop", "--config", str(config_path)]))
        keep("target revoked", run(["target-tiktokshop", "--config", str(target_config)],
                                   stdin=lines(messages)))
        assert "authorize the shop again" in outputs["tap revoked stderr"]

    files = read_texts(tmp_path, skip=[store, config_path, target_config,
                                       tmp_path / "dry.json"])
    assert str(results) in files and str(catalog) in files and str(state) in files
    scanned = assert_no_secrets({**outputs, **files}, secrets, prefixes=[TOKEN_PREFIX])
    assert_private_token_store(store, APP_SECRET)
    record_figures("secrets", programs_run=len(outputs) // 2, texts_scanned=len(outputs)
                   + len(files), bytes_scanned=scanned, distinct_secret_values=len(secrets),
                   secrets_leaked=0)


def test_redaction_covers_handlers_added_later_and_tracebacks() -> None:
    """``install_log_redaction`` used to filter only the root handlers existing when it was
    called: a handler added afterwards, or a logger that does not propagate, printed
    secrets as they came. It now scrubs every record when it is created."""
    secret = "RLB-LATE-HANDLER-SECRET-42"
    redactor = Redactor([secret])
    install_log_redaction(redactor)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    late = logging.getLogger("rlb.late.non_propagating")
    late.propagate = False
    late.addHandler(handler)
    late.setLevel(logging.DEBUG)
    try:
        late.warning("token is %s", secret)
        late.info(f"inline {secret} and args %s", {"k": secret})
        try:
            raise ValueError(f"failed with {secret} in the message")
        except ValueError:
            late.exception("boom")
    finally:
        late.removeHandler(handler)
    text = stream.getvalue()
    assert secret not in text, text
    assert text.count("***") >= 4
    assert "ValueError: failed with *** in the message" in text


def test_redactor_is_safe_while_tokens_rotate() -> None:
    redactor = Redactor(["RLB-FIRST-SECRET"])
    errors: list[BaseException] = []

    def rotate() -> None:
        for n in range(3000):
            redactor.add(f"RLB-ROTATED-{n:05d}")

    def scrub() -> None:
        try:
            for _ in range(3000):
                redactor.scrub("x RLB-FIRST-SECRET y")
        except BaseException as exc:  # "Set changed size during iteration"
            errors.append(exc)

    threads = [threading.Thread(target=rotate), threading.Thread(target=scrub),
               threading.Thread(target=scrub)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert redactor.scrub("RLB-ROTATED-02999 and RLB-FIRST-SECRET") == "*** and ***"


def test_exception_texts_and_reprs_hold_no_secret(tmp_path: Path) -> None:
    config = {"app_key": "k", "app_secret": APP_SECRET, "refresh_token": TOKEN_PREFIX + "-r1",
              "access_token": TOKEN_PREFIX + "-a1", "auth_code": TOKEN_PREFIX + "-c1",
              "auth_base_url": "http://127.0.0.1:9", "max_retries": 0,
              "token_store_path": str(tmp_path / "t.json")}
    settings = load_settings(config)
    manager = TokenManager(settings)
    texts = [repr(settings), repr(manager.tokens), str(settings.__dict__.keys())]
    try:
        manager.refresh()  # the token host is closed: the URL holds the app secret
    except RetryableAPIError as exc:
        texts += [str(exc), repr(exc), repr(exc.__cause__), repr(exc.__context__)]
    else:
        raise AssertionError("the refresh should have failed")
    assert_no_secrets(texts, [APP_SECRET], prefixes=[TOKEN_PREFIX])
