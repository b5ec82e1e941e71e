"""How well the presets type real repositories: right ID and status per proposal.

For each repository given as NAME=PATH (a local clone, or a sample keeping real relative
paths), the expected ID and status of every proposal are derived from the raw files with a
few regexes of this script's own (not tracegraph's code) and compared with
`tracegraph export --format json`. For KEPs it also lists the relation paths in `kep.yaml`
(see-also / replaces / superseded-by) that name a folder or file the tree does not have, and
checks that `tracegraph check` reports each at its line, naming the path.

    python bench/presets_eval.py kep=../enhancements eip=../EIPs se=../swift-evolution \\
        ember=../rfcs-ember rust=../rfcs-rust [--list]

Names: kep (kubernetes/enhancements), eip (ethereum/EIPs), se (swiftlang/swift-evolution),
ember (emberjs/rfcs), rust (rust-lang/rfcs). What counts as right is written down in
docs/presets-evaluation.md.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

Expected = dict[str, tuple[str, str | None]]
RELATION_KEYS = ("see-also", "replaces", "superseded-by")
_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.S)
_SE_STATUS = re.compile(r"^\s*[*-]\s*Status\s*:\s*(.+)$", re.M | re.I)
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def _yaml(text: str) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=yaml.BaseLoader)  # every value as text
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def _front(text: str) -> dict[str, Any]:
    found = _FRONT.match(text)
    return _yaml(found.group(1)) if found else {}


def _word(status: str | None) -> str | None:
    return re.sub(r"[\s_]+", "-", status.strip().lower()) if status else None


def expect_kep(root: Path) -> Expected:
    """keps/<sig>/<NNNN-slug>/README.md: KEP-<kep-number, else the folder's number>, with the
    status of kep.yaml; the template folder (keps/NNNN-kep-template) is not a proposal."""
    out: Expected = {}
    for readme in sorted(root.glob("keps/*/*/README.md")):
        if not re.match(r"\d+-", readme.parent.name):
            continue
        side = readme.parent / "kep.yaml"
        data = _yaml(side.read_text(encoding="utf-8")) if side.exists() else {}
        number = str(data.get("kep-number") or readme.parent.name.split("-")[0])
        key = readme.relative_to(root).as_posix()
        out[key] = (f"KEP-{int(number)}", _word(data.get("status")))
    return out


def expect_eip(root: Path) -> Expected:
    """EIPS/eip-N.md: EIP-<front matter eip>, its status."""
    out: Expected = {}
    for path in sorted(root.glob("EIPS/eip-*.md")):
        data = _front(path.read_text(encoding="utf-8"))
        number = data.get("eip") or re.sub(r"\D", "", path.stem)
        out[path.relative_to(root).as_posix()] = (f"EIP-{int(number)}", _word(data.get("status")))
    return out


def _se_status(text: str) -> str | None:
    """The first word of the `* Status:` field line (markup and link targets dropped)."""
    found = _SE_STATUS.search(text)
    if not found:
        return None
    value = _MD_LINK.sub(r"\1", found.group(1)).replace("*", "")
    first = re.match(r"\s*([A-Za-z]+)", value)
    return first.group(1).lower() if first else None


def expect_se(root: Path) -> Expected:
    """proposals/NNNN-*.md: SE-NNNN; proposals/testing/NNNN-*.md: ST-NNNN (Swift Testing)."""
    out: Expected = {}
    for prefix, folder in (("SE", "proposals"), ("ST", "proposals/testing")):
        for path in sorted((root / folder).glob("[0-9][0-9][0-9][0-9]-*.md")):
            text = path.read_text(encoding="utf-8")
            out[path.relative_to(root).as_posix()] = (f"{prefix}-{path.name[:4]}", _se_status(text))
    return out


def expect_ember(root: Path) -> Expected:
    """text/NNNN-*.md: RFC-NNNN, the front matter's `stage`."""
    out: Expected = {}
    for path in sorted(root.glob("text/[0-9][0-9][0-9][0-9]-*.md")):
        stage = _front(path.read_text(encoding="utf-8")).get("stage")
        out[path.relative_to(root).as_posix()] = (f"RFC-{path.name[:4]}", _word(stage))
    return out


def expect_rust(root: Path) -> Expected:
    """text/NNNN-*.md: RFC-NNNN, accepted (merged; the files carry no status). A file that
    only says "Moved to [x](x.md)" forwards to another RFC and is not one."""
    out: Expected = {}
    for path in sorted(root.glob("text/[0-9][0-9][0-9][0-9]-*.md")):
        if re.match(r"\s*moved to \[", path.read_text(encoding="utf-8"), re.I):
            continue
        out[path.relative_to(root).as_posix()] = (f"RFC-{path.name[:4]}", "accepted")
    return out


EXPECT: dict[str, Callable[[Path], Expected]] = {
    "kep": expect_kep,
    "eip": expect_eip,
    "se": expect_se,
    "ember": expect_ember,
    "rust": expect_rust,
}


#: A file or folder view of kubernetes/enhancements (``kep.yaml`` writes them with and
#: without the scheme); group 1 is the path in the repository.
OWN_URL = re.compile(
    r"^(?:https?://)?(?:www\.)?github\.com/kubernetes/enhancements/(?:blob|tree)/[^/]+/(.+)$",
    re.I,
)


def kep_dangling(root: Path) -> list[tuple[str, int, str]]:
    """(kep.yaml, line, value) of each relation value written as a repository path
    (``/keps/...``, ``keps/...``, a relative file or folder, or a file view of
    kubernetes/enhancements itself, with or without its scheme) that names nothing in the tree.
    Read line by line, not through YAML, so that each value keeps its line. Other web
    addresses, Markdown links, IDs and bare words are not paths."""
    out: list[tuple[str, int, str]] = []
    for side in sorted(root.glob("keps/*/*/kep.yaml")):
        key: str | None = None
        for number, line in enumerate(side.read_text(encoding="utf-8").splitlines(), start=1):
            head = re.match(r"^([A-Za-z-]+):\s*(.*)$", line)
            if head:
                key = head.group(1) if head.group(1) in RELATION_KEYS else None
                values = [head.group(2)] if head.group(2).strip() not in ("", "[]") else []
            elif key and re.match(r"^\s+-\s*", line):
                values = [re.sub(r"^\s+-\s*", "", line)]
            else:
                continue
            for raw in values:
                value = re.sub(r"\s+#.*$", "", raw).strip().strip("\"'")
                own = OWN_URL.match(value)
                path = f"/{own.group(1)}" if own else value
                if not value or value.lower() in ("n/a", "none", "tbd") or "://" in path:
                    continue
                if path.startswith(("github.com/", "[")):
                    continue
                if "/" not in path and not path.endswith(".md"):
                    continue
                base = root if path.startswith("/") else side.parent
                target = base / path.strip("/")
                if path.startswith("keps/") and not target.exists():
                    target = root / path.strip("/")
                if not target.is_file() and not (target / "README.md").is_file():
                    out.append((side.relative_to(root).as_posix(), number, value))
    return out


def _tracegraph(tracegraph: str, *args: str) -> Any:
    run = subprocess.run([tracegraph, *args], capture_output=True, text=True, check=False)
    if run.returncode not in (0, 1):
        sys.exit(f"{tracegraph} {' '.join(args)}: {run.stderr.strip()}")
    return json.loads(run.stdout)


def measure(name: str, root: Path, tracegraph: str, listing: bool) -> None:
    """Print one repository's figures (and, with ``listing``, every miss)."""
    expected = EXPECT[name](root)
    export = _tracegraph(tracegraph, "export", str(root), "--format", "json", "--no-cache")
    nodes = {node["path"]: node for node in export["nodes"]}
    wrong: list[str] = []
    for path, (doc_id, status) in expected.items():
        node = nodes.get(path)
        if node is None:
            wrong.append(f"{path}: not a document")
        elif node.get("name", node["id"]) != doc_id:  # export v2: "name" is the ID
            wrong.append(f"{path}: ID {node.get('name', node['id'])}, expected {doc_id}")
        elif node["status"] != status:
            wrong.append(f"{path}: status {node['status']}, expected {status}")
    right = len(expected) - len(wrong)
    share = 100.0 * right / len(expected) if expected else 0.0
    print(f"{name:<6} {len(expected):>9} {right:>6} {len(wrong):>6} {share:>6.1f}%")
    for line in wrong if listing else ():
        print(f"    {line}")
    if name != "kep":
        return
    dangling = kep_dangling(root)
    args = ("check", str(root), "--format", "json", "--no-cache", "--fail-on", "never")
    findings = _tracegraph(tracegraph, *args)["findings"]
    reported = [
        d
        for d in dangling
        if any(
            f["path"] == d[0] and f["line"] == d[1] and d[2].rstrip("/") in f["message"]
            for f in findings
        )
    ]
    named = f"{len(dangling)}; reported at their line, naming the path: {len(reported)}"
    print(f"       kep.yaml relation paths naming nothing: {named}")
    for d in dangling if listing else ():
        print(f"    {'reported' if d in reported else 'MISSED  '} {d[0]}:{d[1]} {d[2]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repos", nargs="+", metavar="NAME=PATH", help=f"NAME: {', '.join(EXPECT)}")
    parser.add_argument("--tracegraph", default="tracegraph", help="the command to run")
    parser.add_argument("--list", action="store_true", help="print every miss")
    args = parser.parse_args()
    print(f"{'repo':<6} {'proposals':>9} {'right':>6} {'wrong':>6} {'share':>7}")
    for item in args.repos:
        name, _, path = item.partition("=")
        if name not in EXPECT or not path:
            parser.error(f"expected NAME=PATH with NAME one of {', '.join(EXPECT)}: {item}")
        measure(name, Path(path), args.tracegraph, args.list)


if __name__ == "__main__":
    main()
