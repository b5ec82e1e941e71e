"""Small TDDs written from the TDD template (tracegraph/templates/tdd.md), for the architecture
tests: the header fields, System Architecture with its components, API Design and Data Model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Part:
    """A component: name and its four fields as the template writes them."""

    name: str
    technology: str = "Python 3.12"
    interfaces: str = "Internal only."
    dependencies: str = "None."
    responsibility: str = "Does its one job."


def tdd(
    title: str,
    status: str = "Approved",
    *,
    components: Sequence[Part] = (),
    endpoints: Sequence[str] = (),
    modified_endpoints: Sequence[str] = (),
    tables: Sequence[str] = (),
    modified_tables: Sequence[str] = (),
    related: str = "",
    supersedes: str = "",
    created: str = "2026-01-05",
) -> str:
    """A TDD in the template's shape; ``endpoints`` are ``METHOD /path`` headings,
    ``modified_endpoints`` list items, ``tables`` ``**Table: `x`**`` labels with their SQL;
    ``supersedes`` an ID the document supersedes (a lead phrase)."""
    lines = [
        f"# Technical Design Document (TDD): {title}",
        "",
        f"**Status:** {status}",
        "**Author:** Ada Lovelace",
        f"**Created:** {created}",
        f"**Last Updated:** {created}",
        "",
        "**Related Documents:**",
        f"- RFC: {related or 'none'}",
        "",
        *([f"Supersedes {supersedes}.", ""] if supersedes else []),
        "---",
        "",
        "## Overview",
        "",
        f"{title} in a few words.",
        "",
        "## System Architecture",
        "",
        "### High-Level Design",
        "",
        "```",
        "Client -> API -> Database",
        "```",
        "",
        "### Component Descriptions",
        "",
    ]
    for number, part in enumerate(components, start=1):
        lines += [
            f"#### Component {number}: {part.name}",
            f"**Responsibility:** {part.responsibility}",
            f"**Technology:** {part.technology}",
            f"**Interfaces:** {part.interfaces}",
            f"**Dependencies:** {part.dependencies}",
            "",
        ]
    lines += ["---", "", "## API Design", "", "### New Endpoints", ""]
    for endpoint in endpoints:
        lines += [
            f"#### {endpoint}",
            f"**Description:** Handles {endpoint}.",
            "",
            "**Request:**",
            "```json",
            '{"field1": "string"}',
            "```",
            "",
        ]
    lines += ["### Modified Endpoints", ""]
    lines += [f"- `{e}`: gains a field." for e in modified_endpoints] or ["None."]
    lines += ["", "### Breaking Changes", "", "None.", "", "---", "", "## Data Model", ""]
    lines += ["### Database Schema", "", "#### New Tables", ""]
    for table in tables:
        lines += [
            f"**Table: `{table}`**",
            "```sql",
            f"CREATE TABLE {table} (",
            "  id UUID PRIMARY KEY",
            ");",
            "```",
            "",
        ]
    lines += ["#### Modified Tables", ""]
    for table in modified_tables:
        lines += ["```sql", f"ALTER TABLE {table} ADD COLUMN note TEXT;", "```", ""]
    if not modified_tables:
        lines += ["None.", ""]
    lines += ["## Security Considerations", "", "Standard.", ""]
    return "\n".join(lines)
