"""Amounts of money as exact numbers: ``<name>_value`` next to TikTok's decimal strings.

TikTok sends money as decimal strings (``"19.99"``). The stream schemas (built by
``tools/openapi/stream_schemas.py``) give every top-level amount a sibling
``<name>_value`` typed ``["number", "null"]``; the rule that picks the amounts lives
there, and the tap finds the pairs in the schema alone (:func:`money_plan`), so a new
stream gets its values with no code. An amount is either a string property or a money
object holding one amount string and its ``currency`` (``{"value": "100", "currency":
"GBP"}``).

Values are :class:`decimal.Decimal`, and the tap's message writer (msgspec,
``decimal_format="number"``) writes a Decimal as a JSON number with exactly its digits:
``"0.10"`` becomes ``0.10``, never a float's ``0.1000000000000000055...``. An empty,
malformed, infinite or absurdly long amount gives null, never an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

#: The sibling's suffix (the same in ``tools/openapi/stream_schemas.py``).
VALUE_SUFFIX = "_value"
#: An amount's text is at most this long, and its magnitude within 10**±MAX_EXPONENT
#: (a database's NUMERIC type takes it; anything else is not money: null).
MAX_TEXT = 64
MAX_EXPONENT = 38

#: ``(amount field, sibling field, key of the amount in a money object or "")``
Pair = tuple[str, str, str]
#: Amount texts already converted, and their values: amounts repeat (``"0.00"``, the same
#: prices and fees), and a lookup costs a fraction of a conversion. Emptied when full.
_VALUES: dict[str, Decimal | None] = {}
_VALUES_LIMIT = 10_000
_SHAPES_LIMIT = 1_024
_UNSEEN = object()


class Plan(tuple[Pair, ...]):
    """The amount/sibling pairs of a stream schema, in schema order.

    A schema may know many amounts (every version's fields) while a record holds a few:
    ``held_by`` gives the pairs whose amount a record holds, worked out once per record
    shape (its keys, in order: the records of one stream come in a few shapes).
    """

    _shapes: dict[tuple[str, ...], tuple[Pair, ...]]

    def __new__(cls, pairs: Iterable[Pair] = ()) -> Plan:
        plan = super().__new__(cls, pairs)
        plan._shapes = {}
        return plan

    def held_by(self, row: dict[str, Any]) -> tuple[Pair, ...]:
        """The pairs whose amount field ``row`` has (in plan order)."""
        shape = tuple(row)
        held = self._shapes.get(shape)
        if held is None:
            held = tuple(pair for pair in self if pair[0] in row)
            if len(self._shapes) >= _SHAPES_LIMIT:
                self._shapes.clear()
            self._shapes[shape] = held
        return held


def to_decimal(value: Any) -> Decimal | None:
    """TikTok's decimal string as an exact Decimal; None when it is not a usable amount."""
    if value.__class__ is not str or len(value) > MAX_TEXT:
        return None
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or not -MAX_EXPONENT <= number.adjusted() <= MAX_EXPONENT:
        return None
    return number


def _types(schema: Any) -> set[str]:
    kind = schema.get("type") if isinstance(schema, Mapping) else None
    if isinstance(kind, str):
        return {kind}
    return set(kind) if isinstance(kind, list) else set()


def money_plan(schema: Mapping[str, Any]) -> Plan:
    """The amount/sibling pairs of a stream schema (computed once per stream).

    A property ``<name>_value`` typed number whose ``<name>`` is a string, or a money
    object (``currency`` plus one string), is the value of ``<name>``.
    """
    properties = schema.get("properties") or {}
    plan = []
    for sibling, sub in properties.items():
        if not sibling.endswith(VALUE_SUFFIX) or _types(sub) - {"null"} != {"number"}:
            continue
        name = sibling[: -len(VALUE_SUFFIX)]
        base = properties.get(name)
        if base is None:
            continue
        if "string" in _types(base):
            plan.append((name, sibling, ""))
            continue
        inner = base.get("properties") or {}
        amounts = [key for key, item in inner.items()
                   if key != "currency" and "string" in _types(item)]
        if "object" in _types(base) and "currency" in inner and len(amounts) == 1:
            plan.append((name, sibling, amounts[0]))
    return Plan(plan)


def add_money_values(row: dict[str, Any], plan: Plan) -> dict[str, Any]:
    """Set the sibling of every amount present in ``row`` (in place): the exact number,
    or null when the amount is not a usable decimal string. An absent or null amount
    gets no sibling (absent and null load the same)."""
    values = _VALUES
    for name, sibling, key in plan.held_by(row):
        value = row[name]
        if value is None:
            continue
        if key:
            value = value.get(key) if value.__class__ is dict else None
        if value.__class__ is not str:
            row[sibling] = None
            continue
        number = values.get(value, _UNSEEN)
        if number is _UNSEEN:
            number = to_decimal(value)
            if len(values) >= _VALUES_LIMIT:
                values.clear()
            values[value] = number
        row[sibling] = number
    return row
