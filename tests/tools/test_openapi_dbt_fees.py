"""The dbt project's fee and tax columns (transform/macros/fee_columns.sql) are the
OpenAPI shapes' fee_tax_breakdown fields, and the tap's streams have each as a column."""

from __future__ import annotations

import json
from pathlib import Path

from tools.openapi import dbt_fees

SCHEMAS = Path(__file__).resolve().parents[2] / "tap_tiktokshop" / "schemas"


def test_macro_file_is_up_to_date() -> None:
    assert dbt_fees.MACRO_FILE.read_text() == dbt_fees.render()


def test_every_fee_column_is_a_column_of_the_stream_with_its_number() -> None:
    streams = {"statement_transaction": "statement_transactions",
               "unsettled_transaction": "unsettled_transactions"}
    for name, (method, path) in dbt_fees.SOURCES:
        columns = dbt_fees.breakdown_columns(method, path)
        assert columns["fee"] and columns["tax"], name
        assert "platform_commission_amount" in columns["fee"]
        properties = json.loads((SCHEMAS / f"{streams[name]}.json").read_text())["properties"]
        for column in columns["fee"] + columns["tax"]:
            assert column in properties and f"{column}_value" in properties, (name, column)


def test_check_mode_reports_a_stale_file(tmp_path: Path, monkeypatch) -> None:
    stale = tmp_path / "fee_columns.sql"
    stale.write_text("{# old #}\n")
    monkeypatch.setattr(dbt_fees, "MACRO_FILE", stale)
    monkeypatch.setattr(dbt_fees, "REPO_ROOT", tmp_path)
    assert dbt_fees.main(["--check"]) == 1
    assert dbt_fees.main([]) == 0
    assert dbt_fees.main(["--check"]) == 0
