"""The README's table diagram (Mermaid ``erDiagram``) stays true to the tap: every stream
is drawn with its primary key, every drawn column exists in the stream's schema, and every
line is in the syntax the code host's Mermaid renders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tap_tiktokshop.tap import TapTikTokShop

ROOT = Path(__file__).resolve().parents[2]
OFFLINE = {"app_key": "k", "app_secret": "s", "refresh_token": "r",
           "api_base_url": "http://127.0.0.1:9", "auth_base_url": "http://127.0.0.1:9"}
# Mermaid's erDiagram grammar, for the subset the README uses
CARDINALITY_LEFT = r"(?:\|o|\|\||\}o|\}\|)"
CARDINALITY_RIGHT = r"(?:o\||\|\||o\{|\|\{)"
RELATION = re.compile(
    rf'^(?P<left>[A-Za-z_]\w*) {CARDINALITY_LEFT}(?:--|\.\.){CARDINALITY_RIGHT} '
    rf'(?P<right>[A-Za-z_]\w*) : "(?P<column>[A-Za-z_]\w*)"$')
ENTITY_OPEN = re.compile(r"^(?P<name>[A-Za-z_]\w*) \{$")
ATTRIBUTE = re.compile(
    r"^(?P<type>[A-Za-z_]\w*) (?P<name>[A-Za-z_]\w*)(?: (?P<keys>PK|FK|PK, FK))?$")


def diagram_lines() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```mermaid\n(.*?)^```$", text, flags=re.M | re.S)
    assert len(blocks) == 1, "the README has one Mermaid block: the table diagram"
    lines = [line.strip() for line in blocks[0].splitlines() if line.strip()]
    assert lines[0] == "erDiagram"
    return lines[1:]


def parse(lines: list[str]) -> tuple[list[re.Match], dict[str, list[re.Match]]]:
    relations: list[re.Match] = []
    entities: dict[str, list[re.Match]] = {}
    current: str | None = None
    for line in lines:
        if current is not None:
            if line == "}":
                current = None
                continue
            attribute = ATTRIBUTE.match(line)
            assert attribute, f"not a Mermaid attribute line: {line!r}"
            entities[current].append(attribute)
        elif (opened := ENTITY_OPEN.match(line)) is not None:
            current = opened["name"]
            assert current not in entities, f"{current} drawn twice"
            entities[current] = []
        else:
            relation = RELATION.match(line)
            assert relation, f"not a Mermaid relationship line: {line!r}"
            relations.append(relation)
    assert current is None, "an entity block is not closed"
    return relations, entities


@pytest.fixture(scope="module")
def streams() -> dict:
    return TapTikTokShop(config=OFFLINE, parse_env_config=False).streams


def test_every_stream_is_drawn_with_its_primary_key(streams: dict) -> None:
    _, entities = parse(diagram_lines())
    assert set(entities) == set(streams)
    for name, attributes in entities.items():
        drawn_keys = [a["name"] for a in attributes if a["keys"] and "PK" in a["keys"]]
        assert drawn_keys == list(streams[name].primary_keys), name
        properties = streams[name].schema["properties"]
        for attribute in attributes:
            assert attribute["name"] in properties, f"{name}.{attribute['name']}"


def test_every_join_names_a_column_of_the_child_and_connects_drawn_tables(streams: dict) -> None:
    relations, entities = parse(diagram_lines())
    joined = set()
    for relation in relations:
        left, right, column = relation["left"], relation["right"], relation["column"]
        assert left in entities and right in entities, relation.group(0)
        assert column in streams[right].schema["properties"], relation.group(0)
        joined |= {left, right}
    assert joined == set(entities), "every table is joined to another"


def test_the_parser_refuses_what_mermaid_would_not_render() -> None:
    for bad in ('orders ||--o{ order_line_items : order id',
                'orders |--o{ order_line_items : "order_id"',
                'orders ||--o{ order_line_items'):
        with pytest.raises(AssertionError):
            parse([bad])
    with pytest.raises(AssertionError):
        parse(["orders {", "string id PRIMARY", "}"])
