"""Interruptions: SIGKILL the tap again and again, resume each time from its last STATE;
kill the target mid-stream and run the same input again. Nothing may be lost.

Tap: the union of every run's output equals a clean run's; records emitted twice are
counted, and every record a resumed run emits again has an update time at or after its
bookmark minus ``lookback_seconds`` (records after the killed run's last STATE were
never checkpointed, so they are at or after the bookmark too). Full-table streams
(shops, warehouses) are re-read whole by design and are counted apart.

Target: after SIGTERM (exit 128+15, staged records "not confirmed") and after SIGKILL
(no chance to write anything), the same input run again applies every valid record;
every record has exactly one line per results file, and every record a killed run
reported as applied is in the dataset.
"""

from __future__ import annotations

import io
import json
import signal
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.reliability_kit import (
    BIN,
    BOOKMARK_STREAM,
    FULL,
    TIME_FIELD,
    admin,
    assert_one_error_line,
    bookmarks,
    clean_env,
    expected_signatures,
    lines,
    plugin_config,
    product_view,
    read_results,
    record_figures,
    sandbox,
    signature,
    tap,
    target_input,
    wait_for,
    write_json,
)
from tests.support.secret_scan import TOKEN_PREFIX, assert_no_secrets, secrets_of
from tests.support.singer_io import PRIMARY_KEYS, bounded

LOOKBACK = 600
#: each kill: once the run emitted this many RECORDs of this stream (streams are synced
#: cancellations, orders (+ line items), packages (+ package orders), products (+ SKUs),
#: returns (+ return lines), shops, warehouses; shop by shop; a STATE every 1,000 records
#: and at the end of each shop)
KILL_PLAN = [("cancellations", 150),  # second shop: resumes it from the start
             ("orders", 1050),  # first shop, after its 1,000-record STATE: lookback re-read
             ("orders", 700),  # second shop, before any STATE of it
             ("packages", 400),  # first shop, while details are fetched in parallel
             ("package_orders", 1000),  # second shop, after the first shop's STATE
             ("product_skus", 30),  # while details are fetched in parallel
             ("returns", 60),
             ("return_line_items", 250),  # second shop
             ("warehouses", 1)]  # full-table streams, at the very end
FULL_KILL_PLAN = [("cancellations", 400), ("orders", 1500), ("orders", 2500),
                  ("orders", 3500), ("order_line_items", 5000), ("packages", 1500),
                  ("package_orders", 3000), ("products", 50), ("product_skus", 100),
                  ("returns", 500), ("return_line_items", 400), ("shops", 2),
                  ("warehouses", 2)]
DATASET = {"shops": 2, "products": 25, "orders": 1100}
FULL_DATASET = {"shops": 3, "products": 80, "orders": 3000}


@dataclass
class Attempt:
    """One tap run: what it emitted before it ended or was killed."""

    start_state: dict[str, Any] | None
    messages: list[dict[str, Any]] = field(default_factory=list)
    killed: bool = False
    returncode: int | None = None

    def last_state(self) -> dict[str, Any] | None:
        states = [m["value"] for m in self.messages if m["type"] == "STATE"]
        return states[-1] if states else self.start_state

    def records(self) -> list[tuple[str, dict[str, Any]]]:
        return [(m["stream"], m["record"]) for m in self.messages if m["type"] == "RECORD"]


def sync_until(config_path: Path, state_path: Path | None, start: dict | None,
               kill: tuple[str, int] | None, stderr_path: Path) -> Attempt:
    """Run the tap; SIGKILL it once it emitted ``kill[1]`` RECORDs of stream ``kill[0]``.
    Lines still in the pipe after the kill are discarded (as if the downstream died
    too), so the next run resumes from the last STATE read here."""
    command = [str(BIN / "tap-tiktokshop"), "--config", str(config_path)]
    if state_path is not None:
        command += ["--state", str(state_path)]
    attempt = Attempt(start)
    with stderr_path.open("w") as stderr:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True,
                                env=clean_env())
    with bounded(proc, 300):
        assert proc.stdout is not None
        seen = 0
        for line in proc.stdout:
            if not line.endswith("\n"):
                break  # a torn last line
            message = json.loads(line)
            attempt.messages.append(message)
            if kill and message["type"] == "RECORD" and message["stream"] == kill[0]:
                seen += 1
                if seen >= kill[1]:
                    proc.send_signal(signal.SIGKILL)
                    attempt.killed = True
                    break
        attempt.returncode = proc.wait(60)
    return attempt


def test_tap_killed_repeatedly_resumes_without_loss(tmp_path: Path) -> None:
    plan = FULL_KILL_PLAN if FULL else KILL_PLAN
    with sandbox(seed=43, **(FULL_DATASET if FULL else DATASET)) as sb:
        config = plugin_config(sb, tmp_path, lookback_seconds=LOOKBACK)
        # what a clean run emits (tests/tap proves a clean run emits exactly the dataset)
        expected = expected_signatures(sb.dataset.dump())

        config_path = write_json(tmp_path / "resume-config.json", config)
        attempts: list[Attempt] = []
        state: dict[str, Any] | None = None
        for number, step in enumerate([*plan, None]):
            state_path = write_json(tmp_path / f"state-{number}.json", state) \
                if state is not None else None
            attempt = sync_until(config_path, state_path, state, step,
                                 tmp_path / f"tap-{number}.stderr")
            attempts.append(attempt)
            if step is None:
                assert attempt.returncode == 0, (tmp_path / f"tap-{number}.stderr").read_text()
            else:
                assert attempt.killed, f"run {number} ended before kill point {step}"
                assert attempt.returncode == -signal.SIGKILL
            state = attempt.last_state()
        final = bookmarks(state)  # the final bookmarks are the newest update times
        for stream in ("orders", "products", "returns", "cancellations", "packages"):
            for shop in sb.config()["shop_ids"]:
                times = [key[-1] for key in expected[stream] if key[0] == shop]
                assert final[(stream, shop)] == max(times), (stream, shop)
        sb_shops = sb.config()["shop_ids"]

    union: dict[str, set] = {stream: set() for stream in PRIMARY_KEYS}
    emitted: Counter = Counter()
    seen_before: set[tuple[str, tuple]] = set()
    duplicates: Counter = Counter()
    outside_lookback = []
    tails = 0
    for attempt in attempts:
        marks = bookmarks(attempt.start_state)
        for stream, record in attempt.records():
            key = signature(stream, record)
            union[stream].add(key)
            emitted[stream] += 1
            if (stream, key) in seen_before:
                duplicates[stream] += 1
                parent = BOOKMARK_STREAM.get(stream)
                mark = marks.get((parent, str(record["shop_id"]))) if parent else None
                if mark is not None and record[TIME_FIELD[stream]] < mark - LOOKBACK:
                    outside_lookback.append((stream, key, mark))
        if attempt.killed:
            index = max((i for i, m in enumerate(attempt.messages) if m["type"] == "STATE"),
                        default=-1)
            tails += sum(m["type"] == "RECORD" for m in attempt.messages[index + 1:])
        seen_before |= {(stream, signature(stream, record))
                        for stream, record in attempt.records()}

    lost = {stream: expected[stream] - union[stream] for stream in PRIMARY_KEYS}
    extra = {stream: union[stream] - expected[stream] for stream in PRIMARY_KEYS}
    assert not any(lost.values()), {s: len(v) for s, v in lost.items()}
    assert not any(extra.values()), {s: len(v) for s, v in extra.items()}
    assert not outside_lookback, outside_lookback[:5]
    incremental_dups = sum(n for s, n in duplicates.items() if s in BOOKMARK_STREAM)
    full_table_dups = sum(n for s, n in duplicates.items() if s not in BOOKMARK_STREAM)
    kill_points = [f"{a.records()[-1][0]} shop#{sb_shops.index(a.records()[-1][1]['shop_id'])}"
                   for a in attempts if a.killed]
    record_figures(
        "interruptions.tap", kills_survived=sum(a.killed for a in attempts),
        kill_points=kill_points,
        runs=len(attempts), records_expected=sum(len(v) for v in expected.values()),
        records_emitted=sum(emitted.values()), records_lost=0,
        duplicates_incremental=incremental_dups, duplicates_full_table=full_table_dups,
        duplicates_outside_lookback=0, records_after_last_state_of_killed_runs=tails,
        lookback_seconds=LOOKBACK)
    stderr = "".join(p.read_text() for p in tmp_path.glob("tap-*.stderr"))
    states = json.dumps([a.last_state() for a in attempts])
    assert_no_secrets({"stderr": stderr, "state": states, "stdout": json.dumps(
        [m for a in attempts for m in a.messages])},
        secrets_of(config, token_stores=[Path(config["token_store_path"])]),
        prefixes=[TOKEN_PREFIX])


def _start_target(config_path: Path, stdin_text: str, stderr_path: Path) -> subprocess.Popen:
    with stderr_path.open("w") as stderr:
        proc = subprocess.Popen([str(BIN / "target-tiktokshop"), "--config", str(config_path)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                                text=True, env=clean_env())
    assert proc.stdin is not None
    proc.stdin.write(stdin_text)
    proc.stdin.close()
    return proc


def _check_applied(lines_: list[dict[str, Any]], view: dict[str, Any]) -> int:
    """Every line reported applied (or unchanged) is what the dataset now holds."""
    checked = 0
    for line in lines_:
        if line["outcome"] not in ("applied", "unchanged"):
            continue
        product = view[line["product_id"]]
        value = line["value"]
        if line["stream"] == "inventory":
            sku = product["skus"][line["sku_id"]]
            assert sku["inventory"][line["warehouse_id"]] == value["quantity"], line
        elif line["stream"] == "prices":
            assert product["skus"][line["sku_id"]]["price"] == value["amount"], line
        else:
            for name, wanted in value.items():
                assert product[name] == wanted, line
        checked += 1
    return checked


def test_target_killed_mid_stream_then_rerun_applies_everything(tmp_path: Path) -> None:
    with sandbox(seed=44, shops=2, products=40, orders=0, latency_ms=40) as sb:
        messages, expected = target_input(sb.dataset.dump(), inventory=36, prices=16,
                                          products=8)
        invalid = sum(reason is not None for reason in expected.values())
        text = lines(messages)
        runs: dict[str, list[dict[str, Any]]] = {}
        configs = []
        for name, how in (("sigterm", signal.SIGTERM), ("sigkill", signal.SIGKILL),
                          ("final", None)):
            results = tmp_path / f"{name}-results.jsonl"
            # override_breakers: written batch by batch (not held for the breakers until
            # the end of input), so a kill mid-stream finds some records written
            config = plugin_config(sb, tmp_path, "target", results_path=str(results),
                                   max_failures=invalid, batch_size_rows=6,
                                   override_breakers=True)
            configs.append(config)
            proc = _start_target(write_json(tmp_path / f"{name}.json", config), text,
                                 tmp_path / f"{name}.stderr")
            try:
                if how is not None:  # kill once a few records have their line
                    wait_for(lambda r=results: len(read_results(r)) >= 14, 120,
                             "the first results lines")
                    proc.send_signal(how)
                code = proc.wait(180)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait(10)
            stderr = (tmp_path / f"{name}.stderr").read_text()
            runs[name] = read_results(results)
            seqs = [line["seq"] for line in runs[name]]
            assert len(seqs) == len(set(seqs)), f"{name}: a record has two results lines"
            view = product_view(sb.dataset.dump())
            _check_applied(runs[name], view)
            if how is signal.SIGTERM:
                assert code == 128 + signal.SIGTERM, stderr[-2000:]
                assert "Traceback" not in stderr
                assert stderr.strip().splitlines()[-1].startswith(
                    "target-tiktokshop: error: interrupted by signal 15")
                assert len(runs[name]) < len(expected)  # it stopped mid-stream
                for line in runs[name]:  # the call in flight got its true outcome; records
                    if line["outcome"] == "failed":  # not sent say so
                        assert (line["reason"] or "").startswith(
                            ("not confirmed: the run was interrupted by signal 15",
                             "not attempted: interrupted by signal 15")) or \
                            (expected[line["seq"]] or "-") in line["reason"], line
                raw = results.read_text(encoding="utf-8")
                assert raw.endswith("\n") and len(raw.splitlines()) == len(runs[name])
                assert proc.stdout is not None and "reliability" not in proc.stdout.read()
            elif how is signal.SIGKILL:
                assert code == -signal.SIGKILL
                assert len(runs[name]) < len(expected)  # it really stopped mid-stream
            else:
                assert code == 0, stderr[-3000:]
                assert proc.stdout is not None
                assert json.loads(proc.stdout.read().strip().splitlines()[-1]) == \
                    messages[-1]["value"]  # STATE passed through once everything is applied
            if proc.stdout is not None:
                proc.stdout.close()
        final = runs["final"]
        assert sorted(line["seq"] for line in final) == sorted(expected)
        by_seq = {line["seq"]: line for line in final}
        for seq, reason in expected.items():
            if reason is None:
                assert by_seq[seq]["outcome"] in ("applied", "unchanged"), by_seq[seq]
            else:
                assert by_seq[seq]["outcome"] == "failed" and reason in by_seq[seq]["reason"]
        applied_before = {line["seq"] for name in ("sigterm", "sigkill")
                          for line in runs[name] if line["outcome"] == "applied"}
        assert applied_before  # the killed runs did write something...
        assert all(by_seq[seq]["outcome"] == "unchanged" for seq in applied_before)
        checked = _check_applied(final, product_view(sb.dataset.dump()))
        assert checked == len(expected) - invalid  # ...and the rerun completed the rest
        stats = admin(sb, "/sandbox/stats")
    record_figures(
        "interruptions.target", records=len(expected), kills_survived=2,
        lines_sigterm_run=len(runs["sigterm"]), lines_sigkill_run=len(runs["sigkill"]),
        applied_before_rerun=len(applied_before), records_lost=0,
        write_requests=sum(sum(v.values()) for k, v in stats["endpoints"].items()
                           if k.startswith("POST") and "search" not in k))
    texts = {f"{n}.stderr": (tmp_path / f"{n}.stderr").read_text() for n in runs}
    texts.update({f"{n}-results": json.dumps(v) for n, v in runs.items()})
    assert_no_secrets(texts, secrets_of(*configs), prefixes=[TOKEN_PREFIX])


@pytest.mark.parametrize("unbuffered", [True, False], ids=["PYTHONUNBUFFERED", "buffered"])
def test_tap_resumes_after_sigterm_too(tmp_path: Path, unbuffered: bool) -> None:
    """SIGTERM (what Meltano sends on cancel): the tap stops after the message it is writing
    (no torn line), exits 128+15 with one line and no traceback, and a run resumed from
    the last STATE it wrote completes the data, with stdout buffered or not (with
    PYTHONUNBUFFERED=1 a write cut by the signal returns early with part of a line written;
    ``tests/tap/test_message_writer.py`` provokes that deterministically)."""
    env = {k: v for k, v in clean_env().items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    with sandbox(seed=45, shops=2, products=10, orders=600, latency_ms=1) as sb:
        config = plugin_config(sb, tmp_path)
        config_path = write_json(tmp_path / "c.json", config)
        with (tmp_path / "term.stderr").open("w") as stderr:
            proc = subprocess.Popen([str(BIN / "tap-tiktokshop"), "--config", str(config_path)],
                                    stdout=subprocess.PIPE, stderr=stderr, env=env)
        messages = []
        with bounded(proc, 120):
            assert proc.stdout is not None
            for line in proc.stdout:
                messages.append(json.loads(line))
                if sum(m["type"] == "RECORD" for m in messages) >= 700:
                    proc.send_signal(signal.SIGTERM)
                    break
            rest = proc.stdout.read().decode("utf-8")  # (communicate() skips what is buffered)
            proc.wait(60)
        assert rest == "" or rest.endswith("\n"), rest[-300:]  # no message cut in half
        messages += [json.loads(line) for line in rest.split("\n") if line]
        assert proc.returncode == 128 + signal.SIGTERM
        assert_one_error_line((tmp_path / "term.stderr").read_text(), "tap-tiktokshop",
                              "interrupted by signal 15", "resumes from that STATE")
        states = [m["value"] for m in messages if m["type"] == "STATE"]
        assert states
        resumed = tap(config, tmp_path, state=states[-1])
        assert resumed.returncode == 0, resumed.stderr[-2000:]
        got = {(m["record"]["shop_id"], m["record"]["id"]) for m in messages
               if m["type"] == "RECORD" and m["stream"] == "orders"}
        got |= set(resumed.keys("orders", ["shop_id", "id"]))
        assert got == {(o["shop_id"], o["id"]) for o in sb.dataset.dump()["orders"]}


def test_target_signal_during_a_call_lets_it_finish_and_sends_nothing_more(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM while writes are in flight (simulated in-process, deterministically): the
    calls in flight complete and their records get their true outcome, nothing more is
    sent, the rest of the batch is "not attempted", no STATE, exit status 143. (Raising
    from the handler there, as before, could interrupt a results-file write holding its
    lock and hang the target.)"""
    from target_tiktokshop.run_errors import RunStoppedError
    from target_tiktokshop.target import TargetTikTokShop
    from tiktokshop.transport import TikTokShopClient

    with sandbox(seed=60, shops=1, products=45, orders=0) as sb:
        messages, expected = target_input(sb.dataset.dump(), inventory=30, prices=0,
                                          products=0, invalid=False)
        results = tmp_path / "results.jsonl"
        config = plugin_config(sb, tmp_path, "target", results_path=str(results),
                               batch_size_rows=len(expected))  # one batch
        target = TargetTikTokShop(config=config)
        writes: list[str] = []
        real_call = TikTokShopClient.call

        def call(self: TikTokShopClient, endpoint: Any, **kwargs: Any) -> Any:
            if endpoint.name == "inventory_update":
                writes.append(kwargs["path_params"]["product_id"])
                if len(writes) == 1:
                    target._handle_termination(signal.SIGTERM, None)  # the signal arrives
            return real_call(self, endpoint, **kwargs)

        monkeypatch.setattr(TikTokShopClient, "call", call)
        stdout = io.StringIO()
        monkeypatch.setattr("sys.stdout", stdout)
        with pytest.raises(RunStoppedError) as info:
            target.listen(io.StringIO(lines(messages)))
        monkeypatch.undo()
        view = product_view(sb.dataset.dump())
    assert info.value.exit_code == 128 + signal.SIGTERM
    assert stdout.getvalue() == ""  # no STATE
    lines_ = read_results(results)
    assert sorted(line["seq"] for line in lines_) == sorted(expected)
    applied = [line for line in lines_ if line["outcome"] == "applied"]
    stopped = [line for line in lines_ if line["reason"] ==
               "not attempted: interrupted by signal 15"]
    assert len(applied) + len(stopped) == len(expected)
    assert {line["product_id"] for line in applied} == set(writes)  # sent = reported applied
    assert len(writes) < len(expected) / 2 and stopped  # sending stopped at the signal
    assert _check_applied(applied, view) == len(applied)
