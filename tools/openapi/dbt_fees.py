"""Write the dbt project's fee and tax column lists from the OpenAPI shapes.

Usage (from the repository root)::

    .venv/bin/python -m tools.openapi.dbt_fees [--check]

The fees TikTok charges on a settled order are the fields of ``fee_tax_breakdown.fee``
(taxes on them: ``fee_tax_breakdown.tax``) of Get Transactions by Statement (202501), and
the estimates of an unsettled order those of Get Unsettled Transactions (202507). The tap
flattens them into columns of the same names; the dbt models unpivot those columns into
one row per fee type (``transform/macros/fee_columns.sql``, written here).
``--check`` writes nothing and exits 1 when the file differs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tools.openapi import response_schema

REPO_ROOT = Path(__file__).resolve().parents[2]
MACRO_FILE = REPO_ROOT / "transform" / "macros" / "fee_columns.sql"
#: (macro name, endpoint) for each list of columns.
SOURCES = (
    ("statement_transaction", ("GET", "/finance/202501/statements/{statement_id}/"
                                      "statement_transactions")),
    ("unsettled_transaction", ("GET", "/finance/202507/orders/unsettled")),
)


def _find(schema: Any, key: str) -> dict[str, Any] | None:
    """The first sub-schema named ``key`` (depth first)."""
    if isinstance(schema, dict):
        for name, value in schema.items():
            if name == key and isinstance(value, dict):
                return value
            found = _find(value, key)
            if found is not None:
                return found
    elif isinstance(schema, list):
        for value in schema:
            found = _find(value, key)
            if found is not None:
                return found
    return None


def breakdown_columns(method: str, path: str) -> dict[str, list[str]]:
    """``{"fee": [...], "tax": [...]}``: the money fields of the endpoint's
    ``fee_tax_breakdown``, sorted."""
    breakdown = _find(response_schema(method, path), "fee_tax_breakdown")
    if breakdown is None:
        raise KeyError(f"{method} {path}: no fee_tax_breakdown in the response")
    properties = breakdown["properties"]
    return {group: sorted(properties[group]["properties"]) for group in ("fee", "tax")}


def render() -> str:
    """The macro file's text."""
    lines = ["{#- Written by `python -m tools.openapi.dbt_fees` from the OpenAPI shapes: do not",
             "    edit. The fee and tax columns of a transaction, as {column: group}. -#}"]
    for name, (method, path) in SOURCES:
        columns = breakdown_columns(method, path)
        pairs = [f"'{column}': '{group}'" for group in ("fee", "tax")
                 for column in columns[group]]
        body = ",\n    ".join(pairs)
        lines += ["", f"{{% macro {name}_fee_columns() -%}}",
                  f"  {{{{ return({{\n    {body}\n  }}) }}}}", "{%- endmacro %}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = MACRO_FILE.read_text() if MACRO_FILE.exists() else ""
        if current != text:
            print(f"{MACRO_FILE.relative_to(REPO_ROOT)} is out of date: "
                  "run python -m tools.openapi.dbt_fees", file=sys.stderr)
            return 1
        return 0
    MACRO_FILE.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
