"""The repository's web address as its own project files declare it.

Files at the root of a repository often name the repository they live in: mdBook's
``book.toml`` (``git-repository-url``), mkdocs' ``repo_url``, ``package.json``'s
``repository``, ``Cargo.toml``'s and ``pyproject.toml``'s repository URLs, ``CITATION.cff``'s
``repository-code``, Jekyll's ``repository: owner/name`` (GitHub Pages), Docusaurus'
``organizationName``/``projectName`` and a Go module path on a forge. Each is read from the bytes
the crawl already holds, with a safe parser (TOML, JSON, YAML composed without constructing any
tag, a regular expression for JavaScript and ``go.mod``); nothing is ever executed, and a file
that does not parse declares nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from .repository import repository_address

__all__ = ["DECLARING_FILES", "declared_address"]


def declared_address(name: str, data: bytes) -> str | None:
    """The repository address that the root file ``name`` (one of ``DECLARING_FILES``)
    declares in ``data``, or None.

    >>> declared_address("book.toml", b'[output.html]\\ngit-repository-url = "https://github.com/rust-lang/rfcs"\\n')
    'https://github.com/rust-lang/rfcs'
    >>> declared_address("package.json", b'{"repository": {"type": "git", "url": "git+https://github.com/o/r.git"}}')
    'https://github.com/o/r'
    >>> declared_address("package.json", b'{"repository": "not json') is None
    True
    """
    reader = _READERS.get(name)
    if reader is None:
        return None
    text = data.decode("utf-8", "replace").removeprefix("\ufeff")
    try:
        value = reader(text)
    except (ValueError, TypeError, RecursionError):  # a YAML reader's errors are its own
        return None
    return repository_address(value) if isinstance(value, str) and value else None


def _toml(text: str) -> dict[str, Any]:
    import tomllib  # only when such a file is at the root (1.4 ms of every start-up)

    return tomllib.loads(text)


def _book_toml(text: str) -> object:
    return _dig(_toml(text), "output", "html", "git-repository-url")


def _cargo_toml(text: str) -> object:
    data = _toml(text)
    found = _dig(data, "package", "repository")
    return found if isinstance(found, str) else _dig(data, "workspace", "package", "repository")


#: ``[project.urls]`` keys that name the source repository (compared without case, spaces,
#: hyphens or underscores), in order of preference.
_SOURCE_KEYS = ("repository", "source", "sourcecode", "code", "github", "gitlab")


def _pyproject_toml(text: str) -> object:
    data = _toml(text)
    urls = _dig(data, "project", "urls")
    if isinstance(urls, Mapping):
        by_key = {re.sub(r"[\s_-]", "", str(k)).lower(): v for k, v in urls.items()}
        for key in _SOURCE_KEYS:
            if isinstance(by_key.get(key), str):
                return by_key[key]
        home = by_key.get("homepage")
        if isinstance(home, str) and re.match(r"https?://(www\.)?(github|gitlab)\.com/", home):
            return home
    return _dig(data, "tool", "poetry", "repository")


def _package_json(text: str) -> object:
    data = json.loads(text)
    found = _dig(data, "repository")
    return _dig(found, "url") if isinstance(found, Mapping) else found


def _top_level_yaml(key: str) -> Callable[[str], object]:
    """A reader of one top-level scalar of a YAML file. The file is only composed (mkdocs
    configs use Python tags; none is constructed, and an alias is never expanded)."""

    def read(text: str) -> object:
        import yaml

        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            return None
        if not isinstance(node, yaml.MappingNode):
            return None
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v.value if isinstance(v, yaml.ScalarNode) else None
        return None

    return read


def _jekyll_config(text: str) -> object:
    """GitHub Pages' ``repository: owner/name`` (jekyll-github-metadata)."""
    value = _top_level_yaml("repository")(text)
    if isinstance(value, str) and re.fullmatch(r"[\w.-]+/[\w.-]+", value.strip()):
        return f"https://github.com/{value.strip()}"
    return None


_DOCUSAURUS = {
    key: re.compile(rf"""\b{key}\s*:\s*(['"])([\w.-]+)\1""")
    for key in ("organizationName", "projectName")
}


def _docusaurus_config(text: str) -> object:
    """``organizationName`` and ``projectName`` written as string literals (GitHub Pages
    deployment settings); the file is JavaScript and is never run."""
    org, project = (_DOCUSAURUS[k].search(text) for k in ("organizationName", "projectName"))
    if org is None or project is None:
        return None
    return f"https://github.com/{org.group(2)}/{project.group(2)}"


_GO_MODULE = re.compile(r"^\s*module\s+\"?(github\.com/[\w.-]+/[\w.-]+)", re.M)


def _go_mod(text: str) -> object:
    found = _GO_MODULE.search(text)
    return f"https://{found.group(1)}" if found else None


def _dig(data: Any, *keys: str) -> object:
    """``data[k1][k2]...``, or None where a level is missing or not a mapping."""
    for key in keys:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


_READERS: dict[str, Callable[[str], object]] = {
    "book.toml": _book_toml,
    "mkdocs.yml": _top_level_yaml("repo_url"),
    "mkdocs.yaml": _top_level_yaml("repo_url"),
    "package.json": _package_json,
    "Cargo.toml": _cargo_toml,
    "pyproject.toml": _pyproject_toml,
    "CITATION.cff": _top_level_yaml("repository-code"),
    "_config.yml": _jekyll_config,
    "docusaurus.config.js": _docusaurus_config,
    "docusaurus.config.ts": _docusaurus_config,
    "go.mod": _go_mod,
}
#: Files at the root that may declare the repository's address, in the order they are listed.
DECLARING_FILES = tuple(_READERS)
