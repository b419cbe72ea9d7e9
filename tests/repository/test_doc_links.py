"""Relative links in the README, ARCHITECTURE.md and docs/ point at files that exist, and
links into docs/ name a heading the file has."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"\]\((?!https?://|mailto:|#)([^)\s]+)\)")


def anchors(path: Path) -> set[str]:
    """The heading anchors the code host makes for a Markdown file."""
    out = set()
    for heading in re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), flags=re.M):
        out.add(re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-"))
    return out


def test_relative_links_resolve() -> None:
    documents = [ROOT / "README.md", ROOT / "ARCHITECTURE.md",
                 *sorted((ROOT / "docs").glob("*.md"))]
    broken = []
    for document in documents:
        for target in LINK.findall(document.read_text(encoding="utf-8")):
            path, _, anchor = target.partition("#")
            resolved = (document.parent / path).resolve()
            if not resolved.exists():
                broken.append(f"{document.name}: {target}")
            elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
                broken.append(f"{document.name}: {target} (no such heading)")
    assert broken == []
