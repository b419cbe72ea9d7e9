"""Faults: 20% of requests answered 429, 500/503 or dropped, under a low rate limit.

The tap's output must equal a clean run's, record for record; the target must apply every
valid update (the final dataset equals a clean run's) and report no false failure.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.reliability_kit import (
    FULL,
    admin,
    canonical_records,
    lines,
    plugin_config,
    product_view,
    read_results,
    record_figures,
    run,
    sandbox,
    signatures,
    tap,
    target_input,
    write_json,
)
from tests.support.secret_scan import APP_SECRET, TOKEN_PREFIX, assert_no_secrets, secrets_of

FAULT_RATE = 0.2
LOW_QPS = 8 if not FULL else 4  # sandbox limit per app, shop and endpoint (tap)
TARGET_QPS = 5  # the target's calls to one shop are serial: a lower limit to reach it
#: retries of one request; P(9 faults in a row) = 0.2**9 = 5e-7 per request
RETRIES = {"max_retries": 8}


def retried(stats: dict) -> int:
    """Requests the sandbox did not answer with success (each was retried)."""
    return sum(n for outcomes in stats["endpoints"].values()
               for outcome, n in outcomes.items() if outcome != "ok")


def test_tap_output_under_faults_equals_a_clean_run(tmp_path: Path) -> None:
    size = {"shops": 2, "products": 20, "orders": 150} if not FULL else \
        {"shops": 3, "products": 60, "orders": 1500}
    with sandbox(seed=41, rate_limit_qps=0, token_faults=True, **size) as sb:
        config = plugin_config(sb, tmp_path, **RETRIES)
        clean = tap(config, tmp_path)
        assert clean.returncode == 0, clean.stderr[-2000:]
        Path(config["token_store_path"]).unlink()  # the faulty run refreshes (faults too)

        admin(sb, "/sandbox/faults", {"fault_rate": FAULT_RATE})
        admin(sb, "/sandbox/ratelimit", {"rate_limit_qps": LOW_QPS})
        admin(sb, "/sandbox/stats/reset", {})
        faulty = tap(config, tmp_path)
        stats = admin(sb, "/sandbox/stats")
        assert faulty.returncode == 0, faulty.stderr[-2000:]

        assert signatures(faulty.messages) == signatures(clean.messages)
        assert canonical_records(faulty.messages) == canonical_records(clean.messages)
        assert faulty.states()[-1] == clean.states()[-1]
        injected = stats["faults_injected"]
        assert injected["total"] > 0
        assert {"429", "500", "503", "drop"} <= set(injected), injected
        assert stats["endpoints"]["GET /api/v2/token/refresh"].get("ok") == 1
        assert "temporary failure" in faulty.stderr  # retries are logged...
        assert "Traceback" not in faulty.stderr  # ...and never as a failure
        rate_limited = stats["totals"].get("36009002", 0) - injected.get("429", 0)
        record_figures(
            "faults.tap", requests=stats["totals"]["requests"], faults_injected=injected,
            rate_limited_by_sandbox=rate_limited, retried=retried(stats),
            records=sum(clean.counts().values()), records_lost=0, records_differing=0)
        assert_no_secrets({"stdout": faulty.raw, "stderr": faulty.stderr},
                          secrets_of(config, token_stores=[Path(config["token_store_path"])]),
                          prefixes=[TOKEN_PREFIX])


def test_target_applies_every_update_under_faults(tmp_path: Path) -> None:
    size = {"shops": 2, "products": 30 if not FULL else 80, "orders": 0}
    counts = {"inventory": 24, "prices": 12, "products": 8} if not FULL else \
        {"inventory": 40, "prices": 20, "products": 12}
    outcomes = {}
    views = {}
    stats = {}
    with sandbox(seed=42, **size) as clean_sb, \
            sandbox(seed=42, rate_limit_qps=TARGET_QPS, fault_rate=FAULT_RATE,
                    **size) as faulty_sb:
        before = clean_sb.dataset.dump()
        assert product_view(before) == product_view(faulty_sb.dataset.dump())  # same seed
        messages, expected = target_input(before, **counts)
        invalid = sum(reason is not None for reason in expected.values())
        for name, sb in (("clean", clean_sb), ("faulty", faulty_sb)):
            results = tmp_path / f"{name}-results.jsonl"
            config = plugin_config(sb, tmp_path, name, results_path=str(results),
                                   max_failures=invalid, **RETRIES)
            done = run(["target-tiktokshop", "--config",
                        str(write_json(tmp_path / f"{name}.json", config))],
                       stdin=lines(messages))
            assert done.returncode == 0, done.stderr[-3000:]
            assert "Traceback" not in done.stderr
            lines_out = read_results(results)
            assert sorted(line["seq"] for line in lines_out) == sorted(expected)
            outcomes[name] = {line["seq"]: (line["outcome"], line["reason"], line["code"])
                              for line in lines_out}
            views[name] = product_view(sb.dataset.dump())
            stats[name] = admin(sb, "/sandbox/stats")
            assert_no_secrets(
                {"stdout": done.stdout, "stderr": done.stderr,
                 "results": results.read_text(encoding="utf-8")},
                secrets_of(config, token_stores=[Path(config["token_store_path"])]),
                prefixes=[TOKEN_PREFIX, APP_SECRET])

    for seq, reason in expected.items():
        outcome, why, _ = outcomes["faulty"][seq]
        if reason is None:
            assert outcome == "applied", (seq, outcome, why)  # no false failure
        else:
            assert outcome == "failed" and reason in (why or ""), (seq, outcome, why)
    assert outcomes["faulty"] == outcomes["clean"]
    assert views["faulty"] == views["clean"]
    assert views["clean"] != product_view(before)  # the updates did change something
    injected = stats["faulty"]["faults_injected"]
    assert injected["total"] > 0
    valid = len(expected) - sum(r is not None for r in expected.values())
    record_figures(
        "faults.target", records=len(expected), valid_applied=valid, false_failures=0,
        requests=stats["faulty"]["totals"]["requests"], faults_injected=injected,
        retried=retried(stats["faulty"]),
        rate_limited_by_sandbox=stats["faulty"]["totals"].get("36009002", 0)
        - injected.get("429", 0))
