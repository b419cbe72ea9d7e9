"""Notice when TikTok's answers drift from the stream schemas (TikTok adds fields monthly).

Unknown fields never fail a sync. Each one is logged once per stream and run: unknown
top-level fields are removed (a typed destination has no column for them; the log says so),
unknown nested fields are kept inside their parent object. Missing optional fields need
nothing: every non-key property is nullable. Checking every record would cost CPU on large
syncs, so the first records of a stream and then one in ``SAMPLE_EVERY`` are checked.
"""

from __future__ import annotations

import logging
from typing import Any

FIRST_CHECKED = 200
SAMPLE_EVERY = 50

Tree = dict[str, "Tree | None"]


def schema_tree(schema: dict[str, Any]) -> Tree | None:
    """Known property names per object level (arrays are looked through)."""
    if "items" in schema and isinstance(schema["items"], dict):
        return schema_tree(schema["items"])
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not properties:
        return None  # an open object: anything goes
    return {name: schema_tree(sub) if isinstance(sub, dict) else None
            for name, sub in properties.items()}


class DriftReporter:
    """Per-stream detector; call :meth:`check` on each record before it is written."""

    def __init__(self, stream: str, schema: dict[str, Any], logger: logging.Logger) -> None:
        self.stream = stream
        self.tree = schema_tree(schema) or {}
        self.logger = logger
        self.reported: set[str] = set()
        self.seen = 0

    def check(self, record: dict[str, Any]) -> dict[str, Any]:
        """Report unknown fields (once each); drop unknown top-level ones. Returns the record."""
        self.seen += 1
        if not record.keys() <= self.tree.keys():  # (a set comparison in C: cheap)
            for key in [k for k in record if k not in self.tree]:
                record.pop(key)
                self._report(key, "top-level: not loaded; upgrade the connector to load it")
        if self.seen <= FIRST_CHECKED or self.seen % SAMPLE_EVERY == 0:
            for key, value in record.items():
                subtree = self.tree.get(key)
                if subtree is not None:
                    self._walk(value, subtree, key)
        return record

    def _walk(self, value: Any, tree: Tree, path: str) -> None:
        if isinstance(value, list):
            for item in value:
                self._walk(item, tree, path + "[]")
        elif isinstance(value, dict):
            for key, item in value.items():
                if key not in tree:
                    self._report(f"{path}.{key}", "nested: kept inside its parent object")
                    continue
                subtree = tree[key]
                if subtree is not None and isinstance(item, dict | list):
                    self._walk(item, subtree, f"{path}.{key}")

    def _report(self, path: str, what: str) -> None:
        if path not in self.reported:
            self.reported.add(path)
            self.logger.warning("Stream '%s': TikTok sent field '%s', which is not in the "
                                "schema (%s)", self.stream, path, what)
