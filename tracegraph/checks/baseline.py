"""Baselines: accept today's findings so a check only fails on new ones.

A finding is matched by code + path + message, never by line, so editing the text above it
does not revive it. Matching counts: a baseline that lists a finding once silences it once.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

from ..errors import InputError
from ..generated import json_head
from ..model import Finding

BaselineKey = tuple[str, str, str]


def baseline_key(finding: Finding) -> BaselineKey:
    """What a baseline remembers of a finding."""
    return (finding.code, finding.path, finding.message)


def dump_baseline(findings: Iterable[Finding]) -> str:
    """The baseline file's text for ``findings`` (sorted, deterministic)."""
    keys = sorted(baseline_key(f) for f in findings)
    data = {
        **json_head(1),
        "tool": "tracegraph",
        "findings": [{"code": c, "path": p, "message": m} for c, p, m in keys],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def load_baseline(text: str, source: str) -> Counter[BaselineKey]:
    """Parse a baseline file; raise InputError naming the file (and line) when it is not one."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}:{exc.lineno}: baseline is not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise InputError(f'{source}: not a tracegraph baseline (expected {{"findings": [...]}})')
    out: Counter[BaselineKey] = Counter()
    for number, item in enumerate(data["findings"], start=1):
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) for k in ("code", "path", "message")
        ):
            raise InputError(
                f"{source}: findings[{number - 1}]: expected code, path and message strings"
            )
        out[(item["code"], item["path"], item["message"])] += 1
    return out


def apply_baseline(
    findings: Iterable[Finding], baseline: Counter[BaselineKey]
) -> tuple[list[Finding], int]:
    """(findings the baseline does not list, how many it silenced)."""
    remaining = Counter(baseline)
    kept: list[Finding] = []
    silenced = 0
    for finding in findings:
        key = baseline_key(finding)
        if remaining[key] > 0:
            remaining[key] -= 1
            silenced += 1
        else:
            kept.append(finding)
    return kept, silenced
