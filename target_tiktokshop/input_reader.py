"""Reading the target's input: Singer messages, each bad line named by its number."""

from __future__ import annotations

import json
import typing as t
from collections.abc import Callable, Iterable, Iterator

from singer_sdk.exceptions import RecordsWithoutSchemaException
from singer_sdk.io_base import SingerReader
from singer_sdk.singerlib.exceptions import InvalidInputLine
from singer_sdk.singerlib.json import deserialize_json

from tiktokshop.errors import TikTokShopError


class InputError(TikTokShopError):
    """The input is not a stream of Singer messages (exit status 2)."""

    exit_code = 2


class RecordBeforeSchemaError(InputError, RecordsWithoutSchemaException):
    """A RECORD of a stream this target does not write came before any SCHEMA."""


class InputReader(SingerReader):
    """Reads Singer messages, naming the input line of any that cannot be read.

    Blank lines are skipped. A line that is not a JSON object, or a message without the
    keys its type requires, stops the run with an :class:`InputError` naming the line;
    ``on_input_error`` lets the target report the staged records first. Unknown message
    types are ignored with one warning each (they carry nothing to write).
    """

    def __init__(self) -> None:
        super().__init__()
        self.line_number = 0
        self.on_input_error: Callable[[InputError], None] | None = None
        self.on_unknown_type: Callable[[str], None] | None = None
        self.on_line: Callable[[], None] | None = None  # called before each message

    def _numbered(self, lines: Iterable[str]) -> Iterator[str]:
        for line in lines:
            self.line_number += 1
            if self.on_line is not None:
                self.on_line()
            if line.strip():
                yield line

    def process_lines(self, file_input: t.IO[str] | None,
                      callbacks: dict[str, Callable[[dict], None]]) -> t.Counter[str]:
        self.line_number = 0
        guarded = {kind: self._guard(callback) for kind, callback in callbacks.items()}
        try:
            return super().process_lines(  # type: ignore[arg-type]
                self._numbered(file_input or self.default_input), guarded)
        except InputError as exc:
            if self.on_input_error is not None:
                self.on_input_error(exc)
            raise

    def _guard(self, callback: Callable[[dict], None]) -> Callable[[dict], None]:
        def guarded(message: dict) -> None:
            try:
                callback(message)
            except InvalidInputLine as exc:
                raise self.error(str(exc)) from None
            except RecordsWithoutSchemaException as exc:
                raise self.error(str(exc), RecordBeforeSchemaError) from None

        return guarded

    def error(self, problem: str, kind: type[InputError] | None = None) -> InputError:
        """An InputError naming the current line."""
        text = " ".join(problem.split())
        text = text if len(text) <= 200 else text[:199] + "…"
        return (kind or InputError)(f"line {self.line_number} of the input is not a valid "
                                    f"Singer message: {text}")

    def deserialize_json(self, line: str) -> dict:
        try:
            message = deserialize_json(line)
        except (json.JSONDecodeError, ValueError) as exc:
            raise self.error(f"not JSON ({getattr(exc, 'msg', exc)})") from None
        if not isinstance(message, dict):
            raise self.error(f"a JSON {type(message).__name__}, not an object")
        return message

    def assert_line_requires(self, line_dict: dict, requires: set[str]) -> None:  # type: ignore[override]
        """The SDK's check of a message's keys (the target's goes through it too)."""
        if not isinstance(line_dict, dict):  # e.g. the "schema" of a SCHEMA message
            raise self.error(f"expected a JSON object, got {type(line_dict).__name__}")
        missing = sorted(requires - set(line_dict))
        if missing:
            raise self.error(f"missing {', '.join(repr(m) for m in missing)}")

    # Private SDK API: see ARCHITECTURE.md, "Private Singer SDK use".
    def _process_unknown_message(self, message_dict: dict) -> None:
        if self.on_unknown_type is not None:
            self.on_unknown_type(str(message_dict.get("type")))


def json_type_name(value: t.Any) -> str:
    """How a results line names the JSON type of a value that should be an object."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return "a number" if isinstance(value, int | float) or type(value).__name__ == "Decimal" \
        else type(value).__name__
