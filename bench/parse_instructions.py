#!/usr/bin/env python3
"""Count the machine instructions ``parse_document`` takes over a sample of a corpus, under
valgrind's callgrind: a figure that, unlike CPU seconds, the load of a shared machine does not
move (two builds compared this way differ by what they do, not by when they ran).

Usage::

    python bench/parse_instructions.py /tmp/tgbench/10k --every 20

Every ``--every``-th document is read into memory; 50 other documents are parsed first
(imports, compiled patterns and first calls are not what is measured, and the sample's own
text is not in the parser's caches yet, as in a cold check), then the sample through
``itertools.starmap``, which nothing else calls: callgrind counts only inside it
(``--toggle-collect=starmap_next``). Needs ``valgrind``; about 20 s of CPU for 500 documents.
String hashing is seeded (``PYTHONHASHSEED=0`` unless set): with random hashes the count
moves by a few tenths of a percent from run to run. ``--out FILE`` keeps callgrind's profile
for ``callgrind_annotate --inclusive=yes FILE``.
Figures, not assertions: see bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def _measure(corpus: Path, every: int) -> None:
    """The part that runs under valgrind."""
    from tracegraph.config import load_config
    from tracegraph.crawl import crawl, read_document
    from tracegraph.parse import Recogniser, parse_document
    from tracegraph.parse.frontmatter import load_front_matter

    config = load_config(corpus)
    recogniser = Recogniser.from_config(config)
    limits = config.limits
    documents = crawl(corpus, config).documents

    def read(paths: Sequence[str]) -> list[tuple[object, ...]]:
        out: list[tuple[object, ...]] = []
        for rel in paths:
            data = read_document(corpus, rel, limits.max_file_bytes)
            out.append((rel, data.data, recogniser, limits, data.error))
        return out

    calls = read(documents[::every])
    warm = read([rel for i, rel in enumerate(documents) if i % every][:50])
    # A cold check has read its config (PyYAML imported) before it parses, and the first
    # front matter imports the rest of the YAML reader: neither is parse work to count (a
    # sample whose first front matter fell inside it counted ~10% of imports).
    load_front_matter("warm: up\n", limits.max_yaml_aliases)
    gc.disable()  # as the scan does while parsing
    for call in warm:
        parse_document(*call)  # type: ignore[arg-type]
    for _ in itertools.starmap(parse_document, calls):
        pass
    print(f"{len(calls):,} documents", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--every", type=int, default=20)
    parser.add_argument("--out", type=Path, help="keep callgrind's profile here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _measure(args.corpus, args.every)
        return
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        sys.exit("parse_instructions: valgrind is not installed")
    with tempfile.TemporaryDirectory() as work:
        out = args.out or Path(work) / "callgrind.out"
        command = [
            valgrind, "--tool=callgrind", f"--callgrind-out-file={out}",
            "--toggle-collect=starmap_next", sys.executable, __file__, str(args.corpus),
            "--every", str(args.every), "--child",
        ]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.setdefault("PYTHONHASHSEED", "0")  # string hashes move dict and set work a little
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
        if done.returncode != 0 or found is None:
            sys.exit(f"parse_instructions: valgrind failed:\n{done.stderr[-2000:]}")
        documents = re.search(r"([\d,]+) documents", done.stderr)
        print(f"{documents.group(1) if documents else '?'} documents (every {args.every}th)")
        print(f"parse_document: {found.group(1)} instructions")


if __name__ == "__main__":
    main()
