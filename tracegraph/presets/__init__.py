"""Presets: the layouts of well-known design-document conventions, as data.

Each preset is a YAML file in this folder: a ``preset:`` block that says how to recognise the
convention in a tree (the folder it lives in, files that must be there, text its documents
start with) and, below it, ordinary configuration (``types``, ``status_aliases`` ...) whose
globs say ``{folder}`` for the folder the preset was found in. ``detect_presets`` finds them in
a crawled tree (several can match one monorepo, each in its own folder), ``apply_presets``
folds them into a Config under whatever the config file says itself, and ``preset_config_text``
is what ``tracegraph init --preset NAME`` writes.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, replace
from functools import cache
from pathlib import Path
from typing import Any

from ..config import (
    DEFAULT_TYPES,
    Config,
    TypeSpec,
    config_from_mapping,
    ordered_types,
)
from ..errors import ConfigError, UsageError
from ..patterns import glob_prefix, own_glob_regex

#: How much of a document the ``content`` signature looks at, and in how many documents.
CONTENT_BYTES = 4096
CONTENT_SAMPLES = 5
_TYPE_FIELDS = tuple(f.name for f in fields(TypeSpec) if f.name != "name")


@dataclass(frozen=True)
class Preset:
    """One convention: how to recognise it and the configuration it stands for."""

    name: str
    title: str
    folder: str
    folders: tuple[str, ...]
    signature: tuple[str, ...]
    min_files: int
    content: str | None
    settings: Mapping[str, Any]
    text: str

    def config_for(self, base: str) -> Config:
        """The preset's configuration with ``{folder}`` standing for ``base`` (a folder
        relative to the root, "" for the root itself)."""
        prefix = f"{glob_escape(base)}/" if base else ""
        data = _substitute(self.settings, prefix)
        return config_from_mapping(data, f"preset {self.name}")


def preset_fields(preset: Preset) -> tuple[Any, ...]:
    """A preset as plain values, which a stored detection keeps (``api.with_presets``): a
    rerun then reads none of the package's YAML, nor imports PyYAML (10 ms)."""
    return tuple(getattr(preset, f.name) for f in fields(Preset))


def preset_from_fields(values: object) -> Preset | None:
    """The preset ``preset_fields`` gave ``values`` for; None when they are not a preset's."""
    if type(values) is not tuple or len(values) != len(fields(Preset)):
        return None
    name, title, folder, folders, signature, min_files, content, settings, text = values
    texts = (name, title, folder, text)
    if (
        not all(type(t) is str for t in texts)
        or not all(
            type(t) is tuple and all(type(s) is str for s in t) for t in (folders, signature)
        )
        or type(min_files) is not int
        or not (content is None or type(content) is str)
        or type(settings) is not dict
    ):
        return None
    return Preset(name, title, folder, folders, signature, min_files, content, settings, text)


@dataclass(frozen=True)
class Detection:
    """A preset found in a tree, at ``base`` (a folder relative to the root; "" is the root)."""

    preset: Preset
    base: str

    @property
    def where(self) -> str:
        """The folder as shown to users (``keps/``, or ``./`` for the root)."""
        return f"{self.base}/" if self.base else "./"


def glob_escape(path: str) -> str:
    """``path`` as a glob that matches only itself: a detected folder named ``drafts[old]``
    or ``a*b`` stands in the preset's globs, where ``[``, ``*`` and ``?`` are wildcards.

    >>> glob_escape("docs/adr[old]*")
    'docs/adr[[]old][*]'
    """
    return "".join(f"[{c}]" if c in "[*?" else c for c in path)


def _substitute(value: Any, prefix: str) -> Any:
    if isinstance(value, str):
        return value.replace("{folder}/", prefix).replace("{folder}", prefix.rstrip("/"))
    if isinstance(value, list):
        return [_substitute(v, prefix) for v in value]
    if isinstance(value, dict):
        return {_substitute(k, prefix): _substitute(v, prefix) for k, v in value.items()}
    return value


#: The shipped presets as parsed data (``write_snapshot``), so that a run reads them without
#: importing PyYAML (8 ms of a cold start, before the parse: most trees need no YAML parser
#: after it, their front matter being flat). An entry serves only a file whose text is
#: exactly the one it was made from; any other file is parsed as YAML.
SNAPSHOT = "shipped.json"


@cache
def all_presets() -> tuple[Preset, ...]:
    """Every preset shipped in the package, in detection order (``order`` in each file)."""
    found: list[tuple[int, Preset]] = []
    snapshot = _snapshot()
    # The package's own files, read beside this module (``importlib.resources`` would import
    # its zip readers, 5 ms of a warm check's start-up, for the same files).
    for entry in Path(__file__).resolve().parent.iterdir():
        if entry.name.endswith(".yaml"):
            text = entry.read_text(encoding="utf-8")
            kept = snapshot.get(entry.name)
            if kept is not None and kept.get("text") == text:
                found.append(_preset(kept["data"], text))
            else:
                found.append(_preset(_parse(text), text))
    return tuple(p for _, p in sorted(found, key=lambda item: (item[0], item[1].name)))


def _snapshot() -> dict[str, Any]:
    import json

    try:
        path = Path(__file__).resolve().parent / SNAPSHOT
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def snapshot_text() -> str:
    """What ``SNAPSHOT`` holds: each shipped file's text and its parsed data, by file name."""
    import json

    folder = Path(__file__).resolve().parent
    entries = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            text = entry.read_text(encoding="utf-8")
            entries[entry.name] = {"text": text, "data": _parse(text)}
    return json.dumps(entries, indent=1, ensure_ascii=False) + "\n"


def write_snapshot() -> None:
    """Rewrite ``SNAPSHOT`` after a preset file was edited (a test says when it is due)."""
    from ..atomic import write_atomic

    write_atomic(Path(__file__).resolve().parent / SNAPSHOT, snapshot_text())


def _parse(text: str) -> dict[str, Any]:
    import yaml

    # The presets are the package's own files: libyaml reads them (0.1 s less per run than
    # the pure-Python loader, which untrusted YAML goes through for its alias guard).
    data: dict[str, Any] = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return data


def _preset(data: dict[str, Any], text: str) -> tuple[int, Preset]:
    data = dict(data)
    head = data.pop("preset")
    preset = Preset(
        name=str(head["name"]),
        title=str(head["title"]),
        folder=str(head.get("folder") or ""),
        folders=tuple(head.get("folders") or ()),
        signature=tuple(head.get("signature") or ()),
        min_files=int(head.get("min_files", 1)),
        content=head.get("content"),
        settings=data,
        text=text,
    )
    return int(head.get("order", 100)), preset


def preset_names() -> tuple[str, ...]:
    """The names ``init --preset`` and ``presets:`` accept."""
    return tuple(p.name for p in all_presets())


def get_preset(name: str) -> Preset:
    """A preset by name (case-insensitive); UsageError listing the names otherwise."""
    for preset in all_presets():
        if preset.name == name.lower():
            return preset
    raise UsageError(f"unknown preset '{name}' (known: {', '.join(preset_names())})")


# --- detection ----------------------------------------------------------------------------------


def detect_presets(
    files: Iterable[str],
    documents: Iterable[str],
    read_head: Callable[[str], str],
    wanted: Iterable[str] = ("auto",),
) -> tuple[Detection, ...]:
    """The presets whose signature the tree shows, each with the folder it applies to.

    ``files`` is every file of the tree, ``documents`` its Markdown documents, ``read_head``
    returns the start of a document (crawl reads; nothing here touches the disk). A folder
    claimed by one preset is not claimed again by a later one (KEP before MADR ...).
    """
    chosen = tuple(wanted)
    if "off" in chosen:
        return ()
    presets = [p for p in all_presets() if "auto" in chosen or p.name in chosen]
    splits = _Splits(list(files))  # in any order: only counts per folder are taken from it
    doc_list = sorted(documents)
    found: list[Detection] = []
    claimed: list[str] = []
    matched: dict[str, dict[str, int]] = {}  # presets share signatures: match once
    for preset in presets:
        for base in _candidate_bases(preset, splits, matched):
            if any(_inside(base, other) or _inside(other, base) for other in claimed):
                continue
            if preset.content and not _content_matches(preset, base, doc_list, read_head):
                continue
            found.append(Detection(preset, base))
            claimed.append(base)
    return tuple(sorted(found, key=lambda d: (d.base, d.preset.name)))


def _inside(path: str, folder: str) -> bool:
    return folder == "" or path == folder or path.startswith(folder + "/")


class _Splits:
    """The tree's files split once per detection and shared by the signatures' globs: their
    names by folder, and for globs of several parts, the files split at each depth."""

    def __init__(self, files: list[str]) -> None:
        self.files = files
        self._names: dict[str, list[str]] | None = None
        self._tails: dict[int, list[tuple[str, str, str]]] = {}

    def names(self) -> dict[str, list[str]]:
        """Each folder ("" at the top) with the names of its files."""
        if self._names is None:
            self._names = {}
            for path in self.files:
                head, _, name = path.rpartition("/")
                names = self._names.get(head)
                if names is None:
                    self._names[head] = [name]
                else:
                    names.append(name)
        return self._names

    def tails(self, depth: int) -> list[tuple[str, str, str]]:
        """``_split_tails`` of every file at ``depth``."""
        rows = self._tails.get(depth)
        if rows is None:
            rows = self._tails[depth] = _split_tails(self.files, depth)
        return rows


def _candidate_bases(
    preset: Preset, splits: _Splits, matched: dict[str, dict[str, int]]
) -> list[str]:
    """Folders under which at least ``min_files`` files match the signature globs
    (``matched``: how many files each glob matches per folder, shared by the presets of one
    detection: five presets share one glob, and a folder is counted once, not per file)."""
    counts: dict[str, int] = {}
    for glob in preset.signature:
        per_base = matched.get(glob)
        if per_base is None:
            per_base = matched[glob] = _glob_counts(glob, splits)
        for base, hits in per_base.items():
            if preset.folders and base.rpartition("/")[2] not in preset.folders:
                continue
            counts[base] = counts.get(base, 0) + hits
    return sorted(base for base, count in counts.items() if count >= preset.min_files)


def _glob_counts(glob: str, splits: _Splits) -> dict[str, int]:
    """How many files each folder holds whose last ``glob.count("/") + 1`` parts match
    ``glob``.

    A glob of one part is matched against each folder's names at once (``filter``: no loop
    of Python per file, and this runs for every file of the tree for each signature). A glob
    of several parts is tried only on the files whose name its last part matches (its
    wildcards never match a ``/``, so every file it matches is among them): the signature
    ``*/*/kep.yaml`` no longer splits every path of a tree without a KEP."""
    match = own_glob_regex(glob).match
    depth = glob.count("/") + 1
    counts: dict[str, int] = {}
    if depth == 1:
        for head, names in splits.names().items():
            hits = len(list(filter(match, names)))
            if hits:
                counts[head] = hits
        return counts
    if "**" not in glob:
        named = own_glob_regex(glob.rpartition("/")[2]).match
        files = [
            f"{head}/{name}" if head else name
            for head, names in splits.names().items()
            for name in filter(named, names)
        ]
        rows = _split_tails(files, depth)
    else:
        rows = splits.tails(depth)
    for head, tail, _path in rows:
        if match(tail):
            counts[head] = counts.get(head, 0) + 1
    return counts


def _split_tails(files: list[str], depth: int) -> list[tuple[str, str, str]]:
    """(folder, last ``depth`` parts, path) of each file with at least ``depth`` parts."""
    if depth == 1:  # every file: its folder and name (the folder "" at the top)
        return [(head, name, path) for path in files for head, _, name in (path.rpartition("/"),)]
    rows = []
    for path in files:
        parts = path.rsplit("/", depth)
        if len(parts) > depth:
            rows.append((parts[0], path[len(parts[0]) + 1 :], path))
        elif len(parts) == depth:
            rows.append(("", path, path))
    return rows


def _content_matches(
    preset: Preset, base: str, documents: list[str], read_head: Callable[[str], str]
) -> bool:
    """Whether one of the first documents the preset's types would claim under ``base``
    starts with text its ``content`` regex finds."""
    config = preset.config_for(base)
    paths = [g for spec in config.types for g in spec.paths]
    globs = [own_glob_regex(g) for g in paths]
    found: set[str] = set()
    for start in {glob_prefix(g) for g in paths}:
        # ``documents`` is sorted: the paths that start with a glob's literal text are one run,
        # and the first samples of all runs are among the first few of each.
        at, taken = bisect_left(documents, start), 0
        while at < len(documents) and taken < CONTENT_SAMPLES:
            path = documents[at]
            if not path.startswith(start):
                break
            if any(g.match(path) for g in globs):
                found.add(path)
                taken += 1
            at += 1
    sample = sorted(found)[:CONTENT_SAMPLES]
    content = re.compile(preset.content or "", re.MULTILINE)
    return any(content.search(read_head(path)[:CONTENT_BYTES]) for path in sample)


# --- applying -----------------------------------------------------------------------------------


def apply_presets(config: Config, detections: Iterable[Detection]) -> Config:
    """``config`` with each detected preset folded in: the preset's settings fill what the
    config file did not set itself (``config.explicit``).

    A type the preset brings (KEP, EIP) is configured by it. A type that exists without it
    (the built-in RFC and ADR, or one an earlier preset configured) keeps its settings, and
    the preset's hold only for the documents its ``paths`` claim (``Config.scoped``): Rust
    RFCs in ``text/`` and a team's RFCs in ``docs/rfcs/`` each keep their own lifecycle, and
    MADR and Nygard logs in one monorepo each their own statuses and sections."""
    specs = {spec.name: spec for spec in config.types}
    shared = {spec.name for spec in DEFAULT_TYPES}  # types that exist without any preset
    scoped = list(config.scoped)
    aliases = dict(config.status_aliases)
    relations = dict(config.relations)
    applied: list[tuple[str, str]] = []
    ignores = dict(config.rules.per_path_ignores)  # the config file's own globs win
    for detection in detections:
        preset_config = detection.preset.config_for(detection.base)
        wanted = preset_config.explicit - config.explicit
        for spec in preset_config.types:
            changes = {f: getattr(spec, f) for f in _TYPE_FIELDS if f"{spec.name}.{f}" in wanted}
            if not changes:
                continue
            current = specs.get(spec.name, TypeSpec(name=spec.name))
            if spec.name in shared:
                # IDs keep the type's one spelling (RFC-0001) wherever they are written.
                changes.pop("id_width", None)
                scoped.append(replace(current, **changes))
            else:
                specs[spec.name] = replace(current, **changes)
                shared.add(spec.name)
        for key, value in preset_config.status_aliases.items():
            if f"status_aliases.{key}" in wanted:
                aliases[key] = value
        for key, relation in preset_config.relations.items():
            if f"relations.{key}" in wanted:
                relations[key] = relation
        for glob, codes in preset_config.rules.per_path_ignores.items():
            ignores.setdefault(glob, codes)
        applied.append((detection.preset.name, detection.base))
    return replace(
        config,
        types=ordered_types(specs),
        scoped=tuple(scoped),
        status_aliases=aliases,
        relations=relations,
        rules=replace(config.rules, per_path_ignores=ignores),
        applied_presets=tuple(applied),
    )


# --- init ---------------------------------------------------------------------------------------

_HEAD_BLOCK = re.compile(r"^preset:\n(?:[ \t]+.*\n|[ \t]*\n)*", re.MULTILINE)


def preset_config_text(name: str, base: str | None = None) -> str:
    """The explicit, commented configuration a preset stands for (``tracegraph init --preset``):
    the preset file without its ``preset:`` block, ``{folder}`` filled in, and ``presets: off``
    so that the file alone says how documents are recognised."""
    import yaml

    preset = get_preset(name)
    folder = preset.folder if base is None else base
    prefix = f"{folder}/" if folder else ""
    body = _HEAD_BLOCK.sub("", preset.text, count=1)
    body = body.replace("{folder}/", prefix).replace("{folder}", prefix.rstrip("/"))
    header = (
        f"# tracegraph configuration: the {preset.title} preset, written out by\n"
        f'# `tracegraph init --preset {preset.name}`. Edit freely; README.md "Presets" explains\n'
        "# each key. Every key is optional: what is not set keeps tracegraph's default.\n\n"
        "# Presets are not detected again: this file says how documents are recognised.\n"
        "presets: off\n\n"
    )
    text = header + body.lstrip("\n")
    try:
        config_from_mapping(yaml.safe_load(text), f"preset {preset.name}")
    except ConfigError as exc:  # pragma: no cover - the preset files are tested
        raise UsageError(f"preset {preset.name} cannot be written out: {exc}") from None
    return text
