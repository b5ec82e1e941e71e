"""Document templates: which ``##`` sections and header fields a type requires.

A template is an ordinary Markdown file. Every ``##`` heading is a required section unless it
carries ``<!-- optional -->``; ``<!-- or: Decision Outcome -->`` names other headings that satisfy
it. Field lines before the first ``##`` (``**Author:** [Name]``, ``Date: [Date]``) say which
metadata the type requires. The defaults ship in ``tracegraph/templates/``; a type's
``template:`` setting points at a team's own file (relative to the config file's folder,
inside the repository).
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath, PureWindowsPath

from ..config import Config, TypeSpec
from ..crawl import read_document
from ..errors import ConfigError

#: The templates shipped in the package, read as files beside the modules (as the result
#: cache's digest reads the sources): ``importlib.resources`` costs a warm check 5 ms of
#: imports (its zip readers) for the same files.
PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

_H2 = re.compile(r"^ {0,3}##[ \t]+(.*?)[ \t#]*$")
_COMMENT = re.compile(r"<!--(.*?)-->")
_FIELD = re.compile(
    r"^\s{0,3}(?:[-*+]\s+)?(?:\*\*|__)?([A-Za-z][A-Za-z /_-]{1,30}?)\s*(?:\*\*|__)?\s*:"
)

#: Metadata the template rules know, each as the group of keys that satisfy it.
FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    "status": ("status",),
    "author": ("author", "authors", "owner", "owners"),
    "created": ("created", "date"),
}


@dataclass(frozen=True)
class Section:
    """A section a template asks for: its title and the word lists that satisfy it."""

    title: str
    words: tuple[tuple[str, ...], ...]
    optional: bool = False


@dataclass(frozen=True)
class Template:
    """The requirements read from one template file."""

    source: str
    sections: tuple[Section, ...]
    fields: frozenset[str]

    @property
    def required(self) -> tuple[Section, ...]:
        """The sections that must be present."""
        return tuple(s for s in self.sections if not s.optional)


@lru_cache(maxsize=1 << 16)
def slug_words(text: str) -> tuple[str, ...]:
    """The words of a heading for matching: slugged, leading numbers and "and" dropped.

    >>> slug_words("3. Monitoring & Observability"), slug_words("And 2 and-x")
    (('monitoring', 'observability'), ('x',))
    """
    # In C but for the rare "and" (a heading's own words cost 2.7 us in a comprehension
    # with the import, 1,800 new texts at 1,000 documents).
    words = list(filter(None, _slugger()(text).split("-")))
    if "and" in words:
        words = [w for w in words if w != "and"]
    while words and words[0].isdigit():
        del words[0]
    return tuple(words)


@lru_cache(maxsize=1)
def _slugger() -> Callable[[str], str]:
    """``github_slug``, imported on first use (the parser is not imported until it is used)."""
    from ..parse.slugs import github_slug

    return github_slug


def parse_template(text: str, source: str) -> Template:
    """Read the required sections and header fields of a template."""
    sections: list[Section] = []
    fields: set[str] = set()
    in_fence = False
    seen_h2 = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        match = _H2.match(line)
        if match:
            seen_h2 = True
            raw = match.group(1)
            notes = " ".join(m.strip() for m in _COMMENT.findall(raw)).lower()
            title = _COMMENT.sub("", raw).strip()
            alternatives = [title]
            alt = re.search(r"\bor:\s*(.+)$", notes)
            if alt:
                alternatives += [a.strip() for a in alt.group(1).split(",") if a.strip()]
            words = tuple(w for w in (slug_words(a) for a in alternatives) if w)
            if words:
                sections.append(Section(title, words, optional="optional" in notes))
            if slug_words(title) == ("status",):
                fields.add("status")
            continue
        if not seen_h2:
            field = _FIELD.match(line)
            if field:
                key = re.sub(r"[\s-]+", "_", field.group(1).strip().lower())
                for group, keys in FIELD_GROUPS.items():
                    if key in keys:
                        fields.add(group)
    return Template(source, tuple(sections), frozenset(fields))


def section_present(section: Section, headings: set[tuple[str, ...]], metadata: set[str]) -> bool:
    """Whether a document has a section: a heading starting with the required words, or (for
    one-word sections such as Status) a metadata field of that name."""
    for words in section.words:
        size = len(words)
        if any(h[:size] == words for h in headings):
            return True
        if size == 1 and words[0] in metadata:
            return True
    return False


#: A ``template:`` that names a template shipped in the package (the presets use them).
PACKAGED = "tracegraph:"


def template_key(spec: TypeSpec) -> str:
    """What a type's template is looked up by: its ``template:`` setting, else its name (the
    packaged default); the scoped settings of a type may name another template."""
    return f"file:{spec.template}" if spec.template else f"type:{spec.name}"


def load_templates(config: Config, root: Path) -> dict[str, Template]:
    """The template of each configured type (by ``template_key``): its ``template:`` file
    (``tracegraph:NAME.md`` for one shipped in the package), else the packaged default (PRD,
    RFC, ADR, TDD); types with neither have none."""
    found: dict[str, Template] = {}
    for spec in config.types + config.scoped:
        key = template_key(spec)
        if key not in found:
            template = _load_template(config, root, spec)
            if template is not None:
                found[key] = template
    return found


def template_texts(config: Config, root: Path) -> dict[str, tuple[str, str]]:
    """(text, name) of each configured type's template, by ``template_key``: what
    ``load_templates`` reads, unparsed (the result cache's key; ConfigError alike)."""
    found: dict[str, tuple[str, str]] = {}
    for spec in config.types + config.scoped:
        key = template_key(spec)
        if key not in found and (text := template_text(config, root, spec)) is not None:
            found[key] = text[:2]
    return found


def _load_template(config: Config, root: Path, spec: TypeSpec) -> Template | None:
    """One type's template, or None."""
    found = template_text(config, root, spec)
    return parse_template(found[0], found[1]) if found is not None else None


def template_text(config: Config, root: Path, spec: TypeSpec) -> tuple[str, str, bool] | None:
    """(text, name, shipped with tracegraph) of a type's template, or None when it has none;
    a ``template:`` that cannot be read is a ConfigError naming the config key."""
    where = config.source or "config"
    if spec.template and spec.template.startswith(PACKAGED):
        name = spec.template[len(PACKAGED) :]
        packaged = PACKAGE_TEMPLATES / name
        if not packaged.is_file():
            raise ConfigError(f"{where}: types.{spec.name}.template: no packaged template {name}")
        return packaged.read_text(encoding="utf-8"), name, True
    if spec.template:
        # Read like a document: inside the root, a regular file within limits.max_file_bytes,
        # no symbolic link out; anything else is a ConfigError.
        rel = template_file(config, root, spec.name, spec.template)
        data = read_document(root, rel, config.limits.max_file_bytes)
        try:
            if data.data is None:
                raise ValueError(data.error)
            return data.data.decode("utf-8"), spec.template, False
        except (ValueError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"{_setting(config, spec.name)}: cannot read {spec.template}: {exc}"
            ) from None
    default = PACKAGE_TEMPLATES / f"{spec.name.lower()}.md"
    if default.is_file():
        return default.read_text(encoding="utf-8"), default.name, True
    return None


def template_file(config: Config, root: Path, type_name: str, template: str) -> str:
    """A ``template:`` setting as a POSIX path relative to the root.

    Relative to the config file's folder when that folder is inside the root, else to the
    root; an absolute path, or one that leaves the root, is a ConfigError (a repository's own
    config must not make tracegraph read anything outside it).

    >>> from tracegraph.config import default_config
    >>> template_file(default_config(), Path("."), "TDD", "docs/../tpl/tdd.md")
    'tpl/tdd.md'
    """
    if PurePosixPath(template).is_absolute() or PureWindowsPath(template).anchor:
        raise ConfigError(
            f"{_setting(config, type_name)}: {template} is an absolute path; give a path "
            "inside the repository, relative to the config file's folder"
        )
    rel = posixpath.normpath(posixpath.join(_config_folder(config, root), template))
    if rel == ".." or rel.startswith("../"):
        raise ConfigError(
            f"{_setting(config, type_name)}: {template} leaves the repository root; templates "
            "must be inside it"
        )
    return rel


def _setting(config: Config, type_name: str) -> str:
    return f"{config.source or 'config'}: types.{type_name}.template"


def _config_folder(config: Config, root: Path) -> str:
    """The config file's folder relative to the root ("" for the root itself, or when the
    config file is outside the root or there is none)."""
    if not config.source:
        return ""
    source = Path(config.source)
    candidate = root / source if (root / source).is_file() else source
    try:
        real_root = os.path.realpath(root)
        folder = os.path.dirname(os.path.realpath(candidate))
    except (OSError, ValueError):
        return ""
    if folder != real_root and not folder.startswith(real_root.rstrip(os.sep) + os.sep):
        return ""
    rel = os.path.relpath(folder, real_root)
    return "" if rel == "." else PurePosixPath(*Path(rel).parts).as_posix()
